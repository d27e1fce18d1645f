"""KPI figures as people read them (``3h05``, ``93%``) and as machines read them (seconds, 0..1).

The CLI table, the dashboard tiles and the csv/json output all take their numbers from here,
so a person comparing the dashboard with ``helpdesk-tui stats`` sees the same figures.
"""

from __future__ import annotations

from helpdesk_tui.domain.kpi_report import KpiReport, KpiRow

NONE = "–"  # a figure with nothing to measure (no replies, no ratings…)


def format_duration(seconds: float | None) -> str:
    """``45s``, ``12m``, ``3h05``, ``2d07h``; ``–`` when there is nothing to measure."""
    if seconds is None:
        return NONE
    total = int(round(seconds))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m"
    if total < 86400:
        hours, rest = divmod(total, 3600)
        return f"{hours}h{rest // 60:02d}"
    days, rest = divmod(total, 86400)
    return f"{days}d{rest // 3600:02d}h"


def format_percent(share: float | None) -> str:
    """``93%`` for 0.93 (rounded down above 99 so that 99.6 % never reads as 100 %)."""
    if share is None:
        return NONE
    percent = share * 100
    shown = round(percent)
    if shown == 100 and percent < 100:
        shown = 99
    return f"{shown}%"


def format_rate(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}"


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def row_dict(row: KpiRow) -> dict[str, object]:
    """One group's figures for csv and json: durations in seconds, shares between 0 and 1."""
    data: dict[str, object] = {"key": row.key, "created": row.created}
    for name, durations in (("first_response", row.first_response), ("resolution", row.resolution)):
        data[f"{name}_count"] = durations.count
        data[f"{name}_median_s"] = durations.median
        data[f"{name}_p90_s"] = durations.p90
    for name, stats in (("acknowledge", row.acknowledge), ("first_update", row.first_update),
                        ("resolution_target", row.resolution_target)):
        data[f"{name}_settled"] = stats.settled
        data[f"{name}_met"] = stats.met
        data[f"{name}_breached"] = stats.breached
        data[f"{name}_rate"] = _round(stats.rate)
    data.update({
        "breaches": row.breaches, "solved": row.solved, "first_contact": row.first_contact,
        "fcr": _round(row.fcr), "replies": row.replies, "reply_hours": row.reply_hours,
        "replies_per_hour": _round(row.replies_per_hour), "good": row.good, "bad": row.bad,
        "satisfaction": _round(row.satisfaction), "backlog": row.backlog,
    })
    return data


CSV_COLUMNS = ("group", *row_dict(KpiRow("")).keys())


def report_dict(report: KpiReport, by: str) -> dict[str, object]:
    """The whole report for json: the window, everyone's figures, the rows grouped ``by``, comments."""
    window = report.window
    return {
        "since": window.start.isoformat(), "until": window.end.isoformat(), "by": by,
        "total": row_dict(report.total),
        "rows": [row_dict(row) for row in report.rows(by)],
        "comments": [{"at": c.at.isoformat(), "score": c.score, "comment": c.comment, "agent": c.agent,
                      "ticket": c.ticket_number} for c in report.comments],
    }
