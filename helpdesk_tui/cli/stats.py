"""The KPI commands: ``stats`` (how support is doing) and ``rate`` (record a satisfaction rating)."""

from __future__ import annotations

import csv
import io
import sys
from datetime import UTC, datetime, timedelta

from helpdesk_tui.cli.context import Context, find_ticket_or_fail
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.errors import UserError

KEY_WIDTH = 16
# The table's columns after the group's name; with the day's backlog it fits 100 columns.
_HEADINGS = ("new", "ack", "upd", "FRT", "p90", "res", "p90", "breach", "solved", "FCR", "rep/h", "CSAT")
_WIDTHS = (5, 5, 5, 5, 5, 5, 5, 6, 6, 5, 5, 5)
# Spreadsheets run a cell that starts with one of these as a formula: agent and queue names
# come from the helpdesk, so a leading apostrophe keeps them text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def report_for(ctx: Context, since: str, now: datetime):
    """The KPI report of the account's cache for the window ``since`` (``7d``, ``2026-11-01``…)."""
    from helpdesk_tui.domain.kpi_report import Window
    from helpdesk_tui.domain.periods import PeriodError, parse_since
    from helpdesk_tui.store.kpi_data import kpi_report

    tz = now.astimezone().tzinfo
    try:
        start = parse_since(since, now, tz)
    except PeriodError as exc:
        raise UserError(str(exc), 2) from None
    if now - start > timedelta(days=366):
        raise UserError(f"'{since}' is more than a year: give a window of at most 366 days.", 2)
    cache = ctx.open_cache()
    try:
        with cache.connection() as conn:
            return kpi_report(conn, Window(start, now, tz))
    finally:
        cache.close()


def stats(ctx: Context, *, since: str, fmt: str, by: str, now: datetime | None = None) -> int:
    report = report_for(ctx, since, now or datetime.now(UTC))
    if fmt == "json":
        from helpdesk_tui.domain.kpi_export import report_dict

        print(dumps(report_dict(report, by)))
    elif fmt == "csv":
        sys.stdout.write(as_csv(report, by))
    else:
        sys.stdout.write(as_table(report, by, ctx.account, since))
    return 0


def _cell(value: object) -> object:
    if isinstance(value, str):
        from helpdesk_tui.content import clean_line

        text = clean_line(value)
        return "'" + text if text.startswith(_FORMULA_START) else text
    return "" if value is None else value


def as_csv(report, by: str) -> str:
    """A header row, everyone's row (group "all"), then one row per agent, queue or day."""
    from helpdesk_tui.domain.kpi_export import CSV_COLUMNS, row_dict

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(["all", *(_cell(v) for v in row_dict(report.total).values())])
    for row in report.rows(by):
        writer.writerow([by, *(_cell(v) for v in row_dict(row).values())])
    return out.getvalue()


def _summary(report, account: str, since: str) -> list[str]:
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.content.text import fit
    from helpdesk_tui.domain.kpi_export import format_duration as d
    from helpdesk_tui.domain.kpi_export import format_percent as p
    from helpdesk_tui.domain.kpi_export import format_rate

    w, t = report.window, report.total
    span = f"{w.start.astimezone(w.tz):%Y-%m-%d %H:%M} → {w.end.astimezone(w.tz):%Y-%m-%d %H:%M}"
    ack, upd, res = t.acknowledge, t.first_update, t.resolution_target
    lines = [
        f"KPIs · {clean_line(account)} · since {clean_line(since)} ({span}) · backlog now {t.backlog}",
        f"Within target: acknowledged {p(ack.rate)} ({ack.met}/{ack.settled}) · first update {p(upd.rate)} "
        f"({upd.met}/{upd.settled}) · resolution {p(res.rate)} ({res.met}/{res.settled})",
        f"First response: median {d(t.first_response.median)}, p90 {d(t.first_response.p90)} "
        f"({t.first_response.count}) · Resolution: median {d(t.resolution.median)}, p90 {d(t.resolution.p90)} "
        f"({t.resolution.count})",
        f"Breaches {t.breaches} · Solved {t.solved} (first contact {p(t.fcr)}) · Replies per hour "
        f"{format_rate(t.replies_per_hour)}",
        f"Satisfaction {p(t.satisfaction)} ({t.good} good, {t.bad} bad)",
    ]
    for c in report.comments[:3]:
        lines.append(fit(f"  {c.score:<4} #{c.ticket_number} {clean_line(c.agent or '')}: {clean_line(c.comment)}",
                         98).rstrip())
    return lines


def _cells(row) -> list[str]:
    from helpdesk_tui.domain.kpi_export import format_duration as d
    from helpdesk_tui.domain.kpi_export import format_percent as p
    from helpdesk_tui.domain.kpi_export import format_rate

    return [str(row.created), p(row.acknowledge.rate), p(row.first_update.rate), d(row.first_response.median),
            d(row.first_response.p90), d(row.resolution.median), d(row.resolution.p90), str(row.breaches),
            str(row.solved), p(row.fcr), format_rate(row.replies_per_hour), p(row.satisfaction)]


def as_table(report, by: str, account: str, since: str) -> str:
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.content.text import fit

    headings, widths = list(_HEADINGS), list(_WIDTHS)
    if by == "day":
        headings.append("backlog")
        widths.append(7)

    def line(key: str, values: list[str]) -> str:
        return fit(key, KEY_WIDTH) + "".join(f" {v:>{w}}" for v, w in zip(values, widths))

    lines = _summary(report, account, since) + ["", line(by, headings)]
    for row in (*report.rows(by), report.total):
        values = _cells(row)
        if by == "day":
            values.append(str(row.backlog))
        lines.append(line(clean_line(row.key) if row is not report.total else "all", values))
    lines.append("")
    lines.append("ack/upd: acknowledged / first update within target · FRT, res: median first response and "
                 "resolution")
    return "\n".join(lines) + "\n"


def rate(ctx: Context, reference: str, score: str, *, comment: str, now: datetime | None = None) -> int:
    """Record the satisfaction rating a customer gave outside the helpdesk (phone, chat)."""
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.store.db import transaction
    from helpdesk_tui.store.ratings import RatingError, record_local_rating

    now = now or datetime.now(UTC)
    cache = ctx.open_cache()
    try:
        ticket = find_ticket_or_fail(ctx, cache, reference)
        with cache.connection() as conn, transaction(conn):
            try:
                record_local_rating(conn, ticket.id, score, now, comment=comment)
            except RatingError as exc:
                raise UserError(str(exc), 2) from None
    finally:
        cache.close()
    agent = f" (about {clean_line(ticket.assignee)})" if ticket.assignee else ""
    print(f"Recorded a {score.strip().lower()} rating of #{ticket.number}{agent}.")
    return 0
