"""The KPI commands: ``stats`` (how support is doing) and ``rate`` (record a satisfaction rating)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from helpdesk_tui.cli.context import Context
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.content import clean_line
from helpdesk_tui.content.text import fit
from helpdesk_tui.reports.kpi_figures import format_duration as d
from helpdesk_tui.reports.kpi_figures import format_percent as p
from helpdesk_tui.reports.kpi_figures import format_rate
from helpdesk_tui.domain.kpi_report import KpiReport, KpiRow
from helpdesk_tui.reports.kpi_export import report_csv, report_dict
from helpdesk_tui.services import ratings, reports

KEY_WIDTH = 16
# The table's columns after the group's name; with the day's backlog it fits 100 columns.
_HEADINGS = ("new", "ack", "upd", "FRT", "p90", "res", "p90", "breach", "solved", "FCR", "rep/h", "CSAT")
_WIDTHS = (5, 5, 5, 5, 5, 5, 5, 6, 6, 5, 5, 5)


def report_for(ctx: Context, since: str, now: datetime) -> KpiReport:
    """The KPI report of the account's cache for the window ``since`` (``7d``, ``2026-11-01``…)."""
    window = reports.kpi_window(since, now)
    with ctx.cache() as cache:
        return reports.kpi_report(cache, window)


def stats(ctx: Context, *, since: str, fmt: str, by: str, now: datetime | None = None) -> int:
    report = report_for(ctx, since, now or datetime.now(UTC))
    if fmt == "json":
        print(dumps(report_dict(report, by)))
    elif fmt == "csv":
        sys.stdout.write(report_csv(report, by))
    else:
        sys.stdout.write(as_table(report, by, ctx.account, since))
    return 0


def _summary(report: KpiReport, account: str, since: str) -> list[str]:
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


def _cells(row: KpiRow) -> list[str]:
    return [str(row.created), p(row.acknowledge.rate), p(row.first_update.rate), d(row.first_response.median),
            d(row.first_response.p90), d(row.resolution.median), d(row.resolution.p90), str(row.breaches),
            str(row.solved), p(row.fcr), format_rate(row.replies_per_hour), p(row.satisfaction)]


def as_table(report: KpiReport, by: str, account: str, since: str) -> str:
    headings, widths = list(_HEADINGS), list(_WIDTHS)
    if by == "day":
        headings.append("backlog")
        widths.append(7)

    def line(key: str, values: list[str]) -> str:
        return fit(key, KEY_WIDTH) + "".join(f" {v:>{w}}" for v, w in zip(values, widths, strict=True))

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
    with ctx.cache() as cache:
        ticket = ratings.rate_ticket(cache, reference, score, now or datetime.now(UTC), comment=comment)
    agent = f" (about {clean_line(ticket.assignee)})" if ticket.assignee else ""
    print(f"Recorded a {score.strip().lower()} rating of #{ticket.number}{agent}.")
    return 0
