"""Roundup figures: the mapping's initial sync against raw paging of the same REST API, requests
per synced ticket, and an incremental sync of 100 changed issues, against a real Roundup 2.

    python benchmarks/bench_roundup.py                  # 300 issues
    python benchmarks/bench_roundup.py --issues 1000 --json benchmarks/out/roundup.json

Starts Roundup with ``scripts/servers/roundup.sh`` on a free loopback port (ROOT under
``benchmarks/out/``, stopped and removed at the end), opens the issues through REST (one
customer's message each), then measures: raw paging of ``/rest/data/issue`` with the same
fields and page size as the mapping (a plain ``httpx.Client``); ``SyncEngine.pull()`` with
``fetch_threads=False`` (the ticket feed alone) against that; the same listing plus one msgs
request per issue with a plain client against ``SyncEngine.pull()`` with threads (the app's
default), into fresh caches; then a message added to 100 issues and an incremental pull.
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from helpdesk_tui.store.cache import Cache  # noqa: E402
from helpdesk_tui.sync.contract import AccountSettings  # noqa: E402
from helpdesk_tui.sync.engine import SyncEngine  # noqa: E402

SCRIPT = ROOT / "scripts" / "servers" / "roundup.sh"
FIELDS = "title,status,priority,assignedto,creator,creation,activity,messages"  # the mapping's @fields
PAGE = 100


class CountingTransport(httpx.BaseTransport):
    """Counts the requests a client sends, by kind of path (``data/msg/N``)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.requests = 0
        self.by_kind: dict[str, int] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        parts = [p for p in request.url.path.split("/") if p]
        kind = "/".join("N" if p.isdigit() else p for p in parts[parts.index("rest") + 1:] if "rest" in parts)
        with self._lock:
            self.requests += 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        return response

    def close(self) -> None:
        self.inner.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self) -> None:
        port = free_port()
        self.root = OUT / f"roundup-{port}"
        self.env = {**os.environ, "ROOT": str(self.root), "ROUNDUP_PORT": str(port)}
        started = time.perf_counter()
        done = subprocess.run(["bash", str(SCRIPT)], env=self.env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            self.stop()
            raise SystemExit(f"could not start Roundup (exit {done.returncode}):\n{done.stderr[-2000:]}")
        self.start_seconds = time.perf_counter() - started
        self.origin = f"http://127.0.0.1:{port}"
        self.password = (self.root / "admin-pw").read_text().strip()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.origin + "/helpdesk/rest", auth=("admin", self.password), timeout=60,
                            headers={"X-Requested-With": "rest", "Origin": self.origin, "Accept": "*/*"})

    def stop(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=self.env, capture_output=True, timeout=120)
        shutil.rmtree(self.root, ignore_errors=True)


def post(http: httpx.Client, path: str, **fields: Any) -> str:
    response = http.post(path, json=fields)
    assert response.status_code == 201, response.text[:300]
    return str(response.json()["data"]["id"])


def open_issues(server: Server, count: int) -> list[str]:
    with server.client() as http:
        post(http, "/data/user", username="bench-customer", password="bench-pw-1", address="bench@example.com",
             roles="User")
        numbers = []
        for n in range(count):
            message = post(http, "/data/msg", content=f"Issue {n}: the printer is offline.", author="bench-customer",
                           date=".")
            numbers.append(post(http, "/data/issue", title=f"Printer offline {n}", messages=[message]))
        return numbers


def raw_paging(server: Server) -> dict[str, Any]:
    transport = CountingTransport()
    started = time.perf_counter()
    seen = 0
    with httpx.Client(base_url=server.origin + "/helpdesk/rest", auth=("admin", server.password),
                      transport=transport, timeout=60) as http:
        for index in range(1, 10_000):
            page = http.get("/data/issue", params={"@fields": FIELDS, "@verbose": 2, "@sort": "activity",
                                                   "@page_size": PAGE, "@page_index": index}).json()["data"]
            seen += len(page["collection"])
            if len(page["collection"]) < PAGE:
                break
    seconds = time.perf_counter() - started
    return {"tickets": seen, "seconds": seconds, "rate": seen / seconds, "requests": transport.requests}


