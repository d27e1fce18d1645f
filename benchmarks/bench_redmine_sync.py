"""Sync figures for the Redmine mapping (generic engine) against a real Redmine 5.

    python benchmarks/bench_redmine_sync.py                 # 500 issues, 100 changed
    python benchmarks/bench_redmine_sync.py --issues 2000 --changed 100

Starts Redmine with ``scripts/servers/redmine.sh`` on a free loopback port (ROOT under
``benchmarks/out/``, stopped and removed at the end; the tests' template instance is reused
when it exists), creates the issues through the REST API, then measures:

- raw paging: ``GET /issues.json`` pages of 100 (the listing the mapping reads), nothing else;
- a full sync (``SyncEngine.pull()`` into a fresh cache): the listing plus one
  ``GET /issues/N.json?include=journals,attachments`` per issue (Redmine's listing has no
  journals), requests per synced ticket;
- an incremental sync after ``--changed`` issues got a journal: time and requests.

Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import httpx  # noqa: E402

from bench_sync import CountingTransport, free_port  # noqa: E402  (this folder)
from helpdesk_tui.store.cache import Cache  # noqa: E402
from helpdesk_tui.sync.contract import AccountSettings  # noqa: E402
from helpdesk_tui.sync.engine import SyncEngine  # noqa: E402

SCRIPT = ROOT / "scripts" / "servers" / "redmine.sh"
SHARED_TEMPLATE = ROOT / ".ci-work" / "redmine" / "template"  # the tests' (made by redmine.sh)
PROJECT = "helpdesk"


class Redmine:
    def __init__(self) -> None:
        self.port = free_port()
        self.root = OUT / f"redmine-{self.port}"
        self.env = {**os.environ, "ROOT": str(self.root), "REDMINE_PORT": str(self.port),
                    "REDMINE_TEMPLATE": str(SHARED_TEMPLATE if (SHARED_TEMPLATE / "ready").exists()
                                            else OUT / "redmine-template")}
        self.env.pop("SMOKE", None)
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = ""

    def start(self) -> float:
        started = time.perf_counter()
        done = subprocess.run(["bash", str(SCRIPT)], env=self.env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            self.stop()
            raise SystemExit(f"could not start Redmine:\n{(done.stdout + done.stderr)[-3000:]}")
        self.key = (self.root / "api-key").read_text().strip()
        return time.perf_counter() - started

    def stop(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=self.env, capture_output=True, timeout=120)
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"X-Redmine-API-Key": self.key}, timeout=120)

    def backend(self, transport: httpx.BaseTransport):
        from helpdesk_tui.sync.mappings import RedmineBackend

        account = AccountSettings(name="bench", url=self.url, user=None, token=self.key, options={"project": PROJECT})
        return RedmineBackend(account, RedmineBackend.make_client(account, transport=transport))


def kinds(by_path: dict[str, list]) -> str:
    """``issues/N.json 500 × 62 ms, issues.json 6 × 370 ms`` (each issue's path counted as one kind)."""
    merged: dict[str, list] = {}
    for path, (n, seconds) in by_path.items():
        key = "/".join("N.json" if p.removesuffix(".json").isdigit() else p for p in path.split("/"))
        kind = merged.setdefault(key, [0, 0.0])
        kind[0] += n
        kind[1] += seconds
    ordered = sorted(merged.items(), key=lambda kv: -kv[1][1])
    return ", ".join(f"{k} {n} × {s / n * 1000:.0f} ms" for k, (n, s) in ordered)


def in_parallel(fn, count: int, threads: int) -> None:
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(fn, i) for i in range(count)]:
            future.result()


def create(server: Redmine, count: int, threads: int = 1) -> float:
    """``count`` issues, each with a public and a private journal; seconds taken (one writer: SQLite
    answers concurrent writers with a 500 "database is locked")."""
    local = threading.local()
    started = time.perf_counter()

    def one(n: int) -> None:
        if not hasattr(local, "http"):
            local.http = server.client()
        http = local.http
        answer = http.post("/issues.json", json={"issue": {
            "project_id": PROJECT, "subject": f"Benchmark issue {n}: printer on floor {n % 9} jams",
            "description": f"Hello,\n\nissue {n} of the sync benchmark: something is broken again.\n\nThanks",
            "priority_id": n % 5 + 1}})
        assert answer.status_code == 201, answer.text[:200]
        number = answer.json()["issue"]["id"]
        for notes, private in ((f"Looking into it ({n}).", False), (f"Seen before on floor {n % 9}.", True)):
            put = http.put(f"/issues/{number}.json", json={"issue": {"notes": notes, "private_notes": private}})
            assert put.status_code == 204, put.text[:200]

    in_parallel(one, count, threads)
    return time.perf_counter() - started


