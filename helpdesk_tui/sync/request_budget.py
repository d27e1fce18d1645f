"""A per-account request budget shared by every process of this machine.

A team's agents share one helpdesk: the app, a CLI sync in a cron job and a second CLI must
together stay under the account's ``requests_per_minute``, so the count cannot live in one
process. It lives in a small JSON file under the user's data directory (``budgets/NAME.json``:
the times of the requests of the last minute, and until when the helpdesk asked us to wait),
read and written under an exclusive file lock. ``before()`` waits until a request fits;
``after(response)`` reads the mapping's rate-limit headers: at 0 remaining, every process
waits for the reset time the server gave.

A wait longer than ``max_wait`` is not slept in silence (it would look like a hang): it raises
``RateLimited`` with the time to try again, as the shared HttpClient does for a long
``Retry-After``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any

import httpx

from helpdesk_tui.config.paths import resolve_locations, validate_account_name
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.generic.node import Node

WINDOW = 60.0  # seconds: the budget is per minute


@dataclass(frozen=True)
class RateLimitSpec:
    """A mapping's ``rate_limit:``: our own budget, and the headers the helpdesk reports in."""

    per_minute: int | None = None
    remaining_header: str | None = None
    reset_header: str | None = None


def parse_rate_limit(node: Node | None) -> RateLimitSpec | None:
    """The ``rate_limit:`` table at ``node`` (None: no budget, only the server's 429s)."""
    if node is None:
        return None
    node.only("per_minute", "remaining_header", "reset_header")
    per_minute = node.get("per_minute")
    remaining = node.get("remaining_header")
    reset = node.get("reset_header")
    if reset is not None and remaining is None:
        raise reset.error("needs remaining_header beside it: the reset time matters when nothing remains")
    return RateLimitSpec(per_minute.integer(minimum=1) if per_minute else None,
                         remaining.text().lower() if remaining else None, reset.text().lower() if reset else None)


class RequestBudget:
    """``before()`` each request, ``after(response)`` each answer (the Requester's hooks)."""

    def __init__(self, spec: RateLimitSpec | None, account_name: str, per_minute: int | None, *,
                 state_dir: Path | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, max_wait: float = 90.0, window: float = WINDOW) -> None:
        self.spec = spec or RateLimitSpec()
        # The account's option (requests_per_minute) overrides the mapping's own figure.
        self.per_minute = per_minute if per_minute is not None else self.spec.per_minute
        directory = state_dir if state_dir is not None else resolve_locations().data_dir / "budgets"
        self.path = directory / f"{validate_account_name(account_name)}.json"
        self.account = account_name
        self.sleep = sleep
        self.clock = clock
        self.max_wait = max_wait
        self.window = window  # seconds (a minute; shorter in tests)
        self.waited = 0.0  # seconds slept by this process (for the log and the benchmarks)
        self.last_stamp = 0.0  # when the last request was let through (as the shared state has it)
        self._made = False  # the state's directory exists

    @property
    def active(self) -> bool:
        return bool(self.per_minute) or self.spec.remaining_header is not None

    def before(self) -> None:
        """Wait until one more request keeps this account within its budget, in all processes."""
        if not self.active:
            return
        while True:
            with self._state() as state:
                now = self.clock()
                wait = max(0.0, float(state.get("blocked_until") or 0) - now)
                sent = sorted(t for t in state.get("sent") or () if isinstance(t, (int, float)) and now - t < self.window)
                if wait == 0 and self.per_minute and len(sent) >= self.per_minute:
                    wait = sent[len(sent) - self.per_minute] + self.window - now
                if wait <= 0:
                    state["sent"] = [*sent, now] if self.per_minute else []
                    self.last_stamp = now
                    return
                state["sent"] = sent
            if wait > self.max_wait:
                raise errors.RateLimited(f"The request budget of account {self.account} is spent: try again in "
                                         f"{int(wait) + 1} s.", wait)
            self.waited += wait
            self.sleep(wait)

    def after(self, response: httpx.Response) -> None:
        """The helpdesk says nothing remains: every process waits for its reset time."""
        header = self.spec.remaining_header
        if header is None:
            return
        remaining = response.headers.get(header)
        if remaining is None or not remaining.strip().lstrip("-").isdigit() or int(remaining) > 0:
            return
        now = self.clock()
        wait = self._reset_in(response, now)
        with self._state() as state:
            state["blocked_until"] = max(float(state.get("blocked_until") or 0), now + wait)

    def _reset_in(self, response: httpx.Response, now: float) -> float:
        """Seconds until the window resets: the reset header (epoch seconds, seconds to wait or
        an HTTP date), else Retry-After, else one window."""
        for name in (self.spec.reset_header, "retry-after"):
            value = (response.headers.get(name) or "").strip() if name else ""
            if not value:
                continue
            try:
                number = float(value)
            except ValueError:
                try:
                    return max(0.0, parsedate_to_datetime(value).timestamp() - now)
                except (TypeError, ValueError):
                    continue
            # Some APIs send an epoch time, others the seconds to wait.
            return max(0.0, number - now) if number > 1_000_000_000 else max(0.0, number)
        return self.window

    @contextlib.contextmanager
    def _state(self) -> Iterator[dict[str, Any]]:
        """The shared state, locked for the block and written back at its end."""
        if not self._made:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._made = True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+", encoding="utf-8") as handle:
            with _locked(handle):
                handle.seek(0)
                try:
                    loaded = json.loads(handle.read() or "{}")
                except ValueError:
                    loaded = {}  # a torn or foreign file: start the minute afresh
                state: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
                before = json.dumps(state)
                yield state
                after = json.dumps(state)
                if after != before:  # most requests change nothing (no per-minute count): no write
                    handle.seek(0)
                    handle.truncate()
                    handle.write(after)
                    handle.flush()


@contextlib.contextmanager
def _locked(handle: IO[str]) -> Iterator[None]:
    """An exclusive lock on the open file, across processes (released when the block ends)."""
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        while True:
            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                break
            except OSError:  # LK_LOCK gives up after ten seconds: keep waiting
                continue
        try:
            yield
        finally:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
