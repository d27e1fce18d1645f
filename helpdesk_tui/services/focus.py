"""Focus sessions kept in an account's cache: the list, one session's summary, and the desk a
session is worked at (start, pick up, serve, done, skip, pause, end)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from helpdesk_tui.config.settings import Settings
from helpdesk_tui.domain.focus import (
    DEFAULT_MINUTES, FocusError, FocusSession, FocusSummary, ServedTicket, is_over, should_warn, skip_reason,
)
# The desk's methods of the same names wrap these rules.
from helpdesk_tui.domain.focus import planned_minutes as domain_planned_minutes
from helpdesk_tui.domain.focus import remaining as time_left
from helpdesk_tui.domain.focus import status_line as focus_status_line
from helpdesk_tui.domain.query import Filter, FilterError, View, parse_filter
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.services.errors import InvalidRequest, NotFound, ServiceError
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.focus_sessions import FocusStore, view_for


def session_state(session: FocusSession, now: datetime) -> str:
    """"ended", "paused", "time up" or "running"."""
    if session.ended_at is not None:
        return "ended"
    if session.paused:
        return "paused"
    # Ended by the app when it next starts; until then it is not "running" any more.
    return "time up" if is_over(session, now) else "running"


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise InvalidRequest("--limit must be at least 1.")


def list_sessions(cache: Cache, now: datetime, limit: int | None) -> list[tuple[FocusSession, FocusSummary]]:
    """The latest ``limit`` sessions (all with None), newest first, each with its summary."""
    check_limit(limit)
    return FocusStore(cache).list_sessions(now, limit)


def session_number(reference: str) -> str:
    """The digits of ``reference`` (``12`` or ``#12``), or ``InvalidRequest``."""
    ref = reference.strip().lstrip("#")
    if not ref.isdigit():
        raise InvalidRequest(f"'{reference}' is not a session number: 'helpdesk-tui sessions' lists them.")
    return ref


def session_summary(cache: Cache, reference: str, now: datetime) -> tuple[FocusSession, FocusSummary]:
    """The session numbered ``reference`` and what it achieved so far."""
    ref = session_number(reference)
    store = FocusStore(cache)
    session = store.get(int(ref))
    if session is None:
        raise NotFound(f"No focus session {ref} in the '{cache.account}' cache: "
                       "'helpdesk-tui sessions' lists them.")
    return session, store.summary(session, now)


# ----- the desk a session is worked at
class AfterReply(StrEnum):
    """What a reply or note queued on a ticket means for the session."""

    NOT_SERVED = "not served"  # no session, or another ticket than the one served: nothing
    MOVE_ON = "move on"  # a public reply to the served ticket: it is handled, serve the next (``done``)
    COUNTS = "counts"  # a note (often a step), or a reply while paused: it counts; the agent says when


@dataclass(frozen=True)
class Step:
    """What done or skip did, and what is served now."""

    finished: ServedTicket | None  # the ticket just handled or skipped; None when none was served
    served: ServedTicket | None  # the ticket served now; None: nothing left in the queue


@dataclass(frozen=True)
class PickedUp:
    """A session the last run left open."""

    session: FocusSession | None  # running again on the desk; None if there was none or it ran out
    ran_out: FocusSummary | None  # the summary of one whose time ran out while nobody worked it


@dataclass(frozen=True)
class Tick:
    """The once-a-second check while a session runs."""

    warn: bool  # the time left just reached the warning (said once a session)
    ended: FocusSummary | None  # time is up: the session was ended, with this summary


NO_SESSION = "No focus session is running: F starts one."


def planned_minutes(text: str, default: int = DEFAULT_MINUTES) -> int:
    """The session length the agent typed, in whole minutes (empty: ``default``), or ``InvalidRequest``."""
    try:
        return domain_planned_minutes(text, default)
    except FocusError as error:
        raise InvalidRequest(str(error)) from None


class FocusDesk:
    """One agent's focus session over one account's cache: the session, the ticket served, the
    count handled. Every step is written at once (``store.focus_sessions``) and the timer is
    worked out from the stored times, so a restart picks the session up where it stood.

    ``clock`` gives the time of each step. A rule the agent runs into is a ``ServiceError``
    (``InvalidRequest`` for a value they typed), one sentence, the desk left as it was."""

    def __init__(self, cache: Cache, agent: str, clock: Callable[[], datetime], *,
                 warning_minutes: int = 5) -> None:
        self._store = FocusStore(cache)
        self.agent = agent
        self.clock = clock
        self.warn_before = timedelta(minutes=warning_minutes)
        self.session: FocusSession | None = None
        self.served: ServedTicket | None = None
        self.handled = 0
        self._warned = False

    # ----- reading
    def status_line(self) -> str:
        """``Focus 37:12 left · 4 handled`` while a session runs; "" otherwise."""
        if self.session is None:
            return ""
        return focus_status_line(self.session, self.handled, self.clock())

    def remaining(self) -> timedelta:
        return time_left(self._running(), self.clock())

    def queue(self) -> tuple[View, Filter]:
        """The view and filter the session serves, in SLA order even for a view that normally
        lists by update (the queue is served in it)."""
        session = self._running()
        return replace(view_for(session), order="urgency"), parse_filter(session.filter, me=self.agent)

    # ----- starting and picking up
    def pick_up(self) -> PickedUp:
        """The agent's session the last run left open: back on the desk with the ticket it served
        (or the next one), or ended with its summary when its time ran out meanwhile."""
        session = self._store.running(self.agent)
        if session is None:
            return PickedUp(None, None)
        if is_over(session, self.clock()):
            return PickedUp(None, self._store.end(session.id, self.clock()))
        self._begin(session)
        return PickedUp(session, None)

    def start(self, view: str, filter_text: str, minutes: int) -> FocusSession:
        """Start a session of ``minutes`` on ``view`` narrowed by ``filter_text`` and serve its
        first ticket; refused while one runs or when the filter cannot be read."""
        planned_minutes(str(minutes))
        try:
            session = self._store.start(agent=self.agent, view=view, filter_text=filter_text, minutes=minutes,
                                        now=self.clock())
        except FocusError as error:
            try:
                parse_filter(filter_text, me=self.agent)
            except FilterError:  # the agent's typing was refused, not the session
                raise InvalidRequest(str(error)) from None
            raise ServiceError(str(error)) from None
        self._begin(session)
        return session

    def _begin(self, session: FocusSession) -> None:
        self.session = session
        self.handled = self._store.handled_count(session.id)
        self.served = self._store.current(session.id)
        self._warned = False
        if self.served is None:
            self.serve_next()

    # ----- the queue
    def serve_next(self) -> ServedTicket | None:
        """Serve the next ticket of the queue; None when it is empty (something may arrive later)."""
        self.served = self._store.serve_next(self._running(), self.clock())
        return self.served

    def done(self) -> Step:
        """The served ticket is handled: serve the next. Refused until the agent did something on
        it (a reply, a note, a status; a reply still in its undo window counts). With nothing
        served, the queue is looked at again."""
        session = self._running()
        if self.served is None:
            return Step(None, self.serve_next())
        try:
            finished = self._store.done(session, self.clock())
        except FocusError as error:
            raise ServiceError(str(error)) from None
        self.handled += 1
        return Step(finished, self.serve_next())

    def skip(self, reason: str) -> Step:
        """Skip the served ticket with a one-line reason (required) and serve the next; a skipped
        ticket is not served again in this session."""
        session = self._running()
        if self.served is None:
            raise ServiceError("The queue is empty: there is nothing to skip.")
        try:
            skip_reason(reason)
        except FocusError as error:
            raise InvalidRequest(str(error)) from None
        try:
            finished = self._store.skip(session, reason, self.clock())
        except FocusError as error:
            raise ServiceError(str(error)) from None
        return Step(finished, self.serve_next())

    def after_reply(self, ticket_id: int, kind: MessageKind) -> AfterReply:
        """A reply or note was queued on ``ticket_id``: what it means for the session. Nothing is
        written: the reply's event (or its held outbox item) is what ``done`` counts."""
        if self.session is None or self.served is None or self.served.ticket_id != ticket_id:
            return AfterReply.NOT_SERVED
        if kind == MessageKind.PUBLIC_REPLY and not self.session.paused:
            return AfterReply.MOVE_ON
        return AfterReply.COUNTS

    # ----- the clock
    def pause(self) -> FocusSession:
        return self._set(self._store.pause)

    def resume(self) -> FocusSession:
        return self._set(self._store.resume)

    def toggle_pause(self) -> FocusSession:
        return self.resume() if self._running().paused else self.pause()

    def _set(self, step: Callable[[int, datetime], FocusSession]) -> FocusSession:
        try:
            self.session = step(self._running().id, self.clock())
        except FocusError as error:
            raise ServiceError(str(error)) from None
        return self.session

    def tick(self) -> Tick:
        """End the session when its time is up; say once when the warning time is reached."""
        session, now = self._running(), self.clock()
        if is_over(session, now):
            return Tick(False, self.end())
        if not self._warned and should_warn(session, now, self.warn_before):
            self._warned = True
            return Tick(True, None)
        return Tick(False, None)

    def end(self) -> FocusSummary:
        """End the session (the served ticket counts as handled if the agent worked on it) and
        clear the desk; the summary is kept in the cache."""
        summary = self._store.end(self._running().id, self.clock())
        self.session, self.served, self.handled, self._warned = None, None, 0, False
        return summary

    def _running(self) -> FocusSession:
        if self.session is None:
            raise ServiceError(NO_SESSION)
        return self.session


def open_desk(cache: Cache, settings: Settings, clock: Callable[[], datetime]) -> FocusDesk:
    """The agent's focus desk, warning ``[focus] warning_minutes`` before the end (0: never)."""
    return FocusDesk(cache, settings.agent.name, clock, warning_minutes=settings.focus.warning_minutes)
