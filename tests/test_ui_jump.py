"""# (or :) then a number opens that ticket from anywhere on the workstation (issue 11)."""

from __future__ import annotations

import random

import pytest
from textual.widgets import Input

from helpdesk_tui.ui.screens.help import HelpScreen
from helpdesk_tui.ui.screens.jump import JumpScreen
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbResults
from helpdesk_tui.ui.widgets.thread_view import ThreadView

from tests.ui_support import make_app, screen_text, settle

SIZE = (120, 40)


def ticket_id(app, number: int) -> int:
    ticket = app.cache.find_ticket(str(number))
    assert ticket is not None and ticket.id is not None
    return ticket.id


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def jump(pilot, app, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot, app)


@pytest.mark.parametrize("key, typed", [("number_sign", "10015"), ("colon", "#10015"), ("number_sign", " 10015 ")])
async def test_hash_and_a_number_open_that_ticket_from_the_inbox(demo_db, tmp_path, key, typed):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert app.query_one(InboxList).has_focus
        await jump(pilot, app, key)
        assert isinstance(app.screen, JumpScreen) and isinstance(app.focused, Input)
        await jump(pilot, app, *typed, "enter")
        assert not isinstance(app.screen, JumpScreen)
        assert app.workstation.ticket_id == ticket_id(app, 10015)
        assert app.query_one(ThreadView).has_focus
        assert "#10015" in screen_text(app)


