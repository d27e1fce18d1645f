"""Focus sessions in the workstation: start, serve, reply, skip, pause, restart, warn, end, summary."""

from __future__ import annotations

from datetime import timedelta

from helpdesk_tui import cli
from helpdesk_tui.config.settings import SendSettings, Settings, UISettings
from helpdesk_tui.domain import focus
from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.query import Filter, builtin_views
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.focus_sessions import FocusStore
from helpdesk_tui.store.inbox import InboxQuery, ordered_ids
from helpdesk_tui.ui.app import AppOptions, HelpdeskApp
from helpdesk_tui.ui.screens.focus_menu import FocusMenu
from helpdesk_tui.ui.screens.focus_skip import FocusSkipScreen
from helpdesk_tui.ui.screens.focus_start import FocusStartScreen
from helpdesk_tui.ui.screens.focus_summary import FocusSummaryScreen
from helpdesk_tui.ui.screens.send import SendScreen
from helpdesk_tui.ui.themes import bundled_themes_dir

from tests.conftest import DEMO_NOW
from tests.ui_support import screen_text, settle

SIZE = (160, 45)
HOSTILE = "[bold red]PWNED[/] [@click=app.quit]x[/] \x1b[2J"


class Clock:
    """A clock the test moves by hand, so timers and handling times are exact."""

    def __init__(self) -> None:
        self.now = DEMO_NOW + timedelta(minutes=1)

    def __call__(self):
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


def focus_app(db, tmp, clock: Clock) -> HelpdeskApp:
    app = HelpdeskApp(AppOptions(
        # No send delay: these tests jump the clock by minutes (tests/test_undo_send.py has one with it).
        cache=Cache(db, "demo"), settings=Settings(ui=UISettings(clock=False), send=SendSettings(delay_seconds=0)),
        state_file=tmp / "state.json",
        bundled_themes=bundled_themes_dir(), user_themes=tmp / "themes", clock=clock, live=False,
        status="demo workspace · no server", backend=None, templates_dir=tmp / "templates",
        tz=DEMO_NOW.tzinfo))
    app.notices = []
    notify = app.notify

    def recording(message, *args, **kw):
        app.notices.append(str(message))
        return notify(message, *args, **kw)

    app.notify = recording
    return app


def queue(db, view_id: str, n: int) -> list[int]:
    """The first ``n`` tickets of a view's session queue, in SLA order, straight from the cache."""
    view = next(v for v in builtin_views("Aiko Tanaka") if v.id == view_id)
    with Cache(db, "demo").connection() as conn:
        return list(ordered_ids(conn, InboxQuery(filter=focus.queue_filter(view, Filter()), order="urgency"),
                                limit=n))


async def start_session(pilot, app, view: str = "unassigned", minutes: str = "50") -> None:
    await settle(pilot, app)
    await pilot.press("F")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, FocusStartScreen)
    dialog.query_one("#focus-view").value = view
    dialog.query_one("#focus-minutes").value = minutes
    await pilot.press("ctrl+s")
    await settle(pilot, app)


async def send_reply(pilot, app, text: str) -> None:
    await pilot.press("r")
    await pilot.pause()
    await pilot.press(*text)
    await pilot.press("ctrl+s")
    await pilot.pause()
    for _ in range(3):  # the checks may ask for one confirmation
        if not isinstance(app.screen, SendScreen):
            break
        await pilot.press("ctrl+s")
        await pilot.pause()
    await settle(pilot, app)


