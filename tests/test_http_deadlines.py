"""sync/deadlines.py: one thread runs each request's deadline that comes due, and no other."""

from __future__ import annotations

import threading
import time

from helpdesk_tui.sync.deadlines import Deadlines


def test_a_deadline_fires_once_due_and_a_disarmed_one_never():
    deadlines = Deadlines()
    fired: list[str] = []
    done = threading.Event()
    late = deadlines.arm(0.05, lambda: (fired.append("late"), done.set()))
    early = deadlines.arm(0.01, lambda: fired.append("disarmed"))
    deadlines.disarm(early)
    started = time.monotonic()
    assert done.wait(5)
    assert time.monotonic() - started >= 0.04
    time.sleep(0.05)
    assert fired == ["late"] and late != early


def test_deadlines_fire_in_time_order_and_a_failing_callback_stops_none_of_the_others():
    deadlines = Deadlines()
    fired: list[int] = []
    done = threading.Event()

    def boom():
        raise RuntimeError("a callback failed")

    deadlines.arm(0.06, lambda: (fired.append(3), done.set()))
    deadlines.arm(0.02, boom)
    deadlines.arm(0.04, lambda: fired.append(2))
    deadlines.arm(0.01, lambda: fired.append(1))
    assert done.wait(5)
    assert fired == [1, 2, 3]


def test_requests_that_end_long_before_their_deadline_leave_nothing_behind():
    deadlines = Deadlines()
    for _ in range(5000):
        deadlines.disarm(deadlines.arm(90, lambda: None))
    assert len(deadlines._heap) <= 600  # dropped as they pile up, not kept for 90 s
    threads = [t for t in threading.enumerate() if t.name == "http-deadlines"]
    assert len(threads) >= 1  # one watch thread per Deadlines, not one per request