async def test_a_ticket_outside_the_view_opens_and_says_which_view_it_is_outside_of(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await jump(pilot, app, "1")  # My open
        wanted = ticket_id(app, 10015)
        assert app.workstation.inbox_views.view.id == "mine" and wanted not in app.query_one(InboxList).ids
        await jump(pilot, app, "number_sign", *"10015", "enter")
        assert app.workstation.ticket_id == wanted
        assert "#10015 is not in “My open”: opened anyway." in toasts(app)


async def test_a_ticket_in_the_view_moves_the_inbox_cursor_to_it(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        inbox = app.query_one(InboxList)
        last = inbox.ids[-1]
        number = app.cache.ticket(last).number
        await jump(pilot, app, "number_sign", *str(number), "enter")
        assert app.workstation.ticket_id == last and inbox.current_id == last
        assert not any("opened anyway" in t for t in toasts(app))


async def test_from_a_ticket_view_the_jump_opens_the_other_ticket_and_escape_comes_back(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await jump(pilot, app, "enter")
        first = app.workstation.ticket_id
        assert app.query_one(ThreadView).has_focus and first != ticket_id(app, 10015)
        await jump(pilot, app, "colon", *"10015", "enter")
        assert app.workstation.ticket_id == ticket_id(app, 10015)
        assert app.query_one(InboxList).current_id == ticket_id(app, 10015)
        await jump(pilot, app, "escape")
        assert app.workstation.ticket_id == first
        assert app.query_one(InboxList).current_id == first  # the cursor does not stay on the other one


async def test_from_the_kb_sidebar_the_jump_works_but_in_its_search_box_hash_is_text(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await jump(pilot, app, "enter", "ctrl+g")
        box = app.query_one("#kb-query", Input)
        assert box.has_focus
        await jump(pilot, app, *"#10015")
        assert box.value == "#10015" and not isinstance(app.screen, JumpScreen)
        app.query_one(KbResults).focus()
        await jump(pilot, app, "number_sign", *"10015", "enter")
        assert app.workstation.ticket_id == ticket_id(app, 10015)


async def test_with_the_composer_open_hash_and_colon_are_text(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await jump(pilot, app, "enter", "r")
        composer = app.workstation.composer
        first = app.workstation.ticket_id
        assert composer is not None and composer.text_area.has_focus
        await jump(pilot, app, *"see #10015: same", "enter")
        assert not isinstance(app.screen, JumpScreen)
        assert "see #10015: same" in composer.text
        assert app.workstation.ticket_id == first


async def test_in_the_filter_box_hash_is_text_and_a_number_lists_that_ticket(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await jump(pilot, app, "1")  # My open
        await jump(pilot, app, "slash", *"#10015")
        assert not isinstance(app.screen, JumpScreen)
        await jump(pilot, app, "enter")
        assert list(app.query_one(InboxList).ids) == [ticket_id(app, 10015)]  # in "My open", where it is not


async def test_an_unknown_number_says_one_sentence_and_the_prompt_stays(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        before = app.workstation.ticket_id
        await jump(pilot, app, "number_sign", *"12345", "enter")
        assert isinstance(app.screen, JumpScreen)
        assert "#12345 is not in the cache: sync, or check the number." in screen_text(app)
        await jump(pilot, app, *["backspace"] * 5, *"10015", "enter")  # fixed in place
        assert app.workstation.ticket_id == ticket_id(app, 10015) != before


async def test_garbage_is_a_sentence_never_markup(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await jump(pilot, app, "number_sign", *"[b]x[/]", "enter")
        assert isinstance(app.screen, JumpScreen)
        assert "'[b]x[/]' is not a ticket number: type its digits, like 10015." in screen_text(app)


async def test_escape_cancels_without_opening_anything(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        before = app.workstation.ticket_id
        await jump(pilot, app, "number_sign", *"10015", "escape")
        assert not isinstance(app.screen, JumpScreen)
        assert app.workstation.ticket_id == before
        assert app.query_one(InboxList).has_focus


async def test_the_jump_key_is_in_the_help_with_its_id(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await jump(pilot, app, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = [line for line in screen_text(app).splitlines() if "app.jump" in line]
        assert rows and "# / :" in rows[0] and "Jump" in rows[0], rows


SEED = 11
KEYS = list("0123456789#: abcxyz/[]") * 3 + ["backspace", "left", "right", "home", "end", "delete",
                                             "enter", "enter", "tab", "number_sign", "colon", "ctrl+a"]


async def test_random_keys_in_the_jump_prompt_never_crash_and_end_on_a_real_ticket(demo_db, tmp_path):
    """A fixed seed: a failure replays exactly. Each round types at the prompt, then either
    escapes or enters; whatever ends up open is a ticket of the cache."""
    rng = random.Random(SEED)
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        for _ in range(25):
            if not isinstance(app.screen, JumpScreen):
                app.query_one(InboxList).focus()
                await pilot.press("number_sign")
                await pilot.pause()
            assert isinstance(app.screen, JumpScreen)
            await pilot.press(*(rng.choice(KEYS) for _ in range(rng.randint(1, 12))))
            await pilot.pause()
            if rng.random() < 0.3:
                await pilot.press("escape")
                await pilot.pause()
            assert app.is_running
            if app.workstation.ticket_id is not None:
                assert app.cache.ticket(app.workstation.ticket_id) is not None
        if isinstance(app.screen, JumpScreen):
            await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, JumpScreen)


async def test_the_footer_shows_the_jump_key_at_160_columns(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        await jump(pilot, app, "enter")
        assert "# Jump" in screen_text(app).splitlines()[-1]


async def test_the_palette_has_the_jump(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Ticket: Jump to number…")
        command.callback()
        await pilot.pause()
        assert isinstance(app.screen, JumpScreen)


async def test_a_number_typed_in_one_burst_with_the_hash_still_opens_that_ticket(demo_db, tmp_path):
    """A fast typist: '#', the digits and enter arrive before the prompt has drawn (as from a
    terminal, all queued at once). The digits belong to the prompt, not to the view keys 1-6."""
    from textual import events

    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        view = app.workstation.inbox_views.view.id
        for key, char in [("number_sign", "#"), *((d, d) for d in "10015"), ("enter", "\r")]:
            app.post_message(events.Key(key, char))
        await settle(pilot, app)
        assert not isinstance(app.screen, JumpScreen)
        assert app.workstation.ticket_id == ticket_id(app, 10015)
        assert app.workstation.inbox_views.view.id == view  # no digit switched the view


async def test_keys_typed_after_the_jumps_enter_in_the_same_burst_do_not_go_into_the_prompt(demo_db, tmp_path):
    """Found by hand in tmux: '#201⏎r' and a reply's first words typed in one go left the prompt
    open with '201rQuick' in it ("not a ticket number"): the prompt's enter ran after the keys
    behind it had been typed into it. The enter opens the ticket; what follows is not the number."""
    from textual import events

    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        keys = [("number_sign", "#"), *((d, d) for d in "10015"), ("enter", "\r"), ("x", "x"), ("y", "y")]
        for key, char in keys:
            app.post_message(events.Key(key, char))
        await settle(pilot, app)
        assert not isinstance(app.screen, JumpScreen), "the prompt stayed open with the keys behind the enter"
        assert app.workstation.ticket_id == ticket_id(app, 10015)
