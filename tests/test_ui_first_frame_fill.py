"""The first frame: the ticket and customer panes stand beside the inbox, empty; the first
ticket's thread, customer and KB suggestions are read only after that frame, and a key typed
before they come acts on the first ticket as it always did."""

from __future__ import annotations

from helpdesk_tui.ui.inbox_views import InboxViews
from helpdesk_tui.ui.screens.workstation import WorkstationScreen
from helpdesk_tui.ui.widgets.composer import Composer
from helpdesk_tui.ui.widgets.customer_pane import CustomerPane
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.ticket_pane import TicketPane

from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)


async def test_the_first_ticket_is_read_after_the_first_frame_which_already_has_its_panes(
        demo_db, tmp_path, monkeypatch):
    app = make_app(demo_db, tmp_path)
    events: list[tuple[str, object]] = []
    render_lines, thread = InboxList.render_lines, app.cache.thread

    def painted(self, crop):
        if not events or events[-1][0] != "inbox painted":
            screen = self.screen
            events.append(("inbox painted", (screen.query_one(TicketPane).display,
                                             screen.query_one(CustomerPane).display)))
        return render_lines(self, crop)

    def read_thread(ticket_id):
        events.append(("thread read", ticket_id))
        return thread(ticket_id)

    monkeypatch.setattr(InboxList, "render_lines", painted)
    monkeypatch.setattr(app.cache, "thread", read_thread)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        first = app.workstation.inbox.ids[0]
        assert events[0] == ("inbox painted", (True, True))  # the three-pane layout, from the first frame
        assert ("thread read", first) in events
        assert events.index(("thread read", first)) > 0  # never before the first frame
        assert app.workstation.ticket_id == first
        assert app.workstation.query_one(TicketPane).ticket.id == first


def hold_after_first_frame(monkeypatch) -> list:
    """What the workstation queues for after its first frame is kept here, not run; the whole
    list is not loaded either (at 1M it comes ~0.3 s later), as it also previews the first ticket."""
    held: list = []
    monkeypatch.setattr(InboxViews, "_load_all_ids", lambda self, query, keep: None)

    def keep(self) -> None:
        held.extend(self._before_shown or ())
        self._before_shown = None  # what is queued from now on runs as usual

    monkeypatch.setattr(WorkstationScreen, "_after_first_frame", keep)
    return held


async def _started_but_not_filled(app, pilot, held) -> None:
    await pilot.pause()
    assert app.workstation.ticket_id is None and held  # laid out, not filled yet
    assert app.workstation.query_one(TicketPane).display
    assert "Open a ticket with Enter." not in screen_text(app)  # empty panes, not "no ticket"


async def test_r_typed_before_the_first_ticket_is_filled_replies_to_the_first_ticket(
        demo_db, tmp_path, monkeypatch):
    app = make_app(demo_db, tmp_path)
    held = hold_after_first_frame(monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await _started_but_not_filled(app, pilot, held)
        first = app.workstation.inbox.ids[0]
        await pilot.press("r")
        await pilot.pause()
        composer = app.workstation.query_one(Composer)
        assert composer.draft.ticket_id == first
        for callback in held:  # the fill coming late changes nothing
            callback()
        await settle(pilot, app)
        assert app.workstation.ticket_id == first
        assert app.workstation.query_one(Composer).draft.ticket_id == first


async def test_j_typed_before_the_first_ticket_is_filled_previews_the_second(demo_db, tmp_path, monkeypatch):
    app = make_app(demo_db, tmp_path)
    held = hold_after_first_frame(monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await _started_but_not_filled(app, pilot, held)
        second = app.workstation.inbox.ids[1]
        await pilot.press("j")
        for callback in held:
            callback()
        await pilot.pause(0.3)  # the preview follows the cursor after it rests
        await settle(pilot, app)
        assert app.workstation.ticket_id == second
        assert app.workstation.query_one(TicketPane).ticket.id == second


async def test_z_typed_before_the_first_ticket_is_filled_zooms_the_inbox_and_it_stays(
        demo_db, tmp_path, monkeypatch):
    app = make_app(demo_db, tmp_path)
    held = hold_after_first_frame(monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await _started_but_not_filled(app, pilot, held)
        await pilot.press("z")
        await pilot.pause()
        for callback in held:
            callback()
        await settle(pilot, app)
        assert app.workstation.panes.inbox_only
        assert not app.workstation.query_one(TicketPane).display
        await pilot.press("z")  # and back: the first ticket is there
        await settle(pilot, app)
        assert app.workstation.query_one(TicketPane).ticket.id == app.workstation.inbox.ids[0]
