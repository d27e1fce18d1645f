"""Focus sessions (issue 5): the queue served one ticket at a time, with a timer in the header.

A mixin of HelpdeskApp. The session lives in the cache (``store.focus_sessions``): every step
is written at once, and the timer is worked out from the stored times, so a restart resumes the
session where it stood. The rules (time left, when to warn, what counts as handled) are in
``domain.focus``; this file only wires keys, dialogs and the header to them.
"""

from __future__ import annotations

from datetime import timedelta

from dataclasses import replace

from rich.text import Text
from textual.app import SystemCommand
from textual.binding import Binding
from textual.timer import Timer

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain import focus
from helpdesk_tui.domain.focus import FocusError, FocusSession, ServedTicket
from helpdesk_tui.domain.query import describe, parse_filter
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.focus_sessions import FocusStore, view_for
from helpdesk_tui.ui.screens.focus_menu import END, PAUSE, RESUME, SERVED, FocusMenu
from helpdesk_tui.ui.screens.focus_skip import FocusSkipScreen
from helpdesk_tui.ui.screens.focus_start import FocusPlan, FocusStartScreen
from helpdesk_tui.ui.screens.focus_summary import FocusSummaryScreen

# Keys that act during a session (F itself is in the app's bindings: it also starts one).
FOCUS_BINDINGS = [
    Binding("ctrl+n", "focus_done", "Done, next", id="focus.done",
            tooltip="Focus session: the served ticket is handled, serve the next one"),
    Binding("S", "focus_skip", "Skip", id="focus.skip",
            tooltip="Focus session: skip the served ticket, with a one-line reason"),
]


