"""Printing the cache for scripts and terminals: tables, threads, search hits, or JSON.

Every string that came from outside goes through ``content`` before it reaches a
terminal. JSON (one object per line: JSON Lines) carries the text as it is, with control
and invisible characters escaped by ``cli.json.dumps`` so that it is inert on a terminal.
"""

from __future__ import annotations

import sys
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from helpdesk_tui.cli.json import dumps
from helpdesk_tui.domain.models import Event, InboxRow, Message, Ticket
from helpdesk_tui.domain.sla import describe_due, format_remaining, next_due
from helpdesk_tui.domain.new_ticket import is_provisional, ticket_label

# rich, markdown-it and the text cleaners are imported by the printers that use them: a
# script's `list --json` or `show --json` spends nothing on them (~30 ms of a 60 ms budget).
if TYPE_CHECKING:
    from rich.console import Console

    from helpdesk_tui.services.tickets import AttachmentInfo, CustomerSummary, SearchHit


def _console() -> Console:
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=True, emoji=False, markup=False)


def row_dict(row: InboxRow, now: datetime) -> dict:
    return {
        # A new ticket still in the outbox has no number yet: null, and "queued" says why.
        "number": None if is_provisional(row.number) else row.number, "queued": is_provisional(row.number),
        "subject": row.subject, "status": str(row.status),
        "priority": str(row.priority), "assignee": row.assignee, "customer": row.customer_name,
        "organization": row.organization_name or None, "updated_at": row.updated_at,
        "sla_due_at": row.sla_due_at, "sla_kind": row.sla_kind,
        "sla_remaining": format_remaining(row.sla_due_at, now) or None, "has_draft": row.has_draft,
    }


def _number(number: int) -> str:
    return "queued" if is_provisional(number) else str(number)


@lru_cache(maxsize=8192)
def _cell(value: str, width: int, *, right: bool = False, clean: bool = False) -> str:
    """A column's text (cleaned when it came from outside) fitted to ``width`` cells.

    Clocks, statuses, priorities, agents and customers repeat from row to row: a whole inbox
    (100k rows) cleans and measures each distinct value once."""
    from helpdesk_tui.content.sanitize import clean_line
    from helpdesk_tui.content.cells import fit

    return fit(clean_line(value) if clean else value, width, right=right)


