"""Attaching files to replies and notes: the private copy, the helpdesk's limits, and the
copies' end (delivered, dropped, or taken off a draft).

A file is copied when it is attached (``store/outbox_files.py``), so what was attached is
what goes out, whatever happens to the original. The metadata kept by the draft and the
queued item: ``path`` (the copy), ``name``, ``media_type``, ``size``, ``sha256``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from helpdesk_tui.domain.attachment_limits import NO_ATTACHMENTS, AttachmentLimits, human_size, problems
from helpdesk_tui.services.errors import InvalidRequest

Meta = dict[str, object]


@dataclass(frozen=True)
class HelpdeskLimits:
    label: str  # "Request Tracker", as the sentences name it
    limits: AttachmentLimits


def limits_for(backend_name: str, options: Mapping[str, str] | None = None) -> HelpdeskLimits:
    """What the account's helpdesk accepts (declared by its backend; nothing is asked over the network)."""
    from helpdesk_tui.sync import registry

    try:
        cls = registry.load_backend(backend_name)
    except registry.BackendUnavailable:
        return HelpdeskLimits(backend_name, NO_ATTACHMENTS)
    given = dict(options or {})
    return HelpdeskLimits(str(cls.label_for(given)), cls.capabilities_for(given).attachments)


def account_limits(workspace) -> HelpdeskLimits:
    """The limits of ``workspace``'s account (a ``services.workspace.Workspace``)."""
    if workspace.is_demo:  # the demo's backend is built in, not registered as a plug-in
        from helpdesk_tui.sync.backends.demo import DemoBackend

        return HelpdeskLimits(DemoBackend.label, DemoBackend.capabilities.attachments)
    account = workspace.settings.accounts[workspace.account]
    return limits_for(account.backend, account.options)


def attach(db_path: Path, path_text: str, limits: HelpdeskLimits | None = None) -> Meta:
    """Copy the file at ``path_text`` for sending; its metadata. One sentence when it cannot be
    attached: missing, a folder, unreadable, or beyond the helpdesk's limits for one file."""
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.store import outbox_files

    text = path_text.strip()
    if not text:
        raise InvalidRequest("No file given: type or paste the path of the file to attach.")
    path = Path(text).expanduser()
    shown = clean_line(str(path))
    if not path.exists():
        raise InvalidRequest(f"There is no file {shown}: check the path.")
    if not path.is_file():
        raise InvalidRequest(f"{shown} is not a file: attach the files in it one by one (or zip the folder).")
    if limits is not None:
        found = problems(limits.limits, [(path.name, path.stat().st_size)], limits.label)
        if found:
            raise InvalidRequest(found[0])
    try:
        return outbox_files.snapshot(db_path, path)
    except OSError as exc:
        raise InvalidRequest(f"Cannot read {shown}: {exc.strerror or exc}.") from None


def check(limits: HelpdeskLimits, metas: Sequence[Mapping[str, object]]) -> None:
    """``InvalidRequest`` with one sentence per problem when the files together break a limit."""
    files = [(str(m.get("name") or ""), _size(m)) for m in metas]
    found = problems(limits.limits, files, limits.label)
    if found:
        raise InvalidRequest(" ".join(found))


def discard(db_path: Path, metas: Iterable[object]) -> None:
    """Delete the private copies of attachments no longer going anywhere."""
    from helpdesk_tui.store import outbox_files

    outbox_files.remove(db_path, metas)


def describe(meta: Mapping[str, object]) -> str:
    """``report.pdf · 1.4 MB`` (the name made safe to show)."""
    from helpdesk_tui.content.file_names import display_name

    return f"{display_name(str(meta.get('name') or 'attachment'))} · {human_size(_size(meta))}"


def _size(meta: Mapping[str, object]) -> int:
    size = meta.get("size")
    return size if isinstance(size, int) and not isinstance(size, bool) else 0


def attach_all(workspace, paths: Sequence[str]) -> tuple[Meta, ...]:
    """Copy every file in ``paths`` for a reply of ``workspace``'s account, after checking each
    against its helpdesk's limits and all of them together; nothing is left behind on a refusal."""
    if not paths:
        return ()
    limits = account_limits(workspace)
    metas: list[Meta] = []
    try:
        for path in paths:
            metas.append(attach(workspace.db_path, path, limits))
        check(limits, metas)
    except BaseException:
        discard(workspace.db_path, metas)
        raise
    return tuple(metas)


def backend_limits(backend) -> HelpdeskLimits | None:
    """The limits of a running backend (the app's); None without one (nothing is sent anyway)."""
    if backend is None:
        return None
    return HelpdeskLimits(str(backend.label), backend.capabilities.attachments)


def add(db_path: Path, attached: Sequence[Mapping[str, object]], path_text: str,
        limits: HelpdeskLimits | None) -> tuple[Meta, ...]:
    """``attached`` with the file at ``path_text`` added (copied); one sentence when it cannot be."""
    meta = attach(db_path, path_text, limits)
    together = (*(dict(m) for m in attached), meta)
    if limits is not None:
        try:
            check(limits, together)
        except InvalidRequest:
            discard(db_path, [meta])
            raise
    return together


def without(db_path: Path, attached: Sequence[Mapping[str, object]], index: int) -> tuple[Meta, ...]:
    """``attached`` without its ``index``-th file, whose copy is deleted."""
    if not 0 <= index < len(attached):
        return tuple(dict(m) for m in attached)
    discard(db_path, [attached[index]])
    return tuple(dict(m) for n, m in enumerate(attached) if n != index)


def complete_path(text: str, *, limit: int = 2000) -> str | None:
    """``text`` completed to the one file or folder it can only mean, or to the longest common
    start of the names it may mean (folders end in ``/``); None when nothing is found."""
    import os

    if not text:
        return None
    expanded = os.path.expanduser(text)
    folder, start = os.path.split(expanded)
    try:
        with os.scandir(folder or ".") as entries:
            names = []
            for n, entry in enumerate(entries):
                if n >= limit:
                    break  # a huge folder: completion is a help, not worth a stall
                if entry.name.startswith(start) and (start.startswith(".") or not entry.name.startswith(".")):
                    names.append(entry.name + ("/" if entry.is_dir() else ""))
    except OSError:
        return None
    if not names:
        return None
    common = os.path.commonprefix(names)
    if len(common) <= len(start):
        return None
    completed = os.path.join(folder, common)
    # keep the ~ the agent typed: the suggestion must extend what is in the field
    if text.startswith("~") and expanded != text:
        completed = text + completed[len(expanded):]
    return completed
