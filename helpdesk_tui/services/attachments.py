"""Attachment bytes: downloaded once into the account's cache, opened from there, saved as copies.

``ensure_local`` is what opening an attachment needs (the UI and the CLI): the path of its
bytes on this machine, downloaded through the account's backend on first use, into a
temporary file renamed into place only when whole (its size checked against the helpdesk's
listing), after which the least recently used bytes beyond ``[attachments] cache_mb`` are
removed. ``save_copy`` writes a copy into a folder the agent chose, under the file's name
made safe (``content.file_names``): never outside that folder, never over a file unless asked.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from helpdesk_tui.content.file_names import display_name, safe_save_name
from helpdesk_tui.services.errors import InvalidRequest, NotFound, ServiceError, cache_failure
from helpdesk_tui.services.tickets import ticket_detail
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store import attachment_files
from helpdesk_tui.store.attachments import (
    AttachmentInfo, StoredAttachment, bytes_folder, bytes_path, find_attachment,
)
from helpdesk_tui.sync import errors as sync_errors

__all__ = ["AttachmentInfo", "attachments_of", "ensure_local", "find_in_ticket", "save_copy"]

Progress = Callable[[int, int], None]
MB = 1024 * 1024


def attachments_of(ws: Workspace, ticket: str) -> list[AttachmentInfo]:
    """The attachments of ticket ``ticket`` (its number), in thread order."""
    with ws.cache() as cache:
        detail = ticket_detail(cache, ticket)
    return [a for m in detail.messages if m.id is not None for a in detail.attachments.get(m.id, ())]


def find_in_ticket(ws: Workspace, ticket: str, wanted: str) -> AttachmentInfo:
    """The attachment of ``ticket`` that ``wanted`` names: its id, or its file name (as sent, or
    as it is shown or saved); one sentence when none or several match."""
    found = attachments_of(ws, ticket)
    by_id = [a for a in found if a.id == wanted.strip()]
    if by_id:
        return by_id[0]
    matches = [a for a in found if wanted in (a.name, display_name(a.name), safe_save_name(a.name))]
    if len(matches) == 1:
        return matches[0]
    shown = display_name(wanted, limit=60)
    if matches:
        raise InvalidRequest(f"Several attachments of ticket {ticket} are named {shown}: give one of their ids "
                             f"({', '.join(a.id for a in matches)}).")
    if not found:
        raise NotFound(f"Ticket {ticket} has no attachments in the cache: sync if one was added since.")
    raise NotFound(f"Ticket {ticket} has no attachment {shown}: 'helpdesk-tui attachment list {ticket}' "
                   "shows their names and ids.")


def ensure_local(ws: Workspace, attachment_id: str, *, progress: Progress | None = None) -> Path:
    """The path of the attachment's bytes on this machine, downloading them on first use."""
    stored = _lookup(ws, attachment_id)
    if stored.local_file is not None:
        return stored.local_file  # a file the agent attached here: it is its own copy
    folder = bytes_folder(ws.db_path)
    path = bytes_path(folder, stored.info.id)
    if path.is_file():
        attachment_files.touch(path)
        return path
    _download(ws, stored, folder, path, progress)
    attachment_files.evict(folder, ws.settings.attachments.cache_mb * MB, keep=path)
    return path


def save_copy(ws: Workspace, attachment_id: str, folder: Path, *, overwrite: bool = False) -> Path:
    """Copy the attachment into ``folder`` under its cleaned name; the path written."""
    stored = _lookup(ws, attachment_id)
    source = ensure_local(ws, attachment_id)
    name = safe_save_name(stored.info.name)
    folder = Path(folder).expanduser().absolute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ServiceError(f"Cannot make the folder {folder} ({exc.strerror or exc}): choose another one.") from None
    if not folder.is_dir():
        raise InvalidRequest(f"{folder} is not a folder: choose a folder to save into.")
    target = folder / name
    if target.parent != folder or name in (".", ".."):  # safe_save_name gives one plain component
        raise ServiceError(f"{display_name(stored.info.name)} has no name that can be saved: report this.")
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise ServiceError(f"{display_name(name)} already exists in {folder}: choose another folder, or allow "
                           "overwriting it.")
    if target.is_dir() and not target.is_symlink():
        raise ServiceError(f"{display_name(name)} in {folder} is a folder: choose another folder.")
    try:
        _copy_into(source, target, overwrite)
    except FileExistsError:
        raise ServiceError(f"{display_name(name)} already exists in {folder}: choose another folder, or allow "
                           "overwriting it.") from None
    except OSError as exc:
        raise cache_failure(exc, target) from None
    return target


def _lookup(ws: Workspace, attachment_id: str) -> StoredAttachment:
    with ws.cache() as cache, cache.connection() as conn:
        stored = find_attachment(conn, attachment_id, bytes_folder(cache.path))
    if stored is None:
        shown = display_name(attachment_id, limit=40)
        raise NotFound(f"There is no attachment {shown} in the '{ws.account}' cache: 'helpdesk-tui attachment "
                       "list TICKET' shows their ids.")
    return stored


def _download(ws: Workspace, stored: StoredAttachment, folder: Path, path: Path, progress: Progress | None) -> None:
    """The bytes into ``path`` through the account's backend: whole, or not at all."""
    info = stored.info
    shown = display_name(info.name)
    backend = ws.backend()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(prefix=f"{attachment_files.PARTIAL_PREFIX}{info.id}-", dir=folder)
    except OSError as exc:
        raise cache_failure(exc, folder) from None
    try:
        with os.fdopen(fd, "w+b") as sink:
            backend.download_attachment(stored.meta, sink, progress)
            sink.flush()
            os.fsync(sink.fileno())
            written = os.fstat(sink.fileno()).st_size
        if info.size is not None and written != info.size:
            raise ServiceError(f"The download of {shown} was cut short ({written:,} of {info.size:,} bytes): "
                               "try again.")
        os.replace(partial, path)  # only a whole file ever has the attachment's name
    except sync_errors.Unreachable:
        raise ServiceError(f"{shown} is not on this machine yet and downloading it needs the network: "
                           "connect, then try again.") from None
    except sync_errors.NotFound:
        raise NotFound(f"{shown} is not on the helpdesk any more: sync the ticket to see what it has.") from None
    except sync_errors.NotSupported as exc:
        raise ServiceError(str(exc)) from None
    except sync_errors.SyncError as exc:
        raise ServiceError(f"Could not download {shown}: {exc}") from None
    except OSError as exc:
        raise cache_failure(exc, path) from None
    finally:
        Path(partial).unlink(missing_ok=True)
        client = backend.client
        if client is not None:
            client.close()
    if progress is not None:
        progress(written, written)


def _copy_into(source: Path, target: Path, overwrite: bool) -> None:
    """``source`` copied to ``target`` through a temporary file beside it: the name appears only
    with the whole content. Without ``overwrite`` a hard link puts it there only if the name is
    free at that moment (no check-then-write race); where links are not possible, a last check."""
    fd, partial = tempfile.mkstemp(prefix=".helpdesk-tui-", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o644)  # a saved file is the agent's, like any download
        if overwrite:
            os.replace(partial, target)
            return
        try:
            os.link(partial, target)
        except FileExistsError:
            raise
        except OSError:
            if target.exists() or target.is_symlink():
                raise FileExistsError(str(target)) from None
            os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)
