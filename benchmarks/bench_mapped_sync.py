"""Each backend's sync against the raw cost of its own API traffic, on the same server.

For every backend (hand-written or mapped) the same three figures:

- **sync vs raw paging**: a full sync into a fresh cache (tickets, threads, customers), timed;
  then every GET that sync sent is sent again with a plain ``httpx.Client`` and its JSON parsed,
  timed (the "raw paging" of the very same feed: fetch + parse alone). Ratio = raw / sync: 1.0
  means the engine adds nothing to the API's own cost.
- **requests per synced ticket** (every request, thread reads included).
- **incremental sync of 100 changes**: 100 tickets changed on the server, then a sync: seconds
  and requests.

    python benchmarks/bench_mapped_sync.py                  # every scenario with its default size
    python benchmarks/bench_mapped_sync.py --only freshdesk --tickets 5000
    python benchmarks/bench_mapped_sync.py --list

Fakes run in this process (a second process only for the Zendesk fake, which has one): the raw
replay shares that server, so the ratio compares like with like. Real servers (Redmine, Roundup)
are started by the tests' own fixtures' scripts. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or HERE.parent)  # the app code measured
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from helpdesk_tui.store.cache import Cache  # noqa: E402
from helpdesk_tui.sync.contract import Backend  # noqa: E402
from helpdesk_tui.sync.engine import SyncEngine  # noqa: E402

OUT = HERE / "out"


class Recorder(httpx.BaseTransport):
    """An ``httpx`` transport that sends for real and writes down each request (method, URL,
    headers) for the replay."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, str(request.url), dict(request.headers)))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()

    def mark(self) -> int:
        return len(self.sent)


@dataclass
class Setup:
    """One seeded server: how to build the backend under test (with a transport), and how to
    change ``k`` of its tickets behind the client's back."""

    backend: Callable[[httpx.BaseTransport], Backend]
    touch: Callable[[int], None]
    notes: list[str] = field(default_factory=list)


# name → (default ticket count, a context manager seeding that many tickets and yielding a Setup)
Scenario = Callable[[int], AbstractContextManager[Setup]]
SCENARIOS: dict[str, tuple[int, Scenario]] = {}


def scenario(name: str, default: int) -> Callable[[Scenario], Scenario]:
    def register(make: Scenario) -> Scenario:
        SCENARIOS[name] = (default, make)
        return make
    return register


def replay(sent: list[tuple[str, str, dict[str, str]]]) -> float:
    """Seconds to GET every recorded GET again with a plain client and parse its JSON."""
    gets = [(url, headers) for method, url, headers in sent if method == "GET"]
    started = time.perf_counter()
    with httpx.Client(timeout=60) as client:
        for url, headers in gets:
            response = client.get(url, headers=headers)
            if response.content:
                response.json()
    return time.perf_counter() - started


def measure(name: str, tickets: int, make: Scenario) -> dict[str, Any]:
    with make(tickets) as setup, tempfile.TemporaryDirectory() as tmp:
        recorder = Recorder()
        backend = setup.backend(recorder)
        cache = Cache(Path(tmp) / "bench.sqlite", "bench")
        engine = SyncEngine(cache, backend, lambda: datetime.now(UTC))
        started = time.perf_counter()
        report = engine.sync()
        sync_seconds = time.perf_counter() - started
        first = list(recorder.sent)
        synced = report.new + report.updated
        raw_seconds = replay(first)
        setup.touch(100)
        mark = recorder.mark()
        started = time.perf_counter()
        again = engine.sync()
        incremental_seconds = time.perf_counter() - started
        incremental_requests = recorder.mark() - mark
        cache.close()
        recorder.close()
    return {
        "backend": name, "tickets": synced, "problem": report.problem or again.problem,
        "sync_s": round(sync_seconds, 3), "raw_s": round(raw_seconds, 3),
        "ratio": round(raw_seconds / sync_seconds, 2) if sync_seconds else None,
        "tickets_per_s": round(synced / sync_seconds) if sync_seconds else None,
        "requests": len(first), "requests_per_ticket": round(len(first) / synced, 2) if synced else None,
        "incremental_changed": again.new + again.updated, "incremental_s": round(incremental_seconds, 3),
        "incremental_requests": incremental_requests, "notes": setup.notes,
    }


def _load_scenarios() -> dict[str, tuple[int, Scenario]]:
    """The scenarios live beside the tests' fakes and server actions (``bench_mapped_scenarios``);
    they register in the importable copy of this module, not in ``__main__``."""
    import bench_mapped_scenarios  # noqa: F401  (this folder: registers through ``scenario``)
    import bench_mapped_sync

    return bench_mapped_sync.SCENARIOS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="a scenario (repeatable)")
    parser.add_argument("--tickets", type=int, help="tickets to seed (default: each scenario's own)")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--json", default="mapped_sync.json", help="file name of the figures under benchmarks/out/")
    options = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    scenarios = _load_scenarios()
    if options.list:
        for name, (default, _) in scenarios.items():
            print(f"{name:22} {default} tickets")
        return 0
    wanted = options.only or list(scenarios)
    rows = []
    load = os.getloadavg()
    for name in wanted:
        default, make = scenarios[name]
        row = measure(name, options.tickets or default, make)
        rows.append(row)
        print(json.dumps(row), flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / options.json).write_text(json.dumps({"load": load, "rows": rows, "root": str(ROOT)}, indent=1))
    print(f"\nload average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    header = f"{'backend':22} {'tickets':>7} {'sync s':>8} {'raw s':>7} {'ratio':>6} {'t/s':>7} {'req/t':>6} " \
             f"{'incr s':>7} {'incr req':>8}"
    print(header)
    for r in rows:
        print(f"{r['backend']:22} {r['tickets']:>7} {r['sync_s']:>8} {r['raw_s']:>7} {r['ratio']!s:>6} "
              f"{r['tickets_per_s']!s:>7} {r['requests_per_ticket']!s:>6} {r['incremental_s']:>7} "
              f"{r['incremental_requests']:>8}" + (f"  ({r['problem']})" if r["problem"] else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
