"""The search screen (ctrl+k): everything in the cache, as the agent types (issue 11)."""

from __future__ import annotations

import random
import threading

from textual.widgets import Input

from helpdesk_tui.ui.screens.jump import JumpScreen
from helpdesk_tui.ui.screens.search import SearchResults, SearchScreen
from helpdesk_tui.ui.screens.workstation_commands import workstation_commands
from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar
from helpdesk_tui.ui.widgets.thread_view import FOUND_LABEL, ThreadView

from tests.ui_support import make_app, screen_text, settle

SIZE = (120, 40)
HOSTILE = "[bold red]URGENT[/] site down [link=https://evil.example]click[/link]"


async def search_for(pilot, app, query: str) -> SearchScreen:
    """ctrl+k, type ``query``, wait for the debounce and the worker."""
    if not isinstance(app.screen, SearchScreen):
        await pilot.press("ctrl+k")
        await settle(pilot, app)
    screen = app.screen
    assert isinstance(screen, SearchScreen)
    screen.query_one("#search-query", Input).value = ""
    await pilot.press(*query)
    await pilot.pause(0.3)  # the debounce
    await settle(pilot, app)
    assert screen.shown_query == query
    return screen


async def test_typing_shows_results_labelled_by_kind_with_the_count(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = await search_for(pilot, app, "password")
        kinds = {(h.kind, h.message_kind) for h in screen.hits}
        assert ("ticket", None) in kinds and ("article", None) in kinds
        assert any(kind == "message" for kind, _ in kinds)
        text = screen_text(app)
        assert "results for “password”" in text
        assert "Ticket  #" in text and "KB   " in text
        assert screen.query_one("#search-query", Input).has_focus  # results never steal the box


async def test_internal_notes_and_past_replies_are_labelled_apart_from_customer_messages(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = await search_for(pilot, app, "logs")
        kinds = [h.message_kind for h in screen.hits if h.kind == "message"]
        assert "internal_note" in kinds and "public_reply" in kinds
        lines = screen_text(app).splitlines()
        assert any("Note    #" in line for line in lines) and any("Reply   #" in line for line in lines)
        # Grouped by kind: every message after every ticket, every article after every message.
        order = {"ticket": 0, "message": 1, "article": 2}
        assert [order[h.kind] for h in screen.hits] == sorted(order[h.kind] for h in screen.hits)


async def test_enter_on_a_message_opens_its_ticket_scrolled_to_that_message_and_marked(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = await search_for(pilot, app, "logs")
        # A message deep in its thread: opening at the top would not show it.
        deep = next((i, h) for i, h in enumerate(screen.hits) if h.kind == "message"
                    and [m.id for m in app.cache.thread(h.ticket_id)].index(h.message_id) >= 6)
        index, hit = deep
        await pilot.press("down", *["down"] * index)
        assert screen.query_one(SearchResults).highlighted == index
        await pilot.press("enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, SearchScreen)
        assert app.workstation.ticket_id == hit.ticket_id
        thread = app.query_one(ThreadView)
        assert thread.has_focus and thread.found_message_id == hit.message_id
        line = thread.message_line(hit.message_id)
        assert line is not None and line > 0
        assert int(thread.scroll_offset.y) == min(line, int(thread.max_scroll_y))
        assert FOUND_LABEL in screen_text(app)  # the matching message's header, on screen, marked


async def test_enter_on_a_kb_article_opens_it_in_the_kb_sidebar(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = await search_for(pilot, app, "GoDaddy")
        assert [h.kind for h in screen.hits] == ["article"]
        await pilot.press("enter", "enter")  # the box gives the results the focus, then open
        await settle(pilot, app)
        assert app.workstation.has_class("-kb")
        kb = app.query_one(KbSidebar)
        assert kb.previewing
        assert "Your domain stays registered at" in screen_text(app)  # the article's text, beside the ticket


async def test_a_hostile_subject_shows_literally(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = await search_for(pilot, app, "evil click")
        assert [h.number for h in screen.hits if h.kind == "ticket"] == [11194]
        assert HOSTILE in screen_text(app)
        await pilot.press("down", "enter")  # a subject hit opens its ticket at the top
        await settle(pilot, app)
        assert app.workstation.ticket_id == app.cache.find_ticket("11194").id
        thread = app.query_one(ThreadView)
        assert thread.found_message_id is None and thread.scroll_offset.y == 0
        assert "#11194 [bold red]URGENT[/] site down" in screen_text(app)  # the ticket pane: literal too


async def test_japanese_and_hebrew_queries_find_the_demos_tickets(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = await search_for(pilot, app, "パスワードを忘れ")
        japanese = [h for h in screen.hits if h.kind == "ticket"]
        assert japanese and all("パスワードを忘れ" in h.title for h in japanese)
        assert "パスワードを忘れました" in screen_text(app)
        screen = await search_for(pilot, app, "מסד הנתונים")
        numbers = [h.number for h in screen.hits if h.kind == "ticket"]
        assert 10026 in numbers
        assert "#10026" in screen_text(app)


async def test_a_slow_answer_to_an_older_query_is_dropped(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    gate = threading.Event()
    asked: list[str] = []

    def search(query: str):
        asked.append(query)
        if query == "slow":
            gate.wait(10)
        return app.cache.search(query)

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = SearchScreen(search)
        app.push_screen(screen)
        await pilot.pause()
        await pilot.press(*"slow")
        await pilot.pause(0.3)  # "slow" is asked and hangs
        await pilot.press(*["backspace"] * 4, *"GoDaddy")
        await pilot.pause(0.3)
        gate.set()
        await settle(pilot, app)
        assert asked[0] == "slow" and asked[-1] == "GoDaddy"
        assert "s" not in asked and "sl" not in asked  # debounced: not one query per key
        assert screen.shown_query == "GoDaddy" and [h.kind for h in screen.hits] == ["article"]


async def test_the_palette_has_it_and_slash_still_filters_the_inbox(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        entry = next(c for c in workstation_commands(app.workstation) if c.title == "Search: Everything…")
        entry.callback()
        await settle(pilot, app)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("escape")
        await settle(pilot, app)
        await pilot.press("slash")
        await settle(pilot, app)
        assert not isinstance(app.screen, SearchScreen)
        assert app.query_one("#filter", Input).has_focus


async def test_random_keys_on_the_search_screen_never_crash(demo_db, tmp_path):
    rng = random.Random(11)
    keys = [*"abcdefghijklmnopqrstuvwxyz0123456789#:/?[]\"'*", "パ", "ス", "ש", "ל", "space", "backspace",
            "down", "up", "pagedown", "pageup", "home", "end", "enter", "escape", "tab", "shift+tab", "ctrl+k",
            "left", "right", "delete"]
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for _ in range(12):
            if not isinstance(app.screen, SearchScreen):
                while len(app.screen_stack) > 2:  # a jump prompt or help opened from the workstation
                    app.pop_screen()
                    await pilot.pause()
                await pilot.press("ctrl+k")
                await pilot.pause()
            await pilot.press(*(rng.choice(keys) for _ in range(25)))
            await pilot.pause(0.2)
        await settle(pilot, app)
        assert app.is_running
        assert not isinstance(app.screen, JumpScreen) or app.screen.is_current
