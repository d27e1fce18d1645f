"""The per-account request budget: a mapping's ``rate_limit:``, the wait before a request that
would overspend, the server's "nothing remains" honoured, and the budget shared by real
processes side by side (the app and two CLIs), not only threads of one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.generic.node import MappingError, loads
from helpdesk_tui.sync.request_budget import RateLimitSpec, RequestBudget, parse_rate_limit

REPO = Path(__file__).resolve().parent.parent


class Clock:
    """Time that moves only when the budget sleeps (or the test says)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def budget(tmp_path: Path, spec: RateLimitSpec | None, per_minute: int | None = None, clock: Clock | None = None,
           account: str = "desk") -> tuple[RequestBudget, Clock]:
    clock = clock or Clock()
    return RequestBudget(spec, account, per_minute, state_dir=tmp_path, sleep=clock.sleep, clock=clock), clock


def test_the_rate_limit_table_is_read_and_checked():
    node = loads("rate_limit: {per_minute: 100, remaining_header: X-RateLimit-Remaining, "
                 "reset_header: X-RateLimit-Reset}\n", "desk.yaml").get("rate_limit")
    assert parse_rate_limit(node) == RateLimitSpec(100, "x-ratelimit-remaining", "x-ratelimit-reset")
    assert parse_rate_limit(None) is None
    with pytest.raises(MappingError, match="line 1, key 'rate_limit.per_minut'"):
        parse_rate_limit(loads("rate_limit: {per_minut: 1}\n", "desk.yaml").get("rate_limit"))
    with pytest.raises(MappingError, match="must be at least 1"):
        parse_rate_limit(loads("rate_limit: {per_minute: 0}\n", "desk.yaml").get("rate_limit"))


def test_requests_within_the_budget_go_at_once_and_the_next_waits_for_the_oldest_to_age_out(tmp_path):
    b, clock = budget(tmp_path, RateLimitSpec(per_minute=3))
    for _ in range(3):
        b.before()
        clock.now += 5
    assert clock.slept == []
    b.before()  # the 4th within the minute: waits until the 1st is a minute old
    assert clock.slept == [45.0]
    b.before()
    assert clock.slept == [45.0, 5.0]


def test_the_accounts_option_overrides_the_mappings_figure(tmp_path):
    b, clock = budget(tmp_path, RateLimitSpec(per_minute=100), per_minute=1)
    b.before()
    b.before()
    assert clock.slept == [60.0]


def test_no_budget_and_no_headers_never_waits_nor_writes_a_file(tmp_path):
    b, clock = budget(tmp_path, None)
    for _ in range(500):
        b.before()
    assert clock.slept == [] and not any(tmp_path.iterdir())


@pytest.mark.parametrize(("reset", "wait"), [("1800000030", 30.0), ("12", 12.0), (None, 60.0)])
def test_nothing_remaining_makes_the_next_request_wait_for_the_reset(tmp_path, reset, wait):
    spec = RateLimitSpec(None, "x-ratelimit-remaining", "x-ratelimit-reset")
    b, clock = budget(tmp_path, spec)
    b.before()
    headers = {"X-RateLimit-Remaining": "0", **({"X-RateLimit-Reset": reset} if reset else {})}
    b.after(httpx.Response(200, headers=headers))
    b.before()
    assert clock.slept == [wait]


def test_remaining_requests_or_no_header_change_nothing(tmp_path):
    b, clock = budget(tmp_path, RateLimitSpec(None, "x-ratelimit-remaining", "x-ratelimit-reset"))
    b.after(httpx.Response(200, headers={"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "50"}))
    b.after(httpx.Response(200))
    b.before()
    assert clock.slept == []


def test_the_servers_wait_reaches_another_process_of_the_same_account(tmp_path):
    spec = RateLimitSpec(None, "x-ratelimit-remaining", "x-ratelimit-reset")
    clock = Clock()
    app, _ = budget(tmp_path, spec, clock=clock)
    cli, _ = budget(tmp_path, spec, clock=clock)
    other_account, _ = budget(tmp_path, spec, clock=clock, account="other")
    app.after(httpx.Response(200, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "20"}))
    other_account.before()
    assert clock.slept == []
    cli.before()
    assert clock.slept == [20.0]


def test_a_wait_longer_than_a_sentence_can_hold_is_said_not_slept(tmp_path):
    b, clock = budget(tmp_path, RateLimitSpec(None, "x-ratelimit-remaining", "x-ratelimit-reset"))
    b.after(httpx.Response(200, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3600"}))
    with pytest.raises(errors.RateLimited, match="try again in 3601 s") as caught:
        b.before()
    assert caught.value.retry_after == pytest.approx(3600) and clock.slept == []


def test_a_torn_state_file_starts_the_minute_afresh(tmp_path):
    (tmp_path / "desk.json").write_text("{not json")
    b, clock = budget(tmp_path, RateLimitSpec(per_minute=2))
    b.before()
    b.before()
    assert clock.slept == []
    assert len(json.loads((tmp_path / "desk.json").read_text())["sent"]) == 2


# ----------------------------------------------------------------- real processes side by side

WORKER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from helpdesk_tui.sync.request_budget import RateLimitSpec, RequestBudget
    state, account, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    budget = RequestBudget(RateLimitSpec(per_minute=4), account, None, state_dir=state, window=1.0)
    stamps = []
    while time.time() < float(sys.argv[4]):  # all start together, however long each took to import
        time.sleep(0.002)
    for _ in range(count):
        budget.before()
        stamps.append(budget.last_stamp)
    print(json.dumps(stamps))
""")


def run_side_by_side(state: Path, accounts: list[str], count: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = str(time.time() + 2.0)
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(state), account, str(count), start], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for account in accounts]
    stamps: list[float] = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        stamps += json.loads(out)
    return sorted(stamps)


def most_in_any_window(stamps: list[float], window: float) -> int:
    return max(sum(1 for t in stamps[i:] if t - stamps[i] < window) for i in range(len(stamps)))


def test_three_processes_of_one_account_together_stay_within_its_budget(tmp_path):
    stamps = run_side_by_side(tmp_path, ["desk", "desk", "desk"], 4)
    assert len(stamps) == 12
    assert most_in_any_window(stamps, 1.0) <= 4
    assert stamps[-1] - stamps[0] >= 2.0  # 12 requests at 4 a second-long window: three windows


def test_the_check_above_can_fail_three_accounts_each_spend_their_own_budget(tmp_path):
    stamps = run_side_by_side(tmp_path, ["a", "b", "c"], 4)
    assert most_in_any_window(stamps, 1.0) > 4  # separate budgets: nothing holds them back together


def test_a_budget_that_only_reads_the_servers_header_does_not_rewrite_its_file_per_request(tmp_path):
    meter, _ = budget(tmp_path, RateLimitSpec(remaining_header="x-ratelimit-remaining"))
    meter.before()
    written = meter.path.stat().st_mtime_ns, meter.path.read_text()
    for _ in range(5):
        time.sleep(0.002)
        meter.before()
        meter.after(httpx.Response(200, headers={"X-RateLimit-Remaining": "40"}))
    assert (meter.path.stat().st_mtime_ns, meter.path.read_text()) == written
    meter.after(httpx.Response(200, headers={"X-RateLimit-Remaining": "0"}))
    assert "blocked_until" in json.loads(meter.path.read_text())  # a change is still written