async def test_a_session_serves_in_sla_order_counts_a_reply_takes_a_skip_and_ends_with_a_summary(
        tmp_path, demo_db, capsys):
    home = tmp_path / "home"
    db = home / "data" / "accounts" / "demo.sqlite"
    db.parent.mkdir(parents=True)
    demo_db.replace(db)
    first, second, third = queue(db, "unassigned", 3)
    cache = Cache(db, "demo")
    number = {tid: cache.ticket(tid).number for tid in (first, second, third)}
    subject = cache.ticket(second).subject
    assert cache.ticket(first).first_response_at is None  # its first reply comes in this session
    clock = Clock()
    app = focus_app(db, tmp_path, clock)
    async with app.run_test(size=SIZE) as pilot:
        await start_session(pilot, app)
        assert app.workstation.focus_sessions.served.ticket_id == first and app.workstation.ticket_id == first
        assert "Focus 50:00 left · 0 handled" in screen_text(app)

        clock.advance(minutes=3)
        await send_reply(pilot, app, "Thanks, we are renewing the certificate now.")
        assert app.workstation.focus_sessions.served.ticket_id == second and app.workstation.ticket_id == second  # served next at once
        assert app.cache.draft(first) is None  # the sent reply did not come back as a draft
        assert "Focus 47:00 left · 1 handled" in screen_text(app)

        clock.advance(minutes=2)
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, FocusSkipScreen)
        await pilot.press("enter")  # no reason: refused
        await pilot.pause()
        assert isinstance(app.screen, FocusSkipScreen)
        assert "Say in one line why you skip this ticket" in screen_text(app)
        await pilot.press(*"needs the billing team", "enter")
        await settle(pilot, app)
        assert app.workstation.focus_sessions.served.ticket_id == third and app.workstation.ticket_id == third

        clock.advance(minutes=1)
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, FocusMenu)
        await pilot.press("e")
        await settle(pilot, app)
        assert isinstance(app.screen, FocusSummaryScreen)
        text = screen_text(app)
        assert "Handled          1 ticket of 3 served" in text
        assert "Replies sent     1" in text
        assert "First responses  0 of 1 within target" in text  # the demo ticket was long overdue
        assert "Median handling  3m 00s per ticket" in text
        assert "Skipped          1" in text
        assert f"#{number[second]}  {subject} — needs the billing team" in text
        assert "Left unfinished  1" in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.workstation.focus_sessions.session is None and "Focus " not in screen_text(app).splitlines()[0]

    assert cli.main(["--home", str(home), "sessions"]) == 0
    listing = capsys.readouterr().out
    assert "Unassigned" in listing and " 1 " in listing.splitlines()[1]


async def test_done_without_any_work_is_refused_and_the_ticket_stays_served(demo_db, tmp_path):
    first = queue(demo_db, "unassigned", 1)[0]
    app = focus_app(demo_db, tmp_path, Clock())
    async with app.run_test(size=SIZE) as pilot:
        await start_session(pilot, app)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.workstation.focus_sessions.served.ticket_id == first
        assert any(n.startswith(f"Nothing was done on #{app.cache.ticket(first).number}") for n in app.notices)


async def test_a_running_session_comes_back_after_a_restart_with_its_timer_and_served_ticket(demo_db, tmp_path):
    clock = Clock()
    app = focus_app(demo_db, tmp_path, clock)
    async with app.run_test(size=SIZE) as pilot:
        await start_session(pilot, app, minutes="30")
        served = app.workstation.focus_sessions.served.ticket_id
        clock.advance(minutes=4)
        app.workstation.focus_sessions.tick()
        await pilot.pause()
        assert "Focus 26:00 left · 0 handled" in screen_text(app)
    app.cache.close()

    clock.advance(minutes=10)  # the app was closed for ten minutes: the session's clock ran on
    again = focus_app(demo_db, tmp_path, clock)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        assert again.workstation.focus_sessions.served.ticket_id == served and again.workstation.ticket_id == served
        assert "Focus 16:00 left · 0 handled" in screen_text(again)
        # pause, restart again: still paused, the time left where it stood
        await pilot.press("F")
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert "Focus paused · 16:00 left" in screen_text(again)
    again.cache.close()

    clock.advance(hours=2)
    third = focus_app(demo_db, tmp_path, clock)
    async with third.run_test(size=SIZE) as pilot:
        await settle(pilot, third)
        assert "Focus paused · 16:00 left · 0 handled" in screen_text(third)


async def test_resuming_on_start_beside_a_draft_on_the_first_inbox_ticket_keeps_the_draft(demo_db, tmp_path):
    clock = Clock()
    cache = Cache(demo_db, "demo")
    first_in_all = queue(demo_db, "all", 1)[0]
    cache.save_draft(Draft(first_in_all, MessageKind.PUBLIC_REPLY, "Half-written answer", clock.now, clock.now))
    store = FocusStore(cache)
    session = store.start(agent="Aiko Tanaka", view="mine", filter_text="", minutes=50, now=clock.now)
    served = store.serve_next(session, clock.now)
    assert served.ticket_id != first_in_all
    cache.close()
    app = focus_app(demo_db, tmp_path, clock)
    async with app.run_test(size=SIZE) as pilot:  # the app opens the first ticket with its draft first
        await settle(pilot, app)
        assert app.workstation.ticket_id == served.ticket_id and app.workstation.focus_sessions.served.ticket_id == served.ticket_id
        assert app.cache.draft(first_in_all).body == "Half-written answer"


async def test_a_session_that_ran_out_while_the_app_was_closed_ends_at_its_planned_end_on_start(
        demo_db, tmp_path):
    clock = Clock()
    app = focus_app(demo_db, tmp_path, clock)
    async with app.run_test(size=SIZE) as pilot:
        await start_session(pilot, app, minutes="25")
    app.cache.close()
    started = clock.now
    clock.advance(hours=3)
    again = focus_app(demo_db, tmp_path, clock)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        assert isinstance(again.screen, FocusSummaryScreen)
        assert "Your focus session ran out while the app was closed." in again.notices
        assert "Time             25 min planned · 25m 00s worked" in screen_text(again)
        assert FocusStore(again.cache).get(1).ended_at == started + timedelta(minutes=25)
        assert again.workstation.focus_sessions.session is None


