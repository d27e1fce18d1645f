"""Focus sessions (issue 5): the queue served one ticket at a time, with a timer in the header.

The session lives in the cache (``store.focus_sessions``): every step is written at once,
and the timer is worked out from the stored times, so a restart resumes the session where it
stood. The rules (time left, when to warn, what counts as handled) are in
``domain.focus``; this file only wires keys, dialogs and the header to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from rich.text import Text
from textual.app import SystemCommand
from textual.timer import Timer

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain import focus
from helpdesk_tui.domain.focus import FocusError, FocusSession, ServedTicket
from helpdesk_tui.domain.query import View
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.focus_sessions import FocusStore, view_for
from helpdesk_tui.ui.screens.focus_menu import END, PAUSE, RESUME, SERVED, FocusMenu
from helpdesk_tui.ui.screens.focus_skip import FocusSkipScreen
from helpdesk_tui.ui.screens.focus_start import FocusPlan, FocusStartScreen
from helpdesk_tui.ui.screens.focus_summary import FocusSummaryScreen


class FocusSessions:
    """The running focus session (if any): its keys, dialogs, header text and timer."""

    def __init__(self, store: FocusStore, *, me: str, now: Callable[[], datetime], tz: tzinfo, live: bool,
                 warning_minutes: int, default_minutes: int, notify: Callable[..., object],
                 push_screen: Callable[..., Any], set_interval: Callable[[float, Callable[[], object]], Timer],
                 start_choices: Callable[[], tuple[list[View], str, str]],
                 serve: Callable[[FocusSession, ServedTicket], None], redraw: Callable[[], None]) -> None:
        self.store = store
        self._me = me
        self._now = now
        self._tz = tz
        self._live = live
        self._warning = timedelta(minutes=warning_minutes)
        self._default_minutes = default_minutes
        self._notify = notify
        self._push_screen = push_screen
        self._set_interval = set_interval
        self._start_choices = start_choices  # the views, the current view's id, the filter typed
        self._serve = serve  # the inbox shows the session's queue with the served ticket open
        self._redraw = redraw  # the header and the footer's keys
        self.session: FocusSession | None = None
        self.served: ServedTicket | None = None
        self.handled = 0
        self._warned = False
        self.timer: Timer | None = None

    def resume(self) -> None:
        """A session left running by the last run picks up here."""
        session = self.store.running(self._me)
        if session is None:
            return
        if focus.is_over(session, self._now()):
            self._notify("Your focus session ran out while the app was closed.", title="Focus")
            self._end(session)
            return
        self._begin(session)
        self._notify(f"Focus session resumed: {focus.format_clock(focus.remaining(session, self._now()))} left.",
                     title="Focus")

    # ----- the header
    def status_text(self) -> Text:
        """``  Focus 37:12 left · 4 handled`` while a session runs; nothing otherwise."""
        if self.session is None:
            return Text()
        return Text(f"  {focus.status_line(self.session, self.handled, self._now())}", "bold")

    def tick(self) -> None:
        """Once a second while live (tests call it after moving their clock): warn, end, redraw."""
        session = self.session
        if session is None:
            return
        now = self._now()
        if focus.is_over(session, now):
            self._notify("Time is up. Here is what the session achieved.", title="Focus", timeout=8)
            self._end(session)
            return
        if not self._warned and focus.should_warn(session, now, self._warning):
            self._warned = True
            left = focus.format_clock(focus.remaining(session, now))
            self._notify(f"{left} left in this focus session: a good moment to wrap up this ticket.",
                         title="Focus", timeout=8)
        self._redraw()

    # ----- keys
    def start_or_menu(self) -> None:
        if self.session is None:
            views, view_id, filter_text = self._start_choices()
            self._push_screen(FocusStartScreen(views, view_id, filter_text, self._me, self._default_minutes),
                              self._start)
            return
        status = focus.status_line(self.session, self.handled, self._now())
        self._push_screen(FocusMenu(status, self.session.paused), self._menu_choice)

    def done(self) -> None:
        session = self.session
        if session is None:
            self._notify("No focus session is running: F starts one.", severity="warning")
            return
        if self.served is None:
            self._serve_next()  # the queue was empty: something may have arrived since
            return
        try:
            finished = self.store.done(session, self._now())
        except FocusError as exc:
            self._notify(clean_line(str(exc)), severity="warning", title="Focus", markup=False)
            return
        self.handled += 1
        self._serve_next(f"#{finished.number} handled.")

    def skip(self) -> None:
        served = self.served
        if self.session is None:
            self._notify("No focus session is running: F starts one.", severity="warning")
            return
        if served is None:
            self._notify("The queue is empty: there is nothing to skip.", severity="warning")
            return
        self._push_screen(FocusSkipScreen(served.number, served.subject), self._skip_with)

    def commands(self) -> Iterable[SystemCommand]:
        """Command palette entries."""
        if self.session is None:
            yield SystemCommand("Focus: Start session…", "Work the queue one ticket at a time (F)",
                                self.start_or_menu)
            return
        yield SystemCommand("Focus: Done, next ticket", "The served ticket is handled (ctrl+n)", self.done)
        yield SystemCommand("Focus: Skip ticket…", "Skip the served ticket with a reason (S)", self.skip)
        yield SystemCommand("Focus: Pause or resume", "Stop or restart the session clock", self._toggle_pause)
        yield SystemCommand("Focus: End session", "End it and see the summary", self.end_session)

    def counts_as_done(self, plan: ReplyPlan) -> bool:
        """A reply or note was queued: True when it completes the served ticket (a public reply,
        session running); a note says how to move on."""
        served = self.served
        if self.session is None or served is None or served.ticket_id != plan.ticket_id:
            return False
        if plan.kind == MessageKind.PUBLIC_REPLY and not self.session.paused:
            return True
        # A note is often a step (escalating, writing down findings): let the agent say when.
        self._notify("That counts: ctrl+n serves the next ticket when you are done here.", title="Focus")
        return False

    # ----- steps
    def _start(self, plan: FocusPlan | None) -> None:
        if plan is None:
            return
        try:
            session = self.store.start(agent=self._me, view=plan.view_id, filter_text=plan.filter_text,
                                       minutes=plan.minutes, now=self._now())
        except FocusError as exc:
            # A refused filter is quoted in the sentence: the agent's typing, never markup.
            self._notify(clean_line(str(exc)), severity="error", title="Focus", markup=False)
            return
        self._notify(f"Focus session started: {plan.minutes} minutes.", title="Focus")
        self._begin(session)

    def _begin(self, session: FocusSession) -> None:
        self.session = session
        self.handled = self.store.handled_count(session.id)
        self.served = self.store.current(session.id)
        self._warned = False
        if self._live and self.timer is None:
            self.timer = self._set_interval(1, self.tick)
        if self.served is None:
            self._serve_next()
        else:
            self._serve(session, self.served)
        self._redraw()

    def _serve_next(self, done_message: str = "") -> None:
        session = self.session
        if session is None:
            return
        self.served = self.store.serve_next(session, self._now())
        if self.served is None:
            title = view_for(session).title
            self._notify(f"{done_message} Nothing left to serve in {title}: F ends the session.".strip(),
                         title="Focus", markup=False)
            self._redraw()
            return
        if done_message:
            self._notify(f"{done_message} Now serving #{self.served.number}.", title="Focus", markup=False)
        self._serve(session, self.served)

    def _skip_with(self, reason: str | None) -> None:
        if reason is None or self.session is None:
            return
        try:
            skipped = self.store.skip(self.session, reason, self._now())
        except FocusError as exc:
            self._notify(clean_line(str(exc)), severity="warning", title="Focus", markup=False)
            return
        self._serve_next(f"#{skipped.number} skipped.")

    def _menu_choice(self, choice: str | None) -> None:
        if self.session is None or not choice:
            return
        if choice in (PAUSE, RESUME):
            self._toggle_pause()
        elif choice == SERVED:
            if self.served is None:
                self._serve_next()
            else:
                self._serve(self.session, self.served)
        elif choice == END:
            self.end_session()

    def _toggle_pause(self) -> None:
        session = self.session
        if session is None:
            return
        store, now = self.store, self._now()
        try:
            self.session = store.resume(session.id, now) if session.paused else store.pause(session.id, now)
        except FocusError as exc:
            self._notify(clean_line(str(exc)), severity="warning", title="Focus", markup=False)
            return
        self._notify("Focus session paused: the clock stands still." if self.session.paused
                     else "Focus session resumed.", title="Focus")
        self._redraw()

    def end_session(self) -> None:
        if self.session is not None:
            self._end(self.session)

    def _end(self, session: FocusSession) -> None:
        summary = self.store.end(session.id, self._now())
        if self.timer is not None:
            self.timer.stop()
        self.session, self.served, self.timer = None, None, None
        self.handled, self._warned = 0, False
        self._redraw()
        self._push_screen(FocusSummaryScreen(focus.render_summary(summary, clean=clean_line, tz=self._tz)))
