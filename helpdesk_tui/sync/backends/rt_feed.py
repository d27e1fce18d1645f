"""The change feed of Request Tracker: the pull cursor and RT's reading of dates in TicketSQL.

The feed is ``GET /tickets?query=…&orderby=LastUpdated&orderby=id`` (both ascending).
``LastUpdated`` has one-second resolution, so the cursor is a keyset position, not a bare time:

    {"v": 1, "t": "2026-11-22T15:31:52Z", "id": 17, "page": 1}

meaning "every ticket with (LastUpdated, id) <= (t, id) has been taken". The next query asks
for ``LastUpdated >= t AND (LastUpdated >= t+1s OR id > 17)``, so tickets sharing the second
of the last one taken are neither missed (across a page boundary) nor sent twice. The same
test is applied again to the rows that come back, so an imprecise reading of dates by the
server (see below) costs overlap, never a duplicate; ``page`` goes past 1 only when whole
pages of such overlap came back. Cursor None (first pull): every ticket, same order.

A second is only taken into the cursor once it is over on the server (its ``Date`` header,
less the request's duration, less one second): a ticket updated twice within one second,
around our read, is then seen in its final state. Tickets of a second not yet over are sent
but not taken (they come again in the next pull, once).

Time zones: TicketSQL reads ``'YYYY-MM-DD HH:MM:SS'`` in the signed-in user's time zone
(their RT preference), else in the server's ``$Timezone`` (RT's default is US/Eastern), while
REST2 answers in UTC. ``ServerZone`` writes the query time in that zone: from the user's
``Timezone`` field when set (exact, DST included, through zoneinfo), otherwise by measuring
the offset the server applies: a few one-row probes ``id = X AND Created >= '…'`` against a
ticket created near the cursor time (Created never changes), cached per reference ticket.
Known limit of the measured case: a DST change between that ticket's creation and the
cursor time shifts the threshold by the DST step for that one pull.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from helpdesk_tui.sync.backends import rt_map
from helpdesk_tui.sync.errors import BadResponse

SQL_TIME = "%Y-%m-%d %H:%M:%S"
STEP = timedelta(minutes=15)  # every time zone in use is a whole number of quarter hours from UTC
MAX_STEPS = 56  # ±14 h


@dataclass
class Cursor:
    t: datetime | None = None  # LastUpdated (UTC) of the last ticket taken; None: from the start
    last_id: int = 0  # highest ticket id taken at exactly ``t``
    page: int = 1

    def encode(self) -> str | None:
        if self.t is None and self.page == 1:
            return None
        stamp = self.t.strftime("%Y-%m-%dT%H:%M:%SZ") if self.t else None
        return json.dumps({"v": 1, "t": stamp, "id": self.last_id, "page": self.page}, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        try:
            data = json.loads(text)
            stamp = data.get("t")
            return cls(t=rt_map.parse_time(stamp) if stamp else None, last_id=int(data.get("id", 0)),
                       page=max(1, int(data.get("page", 1))))
        except (ValueError, TypeError, AttributeError, BadResponse):
            raise BadResponse("The saved Request Tracker sync position is unreadable: run a full sync "
                              "of this account.") from None

    def after(self, updated: datetime, number: int) -> bool:
        """True when the ticket at (updated, number) has not been taken yet."""
        return self.t is None or (updated, number) > (self.t, self.last_id)


def complete_before(response: httpx.Response) -> datetime | None:
    """The last server second surely over when the query ran (None: no usable Date header)."""
    try:
        server_now = parsedate_to_datetime(response.headers.get("date") or "")
    except (TypeError, ValueError):
        return None
    try:
        elapsed = response.elapsed.total_seconds()
    except RuntimeError:  # a response that was never timed (tests' mock transports)
        elapsed = 0.0
    if server_now is None or server_now.tzinfo is None:
        return None
    # the query ran at most `elapsed` before the answer's second; its own second may not be over
    return server_now.astimezone(UTC) - timedelta(seconds=math.ceil(elapsed) + 1)


class ServerZone:
    """Writes a UTC time the way this RT server reads times in TicketSQL for this user."""

    def __init__(self, search: Callable[[dict[str, Any]], list[dict[str, Any]]],
                 user_zone: Callable[[], str | None]) -> None:
        self._search = search  # params of GET /tickets → its items
        self._user_zone = user_zone
        self._zone: ZoneInfo | None | bool = False  # False: not looked up yet
        self._by_ref: dict[int, timedelta] = {}
        self._last: tuple[datetime, timedelta, float] | None = None

    def sql(self, when: datetime) -> str:
        return (when.astimezone(UTC).replace(tzinfo=None) + self.offset(when)).strftime(SQL_TIME)

    def offset(self, when: datetime) -> timedelta:
        if self._zone is False:
            name = self._user_zone()
            try:
                self._zone = ZoneInfo(name) if name else None
            except (ValueError, KeyError, OSError):
                self._zone = None
        if isinstance(self._zone, ZoneInfo):
            return self._zone.utcoffset(when.astimezone(UTC).replace(tzinfo=None)) or timedelta(0)
        last = self._last
        if last and abs(when - last[0]) < timedelta(hours=6) and time.monotonic() - last[2] < 600:
            return last[1]
        offset = self._measure(when, last[1] if last else timedelta(0))
        self._last = (when, offset, time.monotonic())
        return offset

    def _measure(self, when: datetime, guess: timedelta) -> timedelta:
        base = when.astimezone(UTC).replace(tzinfo=None)
        rows = self._search({"query": f"Created < '{(base + guess + timedelta(hours=1)).strftime(SQL_TIME)}'",
                             "orderby": "Created", "order": "DESC", "per_page": 1, "fields": "Created"})
        rows = rows or self._search({"query": "id > 0", "orderby": "Created", "order": "ASC",
                                     "per_page": 1, "fields": "Created"})
        if not rows:
            return guess  # no ticket at all: nothing to miss
        ref = rt_map.record_id(rows[0], "a ticket")
        if ref in self._by_ref:
            return self._by_ref[ref]
        created = rt_map.required_time(rows[0].get("Created"), f"ticket {ref} (Created)").replace(tzinfo=None)

        def reads_at_least(k: int) -> bool:  # the server's offset is at least k quarter hours
            stamp = (created + k * STEP).strftime(SQL_TIME)
            return bool(self._search({"query": f"id = {ref} AND Created >= '{stamp}'", "per_page": 1,
                                      "fields": "id"}))

        lo, hi = -MAX_STEPS, MAX_STEPS  # answer in [lo, hi]
        k = max(lo, min(hi, round(guess / STEP)))
        if reads_at_least(k):
            if not reads_at_least(k + 1):
                lo = hi = k
            else:
                lo = k + 1
        else:
            hi = k - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if reads_at_least(mid):
                lo = mid
            else:
                hi = mid - 1
        self._by_ref[ref] = lo * STEP
        return lo * STEP
