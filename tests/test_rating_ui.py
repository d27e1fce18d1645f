"""Recording a customer's satisfaction rating from the workstation (issue 5), driven with Pilot."""

from __future__ import annotations

from textual import events
from textual.command import CommandPalette
from textual.widgets import Input, RadioSet

from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.ratings import upsert_helpdesk_rating
from helpdesk_tui.ui.screens.rating import RatingScreen
from helpdesk_tui.ui.widgets.inbox_list import InboxList

from tests.conftest import DEMO_NOW
from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)
COMMAND = "Ticket: Record satisfaction rating"
HOSTILE = "[b]x[/b] \x1b[31m"


def stored(app, ticket_id: int) -> list[tuple]:
    """The ratings table as it is on disk, for one ticket."""
    with app.cache.connection() as conn:
        return conn.execute("SELECT source, score, comment, agent, created_at FROM ratings "
                            "WHERE ticket_id = ? ORDER BY id", (ticket_id,)).fetchall()


async def open_first_ticket(pilot, app) -> int:
    await settle(pilot, app)
    ticket_id = app.query_one(InboxList).ids[0]
    app.workstation.open_ticket(ticket_id, focus=True)
    await pilot.pause()
    return ticket_id


async def open_rating(pilot, app) -> RatingScreen:
    command = next(c for c in app.get_system_commands(app.screen) if c.title == COMMAND)
    command.callback()
    await pilot.pause()
    assert isinstance(app.screen, RatingScreen)
    return app.screen


async def test_palette_records_a_bad_rating_with_the_hostile_comment_kept_verbatim(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        ticket_id = await open_first_ticket(pilot, app)
        ticket = app.cache.ticket(ticket_id)
        assert stored(app, ticket_id) == []  # the demo rates solved tickets only
        # Through the real palette: ctrl+p, a few words, enter.
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"satisfaction rating")
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RatingScreen)
        assert "No rating yet." in screen_text(app)
        await pilot.press("b")  # picks bad and moves on to the comment box
        comment = screen.query_one("#rating-comment", Input)
        assert comment.has_focus
        await pilot.press(*"[b]x[/b] ")
        comment.post_message(events.Paste("\x1b[31m"))  # no key types ESC into a box: a paste can
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, RatingScreen)
        assert f"Rating recorded for #{ticket.number}" in screen_text(app)
        # Stored as the agent typed it (store.ratings keeps words raw; display cleans them).
        assert stored(app, ticket_id) == [("local", "bad", HOSTILE, ticket.assignee, int(DEMO_NOW.timestamp()))]

        # Asked again, the modal shows it cleaned and literal, and starts from it.
        screen = await open_rating(pilot, app)
        text = screen_text(app)
        assert "recorded here bad" in text and "[b]x[/b]" in text and "\x1b" not in text
        assert "Saving replaces the rating recorded here." in text
        assert screen.query_one(RadioSet).pressed_button.id == "rating-bad"
        assert screen.query_one("#rating-comment", Input).value == "[b]x[/b]"  # cleaned before the box shows it
        await pilot.press("g", "ctrl+s")
        await settle(pilot, app)
        # One local rating per ticket: the second replaces the first.
        assert [row[:3] for row in stored(app, ticket_id)] == [("local", "good", "[b]x[/b]")]


async def test_escape_cancels_and_saving_without_a_choice_asks_for_one(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        ticket_id = await open_first_ticket(pilot, app)
        screen = await open_rating(pilot, app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen  # nothing chosen: still open, one sentence says why
        assert "Choose good (g) or bad (b) first." in screen_text(app)
        await pilot.press("g", *"lovely", "escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, RatingScreen)
        assert stored(app, ticket_id) == []
        assert "Rating recorded" not in screen_text(app)


async def test_the_modal_lists_the_helpdesk_rating_and_a_local_one_is_an_addition(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        ticket_id = await open_first_ticket(pilot, app)
        with app.cache.connection() as conn, transaction(conn):
            upsert_helpdesk_rating(conn, ticket_id, "sat-41", "bad", DEMO_NOW.replace(hour=8),
                                   comment="[@click=app.quit]slow[/] \x1b]0;pwned\x07")
        await open_rating(pilot, app)
        text = screen_text(app)
        assert "helpdesk      bad   today 08:30 · [@click=app.quit]slow[/]" in text
        assert "pwned" not in text and "\x1b" not in text  # the OSC title sequence is gone, payload too
        assert "one recorded here is an addition to it" in text
        await pilot.press("g", *"happy on the phone", "enter")  # enter in the comment saves too
        await settle(pilot, app)
        assert app.is_running  # the stranger's [@click=app.quit] stayed text
        assert [row[:3] for row in stored(app, ticket_id)] == [
            ("helpdesk", "bad", "[@click=app.quit]slow[/] \x1b]0;pwned\x07"), ("local", "good", "happy on the phone")]


async def test_without_an_open_ticket_the_command_says_what_to_do(tmp_path):
    path = tmp_path / "empty.sqlite"
    open_database(path).close()
    app = make_app(path, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert app.workstation.ticket_id is None
        next(c for c in app.get_system_commands(app.screen) if c.title == COMMAND).callback()
        await pilot.pause()
        assert not isinstance(app.screen, RatingScreen)
        assert "Open a ticket first: the rating is recorded on it." in screen_text(app)
