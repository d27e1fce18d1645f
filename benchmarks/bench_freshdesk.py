"""Freshdesk figures: the mapping's sync against raw paging of the same API, on the fake Freshdesk.

    python benchmarks/bench_freshdesk.py                  # 5,000 tickets
    python benchmarks/bench_freshdesk.py --tickets 1000

The fake runs in its own process (``tests/fakes/freshdesk_process.py``: every ticket has a
description and ``--conversations`` replies). Measured, each into a fresh cache:

- raw paging: the tickets list (``updated_since``, ``include=requester``, 100 a page) with a
  plain ``httpx.Client``; and raw "list + threads": the same pages plus, per ticket, the two
  requests a thread takes (the ticket and its conversations), as the mapping reads them;
- the sync: ``SyncEngine.sync()`` over ``FreshdeskBackend`` (tickets, customers, threads);
- requests per synced ticket (counted by the fake);
- an incremental sync after 100 tickets changed.

Figures only: nothing is asserted. JSON in ``benchmarks/out/bench_freshdesk.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from helpdesk_tui.store.cache import Cache  # noqa: E402
from helpdesk_tui.sync.contract import AccountSettings  # noqa: E402
from helpdesk_tui.sync.engine import SyncEngine  # noqa: E402
from helpdesk_tui.sync.mappings import FreshdeskBackend  # noqa: E402
from tests.fakes.freshdesk_process import API_KEY, FakeProcess, fake_freshdesk_process  # noqa: E402

LIST = {"updated_since": "1970-01-01T00:00:00Z", "order_by": "updated_at", "order_type": "asc",
        "include": "requester", "per_page": "100"}


def raw_paging(url: str, *, threads: bool) -> tuple[float, int, int]:
    """(seconds, tickets, requests) for paging the list (and each ticket's two thread reads)."""
    started, tickets, requests = time.perf_counter(), 0, 0
    with httpx.Client(base_url=url + "/api/v2", auth=(API_KEY, "X")) as client:
        answer = client.get("/tickets", params=LIST)
        while True:
            requests += 1
            page = answer.json()
            tickets += len(page)
            if threads:
                for ticket in page:
                    client.get(f"/tickets/{ticket['id']}").json()
                    client.get(f"/tickets/{ticket['id']}/conversations", params={"per_page": "100"}).json()
                    requests += 2
            link = answer.headers.get("Link")
            if not link:
                break
            answer = client.get(link[1:link.index(">")])
    return time.perf_counter() - started, tickets, requests


def synced(fake: FakeProcess, cache: Cache) -> tuple[float, int, int]:
    """(seconds, new tickets, requests) of one sync into ``cache``."""
    account = AccountSettings(name="bench", url=fake.url, user=None, token=API_KEY, options={"domain": fake.url})
    backend = FreshdeskBackend(account, FreshdeskBackend.make_client(account))
    before = fake.call(op="requests")
    started = time.perf_counter()
    report = SyncEngine(cache, backend, lambda: datetime.now(UTC)).sync()
    seconds = time.perf_counter() - started
    assert report.problem is None, report.problem
    return seconds, report.new + report.updated, fake.call(op="requests") - before


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5_000)
    parser.add_argument("--conversations", type=int, default=2)
    options = parser.parse_args(argv)
    figures: dict[str, object] = {"tickets": options.tickets, "conversations": options.conversations,
                                  "when": datetime.now(UTC).isoformat(timespec="seconds")}
    with fake_freshdesk_process(bulk=options.tickets, conversations=options.conversations) as fake, \
            tempfile.TemporaryDirectory() as tmp:
        raw_s, raw_n, raw_r = raw_paging(fake.url, threads=False)
        full_s, _, full_r = raw_paging(fake.url, threads=True)
        os.environ["HELPDESK_TUI_HOME"] = tmp  # the request budget's state stays in the run's folder
        cache = Cache(Path(tmp) / "bench.sqlite", "bench")
        sync_s, sync_n, sync_r = synced(fake, cache)
        fake.call(op="touch", count=100)
        inc_s, inc_n, inc_r = synced(fake, cache)
        cache.close()
    figures.update({
        "raw_list_s": round(raw_s, 2), "raw_list_tickets_per_s": round(raw_n / raw_s), "raw_list_requests": raw_r,
        "raw_with_threads_s": round(full_s, 2), "raw_with_threads_tickets_per_s": round(raw_n / full_s),
        "raw_with_threads_requests": full_r,
        "sync_s": round(sync_s, 2), "sync_tickets": sync_n, "sync_tickets_per_s": round(sync_n / sync_s),
        "sync_requests": sync_r, "requests_per_synced_ticket": round(sync_r / max(sync_n, 1), 3),
        "ratio_sync_to_raw_with_threads": round((sync_n / sync_s) / (raw_n / full_s), 3),
        "ratio_sync_to_raw_list": round((sync_n / sync_s) / (raw_n / raw_s), 3),
        "incremental_100_s": round(inc_s, 2), "incremental_100_tickets": inc_n, "incremental_100_requests": inc_r,
    })
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "bench_freshdesk.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    for key, value in figures.items():
        print(f"{key:34} {value}")


if __name__ == "__main__":
    main()
