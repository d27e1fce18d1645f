"""At 100×30 (and 160×45) nothing is cut off: full labels on screen, room for the thread."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from helpdesk_tui.ui.screens.dashboard import DashboardScreen, tile_values
from helpdesk_tui.ui.widgets.bar_chart import bar_rows
from helpdesk_tui.ui.widgets.thread_view import ThreadView
from helpdesk_tui.ui.widgets.view_bar import SHORT_TITLES

from tests.ui_support import make_app, screen_text, settle

NARROW = (100, 30)


def footer_complete(app) -> None:
    """Every key the footer shows reads in full on its line (none cut mid-word)."""
    line = screen_text(app).splitlines()[-1]
    keys = [k for k in app.screen.query(FooterKey) if k.display and "-command-palette" not in k.classes]
    assert keys, line
    for key in keys:
        assert f"{key.key_display} {key.description}" in line, (key.description, line)
    assert line.rstrip().endswith("^p palette")


async def test_the_workstation_at_100_columns_shows_every_view_and_gives_the_thread_room(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        lines = screen_text(app).splitlines()
        for view in app.workstation.inbox_views.views:  # every tab with its count, not "5 Recently" and the rest cut
            assert f"{view.key} {SHORT_TITLES[view.id]} {app.workstation.inbox_views.counts[view.id]:,}" in lines[1]
        assert app.query_one(ThreadView).size.width >= 40  # it was 20: one word a line
        assert app.query_one("#customer").size.width < app.query_one(ThreadView).size.width
        footer_complete(app)
        await pilot.press("ctrl+g")
        await settle(pilot, app)
        assert "· Suggested for this ticket" in screen_text(app)  # the count is not cut off
        assert app.query_one(ThreadView).size.width >= 30


async def test_the_footer_shows_all_the_keys_at_160_columns(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        footer_complete(app)
        line = screen_text(app).splitlines()[-1]
        for label in ("? Help", "r Reply", "l Timeline", "t Triage", "K KPIs", "f5 Sync"):
            assert label in line


async def test_the_composer_hint_is_read_in_full_at_160_columns(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter", "r")
        await settle(pilot, app)
        text = " ".join(screen_text(app).split())
        assert "esc close (draft kept)" in text
        assert "ctrl+g knowledge base" in text


async def test_the_dashboard_at_100_columns_shows_whole_tiles_titles_and_keys(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot, app)
        await pilot.press("K")
        await settle(pilot, app)
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, DashboardScreen) and screen.report is not None
        text = screen_text(app)
        for title, figure, detail in tile_values(screen.report).values():
            assert title in text and f"{figure}" in text and detail in text, (title, detail)
        for title in ("Backlog each day · new tickets", "First response, hours: median · p90"):
            assert title in text
        footer_complete(app)
        await pilot.press(*"j" * 20)  # the agents' row is below the fold at 30 rows
        await pilot.pause()
        assert "Public replies per agent" in screen_text(app)


@pytest.mark.parametrize("size", [(160, 45), (160, 50), (120, 40), (100, 30)])
async def test_the_agent_chart_has_one_label_per_bar(demo_db, tmp_path, size):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("K")
        await settle(pilot, app)
        await pilot.pause(0.2)
        chart = app.screen.query_one("#agent-bars")
        chart.scroll_visible(animate=False)
        await pilot.pause()
        region = chart.region
        lines = screen_text(app).splitlines()[region.y:region.y + region.height]
        rows = [line[region.x:region.right] for line in lines]
        bars = [row for row in rows if "┤" in row]
        assert bars
        assert all(row.split("┤")[0].strip(" │") for row in bars)  # a name beside every bar
        assert all(("█" in row or "▏" in row) for row in bars)
        agents = [r for r in app.screen.report.agents if r.key != "(unassigned)"]
        shown = len(bars)
        assert shown == min(len(agents), chart.content_size.height)


def test_bar_rows_give_every_value_a_row_and_scale_to_the_largest():
    text = bar_rows([("giulia", 27), ("you", 24), ("a-very-long-agent-name", 3), ("zero", 0)], 40)
    lines = text.plain.split("\n")
    assert len(lines) == 4
    assert all(len(line) <= 40 for line in lines)
    assert lines[0].count("█") > lines[1].count("█") > lines[2].count("█") and "█" not in lines[3]
    assert lines[2].startswith("a-very-long…") and lines[3].rstrip().endswith("0")


async def test_triage_at_100_columns_shows_whole_keys_and_the_escalation_message(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await settle(pilot, app)
        footer_complete(app)
        await pilot.press("e", "enter")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = " ".join(screen_text(app).replace("│", " ").split())
        assert "Still to write:" in text
        assert "or the question for the expert." in text  # the end of the message, once cut off


async def test_a_filter_at_100_columns_is_read_in_the_inbox_title(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot, app)
        # Words no ticket has (a bare number now names that ticket: "/ 10015" lists #10015).
        await pilot.press("enter", "escape", "slash", *"qzxwv", "enter")
        await settle(pilot, app)
        text = screen_text(app)
        assert "All · 0 · qzxwv" in text  # was "Inbox · All · 0 · filte…"
        assert "No ticket matches the filter “qzxwv”." in text
