"""What the panes show when the inbox is empty, the help's sections, the footer after the KB."""

from __future__ import annotations

from helpdesk_tui.ui.screens.help import binding_rows
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar
from helpdesk_tui.ui.widgets.ticket_pane import TicketPane

from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)


async def test_a_filter_matching_nothing_clears_the_ticket_pane_and_says_so(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        shown = app.query_one(TicketPane).ticket
        assert shown is not None and f"#{shown.number}" in screen_text(app)
        await pilot.press("escape", "slash", *"zqxjv", "enter")  # words no ticket has (a number lists that ticket)
        await settle(pilot, app)
        text = screen_text(app)
        assert "All · 0" in text
        assert app.workstation.ticket_id is None and app.query_one(TicketPane).ticket is None
        assert f"#{shown.number}" not in text
        assert "No ticket matches the filter" in text
        await pilot.press("r")  # nothing to reply to: no composer opens on a hidden ticket
        await pilot.pause()
        assert app.workstation.composer is None
        app.workstation.action_clear_filter()  # and the first ticket comes back when the filter goes
        await settle(pilot, app)
        assert app.workstation.ticket_id is not None and app.query_one(TicketPane).ticket is not None


async def test_help_puts_focus_session_keys_in_their_own_section_not_everywhere(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 140)) as pilot:
        await settle(pilot, app)
        rows = binding_rows(app.help_sections(), {})
        where = {binding_id: section for section, _, _, binding_id in rows}
        assert where["app.quit"] == where["app.help"] == "Everywhere"
        assert where["focus.done"] == where["focus.skip"] == "Focus session (while one runs)"
        assert where["ticket.reply"] == "Open ticket"
        await pilot.press("question_mark")
        await pilot.pause()
        lines = screen_text(app).splitlines()
        done = next(line for line in lines if "focus.done" in line)
        assert "Everywhere" not in done and "Focus session" in done


async def test_closing_the_kb_with_ctrl_g_takes_its_keys_out_of_the_footer(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert "Insert link" in screen_text(app).splitlines()[-1] or app.query_one(KbSidebar).has_focus_within
        await pilot.press("down")  # into the results: the footer shows the KB's keys
        await pilot.pause()
        assert "Insert link" in screen_text(app).splitlines()[-1]
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert not app.query_one(KbSidebar).has_focus_within
        assert app.query_one(InboxList).has_focus  # where a hurried j/k is meant to land
        assert "Insert link" not in screen_text(app).splitlines()[-1]
        await pilot.press("escape", "z")  # the same from the inbox alone
        await pilot.pause()
        await pilot.press("ctrl+g", "ctrl+g")
        await pilot.pause()
        assert app.query_one(InboxList).has_focus


async def test_a_ticket_opened_while_a_preview_waits_is_not_replaced_by_that_preview(demo_db, tmp_path):
    """The cursor's preview waits PREVIEW_DELAY; a ticket opened meanwhile (a focus session
    resuming at start, a history jump) must stay: the late preview once undid it."""
    from helpdesk_tui.ui.ticket_panes import PREVIEW_DELAY

    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        inbox = app.query_one(InboxList)
        elsewhere = inbox._ids[10]
        await pilot.press("j")  # the preview of the second ticket is now waiting
        app.workstation.open_ticket(elsewhere, focus=True)
        await pilot.pause(PREVIEW_DELAY * 3)
        await settle(pilot, app)
        assert app.workstation.ticket_id == elsewhere
