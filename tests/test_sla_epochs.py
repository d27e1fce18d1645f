"""The SLA rules on epoch seconds give what the datetime reference gives, on random timelines."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.domain.models import Event, Ticket
from helpdesk_tui.domain.sla_epochs import EVENT_KINDS, Declined, clock_columns, prepare
from helpdesk_tui.domain.sla_policy import DEFAULT_POLICY, BusinessHours, SlaPolicy, SlaTargets, clocked
from helpdesk_tui.domain.vocab import EventKind, Priority, Status
from helpdesk_tui.store.rows import clock_params
from helpdesk_tui.store.timeconv import to_epoch

M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
# Around the 2026 daylight-saving changes in Europe (29 Mar, 25 Oct) and the US (8 Mar, 1 Nov).
BASES = [datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 23, tzinfo=UTC),
         datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 12, 22, tzinfo=UTC)]
ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")
CUSTOM = {p: SlaTargets(15 * M, 45 * M, None if p == Priority.LOW else 2 * H, 3 * D) for p in Priority}
POLICIES = {
    "default": DEFAULT_POLICY,
    "custom": SlaPolicy(CUSTOM),
    "office hours with holidays": SlaPolicy(CUSTOM, BusinessHours(
        time(8, 30), time(17, 30), frozenset(range(5)), ROME,
        frozenset({date(2026, 12, 24), date(2026, 12, 25), date(2026, 3, 30), date(2026, 10, 26)}))),
    # Every day, nearly around the clock: the windows of the days the clocks change are
    # declined and left to the reference.
    "long days across daylight saving": SlaPolicy(DEFAULT_POLICY.targets, BusinessHours(
        time(0, 30), time(23, 30), frozenset(range(7)), NEW_YORK)),
    "weekend mornings": SlaPolicy(DEFAULT_POLICY.targets, BusinessHours(time(4, 30), time(7), frozenset({5, 6}), ROME)),
}
STATUS_PATH = ["new", "open", "pending", "open", "on_hold", "open", "solved", "open", "pending", "solved", "closed"]


def random_case(rng: random.Random) -> tuple[Ticket, list[Event], list[datetime]]:
    """A ticket with a random timeline: pauses, reopenings, promises, replies known only from
    the thread, events before the ticket's creation, helpdesk-supplied due times, deletions."""
    created = rng.choice(BASES) + timedelta(seconds=rng.randrange(0, 9 * 86400))
    if rng.random() < 0.4:  # on the half hour, so that pauses begin and end on working windows' edges
        created = created.replace(minute=created.minute // 30 * 30, second=0)
    at = created - (timedelta(seconds=rng.randrange(0, 600)) if rng.random() < 0.1 else timedelta(0))
    events: list[Event] = []
    replies: list[datetime] = []
    status = "new"
    for _ in range(rng.randrange(0, 12)):
        at += timedelta(seconds=rng.choice([0, 1, 2, 3, 59, 600, 3600, 5 * 3600, 2 * 86400]))
        roll = rng.random()
        if roll < 0.35:
            new = rng.choice(STATUS_PATH) if rng.random() < 0.3 else STATUS_PATH[
                (STATUS_PATH.index(status) + 1) % len(STATUS_PATH)]
            detail = f"{status} → {new}" if rng.random() < 0.95 else f"{status} → something else"
            events.append(Event(1, EventKind.STATUS_CHANGED, at, "agent", detail))
            status = new
        elif roll < 0.6:
            events.append(Event(1, rng.choice([EventKind.REPLIED, EventKind.FIRST_RESPONSE]), at, "agent"))
            if rng.random() < 0.4:
                promise = at + timedelta(seconds=rng.choice([0, 1, 2, 3, -2, -3]))
                events.append(Event(1, EventKind.CHECKPOINT_SET, promise, "agent", (at + H).isoformat()))
        elif roll < 0.85:
            replies.append(at)
        else:
            events.append(Event(1, EventKind.CHECKPOINT_SET, at, "agent", ""))
    events.sort(key=lambda e: e.at)  # as the store orders them (at, id)
    if rng.random() < 0.15:  # the helpdesk reports a status we hold no change for
        status = rng.choice([str(s) for s in Status])
    updated = max(at, created) + timedelta(seconds=rng.randrange(0, 4000))
    ticket = Ticket(1, "subject", Status(status), rng.choice(list(Priority)), None, created, updated, id=1)
    if rng.random() < 0.2:
        ticket.first_response_at = created + timedelta(seconds=rng.randrange(0, 7200))
    if rng.random() < 0.15:
        ticket.sla_source = "helpdesk"
        ticket.first_response_due_at = created + timedelta(seconds=rng.randrange(-600, 7200))
        ticket.resolution_due_at = None if rng.random() < 0.3 else created + timedelta(seconds=rng.randrange(0, 9 * 86400))
    if rng.random() < 0.2:
        ticket.next_checkpoint_at = created + timedelta(seconds=rng.randrange(0, 86400))
    if rng.random() < 0.05:
        ticket.deleted_at = updated
    return ticket, events, replies


def reference_columns(ticket: Ticket, events: list[Event], replies: list[datetime], policy: SlaPolicy) -> tuple:
    return clock_params(clocked(ticket, events, replies, policy))


def epoch_columns(ticket: Ticket, events: list[Event], replies: list[datetime], policy: SlaPolicy) -> tuple:
    prepared = prepare(policy)
    assert prepared is not None
    inputs = (str(ticket.status), str(ticket.priority), to_epoch(ticket.created_at), to_epoch(ticket.updated_at),
              to_epoch(ticket.first_response_at), to_epoch(ticket.first_response_due_at),
              to_epoch(ticket.resolution_due_at), ticket.sla_source, to_epoch(ticket.next_checkpoint_at),
              to_epoch(ticket.deleted_at))
    stored_events = [(1, to_epoch(e.at), e.detail if EVENT_KINDS[str(e.kind)] is None else EVENT_KINDS[str(e.kind)])
                     for e in events]
    return clock_columns(prepared, inputs, stored_events, [to_epoch(r) for r in replies])


@pytest.mark.parametrize("name", list(POLICIES))
def test_epoch_clocks_equal_the_reference_on_random_timelines(name):
    policy = POLICIES[name]
    rng = random.Random(f"sla-{name}")
    declined = 0
    for _ in range(3000):
        ticket, events, replies = random_case(rng)
        expected = reference_columns(ticket, events, replies, policy)
        try:
            assert epoch_columns(ticket, events, replies, policy) == expected, (ticket, events, replies)
        except Declined:
            declined += 1
    # Declining is the exception: only days whose working window holds a clock change (the
    # cases here crowd around those days on purpose).
    if name == "long days across daylight saving":
        assert 0 < declined < 1000
    else:
        assert declined == 0


def test_a_window_a_clock_change_falls_into_is_declined():
    policy = POLICIES["long days across daylight saving"]
    ticket = Ticket(1, "s", Status.OPEN, Priority.NORMAL, None, datetime(2026, 3, 8, 5, tzinfo=UTC),
                    datetime(2026, 3, 8, 5, tzinfo=UTC), id=1)  # 0:00 in New York, the night it springs forward
    with pytest.raises(Declined):
        epoch_columns(ticket, [], [], policy)


def test_fractions_of_a_second_are_left_to_the_reference():
    odd = SlaPolicy({p: SlaTargets(M, M, None, timedelta(seconds=1.5)) for p in Priority})
    assert prepare(odd) is None
    hours = BusinessHours(time(9, 0, 0, 500), time(17), frozenset(range(5)), ROME)
    assert prepare(SlaPolicy(CUSTOM, hours)) is None
    assert prepare(POLICIES["office hours with holidays"]) is not None


def test_an_unknown_status_or_priority_is_declined():
    prepared = prepare(DEFAULT_POLICY)
    assert prepared is not None
    for status, priority in (("archived", "normal"), ("open", "critical")):
        with pytest.raises(Declined):
            clock_columns(prepared, (status, priority, 0, 0, None, None, None, "policy", None, None), [], [])


def test_a_due_time_past_year_9999_is_left_to_the_reference():
    """The reference overflows there (the sync skips and reports such a record); epoch
    arithmetic does not, and would store a due time no datetime can hold."""
    late = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    ticket = Ticket(1, "s", Status.OPEN, Priority.NORMAL, None, late, late, id=1)
    with pytest.raises(Declined):
        epoch_columns(ticket, [], [], DEFAULT_POLICY)
    with pytest.raises(OverflowError):
        reference_columns(ticket, [], [], DEFAULT_POLICY)
