"""``helpdesk-tui stats`` and ``rate`` on a copy of the demo workspace (in-process at a fixed clock,
and as a real process for errors and recording)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, timedelta

import pytest
from rich.cells import cell_len

from helpdesk_tui.cli import stats as stats_commands
from helpdesk_tui.cli.context import Context
from helpdesk_tui.domain.kpi_report import Window
from helpdesk_tui.store.db import open_database
from helpdesk_tui.store.kpi_data import kpi_report
from tests.conftest import DEMO_NOW


@pytest.fixture
def home(demo_home):
    return demo_home


def stats(home, capsys, **options) -> str:
    ctx = Context.from_args(str(home), None)
    assert stats_commands.stats(ctx, **{"since": "7d", "fmt": "table", "by": "agent", **options}, now=DEMO_NOW) == 0
    return capsys.readouterr().out


def run(home, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def expected(home, days: int = 7):
    conn = open_database(home / "data" / "accounts" / "demo.sqlite")
    try:
        return kpi_report(conn, Window(DEMO_NOW - timedelta(days=days), DEMO_NOW, UTC))
    finally:
        conn.close()


def test_json_has_the_reports_figures_in_seconds(home, capsys):
    data = json.loads(stats(home, capsys, fmt="json"))
    report = expected(home)
    assert data["since"] == "2026-11-13T09:30:00+00:00" and data["by"] == "agent"
    assert data["total"]["first_response_median_s"] == report.total.first_response.median
    assert data["total"]["breaches"] == report.total.breaches > 0
    assert data["total"]["backlog"] == report.total.backlog
    assert [r["key"] for r in data["rows"]] == [a.key for a in report.agents]
    assert sum(r["replies"] for r in data["rows"]) == data["total"]["replies"] > 100


def test_csv_parses_with_everyone_first_then_one_row_per_day(home, capsys):
    rows = list(csv.DictReader(io.StringIO(stats(home, capsys, fmt="csv", by="day", since="30d"))))
    assert rows[0]["group"] == "all" and len(rows) == 1 + 31
    assert {r["group"] for r in rows[1:]} == {"day"}
    assert sum(int(r["created"]) for r in rows[1:]) == int(rows[0]["created"])
    assert float(rows[0]["resolution_median_s"]) == expected(home, 30).total.resolution.median
    assert rows[-1]["backlog"] == rows[0]["backlog"]  # today's end is now


def test_the_table_fits_100_columns_with_human_durations(home, capsys):
    out = stats(home, capsys, by="queue")
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= 100
    assert lines[0].startswith("KPIs · demo · since 7d (2026-11-13 09:30 → 2026-11-20 09:30)")
    report = expected(home)
    from helpdesk_tui.reports.kpi_figures import format_duration, format_percent

    assert f"median {format_duration(report.total.first_response.median)}," in out
    assert f"Satisfaction {format_percent(report.total.satisfaction)}" in out
    for queue in ("Accounts", "Billing", "Domains", "Email", "Technical"):
        assert any(line.startswith(queue) for line in lines)


def test_agent_names_and_comments_from_outside_are_printed_inert(home, capsys):
    conn = open_database(home / "data" / "accounts" / "demo.sqlite")
    with conn:
        conn.execute("UPDATE tickets SET assignee = ? WHERE assignee = 'marco'", ("=HYPERLINK(\x1b[31mx)",))
    conn.close()
    table = stats(home, capsys, since="90d")
    assert "\x1b" not in table and "=HYPERLINK(x)" in table
    rows = list(csv.DictReader(io.StringIO(stats(home, capsys, fmt="csv", since="90d"))))
    assert any(r["key"] == "'=HYPERLINK(x)" for r in rows)


@pytest.mark.parametrize("args, words", [
    # A window that cannot be read is the service's to refuse: test_services_reports.py says which words.
    (["stats", "--format", "xml"], "invalid choice: 'xml'"),
    (["rate", "99999", "good"], "No ticket 99999"),
    (["rate", "10005", "meh"], "invalid choice: 'meh'"),
])
def test_mistakes_are_one_sentence(home, args, words):
    out = run(home, *args)
    assert out.returncode in (1, 2) and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("helpdesk-tui: ") and words in lines[0]


def test_rate_records_a_local_rating_that_stats_counts(home):
    before = json.loads(run(home, "stats", "--since", "2026-01-01", "--format", "json").stdout)
    out = run(home, "rate", "#11190", "bad", "--comment", "Nobody called back")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Recorded a bad rating of #11190")
    after = json.loads(run(home, "stats", "--since", "2026-01-01", "--format", "json").stdout)
    assert after["total"]["bad"] == before["total"]["bad"] + 1
    assert after["total"]["good"] == before["total"]["good"]
    assert after["comments"][0]["comment"] == "Nobody called back"
