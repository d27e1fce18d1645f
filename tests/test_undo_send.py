"""Undo send in the workstation: ctrl+s holds the reply for ``[send] delay_seconds``, ``u``
takes it back into the composer with its status and promise, and the window's end sends it."""

from __future__ import annotations

from datetime import timedelta

from helpdesk_tui.config.settings import SendSettings, Settings, UISettings
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.ui.screens.send import SendScreen
from helpdesk_tui.ui.screens.template_picker import TemplatePicker

from tests.conftest import DEMO_NOW
from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)


class Clock:
    def __init__(self) -> None:
        self.now = DEMO_NOW

    def __call__(self):
        return self.now


def settings(delay: int) -> Settings:
    return Settings(ui=UISettings(clock=False), send=SendSettings(delay_seconds=delay))


async def write_and_send(pilot, app, text: str, *, status: str, promise: str) -> int:
    await settle(pilot, app)
    await pilot.press("enter")
    await pilot.pause()
    tid = app.workstation.ticket_id
    await pilot.press("r")
    await pilot.pause()
    await pilot.press(*text)
    await pilot.press("ctrl+s")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, SendScreen)
    dialog.query_one("#send-status").value = status
    dialog.query_one("#send-checkpoint").value = promise
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.pause()
    if isinstance(app.screen, SendScreen):  # a warning to confirm: ctrl+s again sends anyway
        await pilot.press("ctrl+s")
    await settle(pilot, app)
    return tid