def print_rows(rows: list[InboxRow], now: datetime, *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write("".join(dumps(row_dict(r, now)) + "\n" for r in rows))
        return
    from helpdesk_tui.content.sanitize import clean_line

    lines = []
    for r in rows:
        # Columns are measured in terminal cells (a CJK character takes two) and cut with "…".
        clock = format_remaining(r.sla_due_at, now)
        lines.append(f"{_cell(clock, 7, right=True)} {_number(r.number):>7} {_cell(str(r.status), 8)} "
                     f"{_cell(str(r.priority), 7)} {_cell(r.assignee or '-', 10, clean=True)} "
                     f"{_cell(r.customer_name, 20, clean=True)} {clean_line(r.subject)}")
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")


def attachment_dict(a: AttachmentInfo) -> dict:
    """An attachment for ``--json``: the raw name is data (``dumps`` escapes what could act on a
    terminal); ``id`` is what ``attachment save`` takes."""
    return {"id": a.id, "name": a.name, "media_type": a.media_type, "size": a.size, "cached": a.cached}


def print_ticket(ticket: Ticket, messages: list[Message], events: list[Event],
                 customer: CustomerSummary | None, now: datetime, *, as_json: bool,
                 attachments: dict[int, list[AttachmentInfo]] | None = None) -> None:
    files = attachments or {}
    due = next_due(ticket)
    if as_json:
        data = {
            "number": None if is_provisional(ticket.number) else ticket.number,
            "queued": is_provisional(ticket.number), "subject": ticket.subject, "status": str(ticket.status),
            "priority": str(ticket.priority), "assignee": ticket.assignee, "group": ticket.group,
            "tags": list(ticket.tags), "created_at": ticket.created_at, "updated_at": ticket.updated_at,
            "first_response_at": ticket.first_response_at, "next_checkpoint_at": ticket.next_checkpoint_at,
            "sla": {"kind": due.kind, "due_at": due.at} if due else None,
            "customer": {"name": customer.customer.name, "email": customer.customer.email,
                         "organization": customer.organization.name if customer.organization else None}
            if customer else None,
            "messages": [{"kind": str(m.kind), "author": m.author, "created_at": m.created_at,
                          "body": m.body, "format": m.body_format,
                          "attachments": [attachment_dict(a) for a in files.get(m.id or -1, ())]}
                         for m in messages],
            "timeline": [{"kind": str(e.kind), "at": e.at, "actor": e.actor, "detail": e.detail}
                         for e in events],
        }
        print(dumps(data))
        return
    from helpdesk_tui.content.sanitize import clean_line

    # What is printed, as (text, style) parts per print; a body is its message's id in the list.
    head: list[tuple[str, str]] = [(f"{ticket_label(ticket.number)} {clean_line(ticket.subject)}\n", "bold"),
                                   (f"{ticket.status} · {ticket.priority} · assignee: "
                                    f"{clean_line(ticket.assignee or 'unassigned')}", "")]
    if ticket.tags:
        head.append((" · tags: " + ", ".join(clean_line(t) for t in ticket.tags), ""))
    head.append(("\nSLA: " + describe_due(due, now), ""))
    if customer:
        org = f" ({clean_line(customer.organization.name)})" if customer.organization else ""
        head.append((f"\nCustomer: {clean_line(customer.customer.name)} <{clean_line(customer.customer.email)}>{org}",
                     ""))
    headers = [f"\n── {m.kind} · {clean_line(m.author)} · {m.created_at:%Y-%m-%d %H:%M} UTC" for m in messages]
    if _prints_text_alone():
        from helpdesk_tui.content.body import attachment_parts, plain_body

        out = ["".join(part for part, _ in head)]
        for m, header in zip(messages, headers, strict=True):
            out.append(header)
            out.append(plain_body(m.body, m.body_format))
            for a in files.get(m.id or -1, ()):
                out.append("".join(part for part, _ in attachment_parts(a.name, a.media_type, a.size, a.cached)))
        if _write_plain(out):
            return
    from rich.text import Text

    from helpdesk_tui.content.body import attachment_line, render_body

    console = _console()
    text = Text()
    for part, style in head:
        text.append(part, style)
    console.print(text)
    for m, header in zip(messages, headers, strict=True):
        console.print(Text(header, "bold"))
        console.print(render_body(m.body, m.body_format))
        for a in files.get(m.id or -1, ()):
            console.print(attachment_line(a.name, a.media_type, a.size, a.cached))


# The characters rich's Text drops from any string it is given (BEL, BS, VT, FF, CR).
_RICH_DROPS = dict.fromkeys((7, 8, 11, 12, 13))


def _prints_text_alone() -> bool:
    """Whether rich would print each Text's characters and nothing else: stdout is not a terminal
    and nothing tells rich to treat it as one (FORCE_COLOR, TTY_COMPATIBLE=1, Jupyter). A script
    reading ``show`` or ``search`` through a pipe then needs neither rich nor its ~10 ms of imports;
    on a terminal rich prints the styles as before."""
    import builtins
    import os

    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return False
    if hasattr(builtins, "get_ipython"):  # rich hands Jupyter's output to its display
        return False
    try:
        return not sys.stdout.isatty()
    except ValueError:  # closed: rich too calls it no terminal, but let rich say what happens
        return False


def _write_plain(prints: list[str]) -> bool:
    """Write each string as rich's ``console.print`` of a Text holding it would (one line break after
    it; the characters Text drops, dropped); False, writing nothing, for a tab (rich expands it)."""
    if any("\t" in text for text in prints):
        return False
    sys.stdout.write("".join(text.translate(_RICH_DROPS) + "\n" for text in prints))
    return True


def print_hits(hits: list[SearchHit], *, as_json: bool) -> None:
    if as_json:
        for h in hits:
            print(dumps({"kind": h.kind, "number": h.number, "title": h.title, "snippet": h.snippet,
                         "score": round(h.score, 3), "at": h.at, "message_id": h.message_id,
                         "article_id": h.article_id}))
        return
    from helpdesk_tui.content.sanitize import clean_line

    lines = []
    for h in hits:
        where = f"#{h.number}" if h.number is not None else "KB"
        lines.append((f"{h.kind:<8} {where:>7}  ", clean_line(h.title), "\n         " + clean_line(h.snippet)))
    if _prints_text_alone() and _write_plain(["".join(line) for line in lines]):
        return
    from rich.text import Text

    console = _console()
    for label, title, snippet in lines:
        line = Text()
        line.append(label, "dim")
        line.append(title, "bold")
        line.append(snippet)
        console.print(line)
