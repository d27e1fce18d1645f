"""The workstation driven with Textual's Pilot on the demo workspace, as an agent would use it."""

from __future__ import annotations

import json


from helpdesk_tui.config.settings import Settings, UISettings
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store import writer
from helpdesk_tui.ui.widgets.customer_pane import CustomerPane, HistoryList, NotesList
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.thread_view import ThreadView
from helpdesk_tui.ui.widgets.ticket_pane import TicketPane

from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)


async def test_inbox_lists_every_ticket_in_sla_order_with_the_breached_first(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        inbox = app.query_one(InboxList)
        assert len(inbox.ids) == app.cache.inbox_count(app.workstation.inbox_views.current_query()) >= 1000
        first = app.cache.inbox_rows(inbox.ids[:5])
        dues = [r.sla_due_at for r in first]
        assert all(d is not None for d in dues) and dues == sorted(dues)
        assert first[0].sla_due_at < app.now()  # the demo has breaching tickets, and they lead
        assert "⚠" in screen_text(app).splitlines()[4]


async def test_enter_opens_ticket_then_customers_earlier_ticket_and_escape_comes_back(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("j", "j", "enter")
        await pilot.pause()
        inbox = app.query_one(InboxList)
        first = inbox.ids[2]
        assert app.workstation.ticket_id == first
        pane = app.query_one(TicketPane)
        assert pane.ticket.id == first
        assert app.query_one(ThreadView).has_focus
        assert f"#{pane.ticket.number}" in screen_text(app)
        customer = app.query_one(CustomerPane)
        history = app.query_one(HistoryList)
        assert history.option_count >= 1  # every demo customer has earlier tickets
        earlier_id = int(history.get_option_at_index(0).id)
        while not history.has_focus:
            await pilot.press("tab")
        await pilot.press("enter")
        await pilot.pause()
        assert app.workstation.ticket_id == earlier_id != first
        assert customer.customer_id == pane.ticket.requester_id
        await pilot.press("escape")
        await pilot.pause()
        assert app.workstation.ticket_id == first
        await pilot.press("escape")
        await pilot.pause()
        assert app.query_one(InboxList).has_focus


async def test_number_keys_switch_views_and_the_view_bar_shows_counts(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert set(app.workstation.inbox_views.counts) == {"mine", "unassigned", "due", "waiting", "recent", "all"}
        bar = screen_text(app).splitlines()[1]
        for view in app.workstation.inbox_views.views:
            assert f"{view.key} {view.title} {app.workstation.inbox_views.counts[view.id]:,}" in bar
        await pilot.press("4")
        await settle(pilot, app)
        rows = app.cache.inbox_rows(app.query_one(InboxList).ids)
        assert rows and {r.status for r in rows} == {"pending"}
        assert len(rows) == app.workstation.inbox_views.counts["waiting"]
        await pilot.press("1")
        await settle(pilot, app)
        rows = app.cache.inbox_rows(app.query_one(InboxList).ids)
        assert rows and {r.assignee for r in rows} == {"Aiko Tanaka"}
        assert all(r.status.is_active for r in rows)


async def test_slash_filter_narrows_the_inbox_and_explains_bad_input(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        everything = len(app.query_one(InboxList).ids)
        await pilot.press("slash")
        await pilot.press(*"status:open priority:high")
        await pilot.press("enter")
        await settle(pilot, app)
        rows = app.cache.inbox_rows(app.query_one(InboxList).ids)
        assert 0 < len(rows) < everything
        assert {(r.status, r.priority) for r in rows} == {("open", "high")}
        assert "filter: status:open priority:high" in screen_text(app)
        await pilot.press("slash")
        app.query_one("#filter").value = "status:bogus"
        await pilot.press("enter")
        await pilot.pause()
        assert any("Unknown status 'bogus'" in n.message for n in app._notifications)
        assert len(app.query_one(InboxList).ids) == len(rows)  # the last good filter stays


async def test_timeline_toggles_and_lists_the_received_event(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        pane = app.query_one(TicketPane)
        assert not pane.timeline_shown
        await pilot.press("l")
        await pilot.pause()
        assert pane.timeline_shown
        text = screen_text(app)
        assert "Timeline" in text and "received" in text
        await pilot.press("l")
        await pilot.pause()
        assert not pane.timeline_shown


async def test_customer_note_is_saved_and_still_there_after_a_restart(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        notes = app.query_one(NotesList)
        before = len(notes.notes)
        customer_id = app.query_one(CustomerPane).customer_id
        notes.focus()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Prefers phone after 6pm")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert len(notes.notes) == before + 1
    again = Cache(demo_db, "demo")
    assert "Prefers phone after 6pm" in [n.body for n in again.customer_summary(customer_id).notes]


async def test_untrusted_markup_and_escapes_show_literally_and_do_not_act(tmp_path, demo_db):
    conn = open_database(demo_db)
    row = conn.execute("SELECT id FROM tickets ORDER BY sla_key LIMIT 1").fetchone()
    from helpdesk_tui.store.tickets import get_ticket, thread

    ticket = get_ticket(conn, row[0])
    ticket.subject = "[@click=app.quit]Click me[/] [bold red]x[/] \x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eevil"
    message = thread(conn, ticket.id)[0]
    message.body = "<script>alert(1)</script>\n[link=file:///etc/passwd]open[/link] \x1b[31mred\x1b[0m"
    with transaction(conn):
        writer.save_tickets(conn, [ticket])
        writer.save_messages(conn, [message])
    conn.close()
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.click(InboxList, offset=(30, 1))
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "[@click=app.quit]Click me[/] [bold red]x[/]" in text
        assert "<script>alert(1)</script>" in text
        assert "[link=file:///etc/passwd]open[/link]" in text
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
        assert app.is_running  # the click markup did nothing


async def test_theme_choice_is_remembered_across_runs(demo_db, tmp_path):
    state = tmp_path / "state.json"
    app = make_app(demo_db, tmp_path, state_file=state)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert {"helpdesk-dark", "helpdesk-light", "helpdesk-high-contrast"} <= set(app.available_themes)
        app.theme = "helpdesk-light"
        await pilot.pause()
    assert json.loads(state.read_text())["theme"] == "helpdesk-light"
    again = make_app(demo_db, tmp_path, state_file=state)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == "helpdesk-light"


async def test_a_broken_user_theme_is_one_notification_and_the_app_still_starts(demo_db, tmp_path):
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "broken.toml").write_text("name = 'broken'\nprimary = 'not-a-colour'\n")
    (themes / "mine.toml").write_text("name = 'mine'\nprimary = '#336699'\ndark = true\n")
    app = make_app(demo_db, tmp_path, user_themes=themes)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        messages = [n.message for n in app._notifications]
        assert sum("broken.toml" in m for m in messages) == 1
        assert "mine" in app.available_themes


async def test_help_lists_every_binding_with_its_id(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 140)) as pilot:  # tall enough to show every row unscrolled
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        for section in app.help_sections():
            for binding in section[1]:
                assert binding.id in text, binding.id
        await pilot.press("escape")
        await pilot.pause()
        assert app.query_one(InboxList).has_focus


async def test_keymap_from_settings_remaps_a_binding(demo_db, tmp_path):
    settings = Settings(ui=UISettings(clock=False), keymap={"inbox.down": "n"})
    app = make_app(demo_db, tmp_path, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        inbox = app.query_one(InboxList)
        await pilot.press("n", "n")
        assert inbox.cursor == 2
        await pilot.press("j")
        assert inbox.cursor == 2  # j is no longer bound to down


async def test_command_palette_offers_views_themes_and_ticket_actions(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for expected in ("Inbox: My open", "Inbox: Filter…", "Ticket: Toggle timeline",
                         "Theme: helpdesk-high-contrast", "App: Help", "App: Quit"):
            assert expected in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"waiting on")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.workstation.inbox_views.view.id == "waiting"


async def test_a_fifty_message_thread_renders_every_message(demo_db, tmp_path):
    conn = open_database(demo_db)
    tid = conn.execute("SELECT ticket_id FROM messages GROUP BY ticket_id HAVING count(*) = 50 LIMIT 1").fetchone()[0]
    conn.close()
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.workstation.open_ticket(tid, focus=True)
        await pilot.pause()
        thread = app.query_one(ThreadView)
        assert thread.message_count == 50
        kinds = {m.kind for m in app.cache.thread(tid)}
        assert MessageKind.CUSTOMER in kinds
        await pilot.press("G")
        await pilot.pause()
        assert thread.scroll_offset.y > 0


async def test_wrapped_thread_lines_lose_no_characters_in_any_script(demo_db, tmp_path):
    body = ("いつもご利用いただきありがとうございます。サポートチームです。お手数ですが、以下の情報を"
            "お送りいただけますでしょうか。" * 3 + "\n\nשלום, שכחתי את הסיסמה שלי ואני צריך חשבונית חדשה בבקשה " * 3)
    conn = open_database(demo_db)
    from helpdesk_tui.store.tickets import thread

    tid = conn.execute("SELECT id FROM tickets ORDER BY sla_key LIMIT 1").fetchone()[0]
    message = thread(conn, tid)[0]
    message.body = body
    with transaction(conn):
        writer.save_messages(conn, [message])
    conn.close()
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.workstation.open_ticket(tid, focus=True)
        await pilot.pause()
        view = app.query_one(ThreadView)
        width = view.scrollable_content_region.width
        shown = [view.render_line(y) for y in range(view.scrollable_content_region.height)]
        assert [s.cell_length for s in shown] == [width] * len(shown)
        flat = "".join(s.text.replace("▌", "") for s in shown).replace(" ", "")
        assert body.replace(" ", "").replace("\n", "") in flat


async def test_inbox_lines_fill_exactly_the_visible_width(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for _zoomed in (True, False):
            inbox = app.query_one(InboxList)
            width = inbox.scrollable_content_region.width
            assert all(inbox.render_line(y).cell_length == width for y in range(20))
            await pilot.press("enter")
            await pilot.pause()


async def test_z_right_after_a_cursor_move_stays_zoomed(demo_db, tmp_path):
    """The panes follow the cursor only after it rests (120 ms): a preview still waiting when
    the agent zooms in must not bring the panes back (found by CI under load: j then z at once)."""
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.query_one(TicketPane).display  # the first ticket is previewed beside the inbox
        await pilot.press("j", "z")
        await pilot.pause(0.4)  # well past the preview's delay
        assert not app.query_one(TicketPane).display
        await pilot.press("z")
        await pilot.pause()
        assert app.query_one(TicketPane).display
