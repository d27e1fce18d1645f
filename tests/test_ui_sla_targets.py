"""The timeline pane lists each SLA target as the KPIs judge it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.ui.widgets.ticket_pane import targets_text

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
M = timedelta(minutes=1)


def test_met_late_overdue_and_running_targets_read_plainly():
    t = Ticket(7, "x", Status.OPEN, Priority.HIGH, None, NOW - 60 * M, NOW, id=1,
               first_response_at=NOW - 45 * M, first_response_due_at=NOW - 50 * M,
               first_update_due_at=NOW - 40 * M, resolution_due_at=NOW + 120 * M,
               update_due_at=NOW + 30 * M)
    lines = targets_text(t, NOW).plain.splitlines()
    assert lines[0] == "SLA targets"
    assert "acknowledgement" in lines[1] and "met late" in lines[1]
    assert "first update" in lines[2] and "overdue by 40m" in lines[2]
    assert "resolution" in lines[3] and "in 2h00" in lines[3]
    assert "regular update" in lines[4] and "in 30m" in lines[4]


def test_a_stopped_clock_says_so():
    t = Ticket(7, "x", Status.PENDING, Priority.LOW, None, NOW - 60 * M, NOW, id=1,
               first_response_at=NOW - 55 * M, first_response_due_at=NOW - 50 * M, first_update_at=NOW - 55 * M,
               first_update_due_at=NOW - 40 * M, sla_source="helpdesk")
    plain = targets_text(t, NOW).plain
    assert "resolution  clock stopped" in plain and "set by the helpdesk" in plain
