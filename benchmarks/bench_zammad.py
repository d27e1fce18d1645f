"""Sync figures for the Zammad mapping on the generic engine, against the fake Zammad.

The fake runs in its own process (``tests/fakes/zammad_process.py``, seeded with N tickets,
each a customer's e-mail and an agent's answer), so the figures are the client's:

- raw paging: the same search the mapping sends (``updated_at`` range, oldest first,
  ``full=true``, 200 a page) with a plain ``httpx.Client``, tickets only, and tickets plus
  one ``by_ticket`` request per ticket (the least a client that stores threads must send);
- the engine: ``SyncEngine.pull()`` into a fresh cache, without and with threads; the ratio to
  raw paging; requests per synced ticket;
- incremental: another agent writes a note on 100 tickets (through the API), then a pull on
  the same cache: seconds, requests, tickets updated;
- the mapping's size: lines that are neither blank nor comments.

    python benchmarks/bench_zammad.py                 # 5,000 tickets
    python benchmarks/bench_zammad.py --tickets 500   # quicker

Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from helpdesk_tui.store.cache import Cache  # noqa: E402
from helpdesk_tui.sync.contract import AccountSettings  # noqa: E402
from helpdesk_tui.sync.engine import SyncEngine  # noqa: E402
from helpdesk_tui.sync.mappings import ZammadBackend  # noqa: E402
from tests.fakes.zammad_process import fake_zammad_process  # noqa: E402

MAPPING = ROOT / "helpdesk_tui" / "sync" / "mappings" / "zammad.yaml"
QUERY = "updated_at:[1970-01-01T00:00:00Z TO *]"


class CountingTransport(httpx.BaseTransport):
    """Counts the requests a client sends."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.requests = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def mapping_lines() -> int:
    return sum(1 for line in MAPPING.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.strip().startswith("#"))


def raw_paging(url: str, token: str, threads: bool) -> dict[str, Any]:
    started, tickets, requests, page = time.perf_counter(), 0, 0, 1
    with httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Token token={token}"}) as http:
        while True:
            answer = http.get("/tickets/search", params={"query": QUERY, "sort_by": "updated_at", "order_by": "asc",
                                                         "full": "true", "page": page, "per_page": 200}).json()
            found = list(answer.get("assets", {}).get("Ticket", {}).values())
            requests += 1
            tickets += len(found)
            if threads:
                for ticket in found:
                    http.get(f"/ticket_articles/by_ticket/{ticket['id']}").json()
                    requests += 1
            if len(found) < 200:
                break
            page += 1
    seconds = time.perf_counter() - started
    return {"tickets": tickets, "seconds": seconds, "rate": tickets / seconds, "requests": requests}


def engine_pull(url: str, token: str, cache: Cache, fetch_threads: bool) -> dict[str, Any]:
    transport = CountingTransport()
    account = AccountSettings(name="bench", url=url, user=None, token=token)
    backend = ZammadBackend(account, ZammadBackend.make_client(account, transport=transport))
    engine = SyncEngine(cache, backend, lambda: datetime.now(UTC), fetch_threads=fetch_threads)
    started = time.perf_counter()
    report = engine.pull()
    seconds = time.perf_counter() - started
    assert report.problem is None, report.problem
    tickets = report.pulled.tickets
    return {"tickets": tickets, "new": report.new, "updated": report.updated, "seconds": seconds,
            "rate": tickets / seconds if seconds else 0.0, "requests": transport.requests,
            "per_ticket": transport.requests / tickets if tickets else 0.0}


def change_100(url: str, token: str, count: int) -> None:
    """Another agent leaves an internal note on ``count`` tickets (spread over the whole range)."""
    with httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Token token={token}"}) as http:
        ids = [t["id"] for page in (1, 2, 3) for t in http.get(
            "/tickets/search", params={"query": "*", "per_page": 200, "page": page, "sort_by": "id",
                                       "order_by": "asc"}).json()]
        step = max(1, len(ids) // count)
        for ticket_id in ids[::step][:count]:
            answer = http.post("/ticket_articles", json={"ticket_id": ticket_id, "body": "Checked by a colleague.",
                                                         "type": "note", "internal": True})
            answer.raise_for_status()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"tickets_seeded": args.tickets, "mapping_lines": mapping_lines()}
    with fake_zammad_process(tickets=args.tickets) as (url, token), tempfile.TemporaryDirectory() as folder:
        figures["raw_tickets"] = raw_paging(url, token, threads=False)
        figures["raw_with_threads"] = raw_paging(url, token, threads=True)
        bare = Cache(Path(folder) / "bare.sqlite", "bench")
        figures["engine_tickets"] = engine_pull(url, token, bare, fetch_threads=False)
        cache = Cache(Path(folder) / "full.sqlite", "bench")
        figures["engine_with_threads"] = engine_pull(url, token, cache, fetch_threads=True)
        change_100(url, token, args.changes)
        figures["incremental"] = engine_pull(url, token, cache, fetch_threads=True)
        bare.close()
        cache.close()
    figures["ratio_tickets"] = figures["engine_tickets"]["rate"] / figures["raw_tickets"]["rate"]
    figures["ratio_with_threads"] = figures["engine_with_threads"]["rate"] / figures["raw_with_threads"]["rate"]
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
