"""Focus sessions kept in an account's cache: the list, one session's summary."""

from __future__ import annotations

from datetime import datetime

from helpdesk_tui.domain.focus import FocusSession, FocusSummary, is_over
from helpdesk_tui.services.errors import InvalidRequest, NotFound
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.focus_sessions import FocusStore


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
