"""Replying from the workstation: composer, templates, checks, drafts, the outbox, the KB sidebar."""

from __future__ import annotations

from datetime import timedelta

from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.ui.screens.send import SendScreen
from helpdesk_tui.ui.screens.template_picker import TemplatePicker
from helpdesk_tui.ui.widgets.composer import Composer
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.kb_sidebar import KbResults, KbSidebar

from tests.conftest import DEMO_NOW
from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)


async def open_first(pilot, app):
    await settle(pilot, app)
    await pilot.press("enter")
    await pilot.pause()
    return app.workstation.ticket_id


async def test_reply_with_status_and_promise_is_queued_then_sent_once(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=DemoBackend())
    async with app.run_test(size=SIZE) as pilot:
        tid = await open_first(pilot, app)
        before = len(app.cache.thread(tid))
        await pilot.press("r")
        await pilot.pause()
        assert app.workstation.composer is not None and app.workstation.composer.border_title == "Reply"
        await pilot.press(*"We found the cause and are fixing it.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SendScreen)
        dialog.query_one("#send-status").value = "pending"
        dialog.query_one("#send-checkpoint").value = "+2h"
        await pilot.pause()
        assert "next update promised" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        thread = app.cache.thread(tid)
        assert len(thread) == before + 1
        assert thread[-1].kind == MessageKind.PUBLIC_REPLY and thread[-1].delivery == "sent"
        ticket = app.cache.ticket(tid)
        assert ticket.status == Status.PENDING
        assert ticket.next_checkpoint_at == DEMO_NOW + timedelta(hours=2)
        assert [i.state for i in app.cache.outbox_items()] == ["sent"]
        assert "✓ sent" in screen_text(app)
        assert app.cache.draft(tid) is None and app.workstation.composer is None


async def test_without_a_backend_the_reply_waits_in_the_outbox_marked_queued(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=None)
    async with app.run_test(size=SIZE) as pilot:
        tid = await open_first(pilot, app)
        await pilot.press("n")
        await pilot.press(*"Checked the logs on web-12.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert app.cache.thread(tid)[-1].delivery == "queued"
        assert app.cache.thread(tid)[-1].kind == MessageKind.INTERNAL_NOTE
        text = screen_text(app)
        assert "⏳ queued" in text and "↑1 queued" in text


async def test_unknown_placeholder_blocks_sending_and_names_its_line(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=DemoBackend())
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, app)
        await pilot.press("r")
        app.workstation.composer.replace_all("Hello,\n\nDear {{ customer.nickname }}, thanks.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SendScreen)
        assert any(f.level == "blocking" and f.line == 3 for f in app.screen.findings)
        assert "customer.nickname" in screen_text(app)
        await pilot.press("ctrl+s")  # refused
        await pilot.pause()
        assert isinstance(app.screen, SendScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.cache.outbox_items() == [] and app.workstation.composer is not None


async def test_warnings_need_one_confirm(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=DemoBackend())
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, app)
        await pilot.press("r")
        app.workstation.composer.replace_all("As I already said, the file is attached.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        codes = {f.code for f in app.screen.findings}
        assert {"blame_phrase", "attachment_missing"} <= codes
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SendScreen) and "send anyway" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert len(app.cache.outbox_items()) == 1


async def test_template_is_filled_for_the_customer_and_sets_the_send_defaults(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=DemoBackend())
    async with app.run_test(size=SIZE) as pilot:
        tid = await open_first(pilot, app)
        ticket = app.cache.ticket(tid)
        customer = app.cache.customer_summary(ticket.requester_id).customer
        await pilot.press("r", "ctrl+t")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TemplatePicker)
        assert picker.shown[0].language == customer.language  # the customer's language comes first
        await pilot.press(*"ackn")
        await pilot.press("enter")
        await pilot.pause()
        text = app.workstation.composer.text
        assert str(ticket.number) in text and "{{" not in text
        promise = app.workstation.composer.draft.next_checkpoint
        assert promise is not None
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.query_one("#send-checkpoint").value == promise.strftime("%Y-%m-%d %H:%M")


async def test_draft_is_saved_while_typing_marked_in_the_inbox_and_restored_with_its_cursor(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        tid = await open_first(pilot, app)
        await pilot.press("r")
        await pilot.press(*"first line", "enter", *"second")
        await pilot.press("left", "left")
        await pilot.pause(1.0)
        draft = app.cache.draft(tid)
        assert draft.body == "first line\nsecond" and draft.cursor == (1, 4)
        await pilot.press("escape")
        await pilot.pause()
        assert app.workstation.composer is None
        app.query_one(InboxList).focus()
        await pilot.pause()
        index = list(app.query_one(InboxList).ids).index(tid)
        assert app.query_one(InboxList).render_line(index + 1 - int(app.query_one(InboxList).scroll_offset.y)).text.startswith("✎")
        app.workstation.open_ticket(tid, focus=True)
        await pilot.pause()
        composer = app.query_one(Composer)
        assert composer.text == "first line\nsecond"
        assert composer.text_area.cursor_location == (1, 4)


async def test_kb_sidebar_suggests_for_the_ticket_searches_and_inserts(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_first(pilot, app)
        await pilot.press("ctrl+g")
        await pilot.pause()
        sidebar = app.query_one(KbSidebar)
        assert sidebar.display and "Knowledge base" in screen_text(app)
        assert "Suggested for this ticket" in screen_text(app)
        await pilot.press(*"password")
        await settle(pilot, app)
        assert sidebar.hits and sidebar.hits[0].kind == "article"
        assert "password" in (sidebar.hits[0].title + sidebar.hits[0].snippet).lower()
        await pilot.press("down")
        assert app.query_one(KbResults).has_focus
        await pilot.press("I")
        await pilot.pause()
        await pilot.pause()
        article = app.cache.article(sidebar.hits[0].article_id)
        assert app.workstation.composer is not None
        assert article.body.strip()[:40] in app.workstation.composer.text
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert not sidebar.display


async def test_kb_search_in_japanese_and_preview(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+g")
        await pilot.press(*"返金")
        await settle(pilot, app)
        sidebar = app.query_one(KbSidebar)
        assert sidebar.hits and any("返金" in h.title + h.snippet for h in sidebar.hits)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.query_one("#kb-preview").has_class("shown")


async def test_a_customer_message_arriving_while_writing_is_shown_before_sending(demo_db, tmp_path):
    from helpdesk_tui.domain.models import Message
    from helpdesk_tui.store import writer
    from helpdesk_tui.store.db import open_database, transaction
    from helpdesk_tui.ui.screens.collision import CollisionScreen

    app = make_app(demo_db, tmp_path, backend=DemoBackend())
    async with app.run_test(size=SIZE) as pilot:
        tid = await open_first(pilot, app)
        await pilot.press("r", *"Here is the fix.")
        await pilot.pause(1.0)
        conn = open_database(demo_db)  # the background sync brings in a new customer message
        with transaction(conn):
            writer.save_messages(conn, [Message(tid, MessageKind.CUSTOMER, "customer", "Never mind, it works now!",
                                                DEMO_NOW)])
        conn.close()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CollisionScreen)
        assert "Never mind, it works now!" in screen_text(app)
        await pilot.press("e")  # edit: back to the draft, nothing sent
        await pilot.pause()
        assert app.workstation.composer is not None and app.cache.outbox_items() == []
        await pilot.press("ctrl+s")  # seen now: straight to the send dialog
        await pilot.pause()
        assert isinstance(app.screen, SendScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert len(app.cache.outbox_items()) == 1


async def test_discarding_at_the_collision_check_drops_the_draft(demo_db, tmp_path):
    from helpdesk_tui.domain.models import Message
    from helpdesk_tui.store import writer
    from helpdesk_tui.store.db import open_database, transaction

    app = make_app(demo_db, tmp_path, backend=DemoBackend())
    async with app.run_test(size=SIZE) as pilot:
        tid = await open_first(pilot, app)
        await pilot.press("r", *"Draft text")
        await pilot.pause(1.0)
        conn = open_database(demo_db)
        with transaction(conn):
            writer.save_messages(conn, [Message(tid, MessageKind.PUBLIC_REPLY, "dana", "I already answered.",
                                                DEMO_NOW)])
        conn.close()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert app.workstation.composer is None and app.cache.draft(tid) is None and app.cache.outbox_items() == []
