"""Promised updates: they rise in the inbox, an overdue one is drawn as a breach, the app
raises one notification per promise (and one more when it is overdue), and an agent can
mark a customer's message as product feedback from the ticket view."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from helpdesk_tui.config.settings import AgentSettings, Settings, UISettings, load_settings
from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.store import inbox, writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.checkpoints import _SELECT, due_soon
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.feedback import marks_since
from helpdesk_tui.ui.app import AppOptions, HelpdeskApp
from helpdesk_tui.ui.checkpoint_alerts import MAX_SEPARATE, new_alerts
from helpdesk_tui.ui.screens.note_editor import NoteEditor
from helpdesk_tui.ui.themes import bundled_themes_dir
from helpdesk_tui.ui.widgets.ticket_pane import header_text

from tests.factories import NOW, Builder
from tests.ui_support import screen_text, settle

SIZE = (160, 40)
WINDOW = timedelta(minutes=15)


def put(conn, tickets=(), messages=(), customers=(), orgs=()):
    with transaction(conn):
        writer.save_organizations(conn, orgs)
        writer.save_customers(conn, customers)
        writer.save_tickets(conn, list(tickets))
        writer.save_messages(conn, list(messages))


def promise_set(b: Builder):
    """Promises at several distances from NOW, on tickets of several owners."""
    ana = b.customer("Ana Souza")
    overdue = b.ticket("overdue promise", customer=ana, assignee="you", status=Status.PENDING,
                       next_checkpoint_at=NOW - timedelta(minutes=30))
    soon = b.ticket("promise soon", customer=ana, assignee=None, next_checkpoint_at=NOW + timedelta(minutes=9),
                    resolution_due_at=NOW + timedelta(days=2))
    later = b.ticket("promise later", assignee="you", next_checkpoint_at=NOW + timedelta(hours=3))
    theirs = b.ticket("dana's promise", assignee="dana", next_checkpoint_at=NOW + timedelta(minutes=5))
    solved = b.ticket("solved with promise", assignee="you", status=Status.SOLVED,
                      next_checkpoint_at=NOW - timedelta(minutes=5))
    deleted = b.ticket("deleted with promise", assignee="you", deleted_at=NOW - timedelta(hours=1),
                       next_checkpoint_at=NOW + timedelta(minutes=1))
    return ana, [overdue, soon, later, theirs, solved, deleted]


# ----- the store query


def test_due_soon_lists_overdue_and_near_promises_of_active_tickets_earliest_first(db):
    b = Builder()
    ana, tickets = promise_set(b)
    put(db, tickets, customers=[ana])
    everyone = due_soon(db, NOW, WINDOW)
    assert [(p.subject, p.promised_at - NOW) for p in everyone] == [
        ("overdue promise", timedelta(minutes=-30)),
        ("dana's promise", timedelta(minutes=5)),
        ("promise soon", timedelta(minutes=9)),
    ]
    assert everyone[0].customer_name == "Ana Souza" and everyone[0].number == tickets[0].number
    mine = due_soon(db, NOW, WINDOW, assignees=("you", None))
    assert [p.subject for p in mine] == ["overdue promise", "promise soon"]
    assert [p.subject for p in due_soon(db, NOW, timedelta(hours=4), assignees=("you",))] == [
        "overdue promise", "promise later"]
    assert due_soon(db, NOW, WINDOW, assignees=()) == []


def test_due_soon_reads_an_index_range_not_the_whole_table(db):
    for who, index in (("", "ix_tickets_urgency"),
                       ("(t.assignee = :who0 OR t.assignee IS NULL) AND", "ix_tickets_assignee")):
        plan = " ".join(r[-1] for r in db.execute("EXPLAIN QUERY PLAN " + _SELECT.format(who=who),
                                                  {"horizon": 1, "who0": "you"}))
        assert index in plan and "SCAN t " not in plan + " ", plan


# ----- order and drawing


def test_a_promise_due_within_the_window_ranks_above_later_clocks_and_an_overdue_one_with_breaches(db):
    b = Builder()
    breached = b.ticket("first reply breached 10m ago", first_response_due_at=NOW - timedelta(minutes=10))
    broken = b.ticket("promise broken 5m ago", status=Status.PENDING, next_checkpoint_at=NOW - timedelta(minutes=5))
    near = b.ticket("promise in 9m", next_checkpoint_at=NOW + timedelta(minutes=9),
                    resolution_due_at=NOW + timedelta(days=1))
    reply_due = b.ticket("first reply in 40m", first_response_due_at=NOW + timedelta(minutes=40))
    idle = b.ticket("no clock")
    put(db, [idle, reply_due, near, broken, breached])
    rows = inbox.fetch_rows(db, inbox.ordered_ids(db, inbox.InboxQuery()))
    assert [r.subject for r in rows] == ["first reply breached 10m ago", "promise broken 5m ago", "promise in 9m",
                                         "first reply in 40m", "no clock"]
    assert rows[1].sla_kind == "next_update" and rows[1].sla_due_at < NOW  # counted as a breach


def test_the_header_calls_an_overdue_promise_a_breach_even_when_another_clock_is_earlier():
    b = Builder()
    ticket = b.ticket("two clocks", first_response_due_at=NOW - timedelta(hours=2),
                      next_checkpoint_at=NOW - timedelta(minutes=30))
    text = header_text(ticket, NOW)
    assert "SLA: first reply overdue by 2h00" in text.plain
    assert "next update overdue by 30m (promised today 09:00)" in text.plain
    styles = [str(span.style) for span in text.spans if text.plain[span.start:span.end] == "next update overdue by 30m"]
    assert styles == ["bold reverse"]
    kept = b.ticket("promise ahead", next_checkpoint_at=NOW + timedelta(minutes=40))
    assert "next update promised today 10:10 (in 40m)" in header_text(kept, NOW).plain
    assert "overdue" not in header_text(kept, NOW).plain


# ----- the app: drawing and notifications


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def build_app(path, tmp_path, clock, *, settings: Settings | None = None, live: bool = True) -> HelpdeskApp:
    settings = settings or Settings(agent=AgentSettings(name="you"), ui=UISettings(clock=False))
    return HelpdeskApp(AppOptions(
        cache=Cache(path, "demo"), settings=settings, state_file=tmp_path / "state.json",
        bundled_themes=bundled_themes_dir(), user_themes=tmp_path / "themes", clock=clock, live=live,
        status="test", templates_dir=tmp_path / "templates", tz=UTC,
    ))


def alerting_cache(tmp_path):
    """One promise of ours due in 9 minutes, one of a colleague, one far ahead."""
    b = Builder()
    ana = b.customer("Ana Souza")
    mine = b.ticket("Invoice question", customer=ana, assignee="you", next_checkpoint_at=NOW + timedelta(minutes=9))
    theirs = b.ticket("Someone else's", customer=ana, assignee="dana", next_checkpoint_at=NOW + timedelta(minutes=3))
    far = b.ticket("Far ahead", customer=ana, assignee="you", next_checkpoint_at=NOW + timedelta(hours=5))
    path = tmp_path / "acct.sqlite"
    conn = open_database(path)
    put(conn, [mine, theirs, far], customers=[ana],
        messages=[b.message(mine, "How much is the invoice?", MessageKind.CUSTOMER)])
    conn.close()
    return path, mine


def record_notifications(app) -> list[tuple[str, dict]]:
    calls: list[tuple[str, dict]] = []
    original = app.notify

    def notify(message, **kw):
        calls.append((message, kw))
        original(message, **kw)

    app.notify = notify
    return calls


async def test_a_promise_due_soon_notifies_once_and_again_once_when_it_is_overdue(tmp_path):
    path, mine = alerting_cache(tmp_path)
    clock = Clock(NOW)
    app = build_app(path, tmp_path, clock)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)  # the first check runs at start-up
        promised = [(m, kw["severity"]) for m, kw in calls if kw.get("title") == "Promised update"]
        assert promised == [(f"#{mine.number} · next update promised to Ana Souza due in 9m", "information")]
        assert "next update promised to Ana Souza due in 9m" in screen_text(app)
        for minutes in (0, 1, 8):  # later ticks while it is still ahead: nothing new
            clock.now = NOW + timedelta(minutes=minutes)
            app.workstation.promises.check()
            await settle(pilot, app)
        assert len([c for c in calls if c[1].get("title") == "Promised update"]) == 1
        clock.now = NOW + timedelta(minutes=12)  # three minutes past the promise
        app.workstation.promises.check()
        await settle(pilot, app)
        clock.now = NOW + timedelta(minutes=13)
        app.workstation.promises.check()
        await settle(pilot, app)
        promised = [(m, kw["severity"]) for m, kw in calls if kw.get("title") == "Promised update"]
        assert promised[1:] == [(f"#{mine.number} · next update promised to Ana Souza is overdue by 3m", "warning")]
        assert all(kw.get("markup") is False for _, kw in calls if kw.get("title") == "Promised update")


async def test_the_inbox_row_of_an_overdue_promise_is_drawn_as_a_breach(tmp_path):
    path, mine = alerting_cache(tmp_path)
    app = build_app(path, tmp_path, Clock(NOW + timedelta(minutes=21)), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        line = next(line for line in screen_text(app).splitlines() if "Invoice question" in line)
        assert "⚑⚠12m" in line


async def test_a_new_promise_on_the_same_ticket_is_announced_again(tmp_path):
    path, mine = alerting_cache(tmp_path)
    clock = Clock(NOW)
    app = build_app(path, tmp_path, clock)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        conn = open_database(path)
        put(conn, [replace(mine, next_checkpoint_at=NOW + timedelta(minutes=14))])  # a new promise
        conn.close()
        clock.now = NOW + timedelta(minutes=1)
        app.workstation.promises.check()
        await settle(pilot, app)
        texts = [m for m, kw in calls if kw.get("title") == "Promised update"]
        assert texts == [f"#{mine.number} · next update promised to Ana Souza due in 9m",
                         f"#{mine.number} · next update promised to Ana Souza due in 13m"]


async def test_warning_minutes_zero_turns_the_alerts_off(tmp_path):
    path, _ = alerting_cache(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text('[agent]\nname = "you"\n[ui]\nclock = false\n[sla]\ncheckpoint_warning_minutes = 0\n')
    settings = load_settings(config, env={})
    assert settings.sla.checkpoint_warning_minutes == 0
    app = build_app(path, tmp_path, Clock(NOW), settings=settings)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.workstation.promises.check()
        await settle(pilot, app)
    assert [c for c in calls if c[1].get("title", "").startswith("Promised")] == []


async def test_without_live_clocks_nothing_is_checked_in_the_background(tmp_path):
    path, _ = alerting_cache(tmp_path)
    app = build_app(path, tmp_path, Clock(NOW), live=False)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
    assert calls == []


def test_default_warning_window_is_fifteen_minutes(tmp_path):
    assert load_settings(tmp_path / "absent.toml", env={}).sla.checkpoint_warning_minutes == 15


# ----- deciding what to raise (pure)


class P:
    def __init__(self, ticket_id, minutes, name="Ana"):
        self.ticket_id, self.number, self.customer_name = ticket_id, 100 + ticket_id, name
        self.promised_at = NOW + timedelta(minutes=minutes)


def test_new_alerts_forgets_kept_promises_and_cleans_the_customers_name():
    alerts, seen = new_alerts([P(1, 9, "Ana\x1b[31m [b]x[/b]\n"), P(2, -4)], set(), NOW)
    assert [(a.ticket_id, a.overdue, a.text) for a in alerts] == [
        (1, False, "#101 · next update promised to Ana [b]x[/b] due in 9m"),
        (2, True, "#102 · next update promised to Ana is overdue by 4m"),
    ]
    again, seen = new_alerts([P(1, 9)], seen, NOW)
    assert again == [] and len(seen) == 1  # ticket 2's promise was kept: forgotten


async def test_many_new_alerts_at_once_become_one_summary(tmp_path):
    b = Builder()
    tickets = [b.ticket(f"t{i}", assignee="you", next_checkpoint_at=NOW + timedelta(minutes=i - 2))
               for i in range(MAX_SEPARATE + 2)]
    path = tmp_path / "acct.sqlite"
    conn = open_database(path)
    put(conn, tickets)
    conn.close()
    app = build_app(path, tmp_path, Clock(NOW))
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
    promised = [(m, kw["severity"]) for m, kw in calls if kw.get("title", "").startswith("Promised")]
    # due at -2, -1, 0 (due now counts as overdue), +1 and +2 minutes
    assert promised == [("5 promised updates need you: 3 overdue, 2 due within 15m. "
                         "The Due ≤ 1h view lists them.", "warning")]


# ----- marking product feedback


async def test_palette_command_marks_the_latest_customer_message_with_a_note(tmp_path):
    b = Builder()
    ana = b.customer("Ana Souza")
    ticket = b.ticket("Export to CSV please", customer=ana, assignee="you")
    first = b.message(ticket, "Can you add CSV export?", MessageKind.CUSTOMER, at=NOW - timedelta(hours=2))
    reply = b.message(ticket, "Noted!", MessageKind.PUBLIC_REPLY, at=NOW - timedelta(hours=1))
    latest = b.message(ticket, "Also Excel, please.", MessageKind.CUSTOMER, at=NOW - timedelta(minutes=30))
    path = tmp_path / "acct.sqlite"
    conn = open_database(path)
    put(conn, [ticket], customers=[ana], messages=[first, reply, latest])
    conn.close()
    app = build_app(path, tmp_path, Clock(NOW), live=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        app.workstation.open_ticket(ticket.id, focus=True)
        await pilot.pause()
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Ticket: Mark as product feedback")
        command.callback()
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        await pilot.press(*"wants exports")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert f"Marked #{ticket.number} as product feedback" in screen_text(app)
    conn = open_database(path)
    marks = marks_since(conn, NOW - timedelta(days=1))
    conn.close()
    assert [(m.ticket_id, m.message_id, m.note, m.author, m.marked_at) for m in marks] == [
        (ticket.id, latest.id, "wants exports", "you", NOW)]


async def test_marking_feedback_without_an_open_ticket_says_what_to_do(tmp_path):
    path = tmp_path / "empty.sqlite"
    open_database(path).close()
    app = build_app(path, tmp_path, Clock(NOW), live=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert app.workstation.ticket_id is None
        app.workstation.action_mark_feedback()
        await pilot.pause()
        assert "Open a ticket first" in screen_text(app)
        assert not isinstance(app.screen, NoteEditor)
