"""Tens of thousands of tickets changed in the same second (a bulk update, a migration, or a
server that stamps everything alike): the cursor's bookkeeping of the ids at the boundary
stamp must stay linear — it was a list searched once per record, quadratic, minutes for a
page a sync otherwise reads in seconds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from tests.test_generic_adversarial_records import backend

COUNT = 60_000
STAMP = "2026-03-01T09:00:00Z"


def test_a_huge_page_at_one_stamp_is_read_in_linear_time(tmp_path: Path) -> None:
    records = [{"id": n, "title": "t", "created": STAMP, "updated": STAMP} for n in range(1, COUNT + 1)]
    body = json.dumps({"tickets": records}).encode()
    mapped = backend(tmp_path, lambda r: httpx.Response(200, content=body, headers={"Content-Type": "application/json"}))
    started = time.monotonic()
    first = mapped.pull(None)
    again = mapped.pull(first.cursor)  # the server's >= brings the whole boundary second back
    elapsed = time.monotonic() - started
    assert len(first.tickets) == COUNT and first.done
    assert again.tickets == []  # each was read, as it is, at that stamp
    assert elapsed < 25, f"{elapsed:.1f} s for two pulls of {COUNT:,} records"