class FocusMixin:
    _focus: FocusSession | None = None
    _focus_served: ServedTicket | None = None
    _focus_handled: int = 0
    _focus_warned: bool = False
    _focus_timer: Timer | None = None

    @property
    def focus_store(self) -> FocusStore:
        return FocusStore(self.cache)

    @property
    def focus_session(self) -> FocusSession | None:
        return self._focus

    @property
    def focus_served(self) -> ServedTicket | None:
        return self._focus_served

    # Textual calls the on_mount of every class in the app's MRO (after the app's own), so a
    # session left running by the last run picks up here. After the first refresh: the app has
    # just opened the first ticket, maybe with its draft, and that composer must be in place
    # before the served ticket replaces it.
    def on_mount(self) -> None:
        self.call_after_refresh(self._resume_focus)

    def _resume_focus(self) -> None:
        session = self.focus_store.running(self.me)
        if session is None:
            return
        if focus.is_over(session, self.now()):
            self.notify("Your focus session ran out while the app was closed.", title="Focus")
            self._end_focus(session)
            return
        self._begin_focus(session)
        self.notify(f"Focus session resumed: {focus.format_clock(focus.remaining(session, self.now()))} left.",
                    title="Focus")

    # ----- the header
    def focus_status_text(self) -> Text:
        """``  Focus 37:12 left · 4 handled`` while a session runs; nothing otherwise."""
        if self._focus is None:
            return Text()
        return Text(f"  {focus.status_line(self._focus, self._focus_handled, self.now())}", "bold")

    def focus_tick(self) -> None:
        """Once a second while live (tests call it after moving their clock): warn, end, redraw."""
        session = self._focus
        if session is None:
            return
        now = self.now()
        if focus.is_over(session, now):
            self.notify("Time is up. Here is what the session achieved.", title="Focus", timeout=8)
            self._end_focus(session)
            return
        before = timedelta(minutes=self.settings.focus.warning_minutes)
        if not self._focus_warned and focus.should_warn(session, now, before):
            self._focus_warned = True
            left = focus.format_clock(focus.remaining(session, now))
            self.notify(f"{left} left in this focus session: a good moment to wrap up this ticket.",
                        title="Focus", timeout=8)
        self._render_topbar()

    # ----- keys
    def action_focus_session(self) -> None:
        if self._focus is None:
            self.push_screen(FocusStartScreen(self.views, self.view.id, self._filter_text(), self.me,
                                              self.settings.focus.default_minutes),
                             self._start_focus)
            return
        status = focus.status_line(self._focus, self._focus_handled, self.now())
        self.push_screen(FocusMenu(status, self._focus.paused), self._focus_menu_choice)

    def action_focus_done(self) -> None:
        session = self._focus
        if session is None:
            self.notify("No focus session is running: F starts one.", severity="warning")
            return
        if self._focus_served is None:
            self._serve_next()  # the queue was empty: something may have arrived since
            return
        try:
            finished = self.focus_store.done(session, self.now())
        except FocusError as exc:
            self.notify(clean_line(str(exc)), severity="warning", title="Focus", markup=False)
            return
        self._focus_handled += 1
        self._serve_next(f"#{finished.number} handled.")

    def action_focus_skip(self) -> None:
        served = self._focus_served
        if self._focus is None:
            self.notify("No focus session is running: F starts one.", severity="warning")
            return
        if served is None:
            self.notify("The queue is empty: there is nothing to skip.", severity="warning")
            return
        self.push_screen(FocusSkipScreen(served.number, served.subject), self._skip_with)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The session keys show in the footer only while a session runs.
        if action in ("focus_done", "focus_skip") and self._focus is None:
            return False
        return super().check_action(action, parameters)

    def focus_commands(self):
        """Command palette entries."""
        if self._focus is None:
            yield SystemCommand("Focus: Start session…", "Work the queue one ticket at a time (F)",
                                self.action_focus_session)
            return
        yield SystemCommand("Focus: Done, next ticket", "The served ticket is handled (ctrl+n)",
                            self.action_focus_done)
        yield SystemCommand("Focus: Skip ticket…", "Skip the served ticket with a reason (S)", self.action_focus_skip)
        yield SystemCommand("Focus: Pause or resume", "Stop or restart the session clock", self._toggle_pause)
        yield SystemCommand("Focus: End session", "End it and see the summary", self.end_focus_session)

    # ----- after a reply (ReplyingMixin calls this once the reply or note is queued)
    def focus_after_send(self, plan: ReplyPlan) -> None:
        served = self._focus_served
        if self._focus is None or served is None or served.ticket_id != plan.ticket_id:
            return
        if plan.kind == MessageKind.PUBLIC_REPLY and not self._focus.paused:
            # The reply is what the customer waited for: move on without another key, once the
            # sent reply's composer is gone (opening the next ticket while it is still there
            # would save its text as a draft again).
            self.call_later(self._done_after_removal, self.composer)
        else:
            # A note is often a step (escalating, writing down findings): let the agent say when.
            self.notify("That counts: ctrl+n serves the next ticket when you are done here.", title="Focus")

    async def _done_after_removal(self, composer) -> None:
        if composer is not None:
            await composer.remove()  # already being removed: this waits until it is gone
        self.action_focus_done()

    # ----- steps
    def _filter_text(self) -> str:
        return describe(self.filter)

    def _start_focus(self, plan: FocusPlan | None) -> None:
        if plan is None:
            return
        try:
            session = self.focus_store.start(agent=self.me, view=plan.view_id, filter_text=plan.filter_text,
                                             minutes=plan.minutes, now=self.now())
        except FocusError as exc:
            # A refused filter is quoted in the sentence: the agent's typing, never markup.
            self.notify(clean_line(str(exc)), severity="error", title="Focus", markup=False)
            return
        self.notify(f"Focus session started: {plan.minutes} minutes.", title="Focus")
        self._begin_focus(session)

    def _begin_focus(self, session: FocusSession) -> None:
        store = self.focus_store
        self._focus = session
        self._focus_handled = store.handled_count(session.id)
        self._focus_served = store.current(session.id)
        self._focus_warned = False
        if self.options.live and self._focus_timer is None:
            self._focus_timer = self.set_interval(1, self.focus_tick)
        if self._focus_served is None:
            self._serve_next()
        else:
            self._show_served()
        self.refresh_bindings()

    def _serve_next(self, done_message: str = "") -> None:
        session = self._focus
        self._focus_served = self.focus_store.serve_next(session, self.now())
        if self._focus_served is None:
            title = view_for(session).title
            self.notify(f"{done_message} Nothing left to serve in {title}: F ends the session.".strip(),
                        title="Focus", markup=False)
            self._render_topbar()
            return
        if done_message:
            self.notify(f"{done_message} Now serving #{self._focus_served.number}.", title="Focus", markup=False)
        self._show_served()

    def _show_served(self) -> None:
        """The inbox shows the session's queue (most urgent first) with the served ticket open."""
        session, served = self._focus, self._focus_served
        if served is None:
            return
        view = view_for(session)
        self.filter = parse_filter(session.filter, me=self.me)
        # SLA order even for a view that normally lists by update: the queue is served in it.
        self.show_view(replace(view, order="urgency"), keep=served.ticket_id)
        self.back_stack.clear()
        self.open_ticket(served.ticket_id, focus=True)
        self._render_topbar()

    def _skip_with(self, reason: str | None) -> None:
        if reason is None or self._focus is None:
            return
        try:
            skipped = self.focus_store.skip(self._focus, reason, self.now())
        except FocusError as exc:
            self.notify(clean_line(str(exc)), severity="warning", title="Focus", markup=False)
            return
        self._serve_next(f"#{skipped.number} skipped.")

    def _focus_menu_choice(self, choice: str | None) -> None:
        if self._focus is None or not choice:
            return
        if choice in (PAUSE, RESUME):
            self._toggle_pause()
        elif choice == SERVED:
            if self._focus_served is None:
                self._serve_next()
            else:
                self._show_served()
        elif choice == END:
            self.end_focus_session()

    def _toggle_pause(self) -> None:
        session = self._focus
        if session is None:
            return
        store, now = self.focus_store, self.now()
        try:
            self._focus = store.resume(session.id, now) if session.paused else store.pause(session.id, now)
        except FocusError as exc:
            self.notify(clean_line(str(exc)), severity="warning", title="Focus", markup=False)
            return
        self.notify("Focus session paused: the clock stands still." if self._focus.paused
                    else "Focus session resumed.", title="Focus")
        self._render_topbar()

    def end_focus_session(self) -> None:
        if self._focus is not None:
            self._end_focus(self._focus)

    def _end_focus(self, session: FocusSession) -> None:
        summary = self.focus_store.end(session.id, self.now())
        if self._focus_timer is not None:
            self._focus_timer.stop()
        self._focus, self._focus_served, self._focus_timer = None, None, None
        self._focus_handled, self._focus_warned = 0, False
        self._render_topbar()
        self.refresh_bindings()
        self.push_screen(FocusSummaryScreen(focus.render_summary(summary, clean=clean_line, tz=self.tz)))