def raw_paging(server: Redmine, *, journals: bool = False) -> tuple[float, int, int]:
    """The listing alone, as the mapping asks for it (and with ``journals`` each issue's
    journals too, the least any client of this API reads): (seconds, requests, issues)."""
    transport = CountingTransport()
    started = time.perf_counter()
    seen = offset = 0
    with httpx.Client(base_url=server.url, headers={"X-Redmine-API-Key": server.key}, transport=transport,
                      timeout=120) as http:
        while True:
            page = http.get("/issues.json", params={"project_id": PROJECT, "status_id": "*",
                                                    "sort": "updated_on:asc,id:asc", "offset": offset,
                                                    "limit": 100}).json()
            seen += len(page["issues"])
            offset += len(page["issues"])
            for issue in page["issues"] if journals else ():
                http.get(f"/issues/{issue['id']}.json", params={"include": "journals,attachments"}).json()
            if not page["issues"] or offset >= page["total_count"]:
                break
    return time.perf_counter() - started, transport.requests, seen


def sync(server: Redmine, cache: Cache) -> tuple[float, int, int, str]:
    """One pull into ``cache``: (seconds, requests, tickets applied, requests by kind)."""
    transport = CountingTransport()
    engine = SyncEngine(cache, server.backend(transport), lambda: datetime.now(UTC))
    started = time.perf_counter()
    report = engine.pull()
    seconds = time.perf_counter() - started
    assert report.problem is None, report.problem
    return seconds, transport.requests, report.new + report.updated, kinds(transport.by_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=500)
    parser.add_argument("--changed", type=int, default=100)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    server = Redmine()
    try:
        print(f"Redmine started in {server.start():.1f} s on {server.url}", flush=True)
        print(f"created {args.issues} issues (+2 journals each) in {create(server, args.issues):.1f} s", flush=True)
        raw_s, raw_n, raw_issues = raw_paging(server)
        print(f"raw paging: {raw_issues} issues in {raw_n} requests, {raw_s:.2f} s "
              f"({raw_issues / raw_s:.0f} issues/s)", flush=True)
        both_s, both_n, _ = raw_paging(server, journals=True)
        print(f"raw paging + each issue's journals: {both_n} requests, {both_s:.2f} s "
              f"({raw_issues / both_s:.0f} issues/s)", flush=True)
        folder = Path(tempfile.mkdtemp(prefix="redmine-sync-", dir=OUT))
        cache = Cache(folder / "cache.sqlite", "bench")
        full_s, full_n, full_t, full_k = sync(server, cache)
        print(f"full sync: {full_t} tickets in {full_n} requests, {full_s:.2f} s ({full_t / full_s:.0f} tickets/s, "
              f"{full_n / max(full_t, 1):.2f} requests per ticket; raw listing is {raw_s / full_s:.0%} of it, "
              f"raw listing + journals {both_s / full_s:.0%})\n"
              f"   {full_k}", flush=True)
        with server.client() as http:
            ids = [i["id"] for i in http.get("/issues.json", params={
                "project_id": PROJECT, "status_id": "*", "sort": "id:asc", "limit": args.changed}).json()["issues"]]
            time.sleep(1.1)  # out of the second the full sync ended in (Redmine stamps whole seconds)
            for number in ids:
                http.put(f"/issues/{number}.json", json={"issue": {"notes": "A change for the incremental sync."}})
        inc_s, inc_n, inc_t, inc_k = sync(server, cache)
        print(f"incremental sync: {inc_t} changed tickets in {inc_n} requests, {inc_s:.2f} s\n   {inc_k}", flush=True)
        again_s, again_n, again_t, _ = sync(server, cache)
        print(f"sync with nothing changed: {again_t} tickets in {again_n} requests, {again_s:.2f} s", flush=True)
        cache.close()
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
