"""What a macro will do to a ticket, before it does it: fields before → after (queued now, or
with the reply), the text it inserts, the note it queues, and what it skips.

(Where each change goes, and why, is in ``services.macros``.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.render import apply_template
from helpdesk_tui.compose.templates import Template, resolve_template
from helpdesk_tui.content import clean_line, clean_text
from helpdesk_tui.content.html import html_to_text
from helpdesk_tui.domain.checkpoint import CheckpointError, describe_checkpoint, parse_checkpoint
from helpdesk_tui.domain.macros import Macro, field_change, promise_of, status_of
from helpdesk_tui.domain.models import Message, Ticket
from helpdesk_tui.domain.triage import Change, apply_change, changed_fields, escalation_facts
from helpdesk_tui.services.errors import NotFound, ServiceError
from helpdesk_tui.store.cache import Cache

NOW, WITH_REPLY = "now", "with the reply"


@dataclass(frozen=True)
class FieldRow:
    field: str  # "status", "priority", "tags", "assignee", "group", "promised update"
    before: str
    after: str
    when: str  # NOW (queued through the outbox) or WITH_REPLY (the reply's send options)


@dataclass(frozen=True)
class MacroPreview:
    """Exactly what applying ``macro`` to ``ticket`` will do, before it does it."""

    macro: Macro
    ticket: Ticket
    change: Change  # queued now
    checkpoint: datetime | None  # the promise set now (None: none, or it rides with the reply)
    reply_text: str  # inserted into the composer ("" when the macro writes no reply)
    reply_status: str | None  # the reply's send options
    reply_checkpoint: datetime | None
    note: str  # queued as an internal note ("" for none)
    rows: tuple[FieldRow, ...]
    skipped: tuple[str, ...]  # sentences: what the macro asks that is not done here
    unresolved: tuple[str, ...]  # placeholders the reply text still needs filled in
    note_problems: tuple[str, ...]  # placeholders without a value in the note: it cannot be queued

    @property
    def queues_anything(self) -> bool:
        return bool(self.note.strip() or self.checkpoint is not None or any(r.when == NOW for r in self.rows))


def _plain(message: Message) -> str:
    body = message.body
    return html_to_text(body) if (message.body_format or "").lower() in ("html", "text/html") else clean_text(body)


def _as_template(macro: Macro, body: str, line: int, language: str) -> Template:
    return Template(name=macro.name, description="", language=language, tags=(), body=body, default_status=None,
                    default_checkpoint=None, source=macro.source, id=macro.id, body_line=line)


def _shown(value: object) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return clean_line(str(value))


def preview(cache: Cache, ticket_id: int, macro: Macro, *, templates: list[Template], agent: str, now: datetime,
            tz: tzinfo, backend: Any | None) -> MacroPreview:
    """What ``macro`` does to the ticket: fields before → after (queued now, or with the reply),
    the text it inserts, the note it queues, what it skips. ``ServiceError`` (a sentence) when
    it cannot be used on this ticket."""
    ticket = cache.ticket(ticket_id)
    if ticket is None:
        raise NotFound("That ticket is no longer in the cache.")
    summary = cache.customer_summary(ticket.requester_id) if ticket.requester_id else None
    customer = summary.customer if summary else None
    organization = summary.organization if summary else None
    language = customer.language if customer else "en"
    skipped = list(macro.skipped)
    promise = None
    if (expression := promise_of(macro)) is not None:
        try:
            promise = parse_checkpoint(expression, now, tz)
        except CheckpointError as exc:
            raise ServiceError(clean_line(f"Macro {macro.name}: {exc}")) from None
    variables = dict(macro.variables)
    facts = escalation_facts(ticket, cache.thread(ticket_id), to=variables.get("escalation.to", ""),
                             customer=customer.name if customer else "",
                             organization=organization.name if organization else "", now=now, plain=_plain)
    extra = {**facts.template_values(), **variables}

    def render(template: Template) -> tuple[str, list[str], str | None]:
        try:
            applied = apply_template(template, ticket=ticket, customer=customer, organization=organization,
                                     agent_name=agent, now=now, tz=tz, extra=extra, next_checkpoint=promise)
        except TemplateError as exc:
            raise ServiceError(clean_line(f"Macro {macro.name} cannot be used: {exc}")) from None
        return applied.text, [name for name, _ in applied.unresolved], applied.status

    parts: list[str] = []
    unresolved: list[str] = []
    template_status = None
    if macro.template:
        try:
            template = resolve_template(templates, macro.template, language)
        except TemplateError as exc:
            raise ServiceError(clean_line(f"Macro {macro.name}: {exc}")) from None
        text, missing, template_status = render(template)
        parts.append(text.strip("\n"))
        unresolved += missing
    if macro.body.strip():
        text, missing, _ = render(_as_template(macro, macro.body, macro.body_line, language))
        parts.append(text.strip("\n"))
        unresolved += missing
    reply_text = "\n\n".join(p for p in parts if p.strip())
    reply_text = reply_text + "\n" if reply_text else ""
    note, note_problems = "", []
    if macro.note.strip():
        note, missing, _ = render(_as_template(macro, macro.note, macro.note_line, language))
        note_problems = missing
    writes_reply = bool(reply_text)
    change = field_change(ticket, macro, agent, with_status=not writes_reply)
    sends_tags, sends_groups = keeps(backend)
    if change.group and not sends_groups:
        skipped.append(f"Skipped moving the ticket to {clean_line(change.group)}: this helpdesk has no groups here.")
        change = replace(change, group=None)
    updated, _ = apply_change(ticket, change, agent, now)
    rows = []
    for key, (old, new) in changed_fields(ticket, updated).items():
        if key == "solved_at":
            continue
        label = "tags (kept in this cache only)" if key == "tags" and not sends_tags else key
        rows.append(FieldRow(label, _shown(old), _shown(new), NOW))
    reply_status = None
    if writes_reply:
        reply_status = str(status_of(macro) or template_status or "") or None
        if reply_status and reply_status != ticket.status:
            rows.append(FieldRow("status", _shown(ticket.status), reply_status, WITH_REPLY))
    before = describe_checkpoint(ticket.next_checkpoint_at, now, tz) if ticket.next_checkpoint_at else "—"
    if promise is not None:
        rows.append(FieldRow("promised update", before, describe_checkpoint(promise, now, tz),
                             WITH_REPLY if writes_reply else NOW))
    return MacroPreview(macro=macro, ticket=ticket, change=change,
                        checkpoint=None if writes_reply else promise, reply_text=reply_text,
                        reply_status=reply_status, reply_checkpoint=promise if writes_reply else None,
                        note=note, rows=tuple(rows), skipped=tuple(skipped), unresolved=tuple(dict.fromkeys(unresolved)),
                        note_problems=tuple(dict.fromkeys(note_problems)))


def keeps(backend: Any | None) -> tuple[bool, bool]:
    """(tags, groups) the helpdesk keeps (``services.triage.helpdesk_keeps``)."""
    from helpdesk_tui.services.triage import helpdesk_keeps

    return helpdesk_keeps(backend)


def describe(preview: MacroPreview) -> list[str]:
    """The preview as lines of plain text (the CLI's dry run and the app's dialog say the same)."""
    lines = [f"Macro: {clean_line(preview.macro.name)} on #{preview.ticket.number}"]
    now_rows = [r for r in preview.rows if r.when == NOW]
    reply_rows = [r for r in preview.rows if r.when == WITH_REPLY]
    if now_rows:
        lines.append("Queued now (undoable while queued):")
        lines += [f"  {r.field}: {r.before} → {r.after}" for r in now_rows]
    if preview.note.strip():
        lines.append("Internal note queued now:")
        lines += ["  " + line if line else "" for line in clean_text(preview.note).rstrip("\n").split("\n")]
    if preview.reply_text:
        lines.append("Inserted into the reply (you send it):")
        lines += ["  " + line if line else "" for line in clean_text(preview.reply_text).rstrip("\n").split("\n")]
        if reply_rows:
            lines.append("With the reply when you send it:")
            lines += [f"  {r.field}: {r.before} → {r.after}" for r in reply_rows]
    if preview.unresolved:
        lines.append("Fill in before sending: " + clean_line(", ".join(preview.unresolved)))
    if preview.note_problems:
        lines.append("The note needs a value for: " + clean_line(", ".join(preview.note_problems)))
    for sentence in preview.skipped:
        lines.append(clean_line(sentence))
    if not preview.queues_anything and not preview.reply_text:
        lines.append("Nothing changes: the ticket already is as the macro would leave it.")
    return lines


SHOWN_TICKETS = 8  # up to this many tickets, the preview of a macro on several lists each one

# Why the inbox greys out some macros when it applies one to several tickets.
REPLY_MACROS_ON_MANY = ("Macros that write a reply are greyed out: each reply is yours to write and send, "
                        "so apply them to one ticket at a time (open it, then m).")


def _changes(shown: MacroPreview) -> str:
    parts = [f"{r.field} {r.before} → {r.after}" for r in shown.rows if r.when == NOW]
    if shown.note.strip():
        parts.append("internal note")
    return "; ".join(parts)


def describe_many(previews: list[MacroPreview]) -> list[str]:
    """The preview of one macro on several tickets, as lines of plain text: what changes on each
    (up to ``SHOWN_TICKETS``), else a summary by field; the note and what is skipped, once."""
    if not previews:
        return []
    macro = previews[0].macro
    n = len(previews)
    lines = [f"Macro: {clean_line(macro.name)} on {n:,} ticket{'s' if n != 1 else ''}"]
    changing = [p for p in previews if p.queues_anything]
    same = [p for p in previews if not p.queues_anything]
    if changing:
        lines.append("Queued now, one undo for all (U in the inbox, while queued):")
    if n <= SHOWN_TICKETS:
        lines += [f"  #{p.ticket.number}: {clean_line(_changes(p))}" for p in changing]
    else:
        counts: dict[tuple[str, str], int] = {}
        for p in changing:
            for r in p.rows:
                if r.when == NOW:
                    counts[(r.field, r.after)] = counts.get((r.field, r.after), 0) + 1
        lines += [f"  {field} → {after}: {count:,} ticket{'s' if count != 1 else ''}"
                  for (field, after), count in counts.items()]
        notes = sum(1 for p in changing if p.note.strip())
        if notes:
            lines.append(f"  internal note: {notes:,} ticket{'s' if notes != 1 else ''}")
        shown = ", ".join(f"#{p.ticket.number}" for p in changing[:SHOWN_TICKETS])
        lines.append(f"  on {shown}{' …' if len(changing) > SHOWN_TICKETS else ''}")
    if same:
        shown = ", ".join(f"#{p.ticket.number}" for p in same[:SHOWN_TICKETS])
        lines.append(f"Already as the macro would leave them (unchanged): {shown}{' …' if len(same) > SHOWN_TICKETS else ''}")
    noted = next((p for p in changing if p.note.strip()), None)
    if noted is not None:
        lines.append(f"Internal note (as on #{noted.ticket.number}; each ticket gets its own):")
        lines += ["  " + line if line else "" for line in clean_text(noted.note).rstrip("\n").split("\n")]
    problems = list(dict.fromkeys(x for p in previews for x in p.note_problems))
    if problems:
        lines.append("The note needs a value for: " + clean_line(", ".join(problems)))
    for sentence in dict.fromkeys(s for p in previews for s in p.skipped):
        lines.append(clean_line(sentence))
    if not changing:
        lines.append("Nothing changes: every ticket already is as the macro would leave it.")
    return lines
