"""KPI figures as machines read them (seconds, shares between 0 and 1): the csv and json of ``stats``."""

from __future__ import annotations

import csv
import io

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.kpi_report import KpiReport, KpiRow
from helpdesk_tui.csv_cells import spreadsheet_text


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


def _cell(value: object) -> object:
    # Agent and queue names come from the helpdesk: one line, never a formula.
    if isinstance(value, str):
        return spreadsheet_text(clean_line(value))
    return "" if value is None else value


def report_csv(report: KpiReport, by: str) -> str:
    """A header row, everyone's row (group "all"), then one row per agent, queue or day."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(["all", *(_cell(v) for v in row_dict(report.total).values())])
    for row in report.rows(by):
        writer.writerow([by, *(_cell(v) for v in row_dict(row).values())])
    return out.getvalue()
