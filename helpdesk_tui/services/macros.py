"""Macros: the built-in, the user's and the helpdesk's; what one will change on a ticket
(the preview), applying it, and taking it back while its changes are still queued.

What rides where: the text a macro writes is inserted into the reply, which the agent
still sends. When a macro writes a reply, its status and promised update go with that
reply (its send options), so a promise counts as the acknowledgement the reply makes and a
ticket is solved by the report that says so. Everything else (priority, tags, assignee,
group, the internal note; status and promise of a macro that writes no reply) is queued
through the outbox at once, held for the undo window (``[send] delay_seconds``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, cast

from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.macros import MacroError, MacroLoadResult, load_macros, resolve_macro
from helpdesk_tui.compose.templates import SyncedRecord, Template, load_templates, resolve_template
from helpdesk_tui.config.paths import macros_beside
from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.macros import Macro
from helpdesk_tui.services.errors import InvalidRequest, ServiceError
from helpdesk_tui.services.bulk import number_list
from helpdesk_tui.services.macro_preview import (
    NOW, REPLY_MACROS_ON_MANY, WITH_REPLY, FieldRow, MacroPreview, describe, describe_many, keeps, preview,
)
from helpdesk_tui.services.workspace import Workspace, find_ticket
from helpdesk_tui.store import macros as store_macros
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.triage import TriageError, Undone, new_batch
from helpdesk_tui.store.write_errors import WriteFailed

HELPDESK = "helpdesk"  # the id prefix of macros synced from the helpdesk
MACRO = store_macros.MACRO  # a macro's action name in the log the inbox's undo reads


# ----- loading

def backend_class(settings: Any, account: str) -> Any | None:
    """The account's backend class (for its capabilities and its macros' actions), without a
    token; None when it cannot be loaded."""
    if account == "demo":
        from helpdesk_tui.sync.backends.demo import DemoBackend

        return DemoBackend
    config = settings.accounts.get(account)
    if config is None:
        return None
    from helpdesk_tui.sync.registry import BackendUnavailable, load_backend

    try:
        return load_backend(config.backend)
    except BackendUnavailable:
        return None


def _synced(cache: Cache, backend: Any | None, failed: list[tuple[str, str]]) -> list[Macro]:
    """The helpdesk's macros whose actions the backend can read (Zendesk's), as ours."""
    if backend is None or not cache.path.exists():
        return []
    with cache.connection() as conn:
        records = store_macros.synced_records(conn)
    found = []
    for record in records:
        mapped = backend.template_actions(record.raw)
        if mapped is None:
            continue
        source = f"{record.origin} {record.remote_id}"
        text = record.body.strip("\n")
        if text.strip():
            from helpdesk_tui.compose.sandbox import compile_template  # Jinja: when a macro is read

            try:
                compile_template(text)
            except TemplateError as exc:
                failed.append((source, str(exc.located(source))))
                continue
        body, note = (text, "") if mapped.public else ("", text)
        found.append(Macro(id=f"{HELPDESK}/{record.remote_id}", name=clean_line(record.name) or source,
                           description=clean_line(record.description), actions=mapped.actions,
                           body=body + "\n" if body.strip() else "", note=note + "\n" if note.strip() else "",
                           source=source, origin=record.origin, skipped=mapped.skipped))
    return found


def templates_for(cache: Cache, templates_dir: Path | None) -> list[Template]:
    """The templates a macro may name: built-in, the helpdesk's and the user's."""
    # compose.templates.SyncedRecord declares settable fields; the cache's records are frozen.
    synced = cast("list[SyncedRecord]", cache.synced_templates() if cache.path.exists() else [])
    return load_templates(templates_dir, synced).templates


def load_all(cache: Cache, *, templates_dir: Path | None, backend: Any | None,
             templates: list[Template] | None = None) -> MacroLoadResult:
    """Every macro offered (built-in, the helpdesk's, the user's files beside the templates),
    and (file, sentence) for each that cannot be used: a macro naming a template that does
    not exist is skipped and reported too."""
    failed: list[tuple[str, str]] = []
    synced = _synced(cache, backend, failed)
    result = load_macros(macros_beside(templates_dir) if templates_dir else None, synced)
    failed.extend(result.failed)
    templates = templates if templates is not None else templates_for(cache, templates_dir)
    usable = []
    for macro in result.macros:
        if macro.template:
            try:
                resolve_template(templates, macro.template)
            except TemplateError as exc:
                failed.append((macro.source if macro.source != "builtin" else f"builtin:{macro.id}",
                               f"{macro.name}: {exc.reason}."))
                continue
        usable.append(macro)
    usable.sort(key=lambda m: (bool(m.origin), m.name.casefold()))
    return MacroLoadResult(usable, failed)


# ----- applying and undoing

@dataclass(frozen=True)
class AppliedMacro:
    preview: MacroPreview
    batch: str | None  # what ``undo`` takes back; None when nothing was queued
    outbox_ids: tuple[str, ...]
    held_until: datetime | None  # the end of the undo window (None: queued at once)


def apply(cache: Cache, preview: MacroPreview, *, agent: str, now: datetime, hold_seconds: int,
          backend: Any | None) -> AppliedMacro:
    """Queue the preview's field changes, promise and note through the outbox (held for the
    undo window); the reply text is the caller's to insert. ``ServiceError`` with a sentence
    when the note still needs values or the cache refuses."""
    if preview.note_problems:
        fix = ("change the macro on the helpdesk" if preview.macro.origin
               else "give it with a 'var.NAME:' line in the macro file")
        raise InvalidRequest(clean_line(f"The macro's note needs a value for {', '.join(preview.note_problems)} "
                                        f"and was not queued: {fix}."))
    if not preview.queues_anything:
        return AppliedMacro(preview, None, (), None)
    sends_tags, _ = keeps(backend)
    until = now + timedelta(seconds=hold_seconds) if hold_seconds > 0 else None
    what = f"macro {clean_line(preview.macro.name)}"
    try:
        with cache.connection() as conn, transaction(conn):
            done = store_macros.apply_macro(conn, preview.ticket.id or 0, change=preview.change,
                                            checkpoint=preview.checkpoint, note=preview.note, agent=agent, now=now,
                                            what=what, sends_tags=sends_tags, hold_until=until)
    except WriteFailed as exc:
        from helpdesk_tui.store.failures import explain

        raise ServiceError(f"The macro was not applied. {explain(exc.__cause__ or exc, cache.path)}") from None
    if done is None:
        return AppliedMacro(preview, None, (), None)
    return AppliedMacro(preview, done.batch, done.outbox_ids, until)


@dataclass(frozen=True)
class AppliedToMany:
    batch: str | None  # one undo takes back every ticket's share; None when nothing was queued
    numbers: tuple[int, ...]  # the tickets changed
    unchanged: tuple[int, ...]  # already as the macro would leave them
    skipped: tuple[str, ...]  # what the macro asks that is not done here (said once)


def preview_many(cache: Cache, ticket_ids: list[int], macro: Macro, *, templates: list[Template], agent: str,
                 now: datetime, tz: tzinfo, backend: Any | None) -> list[MacroPreview]:
    """What ``macro`` will do to each of several tickets (the inbox's marked ones), before it
    does it; ``describe_many`` says it. A macro that writes a reply is refused (``apply_to_many``)."""
    if macro.writes_reply:
        raise InvalidRequest(clean_line(f"Macro {macro.name} writes a reply: apply it to one ticket at a time."))
    return [preview(cache, tid, macro, templates=templates, agent=agent, now=now, tz=tz, backend=backend)
            for tid in ticket_ids]


def apply_to_many(cache: Cache, ticket_ids: list[int], macro: Macro, *, templates: list[Template], agent: str,
                  now: datetime, tz: tzinfo, hold_seconds: int, backend: Any | None) -> AppliedToMany:
    """The macro on several tickets at once (the inbox's marked tickets): one transaction, one
    undo. A macro that writes a reply is refused: each reply is the agent's to write and send.
    The batch is logged outside any rotation by ``agent``, like the inbox's other actions, so
    the inbox's undo (``ActionDesk.undo``) takes back whichever of them came last."""
    previews = preview_many(cache, ticket_ids, macro, templates=templates, agent=agent, now=now, tz=tz,
                            backend=backend)
    for shown in previews:
        if shown.note_problems:
            raise InvalidRequest(clean_line(f"The macro's note needs a value for {', '.join(shown.note_problems)}: "
                                            "nothing was queued."))
    sends_tags, _ = keeps(backend)
    until = now + timedelta(seconds=hold_seconds) if hold_seconds > 0 else None
    batch = new_batch()
    changed: list[int] = []
    unchanged: list[int] = []
    try:
        with cache.connection() as conn, transaction(conn):
            for shown in previews:
                done = store_macros.apply_macro(conn, shown.ticket.id or 0, change=shown.change,
                                                checkpoint=shown.checkpoint, note=shown.note, agent=agent, now=now,
                                                what=f"macro {clean_line(macro.name)}", sends_tags=sends_tags,
                                                hold_until=until, batch=batch)
                (changed if done is not None else unchanged).append(shown.ticket.number)
    except WriteFailed as exc:
        from helpdesk_tui.store.failures import explain

        raise ServiceError(f"The macro was not applied. {explain(exc.__cause__ or exc, cache.path)}") from None
    skipped = tuple(dict.fromkeys(s for shown in previews for s in shown.skipped))
    return AppliedToMany(batch if changed else None, tuple(changed), tuple(unchanged), skipped)


def many_sentence(macro: Macro, applied: AppliedToMany) -> str:
    """The inbox's toast: "Macro Escalate to tier 2 applied to 3 tickets: #10405, #10406, #10407."."""
    n = len(applied.numbers)
    if not n:
        return f"Macro {clean_line(macro.name)}: nothing changed, every ticket already is as it would leave it."
    said = (f"Macro {clean_line(macro.name)} applied to {n:,} ticket{'s' if n != 1 else ''}: "
            f"{number_list(applied.numbers)}.")
    if applied.unchanged:
        said += f" {len(applied.unchanged):,} already so."
    return said + " U undoes it while queued."


def undo(cache: Cache, batch: str, now: datetime) -> Undone:
    """Take a macro's queued changes back (fields, promise, note); ``ServiceError`` when part of
    it has already left the outbox."""
    try:
        with cache.connection() as conn, transaction(conn):
            return store_macros.undo_macro(conn, batch, now)
    except TriageError as exc:
        raise ServiceError(str(exc)) from None


def still_undoable(cache: Cache, batch: str) -> bool:
    """Whether the macro's batch has not been taken back yet (by its own undo or the inbox's)."""
    with cache.connection() as conn:
        return store_macros.not_undone(conn, batch)


def draft_in_the_way(cache: Cache, preview: MacroPreview) -> bool:
    """The ticket has a draft with other words than the macro's reply (it is never overwritten)."""
    if not preview.reply_text:
        return False
    existing = cache.draft(preview.ticket.id or 0)
    return existing is not None and existing.body.strip() not in ("", preview.reply_text.strip())


def put_reply_in_draft(cache: Cache, preview: MacroPreview, now: datetime) -> bool:
    """For the command line: the macro's reply text (with its send options) becomes the
    ticket's draft, for the agent to finish and send; False when a draft with other words is
    there (it is never overwritten)."""
    from helpdesk_tui.domain.models import Draft
    from helpdesk_tui.domain.vocab import MessageKind

    if not preview.reply_text:
        return True
    ticket_id = preview.ticket.id or 0
    if draft_in_the_way(cache, preview):
        return False
    cache.save_draft(Draft(ticket_id, MessageKind.PUBLIC_REPLY, preview.reply_text.rstrip("\n"), now, now,
                           status=preview.reply_status, next_checkpoint=preview.reply_checkpoint))
    return True


# ----- the command line's view of it

def workspace_macros(workspace: Workspace) -> MacroLoadResult:
    """Every macro of the workspace (``helpdesk-tui macro list``)."""
    templates_dir = workspace.locations.templates_dir
    backend = backend_class(workspace.settings, workspace.account)
    if not workspace.db_path.exists():
        return load_macros(workspace.locations.macros_dir)
    with workspace.cache() as cache:
        return load_all(cache, templates_dir=templates_dir, backend=backend)


def preview_for_ticket(workspace: Workspace, cache: Cache, reference: str, name: str,
                       now: datetime) -> MacroPreview:
    """The preview of the macro ``name`` (id or name) on ticket ``reference``."""
    backend = backend_class(workspace.settings, workspace.account)
    templates = templates_for(cache, workspace.locations.templates_dir)
    loaded = load_all(cache, templates_dir=workspace.locations.templates_dir, backend=backend, templates=templates)
    try:
        macro = resolve_macro(loaded.macros, name)
    except MacroError as exc:
        raise InvalidRequest(clean_line(str(exc))) from None
    ticket = find_ticket(cache, reference)
    return preview(cache, ticket.id or 0, macro, templates=templates, agent=workspace.settings.agent.name, now=now,
                   tz=now.astimezone().tzinfo or UTC, backend=backend)


__all__ = ["MACRO", "NOW", "REPLY_MACROS_ON_MANY", "WITH_REPLY", "AppliedMacro", "AppliedToMany", "FieldRow", "MacroPreview",
           "apply", "apply_to_many", "backend_class", "describe", "describe_many", "draft_in_the_way", "many_sentence",
           "preview_many", "still_undoable", "load_all", "preview", "preview_for_ticket", "put_reply_in_draft", "templates_for",
           "undo", "workspace_macros"]
