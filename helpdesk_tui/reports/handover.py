"""The handover note: what the next engineer on rotation must know, as one markdown document.

The store gathers the records (``store.handover_data``, ``domain.handover``), this module
writes them out. Every string that came from a helpdesk or a customer goes through
``markdown_escape`` with the caller's ``clean`` (``content.clean_text``), so a subject
cannot add a heading, split a table or hide a link.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from helpdesk_tui.domain.checkpoint import describe_checkpoint
from helpdesk_tui.domain.handover import HandoverData
from helpdesk_tui.domain.sla import describe_due, format_remaining, is_breached
from helpdesk_tui.reports.markdown_escape import Cleaner, inline


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
