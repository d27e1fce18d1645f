"""Domain rules: the SLA clock, the inbox order key and the filter language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk_tui.domain.query import FilterError, builtin_views, describe, parse_filter
from helpdesk_tui.domain.sla import (
    DELETED_FLOOR, SlaKind, describe_due, format_remaining, next_due, urgency_key,
)
from helpdesk_tui.domain.vocab import Priority, Status

from tests.factories import NOW, Builder

b = Builder()


def test_next_due_is_the_earliest_open_commitment():
    t = b.ticket(first_response_due_at=NOW + timedelta(hours=1), resolution_due_at=NOW + timedelta(hours=8),
                 next_checkpoint_at=NOW + timedelta(minutes=30))
    assert next_due(t).kind == SlaKind.CHECKPOINT
    t.next_checkpoint_at = None
    assert next_due(t).kind == SlaKind.FIRST_RESPONSE
    t.first_response_at = NOW - timedelta(minutes=5)
    assert next_due(t).kind == SlaKind.RESOLUTION


@pytest.mark.parametrize("status", [Status.PENDING, Status.ON_HOLD])
def test_waiting_pauses_first_response_and_resolution_but_not_a_promise(status):
    t = b.ticket(status=status, first_response_due_at=NOW - timedelta(hours=1),
                 resolution_due_at=NOW - timedelta(hours=1))
    assert next_due(t) is None
    t.next_checkpoint_at = NOW + timedelta(hours=2)
    assert next_due(t).kind == SlaKind.CHECKPOINT


@pytest.mark.parametrize("status", [Status.SOLVED, Status.CLOSED])
def test_finished_tickets_owe_nothing(status):
    t = b.ticket(status=status, first_response_due_at=NOW - timedelta(hours=1),
                 next_checkpoint_at=NOW - timedelta(hours=1))
    assert next_due(t) is None


def test_urgency_key_orders_breached_then_due_then_idle_then_finished_then_deleted():
    breached = b.ticket(first_response_due_at=NOW - timedelta(hours=3))
    due = b.ticket(first_response_due_at=NOW + timedelta(minutes=3))
    idle_old = b.ticket(updated_at=NOW - timedelta(days=3))
    idle_new = b.ticket(updated_at=NOW - timedelta(hours=1))
    solved = b.ticket(status=Status.SOLVED, updated_at=NOW)
    deleted = b.ticket(deleted_at=NOW, first_response_due_at=NOW - timedelta(days=9))
    keys = [urgency_key(t) for t in (breached, due, idle_new, idle_old, solved, deleted)]
    assert keys == sorted(keys)
    assert urgency_key(deleted) >= DELETED_FLOOR > urgency_key(solved)


@pytest.mark.parametrize("seconds, text", [
    (0, "0m"), (45, "45s"), (4 * 60, "4m"), (2 * 3600 + 5 * 60, "2h05"), (3 * 86400 + 60, "3d"),
    (-12 * 60, "-12m"),
])
def test_format_remaining(seconds, text):
    assert format_remaining(NOW + timedelta(seconds=seconds), NOW) == text


def test_describe_due_says_overdue_when_breached():
    t = b.ticket(first_response_due_at=NOW - timedelta(hours=2, minutes=5))
    assert describe_due(next_due(t), NOW) == "first reply overdue by 2h05"
    t.first_response_due_at = NOW + timedelta(minutes=4)
    assert describe_due(next_due(t), NOW) == "first reply due in 4m"


def test_parse_filter_reads_pairs_values_negation_quotes_and_free_text():
    f = parse_filter('status:open,hold -priority:low assignee:me customer:"Aiko Tanaka" site down',
                     me="dana")
    assert [(c.key, c.values, c.negated) for c in f.clauses] == [
        ("status", ("open", "on_hold"), False), ("priority", ("low",), True),
        ("assignee", ("dana",), False), ("customer", ("aiko tanaka",), False)]
    assert f.text == "site down"
    assert describe(f) == 'status:open,on_hold -priority:low assignee:dana customer:aiko tanaka site down'


def test_parse_filter_priority_numbers_and_unassigned():
    f = parse_filter("priority:1,2 assignee:none", me="you")
    assert f.clauses[0].values == ("urgent", "high")
    assert f.clauses[1].values == ("",)


@pytest.mark.parametrize("text, message", [
    ("status:bogus", "Unknown status 'bogus'"),
    ("priority:7", "Unknown priority '7'"),
    ("tag:", "'tag:' needs a value"),
])
def test_parse_filter_errors_are_sentences(text, message):
    with pytest.raises(FilterError, match=message):
        parse_filter(text, me="you")


def test_unknown_keys_and_unbalanced_quotes_are_just_text():
    f = parse_filter('colour:blue "unbalanced', me="you")
    assert f.clauses == () and "colour:blue" in f.text


def test_builtin_views_have_keys_one_to_six():
    views = builtin_views("you")
    assert [v.key for v in views] == ["1", "2", "3", "4", "5", "6"]
    assert [v.title for v in views][0] == "My open"


def test_priority_rank():
    assert sorted(Priority, key=lambda p: p.rank) == [Priority.URGENT, Priority.HIGH, Priority.NORMAL,
                                                      Priority.LOW]


@pytest.mark.parametrize("typed", ["10015", "#10015", "  #10015 "])
def test_a_filter_that_is_only_a_ticket_number_names_that_ticket(typed):
    flt = parse_filter(typed, me="Sam")
    assert flt.number == 10015 and not flt.clauses and not flt.text
    assert describe(flt) == "#10015"
    assert parse_filter(describe(flt), me="Sam") == flt  # round-trips (a focus session stores it)


@pytest.mark.parametrize("typed", ["10015 status:open", "error 404", "#10x15", "# 10015", "-10015"])
def test_a_number_among_other_words_stays_free_text(typed):
    assert parse_filter(typed, me="Sam").number is None
