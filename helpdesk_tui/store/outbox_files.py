"""Private copies of the files attached to drafts and queued replies.

Attaching a file copies its bytes into ``<cache>.outbox/`` (beside the account's database,
mode 0700, files 0600) at once: the original may be moved, edited or deleted afterwards, and
what was attached is still what goes out. The queued item (or the draft) keeps the copy's
path with the name, media type, size and sha256 of what was attached; the copy is removed
when the item is delivered or dropped, or the attachment is taken off the draft.

A copy's name on disk is random, never the file's own name (which is only data).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

CHUNK = 1024 * 1024
MEMO_SUFFIX = ".uploads.json"  # sync/upload_memo: what a backend uploaded for the copy


def outbox_folder(db_path: Path) -> Path:
    """The folder holding an account's attachment copies."""
    return db_path.with_name(db_path.name + ".outbox")


def _private_folder(folder: Path) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # mkdir's mode is cut by the umask, and an old folder may be wider
    return folder


def snapshot(db_path: Path, source: Path, *, media_type: str | None = None) -> dict[str, object]:
    """Copy ``source`` into the private folder; the metadata a draft or outbox item keeps.

    Raises ``OSError`` when the file cannot be read (the caller says so in one sentence)."""
    folder = _private_folder(outbox_folder(db_path))
    target = folder / uuid.uuid4().hex
    digest = hashlib.sha256()
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    guessed = mimetypes.guess_type(source.name, strict=False)[0]
    return {"path": str(target), "name": source.name, "media_type": media_type or guessed or "application/octet-stream",
            "size": size, "sha256": digest.hexdigest()}


def copies(metas: Iterable[object]) -> list[Path]:
    """The paths of the private copies among attachment metadata (others are left alone)."""
    out = []
    for meta in metas:
        if isinstance(meta, Mapping) and isinstance(meta.get("path"), str) and meta["path"]:
            out.append(Path(str(meta["path"])))
    return out


def keep_as_downloaded(db_path: Path, message_id: int | None, metas: Iterable[object]) -> None:
    """After delivery: each copy becomes the sent message's attachment bytes in the cache
    (``store/attachments``: ``<message id>-<n>``), so what we sent opens without a download;
    without a message (or where the move fails) the copies are removed."""
    from helpdesk_tui.store.attachments import bytes_folder, bytes_path

    metas = list(metas)
    if message_id is not None:
        folder = outbox_folder(db_path).resolve()
        target = bytes_folder(db_path)
        for n, meta in enumerate((m for m in metas if isinstance(m, Mapping)), start=1):
            path = Path(str(meta.get("path") or ""))
            try:
                if path.resolve().parent != folder or not path.is_file():
                    continue
                _private_folder(target)
                os.replace(path, bytes_path(target, f"{message_id}-{n}"))
            except OSError:
                continue
    remove(db_path, metas)


def remove(db_path: Path, metas: Iterable[object]) -> None:
    """Delete the private copies (and their upload memos) named in ``metas``; a path outside
    the account's folder is never touched, whatever a payload says."""
    folder = outbox_folder(db_path).resolve()
    for path in copies(metas):
        try:
            resolved = path.resolve()
        except OSError:
            continue
        if resolved.parent != folder:
            continue
        for victim in (resolved, resolved.with_name(resolved.name + MEMO_SUFFIX)):
            try:
                victim.unlink(missing_ok=True)
            except OSError:
                pass  # a copy left behind costs disk, not correctness