async def test_u_within_the_delay_brings_text_status_and_promise_back_and_nothing_is_queued(demo_db, tmp_path):
    clock = Clock()
    app = make_app(demo_db, tmp_path, settings=settings(10), backend=DemoBackend(), clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        tid = await write_and_send(pilot, app, "The fix is deployed; please check again.",
                                   status="pending", promise="+2h")
        before = len(app.cache.thread(tid))
        shown = screen_text(app)
        # In the thread (under it) and in the header.
        assert shown.count("sending in 10 s · u undo") == 2, shown
        assert [i.state for i in app.cache.outbox_items()] == ["held"]
        assert app.workstation.composer is None and app.cache.draft(tid) is None
        clock.now += timedelta(seconds=1)
        await pilot.pause(0.7)  # one countdown tick
        assert "sending in 9 s · u undo" in screen_text(app)

        await pilot.press("u")
        await settle(pilot, app)
        assert app.workstation.composer is not None and app.workstation.composer.text == "The fix is deployed; please check again."
        draft = app.cache.draft(tid)
        assert draft.status == "pending" and draft.next_checkpoint == DEMO_NOW + timedelta(hours=2)
        assert app.cache.outbox_items() == []
        assert len(app.cache.thread(tid)) == before
        assert "sending in" not in screen_text(app)

        # Long after the window, still nothing goes out; the send dialog starts from the choices.
        clock.now += timedelta(minutes=5)
        await pilot.pause(0.7)
        app.workstation.drain_outbox()
        await settle(pilot, app)
        assert app.cache.outbox_items() == []
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SendScreen)
        assert dialog.query_one("#send-status").value == "pending"
        assert dialog.query_one("#send-checkpoint").value == (DEMO_NOW + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")


async def test_the_window_ending_sends_it_once_without_waiting_for_a_sync(demo_db, tmp_path):
    clock = Clock()
    app = make_app(demo_db, tmp_path, settings=settings(10), backend=DemoBackend(), clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        tid = await write_and_send(pilot, app, "Done on our side.", status="keep", promise="")
        before = len(app.cache.thread(tid))
        assert app.options.sync_interval is None  # no periodic sync to rely on
        clock.now += timedelta(seconds=10)
        await pilot.pause(0.7)
        await settle(pilot, app)
        await pilot.pause(0.3)
        await settle(pilot, app)
        items = app.cache.outbox_items()
        assert [i.state for i in items] == ["sent"]
        thread = app.cache.thread(tid)
        assert len(thread) == before + 1 and thread[-1].kind == MessageKind.PUBLIC_REPLY
        assert "sending in" not in screen_text(app)
        await pilot.press("u")
        await pilot.pause()
        assert app.workstation.composer is None and app.cache.draft(tid) is None


async def test_with_delay_0_ctrl_s_queues_at_once(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, settings=settings(0), backend=None)
    async with app.run_test(size=SIZE) as pilot:
        tid = await write_and_send(pilot, app, "Queued right away.", status="keep", promise="")
        assert [i.state for i in app.cache.outbox_items()] == ["queued"]
        assert app.cache.thread(tid)[-1].body == "Queued right away.\n"
        assert "sending in" not in screen_text(app)


async def test_palette_undo_send_is_listed_and_takes_it_back(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, settings=settings(10), backend=None)
    async with app.run_test(size=SIZE) as pilot:
        tid = await write_and_send(pilot, app, "From the palette.", status="keep", promise="")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Reply: Undo send" in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Reply: Undo send")
        command.callback()
        await settle(pilot, app)
        assert app.workstation.composer is not None and app.workstation.composer.text == "From the palette."
        assert app.cache.outbox_items() == [] and app.cache.draft(tid) is not None


async def test_template_status_is_kept_with_the_draft_after_esc_and_a_restart(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, settings=settings(0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        tid = app.workstation.ticket_id
        await pilot.press("r", "ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, TemplatePicker)
        await pilot.press(*"resolution report")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")  # close the composer: the draft is kept
        await pilot.pause()
        assert app.workstation.composer is None
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SendScreen)
        assert app.screen.query_one("#send-status").value == "solved"
    assert app.cache.draft(tid).status == "solved"

    again = make_app(demo_db, tmp_path, settings=settings(0))
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        again.workstation.open_ticket(tid, focus=True)
        await pilot.pause()
        await pilot.press("r")  # the shown draft takes the keyboard only on an explicit key
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(again.screen, SendScreen)
        assert again.screen.query_one("#send-status").value == "solved"


async def test_triage_undo_works_within_the_same_window_even_with_a_backend_that_sends_at_once(demo_db, tmp_path):
    from helpdesk_tui.ui.screens.triage import TriageScreen

    clock = Clock()
    app = make_app(demo_db, tmp_path, settings=settings(10), backend=DemoBackend(), clock=clock)
    async with app.run_test(size=(150, 42)) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)
        ticket = app.cache.find_ticket("10405")
        await pilot.press("1")  # priority: urgent → low
        await settle(pilot, app)
        assert [i.state for i in app.cache.outbox_items()] == ["queued"]  # not sent: in its window
        assert app.cache.ticket(ticket.id).priority != ticket.priority
        await pilot.press("u")
        await settle(pilot, app)
        assert app.cache.outbox_items() == []
        assert app.cache.ticket(ticket.id).priority == ticket.priority

        await pilot.press("1")
        await settle(pilot, app)
        clock.now += timedelta(seconds=10)
        await pilot.pause(0.7)  # the countdown tick sees the window end and drains
        await settle(pilot, app)
        assert [i.state for i in app.cache.outbox_items()] == ["sent"]


def test_send_delay_setting_defaults_to_10_and_refuses_nonsense(tmp_path):
    import pytest

    from helpdesk_tui.config.settings import ConfigError, load_settings

    path = tmp_path / "config.toml"
    assert load_settings(path, env={}).send.delay_seconds == 10
    path.write_text("[send]\ndelay_seconds = 0\n")
    assert load_settings(path, env={}).send.delay_seconds == 0
    for bad in ("-1", "100000", '"10"'):
        path.write_text(f"[send]\ndelay_seconds = {bad}\n")
        with pytest.raises(ConfigError):
            load_settings(path, env={})


async def test_a_held_reply_counts_in_a_focus_session_and_is_dated_when_sent(demo_db, tmp_path):
    from helpdesk_tui.ui.screens.focus_start import FocusStartScreen

    clock = Clock()
    app = make_app(demo_db, tmp_path, settings=settings(10), backend=None, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, FocusStartScreen)
        app.screen.query_one("#focus-view").value = "unassigned"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        first = app.workstation.focus_sessions.served.ticket_id
        clock.now += timedelta(minutes=3)
        sent_at = clock.now
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"Renewing the certificate now.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        for _ in range(3):
            if not isinstance(app.screen, SendScreen):
                break
            await pilot.press("ctrl+s")
            await pilot.pause()
        await settle(pilot, app)
        assert app.workstation.focus_sessions.served.ticket_id != first  # the held reply counts: served next at once
        assert [i.state for i in app.cache.outbox_items()] == ["held"]
        clock.now += timedelta(seconds=10)
        await pilot.pause(0.7)
        await settle(pilot, app)
        assert [i.state for i in app.cache.outbox_items()] == ["queued"]
        assert app.cache.thread(first)[-1].created_at == sent_at
