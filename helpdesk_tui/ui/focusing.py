"""Focus sessions (issue 5): the queue served one ticket at a time, with a timer in the header.

The session is worked at a ``services.focus.FocusDesk``: every step is written to the cache at
once and the timer is worked out from the stored times, so a restart resumes the session where
it stood; the rules (time left, when to warn, what counts as handled) are the desk's. This file
only wires keys, dialogs and the header to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import tzinfo
from typing import Any

from rich.text import Text
from textual.app import SystemCommand
from textual.timer import Timer

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain import focus
from helpdesk_tui.domain.focus import FocusSession, FocusSummary, ServedTicket
from helpdesk_tui.domain.query import View
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.services.focus import AfterReply, FocusDesk
from helpdesk_tui.ui.screens.focus_menu import END, PAUSE, RESUME, SERVED, FocusMenu
from helpdesk_tui.ui.screens.focus_skip import FocusSkipScreen
from helpdesk_tui.ui.screens.focus_start import FocusPlan, FocusStartScreen
from helpdesk_tui.ui.screens.focus_summary import FocusSummaryScreen
from typing import TYPE_CHECKING

from helpdesk_tui.ui.widgets.composer import Composer

if TYPE_CHECKING:  # the screen these handlers work on (it imports this module)
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


class FocusSessions:
    """The running focus session (if any): its keys, dialogs, header text and timer."""

    def __init__(self, desk: FocusDesk, *, tz: tzinfo, live: bool, default_minutes: int,
                 notify: Callable[..., object], push_screen: Callable[..., Any],
                 set_interval: Callable[[float, Callable[[], object]], Timer],
                 start_choices: Callable[[], tuple[list[View], str, str]],
                 serve: Callable[[FocusSession, ServedTicket], None], redraw: Callable[[], None]) -> None:
        self.desk = desk
        self._tz = tz
        self._live = live
        self._default_minutes = default_minutes
        self._notify = notify
        self._push_screen = push_screen
        self._set_interval = set_interval
        self._start_choices = start_choices  # the views, the current view's id, the filter typed
        self._serve = serve  # the inbox shows the session's queue with the served ticket open
        self._redraw = redraw  # the header and the footer's keys
        self.timer: Timer | None = None

    @property
    def session(self) -> FocusSession | None:
        return self.desk.session

    @property
    def served(self) -> ServedTicket | None:
        return self.desk.served

    @property
    def handled(self) -> int:
        return self.desk.handled

    def resume(self) -> None:
        """A session left running by the last run picks up here."""
        picked = self.desk.pick_up()
        if picked.ran_out is not None:
            self._notify("Your focus session ran out while the app was closed.", title="Focus")
            self._ended(picked.ran_out)
            return
        if picked.session is None:
            return
        self._begun()
        self._notify(f"Focus session resumed: {focus.format_clock(self.desk.remaining())} left.", title="Focus")

    # ----- the header
    def status_text(self) -> Text:
        """``  Focus 37:12 left · 4 handled`` while a session runs; nothing otherwise."""
        if self.session is None:
            return Text()
        return Text(f"  {self.desk.status_line()}", "bold")

    def tick(self) -> None:
        """Once a second while live (tests call it after moving their clock): warn, end, redraw."""
        if self.session is None:
            return
        tick = self.desk.tick()
        if tick.ended is not None:
            self._notify("Time is up. Here is what the session achieved.", title="Focus", timeout=8)
            self._ended(tick.ended)
            return
        if tick.warn:
            left = focus.format_clock(self.desk.remaining())
            self._notify(f"{left} left in this focus session: a good moment to wrap up this ticket.",
                         title="Focus", timeout=8)
        self._redraw()

    # ----- keys
    def start_or_menu(self) -> None:
        if self.session is None:
            views, view_id, filter_text = self._start_choices()
            self._push_screen(FocusStartScreen(views, view_id, filter_text, self.desk.agent, self._default_minutes),
                              self._start)
            return
        self._push_screen(FocusMenu(self.desk.status_line(), self.session.paused), self._menu_choice)

    def done(self) -> None:
        session = self.session
        if session is None:
            self._notify("No focus session is running: F starts one.", severity="warning")
            return
        try:
            step = self.desk.done()
        except ServiceError as exc:
            self._notify(clean_line(str(exc)), severity="warning", title="Focus", markup=False)
            return
        # With nothing served the queue was looked at again: something may have arrived since.
        self._show_served(session, "" if step.finished is None else f"#{step.finished.number} handled.")

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
        after = self.desk.after_reply(plan.ticket_id, plan.kind)
        if after == AfterReply.COUNTS:
            # A note is often a step (escalating, writing down findings): let the agent say when.
            self._notify("That counts: ctrl+n serves the next ticket when you are done here.", title="Focus")
        return after == AfterReply.MOVE_ON

    # ----- steps
    def _start(self, plan: FocusPlan | None) -> None:
        if plan is None:
            return
        try:
            self.desk.start(plan.view_id, plan.filter_text, plan.minutes)
        except ServiceError as exc:
            # A refused filter is quoted in the sentence: the agent's typing, never markup.
            self._notify(clean_line(str(exc)), severity="error", title="Focus", markup=False)
            return
        self._notify(f"Focus session started: {plan.minutes} minutes.", title="Focus")
        self._begun()

    def _begun(self) -> None:
        """The desk took a session up (it served a ticket if it could): the timer, the inbox, the header."""
        session = self.session
        assert session is not None
        if self._live and self.timer is None:
            self.timer = self._set_interval(1, self.tick)
        self._show_served(session, "")
        self._redraw()

    def _show_served(self, session: FocusSession, done_message: str) -> None:
        served = self.served
        if served is None:
            title = self.desk.queue()[0].title
            self._notify(f"{done_message} Nothing left to serve in {title}: F ends the session.".strip(),
                         title="Focus", markup=False)
            self._redraw()
            return
        if done_message:
            self._notify(f"{done_message} Now serving #{served.number}.", title="Focus", markup=False)
        self._serve(session, served)

    def _serve_next(self) -> None:
        if self.session is None:
            return
        self.desk.serve_next()
        self._show_served(self.session, "")

    def _skip_with(self, reason: str | None) -> None:
        session = self.session
        if reason is None or session is None:
            return
        try:
            step = self.desk.skip(reason)
        except ServiceError as exc:
            self._notify(clean_line(str(exc)), severity="warning", title="Focus", markup=False)
            return
        assert step.finished is not None  # a ticket was served: it is the one skipped
        self._show_served(session, f"#{step.finished.number} skipped.")

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
        if self.session is None:
            return
        try:
            session = self.desk.toggle_pause()
        except ServiceError as exc:
            self._notify(clean_line(str(exc)), severity="warning", title="Focus", markup=False)
            return
        self._notify("Focus session paused: the clock stands still." if session.paused
                     else "Focus session resumed.", title="Focus")
        self._redraw()

    def end_session(self) -> None:
        if self.session is not None:
            self._ended(self.desk.end())

    def _ended(self, summary: FocusSummary) -> None:
        if self.timer is not None:
            self.timer.stop()
        self.timer = None
        self._redraw()
        self._push_screen(FocusSummaryScreen(focus.render_summary(summary, clean=clean_line, tz=self._tz)))


# ----- the workstation's side: the queue in the inbox, a reply that moves on
def focus_redraw(screen: WorkstationScreen) -> None:
    screen.render_topbar()
    screen.refresh_bindings()


def serve_focus(screen: WorkstationScreen, session: FocusSession, served: ServedTicket) -> None:
    """The inbox shows the session's queue (most urgent first) with the served ticket open."""
    # SLA order even for a view that normally lists by update: the queue is served in it.
    view, screen.inbox_views.filter = screen.focus_sessions.desk.queue()
    screen.inbox_views.show(view, keep=served.ticket_id)
    screen.panes.back_stack.clear()
    screen.open_ticket(served.ticket_id, focus=True)
    screen.render_topbar()


def focus_after_send(screen: WorkstationScreen, plan: ReplyPlan) -> None:
    """A reply or note was queued: a focus session counts it, and may serve the next ticket."""
    if screen.focus_sessions.counts_as_done(plan):
        # The reply is what the customer waited for: move on without another key, once the
        # sent reply's composer is gone (opening the next ticket while it is still there
        # would save its text as a draft again).
        screen.call_later(_done_after_removal, screen, screen.composer)


async def _done_after_removal(screen: WorkstationScreen, composer: Composer | None) -> None:
    if composer is not None:
        await composer.remove()  # already being removed: this waits until it is gone
    screen.focus_sessions.done()
