"""Arrivals in the app: a sync that brings tickets or customer replies into the agent's views
says so in one toast (and on the desktop when asked); anything else stays quiet."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from helpdesk_tui.config.settings import DEMO_AGENT, NotifySettings, SendSettings, Settings, UISettings
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync.contract import Capabilities, ChangePage, PushResult, RemoteMessage, RemoteTicket
from helpdesk_tui.ui.notify import arrivals_text, desktop_sender, osc_notification
from helpdesk_tui.services.sync import Arrivals

from tests.conftest import DEMO_NOW
from tests.ui_support import make_app, screen_text, settle

ME = DEMO_AGENT.name  # the demo's agent: their own tickets and replies

SIZE = (160, 45)


class StagedBackend:
    """A helpdesk whose next pull serves what the test staged, then nothing."""

    name = "staged"
    label = "Staged helpdesk"  # the contract's class attributes: the app names the helpdesk in sentences
    capabilities = Capabilities(change_feed="cursor", idempotency=True)

    def __init__(self):
        self.staged: list[RemoteTicket] = []
        self.served = 0

    def pull(self, cursor):
        tickets, self.staged = self.staged, []
        self.served += 1
        return ChangePage(tickets=tickets, cursor=f"c{self.served}", done=True)

    def fetch_thread(self, ticket):
        return []

    def push(self, item, ticket_remote_id, version):
        return PushResult(remote_id="sent-1")

    def find_delivered(self, item, ticket_remote_id):
        return None


def arriving(number, subject, *, assignee=None, remote_id=None, status=Status.NEW, messages=()):
    return RemoteTicket(remote_id=remote_id or f"new-{number}", number=number, subject=subject, status=status,
                        priority=Priority.NORMAL, created_at=DEMO_NOW, updated_at=DEMO_NOW, assignee=assignee,
                        messages=list(messages))


def customer_says(rid, body):
    return RemoteMessage(rid, MessageKind.CUSTOMER, "Aiko", body, DEMO_NOW + timedelta(minutes=1))


def one_of_mine(db):
    conn = sqlite3.connect(db)
    row = conn.execute("SELECT remote_id, number, subject FROM tickets WHERE assignee = ? AND status = 'open' "
                       "AND remote_id IS NOT NULL AND deleted_at IS NULL ORDER BY id LIMIT 1", (ME,)).fetchone()
    conn.close()
    return row


class Recorder:
    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def __call__(self, title, body):
        self.calls.append((title, body))


def build(db, tmp_path, *, desktop=False, bell=False):
    backend = StagedBackend()
    settings = Settings(ui=UISettings(clock=False), send=SendSettings(delay_seconds=0),
                        notify=NotifySettings(desktop=desktop, bell=bell))
    app = make_app(db, tmp_path, settings=settings, backend=backend)
    app.options.sync_interval = 3600  # background sync on; the test asks for syncs itself
    calls: list[tuple[str, dict]] = []
    original = app.notify

    def notify(message, **kw):
        calls.append((message, kw))
        original(message, **kw)

    app.notify = notify
    return app, backend, calls


def arrived(calls):
    return [m for m, kw in calls if kw.get("title") == "Arrived"]


async def sync(pilot, app):
    await pilot.press("f5")
    await settle(pilot, app)


async def test_a_sync_bringing_three_new_tickets_raises_one_toast(demo_db, tmp_path):
    app, backend, calls = build(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        desktop = Recorder()
        app.workstation.announcer.desktop = desktop
        backend.staged = [arriving(99001, "Site down"), arriving(99002, "Invoice wrong", assignee=ME),
                          arriving(99003, "Cannot log in")]
        await sync(pilot, app)
        assert arrived(calls) == ["3 new: #99001 Site down, #99002 Invoice wrong, #99003 Cannot log in"]
        assert "3 new: #99001 Site down" in screen_text(app)
        assert desktop.calls == []  # [notify] desktop is off by default
        await sync(pilot, app)  # nothing new: nothing said
        assert len(arrived(calls)) == 1


async def test_the_agents_own_reply_and_tickets_outside_the_views_raise_nothing(demo_db, tmp_path):
    remote_id, number, subject = one_of_mine(demo_db)
    app, backend, calls = build(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        own = RemoteMessage("own-1", MessageKind.PUBLIC_REPLY, ME, "On it.", DEMO_NOW + timedelta(minutes=1))
        backend.staged = [arriving(number, subject, assignee=ME, remote_id=remote_id, status=Status.OPEN,
                                   messages=[own]),
                          arriving(99010, "Dana's new one", assignee="dana"),
                          arriving(99011, "Already solved", status=Status.SOLVED)]
        await sync(pilot, app)
        assert arrived(calls) == []
        # the same ticket with a customer's message does land
        backend.staged = [arriving(number, subject, assignee=ME, remote_id=remote_id, status=Status.OPEN,
                                   messages=[own, customer_says("cust-1", "Still broken")])]
        await sync(pilot, app)
        assert arrived(calls) == [f"Customer replied: #{number} {arrivals_text_subject(subject)}"]


def arrivals_text_subject(subject):
    return subject if len(subject) <= 32 else subject[:31].rstrip() + "…"


async def test_desktop_notification_is_sent_once_with_clean_text_and_the_bell_rings_when_enabled(demo_db, tmp_path):
    app, backend, calls = build(demo_db, tmp_path, desktop=True, bell=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        desktop = Recorder()
        app.workstation.announcer.desktop = desktop
        rings = []
        app.bell = lambda: rings.append(1)
        backend.staged = [arriving(99020, "Pay\x1b]0;owned\x07 now\x1b[31m red"), arriving(99021, "[b]bold[/b] ok")]
        await sync(pilot, app)
        assert len(desktop.calls) == 1 and len(rings) == 1
        title, body = desktop.calls[0]
        assert title == "helpdesk-tui"
        assert "\x1b" not in body and "\x07" not in body
        assert body == arrived(calls)[0]
        assert "#99021 [b]bold[/b] ok" in body


async def test_hostile_subjects_show_as_text_in_the_toast(demo_db, tmp_path):
    app, backend, calls = build(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        backend.staged = [arriving(99030, "[bold red]x[/] \x1b[2J\x1b[31mred"), arriving(99031, "[link=http://e]y")]
        await sync(pilot, app)
        text = screen_text(app)
        assert "#99030 [bold red]x[/] red" in text
        assert "#99031 [link=http://e]y" in text
        assert all(kw.get("markup") is False for m, kw in calls if kw.get("title") == "Arrived")


# ----- the pieces (pure)


class A:
    def __init__(self, number, subject):
        self.number, self.subject = number, subject


def test_the_toast_lists_three_and_counts_the_rest_cut_to_fit():
    many = Arrivals([A(n, "A rather long subject that goes on and on and on") for n in range(1, 7)],
                    [A(40, "reply")])
    text = arrivals_text(many)
    assert text.startswith("6 new: #1 A rather long subject that goes…, #2 ")
    assert len(text) <= 110 and text.endswith("…")
    assert arrivals_text(Arrivals([A(1, "a"), A(2, "b")], [A(3, "c")])) == "2 new: #1 a, #2 b · Customer replied: #3 c"


def test_osc_notification_cannot_end_early_or_smuggle_escapes():
    seq = osc_notification("help;desk", "x\x07\x1b]52;c;AAAA\x07 y\x9c")
    assert seq.count("\x07") == 2 and seq.count("\x1b") == 2 and "\x9c" not in seq
    assert seq.startswith("\x1b]9;help,desk: x") and "\x1b]777;notify;help,desk;x" in seq


def test_notify_send_runs_without_a_shell_with_options_ended_before_the_text():
    spawned = []
    send = desktop_sender(lambda text: spawned.append(("terminal", text)), env={"DISPLAY": ":0"},
                          which=lambda name: "/usr/bin/notify-send", spawn=lambda argv, **kw: spawned.append(argv))
    send("helpdesk-tui", "-u critical \x1b[31mred")
    assert spawned == [["/usr/bin/notify-send", "--app-name=helpdesk-tui", "--", "helpdesk-tui", "-u critical red"]]


def test_without_a_local_desktop_the_notification_goes_through_the_terminal():
    written = []
    for env in ({}, {"DISPLAY": ":0", "SSH_CONNECTION": "1 2 3 4"}):
        send = desktop_sender(written.append, env=env, which=lambda name: "/usr/bin/notify-send",
                              spawn=lambda *a, **k: (_ for _ in ()).throw(AssertionError("spawned")))
        send("helpdesk-tui", "2 new")
    assert written == [osc_notification("helpdesk-tui", "2 new")] * 2