def raw_threads(server: Server) -> dict[str, Any]:
    """The listing, then each issue's msgs in one request (as the mapping reads them), parsed."""
    transport = CountingTransport()
    started = time.perf_counter()
    issues = msgs = 0
    with httpx.Client(base_url=server.origin + "/helpdesk/rest", auth=("admin", server.password),
                      transport=transport, timeout=60) as http:
        for index in range(1, 10_000):
            page = http.get("/data/issue", params={"@fields": FIELDS, "@verbose": 2, "@sort": "activity",
                                                   "@page_size": PAGE, "@page_index": index}).json()["data"]
            for issue in page["collection"]:
                ids = [m["id"] for m in issue["messages"]]
                found = http.get("/data/msg", params=[("id", i) for i in ids] + [
                    ("@fields", "author,content,date,files"), ("@verbose", "3"), ("@sort", "id"),
                    ("@page_size", str(PAGE)), ("@page_index", "1")]).json()["data"]["collection"]
                issues, msgs = issues + 1, msgs + len(found)
            if len(page["collection"]) < PAGE:
                break
    seconds = time.perf_counter() - started
    return {"tickets": issues, "messages": msgs, "seconds": seconds, "rate": issues / seconds,
            "requests": transport.requests}


def backend(server: Server, transport: CountingTransport) -> Any:
    from helpdesk_tui.sync.mappings import RoundupBackend

    account = AccountSettings(name="bench", url=server.origin + "/helpdesk", user="admin", token=server.password)
    return RoundupBackend(account, RoundupBackend.make_client(account, transport=transport))


def sync(server: Server, fetch_threads: bool, cache: Cache | None = None) -> tuple[dict[str, Any], Cache]:
    if cache is None:
        cache = Cache(Path(tempfile.mkdtemp(prefix="roundup-", dir=OUT)) / "cache.sqlite", "bench")
    transport = CountingTransport()
    engine = SyncEngine(cache, backend(server, transport), lambda: datetime.now(UTC), fetch_threads=fetch_threads)
    started = time.perf_counter()
    report = engine.pull()
    seconds = time.perf_counter() - started
    assert report.problem is None, report.problem
    tickets = report.new + report.updated
    return ({"tickets": tickets, "seconds": seconds, "rate": tickets / seconds if seconds else 0.0,
             "requests": transport.requests, "per_ticket": transport.requests / max(tickets, 1),
             "by_kind": transport.by_kind}, cache)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=300)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    server = Server()
    figures: dict[str, Any] = {"start_seconds": server.start_seconds}
    try:
        started = time.perf_counter()
        numbers = open_issues(server, args.issues)
        print(f"Roundup up in {server.start_seconds:.1f} s; {len(numbers)} issues opened in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        figures["raw"] = raw = raw_paging(server)
        print(f"raw paging: {raw['tickets']} issues in {raw['seconds']:.2f} s = {raw['rate']:,.0f}/s "
              f"({raw['requests']} requests)", flush=True)
        feed, _ = sync(server, fetch_threads=False)
        figures["feed"] = feed
        print(f"sync, feed only: {feed['tickets']} in {feed['seconds']:.2f} s = {feed['rate']:,.0f}/s, "
              f"ratio to raw {feed['rate'] / raw['rate']:.2f}, {feed['per_ticket']:.2f} requests/ticket "
              f"{feed['by_kind']}", flush=True)
        figures["raw_threads"] = raw_t = raw_threads(server)
        print(f"raw listing + one msgs request per issue: {raw_t['tickets']} issues ({raw_t['messages']} msgs) "
              f"in {raw_t['seconds']:.2f} s = {raw_t['rate']:,.0f}/s ({raw_t['requests']} requests)", flush=True)
        full, cache = sync(server, fetch_threads=True)
        figures["full"] = full
        print(f"sync with threads: {full['tickets']} in {full['seconds']:.2f} s = {full['rate']:,.0f}/s, "
              f"ratio to raw {full['rate'] / raw_t['rate']:.2f}, {full['per_ticket']:.2f} requests/ticket "
              f"{full['by_kind']}", flush=True)
        time.sleep(1.1)  # Roundup's activity counts whole seconds: the changes come after the cursor's second
        with server.client() as http:
            for number in numbers[: args.changes]:
                message = post(http, "/data/msg", content=f"Still offline ({number}).", author="bench-customer",
                               date=".")
                etag = http.get(f"/data/issue/{number}").json()["data"]["@etag"]
                response = http.patch(f"/data/issue/{number}", json={"@op": "add", "messages": [message]},
                                      headers={"If-Match": etag})
                assert response.status_code == 200, response.text[:300]
        figures["incremental"] = inc = sync(server, fetch_threads=True, cache=cache)[0]
        print(f"incremental sync of {args.changes} changed issues: {inc['tickets']} in {inc['seconds']:.2f} s, "
              f"{inc['requests']} requests {inc['by_kind']}", flush=True)
    finally:
        server.stop()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
