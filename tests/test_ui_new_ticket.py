"""N on the workstation: the new-ticket form, the queued row in the inbox, its number after the drain."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from helpdesk_tui.domain.new_ticket import is_provisional
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync.backends.demo_helpdesk import Applied, DemoHelpdesk
from helpdesk_tui.ui.screens.help import HelpScreen
from helpdesk_tui.ui.screens.new_ticket import NewTicketScreen
from helpdesk_tui.ui.widgets.inbox_list import InboxList

from tests.ui_support import make_app, screen_text, settle

SIZE = (140, 40)


class Gated(DemoHelpdesk):
    """The demo's helpdesk, unreachable until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__(adopts_unknown=True)
        self.reachable = False

    def open_ticket(self, key: str, *args: object, **kwargs: object) -> Applied:
        if not self.reachable:
            raise errors.Unreachable("The demo helpdesk is unreachable.")
        return super().open_ticket(key, *args, **kwargs)  # type: ignore[arg-type]


async def fill(pilot, app, *, to: str, subject: str, body: str) -> None:
    await pilot.press("N")
    await settle(pilot, app)
    assert isinstance(app.screen, NewTicketScreen)
    assert app.focused is app.screen.query_one("#new-ticket-to", Input)
    await pilot.press(*to, "tab", "tab", *subject)
    app.screen.query_one("#new-ticket-body", TextArea).focus()
    await pilot.press(*body)
    await pilot.press("ctrl+s")
    await settle(pilot, app)


def rows_titled(app, subject: str):
    with app.cache.connection() as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM tickets WHERE subject = ?", (subject,))]
    return [app.cache.ticket(i) for i in ids]


def inbox_line(app, subject: str) -> str:
    """The inbox's row for ``subject`` (the inbox is the left pane; the ticket's header is beside it)."""
    [line] = [line.split("││")[0] for line in screen_text(app).splitlines() if subject in line.split("││")[0]]
    return line


async def test_n_opens_the_form_the_ticket_shows_queued_then_its_number_after_the_drain(demo_db, tmp_path):
    helpdesk = Gated()
    app = make_app(demo_db, tmp_path, backend=DemoBackend(helpdesk=helpdesk))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("6")  # All: the new ticket is listed whatever its assignee
        await settle(pilot, app)
        await fill(pilot, app, to="newcomer@example.com", subject="Welcome aboard", body="Hello and welcome.")
        assert not isinstance(app.screen, NewTicketScreen)
        [queued] = rows_titled(app, "Welcome aboard")
        assert is_provisional(queued.number) and queued.remote_id is None
        assert queued.id in app.query_one(InboxList).ids
        line = inbox_line(app, "Welcome aboard")
        assert "queued" in line and str(queued.number) not in line  # the marker, no made-up number
        assert app.workstation.ticket_id == queued.id
        assert "queued Welcome aboard" in screen_text(app)  # the ticket pane's header
        assert "Hello and welcome." in screen_text(app)

        helpdesk.reachable = True
        await app.workstation.drain_outbox().wait()
        await settle(pilot, app)
        [sent] = rows_titled(app, "Welcome aboard")
        assert sent.id == queued.id and not is_provisional(sent.number) and sent.remote_id is not None
        line = inbox_line(app, "Welcome aboard")
        assert str(sent.number) in line and "queued" not in line


async def test_a_bad_address_is_one_sentence_in_the_form_and_nothing_is_queued(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        before = len(app.cache.outbox_items())
        await fill(pilot, app, to="someone@", subject="Hi", body="Hello.")
        assert isinstance(app.screen, NewTicketScreen)  # still open, with what was typed
        assert "'someone@' is not a valid e-mail address: write it as name@example.com." in screen_text(app)
        assert len(app.cache.outbox_items()) == before
        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, NewTicketScreen)
        assert len(app.cache.outbox_items()) == before


async def test_help_lists_the_new_ticket_key_and_the_forms_keys(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "New ticket" in text and "ticket.new" in text


async def test_the_palette_offers_a_new_ticket_and_a_keymap_can_move_it(demo_db, tmp_path):
    from helpdesk_tui.ui.keymap_check import keymap_warnings

    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Ticket: New ticket…" in titles
        assert keymap_warnings({"ticket.new": "f7"}, app.help_sections()) == []  # a known id, a free key
        assert any("ticket.new" in w and "also uses" in w
                   for w in keymap_warnings({"ticket.new": "r"}, app.help_sections()))  # r is Reply's
