"""The agent's own inbox views in the workstation: their keys, the view bar, saving one from a filter."""

from __future__ import annotations

import random

from textual.content import Content

from helpdesk_tui.config.settings import load_settings
from helpdesk_tui.ui.screens.save_view import SaveViewScreen
from helpdesk_tui.ui.widgets.inbox_list import InboxList

from tests.ui_support import make_app, screen_text, settle

SIZE = (180, 45)
HEADER = "# my settings — this comment must survive\n[ui]\nclock = false\n[send]\ndelay_seconds = 0\n"


def app_with(demo_db, tmp_path, views: str = ""):
    config = tmp_path / "config.toml"
    config.write_text(HEADER + views, encoding="utf-8")
    app = make_app(demo_db, tmp_path, settings=load_settings(config, env={}))
    app.options.config_file = config
    return app, config


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_custom_views_key_switches_to_it_and_the_view_bar_shows_it_with_its_count(demo_db, tmp_path):
    app, _ = app_with(demo_db, tmp_path, """
[views."Pending urgent"]
key = "7"
filter = "status:pending priority:urgent"
[views."[b]x[/]"]
key = "B"
filter = "tag:billing"
[views.Taken]
key = "r"
filter = "tag:vip"
""")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        views = app.workstation.inbox_views
        assert [v.id for v in views.views][6:] == ["Pending urgent", "[b]x[/]"]
        bar = screen_text(app).splitlines()[1]
        assert f"7 Pending urgent {views.counts['Pending urgent']:,}" in bar
        assert "B [b]x[/] " in bar  # a name is text: the markup is shown, not applied
        assert any("'Taken' takes key r" in m and "left out" in m for m in messages(app))
        await pilot.press("7")
        await settle(pilot, app)
        rows = app.cache.inbox_rows(app.query_one(InboxList).ids)
        assert rows and {(r.status.value, r.priority.value) for r in rows} == {("pending", "urgent")}
        assert len(rows) == views.counts["Pending urgent"] and views.view.id == "Pending urgent"
        # The palette reads markup: the hostile name is escaped there and reads as typed.
        titles = [Content.from_markup(c.title).plain for c in app.workstation.commands()]
        assert "Inbox: [b]x[/]" in titles and "Inbox: Pending urgent" in titles
        # A focus session keeps a built-in view: "All" narrowed by the custom view's filter.
        choices, view_id, filter_text = app.workstation._focus_start_choices()
        assert [v.id for v in choices] == ["mine", "unassigned", "due", "waiting", "recent", "all"]
        assert (view_id, filter_text) == ("all", "status:pending priority:urgent")
        await pilot.press("r")  # still the reply key, not the refused view
        await settle(pilot, app)
        assert views.view.id == "Pending urgent"


async def test_saving_the_filter_as_a_view_writes_the_file_and_shows_the_view_at_once(demo_db, tmp_path):
    app, config = app_with(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"status:pending", "enter")
        await settle(pilot, app)
        await app.workstation.run_action("save_view")
        await pilot.pause()
        assert isinstance(app.screen, SaveViewScreen)
        await pilot.press(*"Pending", "enter", "j", "enter")  # j moves the inbox cursor: refused
        await pilot.pause()
        assert isinstance(app.screen, SaveViewScreen)
        assert "workstation already uses" in str(app.screen.query_one("#save-view-error").render())
        await pilot.press("backspace", "9", "enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, SaveViewScreen)
        views = app.workstation.inbox_views
        assert views.view.id == "Pending" and not views.filter
        assert "9 Pending " in screen_text(app).splitlines()[1]
        text = config.read_text(encoding="utf-8")
        assert "# my settings — this comment must survive" in text
        assert [(v.name, v.key, v.filter) for v in load_settings(config, env={}).views] == [
            ("Pending", "9", "status:pending")]
        await pilot.press("6")
        await settle(pilot, app)
        await pilot.press("9")  # the new key works without a restart
        await settle(pilot, app)
        assert views.view.id == "Pending"
        assert len(app.query_one(InboxList).ids) == views.counts["Pending"]


async def test_saving_without_a_filter_says_to_filter_first(demo_db, tmp_path):
    app, config = app_with(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.workstation.run_action("save_view")
        await pilot.pause()
        assert not isinstance(app.screen, SaveViewScreen)
        assert any("Filter the inbox first" in m for m in messages(app))
        assert config.read_text(encoding="utf-8") == HEADER


async def test_random_keys_in_the_save_dialog_never_break_the_app_or_the_file(demo_db, tmp_path):
    app, config = app_with(demo_db, tmp_path)
    rng = random.Random(1107)
    # Letters free and taken, view keys, markup, and enter often enough that some saves go through.
    keys = [*"abjkrQ789 1#[]/", "enter", "enter", "enter", "tab", "backspace", "shift+tab", "escape"]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"tag:billing", "enter")
        await settle(pilot, app)
        for _ in range(8):
            await app.workstation.run_action("save_view")
            await pilot.pause()
            for key in rng.choices(keys, k=25):
                await pilot.press(key)
                if not isinstance(app.screen, SaveViewScreen):
                    break
            await settle(pilot, app)
            if isinstance(app.screen, SaveViewScreen):
                await pilot.press("escape")
                await pilot.pause()
            # Whatever was typed, the file still loads, and every saved view is in the bar.
            saved = load_settings(config, env={}).views
            assert "# my settings — this comment must survive" in config.read_text(encoding="utf-8")
            assert {v.name for v in saved} <= {v.id for v in app.workstation.inbox_views.views}
            assert app.workstation.inbox_views.filter or any(
                app.workstation.inbox_views.view.id == v.name for v in saved)
            if not app.workstation.inbox_views.filter:
                await pilot.press("slash", "ctrl+u", *"tag:billing", "enter")
                await settle(pilot, app)
        # The fixed seed saves some views and refuses others: both paths ran.
        assert load_settings(config, env={}).views