async def test_a_gentle_warning_near_the_end_then_the_summary_when_time_is_up(demo_db, tmp_path):
    clock = Clock()
    app = focus_app(demo_db, tmp_path, clock)
    async with app.run_test(size=SIZE) as pilot:
        await start_session(pilot, app, minutes="20")
        assert app.workstation.focus_sessions.timer is None  # not live: nothing ticks by itself in tests and snapshots
        clock.advance(minutes=14, seconds=59)
        app.workstation.focus_sessions.tick()
        assert not any("left in this focus session" in n for n in app.notices)
        clock.advance(seconds=1)
        app.workstation.focus_sessions.tick()
        app.workstation.focus_sessions.tick()
        assert [n for n in app.notices if "left in this focus session" in n] == [
            "5:00 left in this focus session: a good moment to wrap up this ticket."]
        clock.advance(minutes=5)
        app.workstation.focus_sessions.tick()
        await settle(pilot, app)
        assert isinstance(app.screen, FocusSummaryScreen)
        assert "Time is up. Here is what the session achieved." in app.notices
        session = FocusStore(app.cache).get(1)
        assert session.ended_at == clock.now and app.workstation.focus_sessions.session is None


async def test_a_hostile_subject_stays_literal_in_the_skip_dialog_and_the_summary(demo_db, tmp_path):
    first = queue(demo_db, "unassigned", 1)[0]
    conn = open_database(demo_db)
    ticket = Cache(demo_db, "demo").ticket(first)
    ticket.subject = HOSTILE
    with transaction(conn):
        writer.save_tickets(conn, [ticket])
    conn.close()
    app = focus_app(demo_db, tmp_path, Clock())
    async with app.run_test(size=SIZE) as pilot:
        await start_session(pilot, app)
        await pilot.press("S")
        await pilot.pause()
        assert "[bold red]PWNED[/] [@click=app.quit]x[/]" in screen_text(app)
        await pilot.press(*"[red]vendor[/red]", "enter")
        await settle(pilot, app)
        app.workstation.focus_sessions.end_session()
        await settle(pilot, app)
        text = screen_text(app)
        assert f"#{ticket.number}  [bold red]PWNED[/] [@click=app.quit]x[/] — [red]vendor[/red]" in text
        assert app.is_running  # the [@click=app.quit] in the subject did nothing


async def test_session_keys_are_in_help_and_the_palette(demo_db, tmp_path):
    app = focus_app(demo_db, tmp_path, Clock())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        ids = {binding.id for _, bindings in app.help_sections() for binding in bindings}
        assert {"app.focus_session", "focus.done", "focus.skip"} <= ids
        names = [c.title for c in app.get_system_commands(app.screen)]
        assert "Focus: Start session…" in names and "Focus: End session" not in names
        assert not app.workstation.check_action("focus_done", ())  # hidden while no session runs
        await start_session(pilot, app)
        names = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Focus: Done, next ticket", "Focus: Skip ticket…", "Focus: End session"} <= set(names)
        assert app.workstation.check_action("focus_done", ())


async def test_focus_settings_set_the_offered_length_and_the_warning(demo_db, tmp_path):
    import dataclasses

    from helpdesk_tui.config.settings import FocusSettings

    clock = Clock()
    app = focus_app(demo_db, tmp_path, clock)
    app.settings = dataclasses.replace(app.settings, focus=FocusSettings(default_minutes=25, warning_minutes=10))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("F")
        await pilot.pause()
        assert app.screen.query_one("#focus-minutes").value == "25"
        app.screen.query_one("#focus-minutes").value = ""  # left empty: the configured length
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert FocusStore(app.cache).get(1).planned_seconds == 25 * 60
        clock.advance(minutes=15)
        app.workstation.focus_sessions.tick()
        assert [n for n in app.notices if "left in this focus session" in n] == [
            "10:00 left in this focus session: a good moment to wrap up this ticket."]


async def test_a_zero_warning_setting_turns_the_warning_off(demo_db, tmp_path):
    import dataclasses

    from helpdesk_tui.config.settings import FocusSettings

    clock = Clock()
    app = focus_app(demo_db, tmp_path, clock)
    app.settings = dataclasses.replace(app.settings, focus=FocusSettings(warning_minutes=0))
    async with app.run_test(size=SIZE) as pilot:
        await start_session(pilot, app, minutes="20")
        for _ in range(20 * 6 - 1):
            clock.advance(seconds=10)
            app.workstation.focus_sessions.tick()
        assert not any("left in this focus session" in n for n in app.notices)
