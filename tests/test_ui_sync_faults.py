"""The workstation against a helpdesk that misbehaves: the app stays up, the header tells the
truth, and what the server says is shown as text (never markup, never escapes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from helpdesk_tui.domain.models import Message
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.backends.zendesk import ZendeskBackend
from helpdesk_tui.sync.http import RetryPolicy
from tests.fakes.zendesk import FakeZendesk
from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)


@pytest.fixture
def fake():
    with FakeZendesk() as server:
        server.add_ticket("Printer on fire", status="open")
        yield server


def zendesk(fake: FakeZendesk, token: str | None = None) -> ZendeskBackend:
    account = AccountSettings(name="zd", url=fake.url, user=fake.email, token=token or fake.token)
    return ZendeskBackend(account, ZendeskBackend.make_client(account, sleep=lambda s: None,
                                                              policy=RetryPolicy(attempts=1, timeout=5)))


def live_app(demo_db, tmp_path, backend):
    app = make_app(demo_db, tmp_path, backend=backend)
    app.options.sync_interval = 3600  # the first sync runs at start; the test asks for more
    return app


def header(app) -> str:
    return screen_text(app).splitlines()[0]


def toasts(app) -> str:
    """Every notification shown so far, one per line (as the toast renders its text)."""
    return "\n".join(n.message for n in app._notifications)


async def test_markup_and_escapes_in_a_server_error_are_shown_as_text_and_the_app_lives_on(demo_db, tmp_path, fake):
    body = json.dumps({"error": "[/] bad [bold]x\x1b]0;PWNED\x07", "description": "[@click=app.quit]"}).encode()
    fake.hostile(status=400, raw=body, path=r"/incremental/tickets", times=3)
    app = live_app(demo_db, tmp_path, zendesk(fake))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        text = toasts(app)
        assert "[/] bad [bold]x" in text and "PWNED" not in text and "\x1b" not in text
        assert any(not n.markup for n in app._notifications)
        assert app.is_running and "syncing" not in header(app)
        await pilot.press("f5")  # and again: no crash at the second toast either
        await settle(pilot, app)
        assert app.is_running


async def test_refused_credentials_show_in_the_header_not_online(demo_db, tmp_path, fake):
    app = live_app(demo_db, tmp_path, zendesk(fake, token="wrong-token"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        top = header(app)
        assert "credentials refused" in top and "● online" not in top, top
        assert "refused the credentials (401)" in toasts(app)



async def test_credentials_refused_while_sending_a_reply_show_in_the_header_at_once(demo_db, tmp_path, fake):
    from helpdesk_tui.domain.reply import ReplyPlan

    app = live_app(demo_db, tmp_path, zendesk(fake))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "● online" in header(app)
        fake.token = "revoked-meanwhile"  # an admin rotated the token after the first sync
        with app.cache.connection() as conn:
            tid = conn.execute("SELECT id FROM tickets WHERE subject = 'Printer on fire'").fetchone()[0]
        app.cache.queue_reply(ReplyPlan(tid, MessageKind.PUBLIC_REPLY, "On it.", "Agent"), datetime.now(UTC))
        app.workstation.drain_outbox()  # what a send from the composer runs, without waiting for the next sync
        await settle(pilot, app)
        top = header(app)
        assert "credentials refused" in top and "● online" not in top, top
        assert [i.state for i in app.cache.outbox_items()] == ["queued"]  # kept for when the token works

async def test_a_malformed_record_is_skipped_with_a_warning_and_the_header_does_not_stay_syncing(
        demo_db, tmp_path, fake):
    bad = fake.add_ticket("Bad date", status="open")
    with fake.lock:
        fake.state.tickets[bad]["created_at"] = "9999-12-31T23:59:59Z"
    app = live_app(demo_db, tmp_path, zendesk(fake))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        top = header(app)
        assert "● online" in top and "syncing" not in top, top
        assert "1 malformed record from the helpdesk was skipped" in toasts(app)
        with app.cache.connection() as conn:
            subjects = {r[0] for r in conn.execute("SELECT subject FROM tickets")}
        assert "Printer on fire" in subjects and "Bad date" not in subjects


class Exploding:
    """A backend with a bug: its pull raises something no sync error covers."""

    name = "exploding"

    def __init__(self, inner):
        self.inner = inner
        self.capabilities = inner.capabilities

    def pull(self, cursor):
        raise RuntimeError("bug in a third-party backend")

    def __getattr__(self, name):
        return getattr(self.inner, name)


async def test_a_backend_bug_is_one_toast_and_the_header_does_not_stay_syncing(demo_db, tmp_path, fake):
    app = live_app(demo_db, tmp_path, Exploding(zendesk(fake)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.is_running and "syncing" not in header(app)
        assert "The sync stopped on an unexpected error (RuntimeError)" in toasts(app)


async def test_a_full_disk_during_the_background_sync_is_one_toast_and_the_app_lives_on(demo_db, tmp_path, fake):
    for n in range(30):
        fake.add_ticket(f"While the disk is full {n} " + "x" * 3000, status="open")
    app = live_app(demo_db, tmp_path, zendesk(fake))
    app.options.sync_interval = 0  # no sync at start: the disk fills first
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        with app.cache.connection() as conn:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
        app.options.sync_interval = 3600
        app.workstation.start_syncing()
        await settle(pilot, app)
        assert app.is_running and "syncing" not in header(app)
        assert "The sync stopped: the disk holding the cache" in toasts(app)
        assert "is full: free some space on it and try again" in toasts(app)


async def test_the_collision_dialog_shows_a_new_html_comment_as_text_like_the_thread(demo_db, tmp_path):
    from helpdesk_tui.ui.screens.collision import CollisionScreen

    html = ('<div class="zd-comment" dir="auto"><p>Never mind, <b>it works</b> now!</p>'
            '<p>\x1b[2J[/] thanks</p></div>')
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        message = Message(1, MessageKind.CUSTOMER, "Aiko", html, datetime(2026, 1, 1, tzinfo=UTC),
                          body_format="html", id=10**6)
        app.push_screen(CollisionScreen([message], datetime(2026, 1, 1, tzinfo=UTC)))
        await pilot.pause()
        text = screen_text(app)
        assert "Never mind, it works now!" in text and "[/] thanks" in text
        assert "<div" not in text and "zd-comment" not in text and "<b>" not in text
