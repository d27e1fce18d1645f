"""The KPI rules on a small data set whose figures were worked out by hand (tests/kpi_dataset.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.reports.kpi_figures import format_duration, format_percent
from helpdesk_tui.reports.kpi_export import report_dict, row_dict
from helpdesk_tui.domain.kpi_report import Durations, TargetStats, Window, median, percentile
from helpdesk_tui.domain.kpis import (
    RatingFact, Reply, StatusChange, TicketFacts, activity_changes, compute, reopen_details, transition,
)
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.vocab import Priority, Status
from tests import kpi_dataset as data


@pytest.fixture(scope="module")
def report():
    return compute(data.WINDOW, data.ticket_facts(), data.changes(), data.replies(), data.ratings())


def by_key(rows):
    return {row.key: row for row in rows}


# -- the summaries -----------------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [([], None), ([7], 7.0), ([3, 1, 2], 2.0), ([4, 1, 3, 2], 2.5)])
def test_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones(values, expected):
    assert median(values) == expected


@pytest.mark.parametrize("values, expected", [([], None), ([5], 5.0), (list(range(1, 11)), 9.0),
                                              (list(range(1, 12)), 10.0), ([30, 10, 20], 30.0)])
def test_p90_is_the_nearest_rank(values, expected):
    # ceil(0.9 * 10) = 9th of 1..10; ceil(0.9 * 11) = 10th of 1..11; ceil(2.7) = 3rd of three
    assert percentile(values, 90) == expected


def test_transitions_are_read_from_the_event_detail():
    assert transition("open → solved") == (Status.OPEN, Status.SOLVED)
    assert transition("on_hold → open") == (Status.ON_HOLD, Status.OPEN)
    assert transition("garbage") == (None, None)
    assert transition("open → weird") == (Status.OPEN, None)
    assert "solved → open" in reopen_details() and "solved → closed" not in reopen_details()
    assert "open → solved" in activity_changes() and "open → pending" not in activity_changes()


# -- the fixed data set, everyone ----------------------------------------------------------

def test_response_and_resolution_times_are_pinned(report):
    assert report.total.first_response == Durations(4, 8100.0, 18000.0)
    assert report.total.resolution == Durations(3, 86400.0, 108000.0)


def test_targets_settle_once_where_met_in_time_or_breached(report):
    assert report.total.acknowledge == TargetStats(settled=4, met=2, breached=2)
    assert report.total.first_update == TargetStats(settled=3, met=1, breached=2)
    assert report.total.resolution_target == TargetStats(settled=4, met=3, breached=1)
    assert report.total.breaches == 5
    assert report.total.acknowledge.rate == 0.5


def test_first_contact_resolution_needs_one_public_reply_and_no_reopen(report):
    assert (report.total.solved, report.total.first_contact) == (3, 1)
    assert report.total.fcr == pytest.approx(1 / 3)


def test_replies_per_hour_counts_clock_hours_per_agent(report):
    assert (report.total.replies, report.total.reply_hours) == (6, 5)
    assert report.total.replies_per_hour == pytest.approx(1.2)


def test_satisfaction_and_comments_newest_first(report):
    assert (report.total.good, report.total.bad) == (2, 1)
    assert report.total.satisfaction == pytest.approx(2 / 3)
    assert [(c.ticket_number, c.comment) for c in report.comments] == [(1005, "[bold]thanks[/] \x1b[31m"),
                                                                        (1001, "Great")]


def test_backlog_is_active_tickets_at_each_days_end(report):
    assert [(d.key, d.backlog) for d in report.days] == [("2026-11-10", 3), ("2026-11-11", 2), ("2026-11-12", 2)]
    assert report.total.backlog == 2
    assert report.total.created == 4  # T7 was deleted; T3 and T6 are older


# -- grouped -------------------------------------------------------------------------------

def test_per_agent(report):
    assert [a.key for a in report.agents] == ["ana", "bo"]  # most replies first
    ana, bo = report.agents
    assert ana.first_response == Durations(2, 8100.0, 14400.0)
    assert ana.resolution == Durations(2, 50400.0, 86400.0)
    assert (ana.solved, ana.first_contact, ana.breaches, ana.replies, ana.reply_hours) == (2, 1, 2, 4, 3)
    assert (ana.good, ana.bad, ana.created) == (1, 1, 2)
    assert bo.first_response == Durations(2, 9300.0, 18000.0)
    assert bo.acknowledge == TargetStats(2, 1, 1) and bo.first_update == TargetStats(1, 0, 1)
    assert bo.resolution_target == TargetStats(2, 1, 1)
    assert (bo.solved, bo.first_contact, bo.breaches, bo.replies, bo.reply_hours, bo.good) == (1, 0, 3, 2, 2, 1)


def test_per_queue(report):
    queues = by_key(report.queues)
    assert list(queues) == ["Billing", "Tech"]  # T6 (no queue) counts nowhere in this window
    billing, tech = queues["Billing"], queues["Tech"]
    assert billing.first_response == Durations(3, 1800.0, 18000.0)
    assert billing.resolution == Durations(2, 61200.0, 108000.0)
    assert (billing.breaches, billing.replies, billing.reply_hours, billing.good) == (0, 3, 3, 2)
    assert tech.acknowledge == TargetStats(2, 0, 2) and tech.breaches == 5
    assert (tech.replies, tech.reply_hours, tech.replies_per_hour, tech.bad) == (3, 2, 1.5, 1)


def test_per_day(report):
    days = by_key(report.days)
    first, second, third = days["2026-11-10"], days["2026-11-11"], days["2026-11-12"]
    assert (first.created, first.first_response.count, first.solved, first.first_contact) == (3, 4, 1, 1)
    assert first.acknowledge == TargetStats(3, 2, 1) and first.breaches == 2
    assert (first.replies, first.reply_hours, first.good) == (5, 4, 1)
    assert (second.created, second.solved, second.breaches, second.good, second.bad) == (1, 2, 2, 1, 1)
    assert second.resolution == Durations(2, 97200.0, 108000.0)
    assert (third.breaches, third.resolution_target.breached, third.replies) == (1, 1, 0)
    assert sum(d.breaches for d in report.days) == report.total.breaches


def test_days_follow_the_agents_time_zone():
    tokyo = ZoneInfo("Asia/Tokyo")
    window = Window(datetime(2026, 11, 10, tzinfo=tokyo), datetime(2026, 11, 12, tzinfo=tokyo), tokyo)
    late = datetime(2026, 11, 10, 20, 30, tzinfo=UTC)  # 05:30 on the 11th in Tokyo
    report = compute(window, [], replies=[Reply("ana", late)])
    assert [(d.key, d.replies) for d in report.days] == [("2026-11-10", 0), ("2026-11-11", 1), ("2026-11-12", 0)]


# -- odd input -----------------------------------------------------------------------------

def test_an_empty_window_is_all_zeros_and_nothing_to_measure():
    report = compute(data.WINDOW, [])
    assert report.total.first_response == Durations() and report.total.fcr is None
    assert report.total.satisfaction is None and report.total.backlog == 0
    assert report.agents == () and len(report.days) == 3


def test_unreadable_changes_and_unknown_scores_are_ignored():
    ticket = Ticket(number=1, subject="x", status=Status.OPEN, priority=Priority.LOW, requester_id=None,
                    created_at=data.at(10, 1), updated_at=data.at(10, 1), id=1)
    report = compute(data.WINDOW, [TicketFacts(ticket)],
                     changes=[StatusChange(1, data.at(10, 2), None, Status.SOLVED)],
                     ratings=[RatingFact(1, "offered", data.at(10, 3))])
    assert report.total.backlog == 1 and (report.total.good, report.total.bad) == (0, 0)
    assert report.agents[0].key == "(unassigned)" and report.queues[0].key == "(no queue)"


def test_a_ticket_solved_without_a_stamp_is_solved_when_its_status_changed():
    ticket = Ticket(number=1, subject="x", status=Status.SOLVED, priority=Priority.LOW, requester_id=None,
                    created_at=data.at(10, 1), updated_at=data.at(11, 5), id=1)
    report = compute(data.WINDOW, [TicketFacts(ticket, 1)],
                     changes=[StatusChange(1, data.at(10, 3), Status.OPEN, Status.SOLVED)])
    assert report.total.resolution == Durations(1, 7200.0, 7200.0) and report.total.first_contact == 1
    assert [d.backlog for d in report.days] == [0, 0, 0]


# -- formatting ------------------------------------------------------------------------------

@pytest.mark.parametrize("seconds, text", [(None, "–"), (0, "0s"), (45, "45s"), (720, "12m"), (11100, "3h05"),
                                           (86400 + 7 * 3600 + 59, "1d07h")])
def test_durations_read_like_people_write_them(seconds, text):
    assert format_duration(seconds) == text


def test_percentages_never_round_up_to_a_perfect_score():
    assert (format_percent(None), format_percent(0.5), format_percent(0.996), format_percent(1.0)) == \
        ("–", "50%", "99%", "100%")


def test_machine_rows_carry_seconds_and_shares(report):
    row = row_dict(report.total)
    assert row["first_response_median_s"] == 8100.0 and row["resolution_p90_s"] == 108000.0
    assert row["acknowledge_rate"] == 0.5 and row["fcr"] == 0.3333 and row["backlog"] == 2
    whole = report_dict(report, "queue")
    assert [r["key"] for r in whole["rows"]] == ["Billing", "Tech"]
    assert whole["since"] == "2026-11-10T00:00:00+00:00" and whole["comments"][0]["ticket"] == 1005


def test_window_days_end_at_local_midnight_and_the_last_at_now():
    ends = data.WINDOW.day_ends()
    assert ends == [data.at(11, 0), data.at(12, 0), data.NOW]
    assert data.WINDOW.days()[0].isoformat() == "2026-11-10"
    assert data.NOW - timedelta(hours=12) in data.WINDOW and data.NOW not in data.WINDOW
