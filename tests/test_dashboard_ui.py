"""The KPI dashboard (key K) with Pilot on the demo workspace: the same figures as the CLI."""

from __future__ import annotations

from datetime import UTC, timedelta

from textual.widgets import DataTable

from helpdesk_tui.cli import stats as stats_commands
from helpdesk_tui.cli.context import Context
from helpdesk_tui.reports.kpi_figures import format_duration, format_percent
from helpdesk_tui.domain.kpi_report import Window
from helpdesk_tui.store.db import open_database
from helpdesk_tui.store.kpi_data import kpi_report
from helpdesk_tui.ui.screens.dashboard import DashboardScreen, tile_values
from tests.conftest import DEMO_NOW
from tests.ui_support import make_app, screen_text, settle

SIZE = (120, 44)


def report_of(db, days: int):
    conn = open_database(db)
    try:
        return kpi_report(conn, Window(DEMO_NOW - timedelta(days=days), DEMO_NOW, UTC))
    finally:
        conn.close()


async def open_dashboard(pilot, app) -> str:
    await settle(pilot, app)
    await pilot.press("K")
    await settle(pilot, app)
    assert isinstance(app.screen, DashboardScreen)
    return screen_text(app)


async def test_k_opens_the_dashboard_with_the_tiles_of_the_last_7_days(demo_db, tmp_path):
    report = report_of(demo_db, 7)
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        text = await open_dashboard(pilot, app)
    assert "KPIs · last 7 days  2026-11-13 09:30 → 2026-11-20 09:30" in text
    for title, figure, detail in tile_values(report).values():
        assert f"{figure}  {detail}" in text, title
    assert "Backlog each day · new tickets" in text and "Public replies per agent" in text
    assert "Latest rating comments" in text


async def test_the_tiles_show_what_helpdesk_tui_stats_prints(demo_db, tmp_path, capsys):
    home = tmp_path / "home"
    (home / "data" / "accounts").mkdir(parents=True)
    db = home / "data" / "accounts" / "demo.sqlite"
    db.write_bytes(demo_db.read_bytes())
    stats_commands.stats(Context.from_args(str(home), None), since="7d", fmt="table", by="agent", now=DEMO_NOW)
    cli = capsys.readouterr().out
    report = report_of(db, 7)
    t = report.total
    # the CLI's summary and the dashboard's tiles, figure by figure
    shown = {
        f"acknowledged {format_percent(t.acknowledge.rate)} ({t.acknowledge.met}/{t.acknowledge.settled})":
            f"{format_percent(t.acknowledge.rate)}  {t.acknowledge.met}/{t.acknowledge.settled}",
        f"First response: median {format_duration(t.first_response.median)}, p90 "
        f"{format_duration(t.first_response.p90)}":
            f"{format_duration(t.first_response.median)}  p90 {format_duration(t.first_response.p90)}",
        f"Breaches {t.breaches}": f"{t.breaches}  {t.acknowledge.breached}/",
        f"(first contact {format_percent(t.fcr)})": f"{format_percent(t.fcr)}  {t.first_contact}/{t.solved} solved",
        f"Satisfaction {format_percent(t.satisfaction)} ({t.good} good, {t.bad} bad)":
            f"{format_percent(t.satisfaction)}  {t.good} good · {t.bad} bad",
        f"backlog now {t.backlog}": f"{t.backlog}  {t.created} new in window",
    }
    app = make_app(db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        text = await open_dashboard(pilot, app)
    for in_cli, on_screen in shown.items():
        assert in_cli in cli
        assert on_screen in text


async def test_window_keys_recompute_and_escape_goes_back(demo_db, tmp_path):
    month = tile_values(report_of(demo_db, 30))
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot, app)
        await pilot.press("3")
        await settle(pilot, app)
        text = screen_text(app)
        assert "KPIs · last 30 days" in text
        assert "{}  {}".format(*month["frt"][1:]) in text and "{}  {}".format(*month["csat"][1:]) in text
        table = app.screen.query_one("#agent-table", DataTable)
        assert table.row_count == len(report_of(demo_db, 30).agents) + 1  # and everyone's row
        await pilot.press("b")
        await pilot.pause()
        assert "Tickets solved per agent" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DashboardScreen)
        assert "Inbox" in screen_text(app)


async def test_agent_names_are_shown_as_text_never_as_markup(demo_db, tmp_path):
    hostile = "[@click=app.quit]Mallory[/] \x1b[2J"
    conn = open_database(demo_db)
    with conn:
        conn.execute("UPDATE tickets SET assignee = ? WHERE assignee = 'marco'", (hostile,))
        conn.execute("UPDATE messages SET author = ? WHERE author = 'marco'", (hostile,))
    conn.close()
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        text = await open_dashboard(pilot, app)
        assert "[@click=app.quit]Mallory[/]" in text  # the literal, in the agents' table
        await pilot.click("#agent-table")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, DashboardScreen)


async def test_the_help_screen_lists_the_dashboard_keys(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sections = dict(app.help_sections())
        assert {b.id for b in sections["KPI dashboard"]} >= {"dashboard.close", "dashboard.7d", "dashboard.30d",
                                                              "dashboard.90d"}


async def test_switching_windows_quickly_shows_only_the_last_ones_figures(demo_db, tmp_path):
    quarter = tile_values(report_of(demo_db, 90))
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_dashboard(pilot, app)
        await pilot.press("3", "9")
        await settle(pilot, app)
        text = screen_text(app)
    assert "KPIs · last 90 days" in text
    for _title, figure, detail in quarter.values():
        assert f"{figure}  {detail}" in text


async def test_a_short_terminal_starts_at_the_tiles_and_scrolls(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        text = await open_dashboard(pilot, app)
        assert text.splitlines()[0].startswith(" KPIs · last 7 days") and "Acknowledged on time" in text
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert app.screen.scroll_y == 3
