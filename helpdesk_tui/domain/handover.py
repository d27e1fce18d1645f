"""The handover note: what the next engineer on rotation must know, as one markdown document.

Pure: the store gathers the records (``store.handover_data``), this module writes them
out. Every string that came from a helpdesk or a customer goes through
``markdown_escape`` with the caller's ``clean`` (``content.clean_text``), so a subject
cannot add a heading, split a table or hide a link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from helpdesk_tui.domain.checkpoint import describe_checkpoint
from helpdesk_tui.domain.markdown_escape import Cleaner, inline
from helpdesk_tui.domain.sla import SlaDue, describe_due, format_remaining, is_breached

MAX_ROWS = 50
"""Longest list per section: past that the document says how many more and where to see them."""


@dataclass(frozen=True, slots=True)
class TicketAtRisk:
    number: int
    subject: str
    priority: str
    status: str
    assignee: str | None
    due: SlaDue


class PromiseLike(Protocol):
    """A promised update (``store.checkpoints.PromiseDue``)."""

    number: int
    subject: str
    customer_name: str
    assignee: str | None
    promised_at: datetime


@dataclass(frozen=True, slots=True)
class Escalation:
    number: int
    subject: str
    at: datetime
    by: str
    to_assignee: str | None
    to_group: str | None
    note: str
    status: str  # the ticket's state now, which may have moved on since
    assignee: str | None


@dataclass(frozen=True, slots=True)
class InternalNote:
    number: int
    subject: str
    at: datetime
    body: str


@dataclass(frozen=True, slots=True)
class CustomerNoteEdit:
    customer: str
    organization: str
    at: datetime
    body: str


@dataclass(frozen=True, slots=True)
class Rotation:
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class HandoverData:
    account: str
    agent: str
    hours: int  # how far ahead "at risk" and "promises due" look
    since: datetime  # start of the look-back (the rotation's start, or ``hours`` ago)
    rotation: Rotation | None
    at_risk: list[TicketAtRisk] = field(default_factory=list)
    at_risk_total: int = 0
    promises: list[PromiseLike] = field(default_factory=list)
    promises_total: int = 0
    escalations: list[Escalation] = field(default_factory=list)
    pending: int = 0
    pending_mine: int = 0
    on_hold: int = 0
    on_hold_mine: int = 0
    notes: list[InternalNote] = field(default_factory=list)  # the latest MAX_ROWS, oldest first
    notes_total: int = 0
    customer_notes: list[CustomerNoteEdit] = field(default_factory=list)
    customer_notes_total: int = 0


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def stamp(at: datetime, tz: tzinfo) -> str:
    """``Fri 20 Nov 2026 09:30 UTC``: absolute, because the reader opens it hours later."""
    local = at.astimezone(tz)
    zone = local.tzname() or ""
    return (f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year} "
            f"{local.hour:02d}:{local.minute:02d} {zone}").rstrip()


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def _more(shown: int, total: int, where: str) -> list[str]:
    if total <= shown:
        return []
    return ["", f"…and {total - shown:,} more: {where}."]


def _at_risk(data: HandoverData, now: datetime, tz: tzinfo, clean: Cleaner) -> list[str]:
    out = [f"## At risk ({data.at_risk_total:,})", ""]
    if not data.at_risk:
        return out + [f"Nothing breached or due within {data.hours} h."]
    out += [f"Breached or due within {data.hours} h, most urgent first.", "",
            "| Ticket | Subject | Clock | Due | Priority | Status | Assignee |",
            "|---|---|---|---|---|---|---|"]
    for t in data.at_risk:
        clock = describe_due(t.due, now)
        if is_breached(t.due.at, now):
            clock = f"**⚠ {clock}**"
        out.append(f"| #{t.number} | {inline(t.subject, clean)} | {clock} | {describe_checkpoint(t.due.at, now, tz)} "
                   f"| {t.priority} | {t.status.replace('_', ' ')} | {inline(t.assignee, clean) or 'unassigned'} |")
    return out + _more(len(data.at_risk), data.at_risk_total, "`helpdesk-tui list --view due`")


def _promises(data: HandoverData, now: datetime, tz: tzinfo, clean: Cleaner) -> list[str]:
    out = [f"## Promises due ({data.promises_total:,})", ""]
    if not data.promises:
        return out + [f"No promised update is overdue or due within {data.hours} h."]
    out += ["Next updates we promised customers, overdue or due within the window.", "",
            "| Ticket | Subject | Customer | Promised | State | Assignee |",
            "|---|---|---|---|---|---|"]
    for p in data.promises:
        if is_breached(p.promised_at, now):
            state = f"**⚠ overdue by {format_remaining(p.promised_at, now).lstrip('-')}**"
        else:
            state = f"due in {format_remaining(p.promised_at, now)}"
        out.append(f"| #{p.number} | {inline(p.subject, clean)} | {inline(p.customer_name, clean) or '—'} "
                   f"| {describe_checkpoint(p.promised_at, now, tz)} | {state} "
                   f"| {inline(p.assignee, clean) or 'unassigned'} |")
    return out + _more(len(data.promises), data.promises_total, "see the tickets marked ⚑ in the inbox")


def _escalations(data: HandoverData, tz: tzinfo, clean: Cleaner) -> list[str]:
    out = [f"## Escalations ({len(data.escalations)})", ""]
    if not data.escalations:
        return out + ["No ticket was escalated."]
    for e in data.escalations:
        target = " and ".join(filter(None, (inline(e.to_assignee, clean),
                                            f"group {inline(e.to_group, clean)}" if e.to_group else "")))
        line = (f"- **#{e.number}** {inline(e.subject, clean)}: escalated {stamp(e.at, tz)}"
                f"{' by ' + inline(e.by, clean) if e.by else ''}{' to ' + target if target else ''}; "
                f"now {e.status.replace('_', ' ')}, assignee {inline(e.assignee, clean) or 'none'}")
        out.append(line)
        if e.note.strip():
            out.append(f"  - Note: {inline(_first_line(clean(e.note)), clean)}")
    return out


def _agent(data: HandoverData, clean: Cleaner) -> str:
    return inline(data.agent, clean) or "someone"


def _waiting(data: HandoverData, clean: Cleaner) -> list[str]:
    return ["## Waiting on customer", "",
            f"- Pending (waiting on the customer): {data.pending:,}, of which {data.pending_mine:,} assigned "
            f"to {_agent(data, clean)}",
            f"- On hold (waiting on a third party): {data.on_hold:,}, of which {data.on_hold_mine:,} assigned "
            f"to {_agent(data, clean)}"]


def _counted(total: int, shown: int) -> str:
    return f"{total:,}, the latest {shown}" if total > shown else f"{total:,}"


def _notes(data: HandoverData, tz: tzinfo, clean: Cleaner) -> list[str]:
    out = ["## Notes", ""]
    if not data.notes and not data.customer_notes:
        return out + [f"No internal notes or customer notes since {stamp(data.since, tz)}."]
    if data.notes:
        out.append(f"Internal notes by {_agent(data, clean)} ({_counted(data.notes_total, len(data.notes))}):")
        out.append("")
        for n in data.notes:
            out.append(f"- **#{n.number}** {inline(n.subject, clean)} ({stamp(n.at, tz)}): "
                       f"{inline(_first_line(clean(n.body)), clean)}")
        out.append("")
    if data.customer_notes:
        out.append(f"Customer notes edited ({_counted(data.customer_notes_total, len(data.customer_notes))}):")
        out.append("")
        for c in data.customer_notes:
            who = inline(c.customer, clean) or "unknown customer"
            org = f" ({inline(c.organization, clean)})" if c.organization.strip() else ""
            out.append(f"- **{who}**{org} ({stamp(c.at, tz)}): {inline(_first_line(clean(c.body)), clean)}")
    while out[-1] == "":
        out.pop()
    return out


def build_handover(data: HandoverData, now: datetime, tz: tzinfo, clean: Cleaner) -> str:
    """The whole document; ``clean`` strips control sequences from untrusted text."""
    if data.rotation is None:
        period = f"No rotation recorded: covering the last {data.hours} h (since {stamp(data.since, tz)})."
    elif data.rotation.ended_at is None:
        period = f"Rotation since {stamp(data.rotation.started_at, tz)} (still open)."
    else:
        period = (f"Last rotation: {stamp(data.rotation.started_at, tz)} to "
                  f"{stamp(data.rotation.ended_at, tz)}.")
    lines = [f"# Handover: {inline(data.account, clean)}", "",
             f"Written by {_agent(data, clean)} on {stamp(now, tz)} for the next engineer on rotation.",
             period, ""]
    for section in (_at_risk(data, now, tz, clean), _promises(data, now, tz, clean),
                    _escalations(data, tz, clean), _waiting(data, clean), _notes(data, tz, clean)):
        lines += section + [""]
    return "\n".join(lines)


def window_start(now: datetime, hours: int, rotation: Rotation | None) -> datetime:
    """Where the look-back starts: the rotation's start, or ``hours`` before now without one."""
    return rotation.started_at if rotation is not None else now - timedelta(hours=hours)
