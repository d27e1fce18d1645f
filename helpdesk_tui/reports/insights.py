"""Product feedback for engineering and product: marked customer messages, grouped by tag.

The store gathers the marks (``store.insights_data``), this module groups them and writes
markdown or CSV. A ticket with several tags appears under each of them, one without tags
under "untagged". Untrusted text passes the caller's ``clean`` (``content.clean_text``)
and, in markdown, ``markdown_escape``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, tzinfo

from helpdesk_tui.content import html_to_text
from helpdesk_tui.domain.insights import FeedbackItem
from helpdesk_tui.csv_cells import spreadsheet_text
from helpdesk_tui.reports.handover import stamp
from helpdesk_tui.reports.markdown_escape import Cleaner, inline, quote

UNTAGGED = "untagged"
CSV_COLUMNS = ("tag", "ticket", "subject", "customer", "organization", "said_at", "marked_at", "marked_by",
               "message", "note")


def as_plain_text(items: list[FeedbackItem]) -> list[FeedbackItem]:
    """Feedback items with HTML bodies turned to text: engineering reads the customer's words,
    not their mail client's markup."""
    return [replace(i, message=html_to_text(i.message), message_format="text") if i.message_format == "html"
            else i for i in items]


def group_by_tag(items: list[FeedbackItem], clean: Cleaner) -> list[tuple[str, list[FeedbackItem]]]:
    """(tag, items) in tag order, "untagged" last; items in the order marked.

    Tags compare case-blind (helpdesks differ in case, the tag table keeps them lowercase);
    a tag repeated on one ticket counts once.
    """
    groups: dict[str, list[FeedbackItem]] = {}
    for item in sorted(items, key=lambda i: (i.marked_at, i.mark_id)):
        tags = {" ".join(clean(t).split()).lower() for t in item.tags} - {""}
        for tag in sorted(tags) or [UNTAGGED]:
            groups.setdefault(tag, []).append(item)
    return sorted(groups.items(), key=lambda kv: (kv[0] == UNTAGGED, kv[0]))


def _date(at: datetime | None, tz: tzinfo) -> str:
    return "" if at is None else at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def build_markdown(items: list[FeedbackItem], *, account: str, since: datetime, now: datetime, tz: tzinfo,
                   clean: Cleaner) -> str:
    tickets = len({i.number for i in items})
    lines = [f"# Product feedback: {inline(account, clean)}", "",
             f"Messages marked as product feedback from {stamp(since, tz)} to {stamp(now, tz)}: "
             f"{len(items)} on {tickets} {'ticket' if tickets == 1 else 'tickets'}, grouped by ticket tag "
             "(a ticket with several tags is under each).", ""]
    if not items:
        return "\n".join(lines + ["No message was marked as product feedback in this period.", ""])
    for tag, group in group_by_tag(items, clean):
        lines += [f"## {inline(tag, clean)} ({len(group)})", ""]
        for item in group:
            who = inline(item.customer, clean) or "unknown customer"
            if item.organization.strip():
                who += f" ({inline(item.organization, clean)})"
            said = f"said {_date(item.said_at, tz)}, " if item.said_at else ""
            by = f" by {inline(item.marked_by, clean)}" if item.marked_by.strip() else ""
            lines += [f"### #{item.number} {inline(item.subject, clean)}", "",
                      f"- Customer: {who}",
                      f"- Date: {said}marked {_date(item.marked_at, tz)}{by}"]
            if item.note.strip():
                lines.append(f"- Note: {inline(item.note, clean)}")
            lines += ["", quote(item.message, clean) if item.said_at else "> (no customer message)", ""]
    return "\n".join(lines)


def _cell(value: str, clean: Cleaner) -> str:
    return spreadsheet_text(clean(value or ""))


def build_csv(items: list[FeedbackItem], *, tz: tzinfo, clean: Cleaner) -> str:
    """One row per (tag, mark) under a header row; the csv module does the quoting."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for tag, group in group_by_tag(items, clean):
        for item in group:
            writer.writerow([_cell(tag, clean), item.number, _cell(item.subject, clean),
                             _cell(item.customer, clean), _cell(item.organization, clean),
                             _date(item.said_at, tz), _date(item.marked_at, tz), _cell(item.marked_by, clean),
                             _cell(item.message, clean), _cell(item.note, clean)])
    return out.getvalue()
