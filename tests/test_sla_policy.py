"""SLA policies: the one function that turns a policy and a ticket's timeline into due times."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.domain.models import Event, Ticket
from helpdesk_tui.domain.sla import SlaKind, Target, next_due, target_results
from helpdesk_tui.domain.sla_policy import (
    DEFAULT_POLICY, BusinessHours, SlaPolicy, SlaTargets, build_timeline, sla_clocks, with_clocks,
)
from helpdesk_tui.domain.vocab import EventKind, Priority, Status

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # a Friday
M = timedelta(minutes=1)
H = timedelta(hours=1)


def ticket(status=Status.OPEN, priority=Priority.NORMAL, created=T0, **kw) -> Ticket:
    return Ticket(1, "subject", status, priority, None, created, kw.pop("updated_at", created), id=1, **kw)


def changed(at, old, new) -> Event:
    return Event(1, EventKind.STATUS_CHANGED, at, "", f"{old} → {new}")


def replied(at, promise=False) -> list[Event]:
    events = [Event(1, EventKind.REPLIED, at, "agent")]
    if promise:
        events.append(Event(1, EventKind.CHECKPOINT_SET, at, "agent", (at + H).isoformat()))
    return events


def clocks(t: Ticket, events=(), replies=(), policy=DEFAULT_POLICY, **kw):
    return sla_clocks(t, build_timeline(t, events, replies), policy, **kw)


def test_default_policy_acknowledge_in_10m_first_update_in_20m():
    c = clocks(ticket())
    assert c.acknowledge_due == T0 + 10 * M
    assert c.first_update_due == T0 + 20 * M
    assert c.resolution_due == T0 + 72 * H  # normal priority
    assert clocks(ticket(priority=Priority.URGENT)).resolution_due == T0 + 8 * H
    assert c.update_due is None  # nothing said yet: the acknowledgement clock runs instead


def test_an_acknowledgement_with_a_promise_leaves_the_first_update_owed():
    t = ticket()
    c = clocks(t, replied(T0 + 5 * M, promise=True))
    assert c.acknowledged_at == T0 + 5 * M and c.first_update_at is None
    later = clocks(t, replied(T0 + 5 * M, promise=True) + replied(T0 + 30 * M))
    assert later.first_update_at == T0 + 30 * M


def test_a_first_reply_without_a_promise_is_acknowledgement_and_update_at_once():
    c = clocks(ticket(), replied(T0 + 15 * M))
    assert c.acknowledged_at == c.first_update_at == T0 + 15 * M


def test_replies_known_only_from_the_synced_thread_count_too():
    c = clocks(ticket(), replies=[T0 + 7 * M, T0 + 40 * M])
    assert (c.acknowledged_at, c.first_update_at) == (T0 + 7 * M, T0 + 7 * M)


def test_pending_time_is_not_counted():
    events = [changed(T0 + 5 * M, "new", "pending"), changed(T0 + 65 * M, "pending", "open")]
    c = clocks(ticket(), events)
    assert c.acknowledge_due == T0 + 70 * M  # 5 minutes before the pause, 5 after
    assert c.first_update_due == T0 + 80 * M
    assert c.resolution_due == T0 + 73 * H


def test_on_hold_counts_as_waiting_and_several_pauses_add_up():
    events = [changed(T0 + 2 * M, "new", "on_hold"), changed(T0 + 12 * M, "on_hold", "open"),
              changed(T0 + 14 * M, "open", "pending"), changed(T0 + 24 * M, "pending", "open")]
    assert clocks(ticket(), events).acknowledge_due == T0 + 30 * M


def test_while_still_waiting_the_clocks_stand_still():
    t = ticket(status=Status.PENDING, updated_at=T0 + 3 * M)
    c = clocks(t, [changed(T0 + 3 * M, "new", "pending")])
    assert c.acknowledge_due is None and c.resolution_due is None and c.update_due is None
    promised = with_clocks(t, c)
    promised.next_checkpoint_at = T0 + 2 * H
    assert next_due(promised).kind == SlaKind.CHECKPOINT  # a promise binds even while waiting


def test_a_status_known_without_its_change_is_taken_from_the_last_update():
    # First sync of a ticket already pending: it became pending no later than its last update.
    t = ticket(status=Status.PENDING, updated_at=T0 + 4 * M)
    c = clocks(t)
    assert c.acknowledge_due is None


def test_regular_updates_are_owed_at_the_priority_interval_while_open():
    t = ticket(priority=Priority.HIGH)
    c = clocks(t, replied(T0 + 8 * M))
    assert c.update_due == T0 + 8 * M + 4 * H
    assert clocks(ticket(priority=Priority.LOW), replied(T0 + 8 * M)).update_due is None  # low: none
    waiting = ticket(status=Status.PENDING, updated_at=T0 + 9 * M)
    assert clocks(waiting, replied(T0 + 8 * M) + [changed(T0 + 9 * M, "open", "pending")]).update_due is None


def test_a_reopened_ticket_is_owed_a_reply_within_the_acknowledgement_target():
    events = replied(T0 + 5 * M) + [changed(T0 + 1 * H, "open", "solved"), changed(T0 + 5 * H, "solved", "open")]
    c = clocks(ticket(), events)
    assert c.update_due == T0 + 5 * H + 10 * M
    # The time it spent solved does not count towards resolution.
    assert c.resolution_due == T0 + 72 * H + 4 * H
    answered = clocks(ticket(), events + replied(T0 + 5 * H + 3 * M))
    assert answered.update_due == T0 + 5 * H + 3 * M + 24 * H  # back to the normal interval


OFFICE = BusinessHours(time(9), time(17), frozenset(range(5)), ZoneInfo("Europe/Rome"))


def office(**kw) -> SlaPolicy:
    return SlaPolicy(DEFAULT_POLICY.targets, dataclasses.replace(OFFICE, **kw))


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Europe/Rome"))


def test_business_hours_carry_a_clock_over_the_weekend():
    t = ticket(created=rome(2026, 11, 20, 16, 55))  # Friday
    assert clocks(t, policy=office()).acknowledge_due == rome(2026, 11, 23, 9, 5)


def test_a_ticket_received_on_saturday_starts_counting_on_monday_morning():
    t = ticket(created=rome(2026, 11, 21, 11, 0))
    c = clocks(t, policy=office())
    assert c.acknowledge_due == rome(2026, 11, 23, 9, 10)
    assert c.first_update_due == rome(2026, 11, 23, 9, 20)


def test_holidays_are_skipped():
    t = ticket(created=rome(2026, 12, 24, 16, 55))  # Thursday before Christmas
    policy = office(holidays=frozenset({date(2026, 12, 25)}))
    assert clocks(t, policy=policy).acknowledge_due == rome(2026, 12, 28, 9, 5)  # Monday


def test_long_targets_count_only_working_hours():
    t = ticket(priority=Priority.URGENT, created=rome(2026, 11, 19, 15, 0))  # Thursday 15:00
    # 8 working hours: 2 on Thursday, 6 on Friday.
    assert clocks(t, policy=office()).resolution_due == rome(2026, 11, 20, 15, 0)


def test_business_hours_follow_daylight_saving_time():
    t = ticket(created=rome(2026, 10, 23, 16, 55))  # Friday; clocks go back on Sunday the 25th
    due = clocks(t, policy=office()).acknowledge_due
    assert due == rome(2026, 10, 26, 9, 5)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 8, 5, tzinfo=UTC)  # UTC+1 now, not +2


def test_pauses_and_business_hours_together():
    created = rome(2026, 11, 20, 16, 50)
    events = [changed(rome(2026, 11, 20, 16, 52), "new", "pending"), changed(rome(2026, 11, 23, 10, 0), "pending", "open")]
    # 2 minutes on Friday, then paused until Monday 10:00: 8 more minutes from there.
    assert clocks(ticket(created=created), events, policy=office()).acknowledge_due == rome(2026, 11, 23, 10, 8)


def test_a_calendar_without_working_days_never_falls_due():
    policy = SlaPolicy(DEFAULT_POLICY.targets, BusinessHours(time(9), time(17), frozenset(), ZoneInfo("UTC")))
    assert clocks(ticket(), policy=policy).acknowledge_due is None


def test_due_times_the_helpdesk_supplies_win():
    t = ticket(first_response_due_at=T0 + 3 * H, resolution_due_at=T0 + 9 * H, sla_source="helpdesk")
    c = clocks(t, supplied=True)
    assert (c.acknowledge_due, c.resolution_due) == (T0 + 3 * H, T0 + 9 * H)
    assert c.first_update_due == T0 + 20 * M  # the helpdesk has no such target: the policy's


def test_custom_targets_per_priority():
    targets = dict(DEFAULT_POLICY.targets)
    targets[Priority.HIGH] = SlaTargets(5 * M, 15 * M, 30 * M, 4 * H)
    c = clocks(ticket(priority=Priority.HIGH), policy=SlaPolicy(targets))
    assert (c.acknowledge_due, c.first_update_due, c.resolution_due) == (T0 + 5 * M, T0 + 15 * M, T0 + 4 * H)


def test_the_policy_survives_its_text_form():
    policy = office(holidays=frozenset({date(2026, 12, 25)}))
    assert SlaPolicy.from_json(policy.to_json()) == policy
    assert SlaPolicy.from_json(DEFAULT_POLICY.to_json()) == DEFAULT_POLICY


def test_inbox_clock_header_and_kpis_read_the_same_due_times():
    t = with_clocks(ticket(), clocks(ticket(), replied(T0 + 5 * M, promise=True)))
    now = T0 + 25 * M
    due = next_due(t)
    assert due.kind == SlaKind.FIRST_UPDATE and due.at == T0 + 20 * M  # what the inbox sorts by and shows
    results = {r.target: r for r in target_results(t, now)}
    assert results[Target.ACKNOWLEDGE].met_in_time
    assert results[Target.FIRST_UPDATE].breached and results[Target.FIRST_UPDATE].due == due.at


@pytest.mark.parametrize("status", [Status.SOLVED, Status.CLOSED])
def test_finished_tickets_owe_nothing(status):
    t = ticket(status=status, updated_at=T0 + H)
    assert next_due(with_clocks(t, clocks(t, [changed(T0 + H, "open", str(status))]))) is None


def test_a_ticket_solved_in_time_keeps_the_due_time_it_met():
    events = replied(T0 + 5 * M) + [changed(T0 + 2 * H, "open", "pending"), changed(T0 + 3 * H, "pending", "solved")]
    t = ticket(status=Status.SOLVED, solved_at=T0 + 3 * H, updated_at=T0 + 3 * H)
    c = clocks(t, events)
    assert c.resolution_due == T0 + 72 * H + H  # the hour pending did not count; being solved stops nothing
    results = {r.target: r for r in target_results(with_clocks(t, c), T0 + 10 * H)}
    assert results[Target.RESOLUTION].met_in_time and not results[Target.RESOLUTION].breached


def test_a_ticket_solved_late_is_a_resolution_breach():
    t = ticket(priority=Priority.URGENT, status=Status.SOLVED, solved_at=T0 + 9 * H, updated_at=T0 + 9 * H)
    c = clocks(t, replied(T0 + 5 * M) + [changed(T0 + 9 * H, "open", "solved")])
    results = {r.target: r for r in target_results(with_clocks(t, c), T0 + 10 * H)}
    assert c.resolution_due == T0 + 8 * H and results[Target.RESOLUTION].breached
