"""An attachment's bytes on this machine, and a copy of them in a folder the agent chose."""

# Only bytes already local here (the demo's, and <db>.attachments/<id>); the download lands with i11/attfetch.

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from helpdesk_tui.content.file_names import display_name, safe_save_name
from helpdesk_tui.services.errors import NotFound, ServiceError
from helpdesk_tui.services.workspace import Workspace


def _found(ws: Workspace, attachment_id: str):  # -> store.attachment_lookup.FoundAttachment
    from helpdesk_tui.store.attachment_lookup import find
    from helpdesk_tui.store.attachments import bytes_folder

    with ws.cache() as cache, cache.connection() as conn:
        found = find(conn, attachment_id, bytes_folder(ws.db_path))
    if found is None:
        raise NotFound(f"There is no attachment {display_name(attachment_id, limit=30)} in the "
                       f"'{ws.account}' cache: sync, then pick it again.")
    return found


def ensure_local(ws: Workspace, attachment_id: str, *,
                 progress: Callable[[int, int], None] | None = None) -> Path:
    """The path of the attachment's bytes on this machine."""
    from helpdesk_tui.store.attachments import bytes_folder, bytes_path

    found = _found(ws, attachment_id)
    path = bytes_path(bytes_folder(ws.db_path), found.info.id)
    if path.is_file():
        return path
    local = found.meta.get("path")
    if found.info.cached and isinstance(local, str):
        return Path(local)  # a file the agent attached here
    if ws.is_demo and found.info.media_type == "image/png":
        from helpdesk_tui.demo.screenshot import screenshot_png

        data = screenshot_png(found.info.size)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)
        if progress is not None:
            progress(len(data), len(data))
        return path
    raise ServiceError(f"{display_name(found.info.name, limit=40)} is not in the cache yet and needs the network: "
                       "sync when online, then open it again.")


def save_copy(ws: Workspace, attachment_id: str, folder: Path, *, overwrite: bool = False) -> Path:
    """Copy the attachment into ``folder`` under its cleaned name; an existing file is kept unless ``overwrite``."""
    found = _found(ws, attachment_id)
    source = ensure_local(ws, attachment_id)
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ServiceError(f"{folder} is not a folder: pick an existing one.")
    target = folder / safe_save_name(found.info.name)
    if target.parent.resolve() != folder.resolve():  # safe_save_name makes one component; say so if not
        raise ServiceError(f"{display_name(found.info.name, limit=40)} cannot be saved under that name.")
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise ServiceError(f"{target} already exists: choose to replace it, or save to another folder.")
    fd, partial = tempfile.mkstemp(dir=folder, prefix=".helpdesk-tui-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as data:
            shutil.copyfileobj(data, out, 1 << 20)
        os.replace(partial, target)
    except OSError as exc:
        Path(partial).unlink(missing_ok=True)
        raise ServiceError(f"Could not save to {folder}: {exc.strerror or exc}.") from None
    return target
