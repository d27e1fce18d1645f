"""Sync figures: RT initial sync vs its raw REST API, an incremental sync, a 100k-ticket Zendesk feed.

Initial sync throughput against a real Request Tracker 5, side by side with the raw speed of paging
its REST API with the same page size; an incremental sync of 100 changed tickets; the sync of a
100,000-ticket fake Zendesk feed (tickets/s, peak RSS).

    python benchmarks/bench_sync.py                           # both parts (RT: 2,000 tickets, ~8 min)
    python benchmarks/bench_sync.py --only rt --rt-tickets 500
    python benchmarks/bench_sync.py --only zendesk --zendesk-tickets 100000
    python benchmarks/bench_sync.py --only zendesk --zendesk-mapped   # and Zendesk as a mapping, side by side
    python benchmarks/bench_sync.py --profile                 # also pyinstrument profiles in benchmarks/out/

RT: starts the real RT 5 with ``scripts/servers/rt5.sh`` on a free loopback port (ROOT under
``benchmarks/out/``, stopped and removed at the end), creates the tickets through REST2, then
measures: raw paging of the feed's search (same fields, same page size) with a plain
``httpx.Client``; ``SyncEngine(fetch_threads=False).pull()`` into a fresh cache, and the ratio;
the same with ``fetch_threads=True``; an incremental pull after 100 tickets got a reply.
Zendesk: the faithful fake in its own process, pulled from a child process (so its peak RSS is
the sync's own), next to the raw paging of the same export. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or HERE.parent)  # the app code measured
OUT = HERE / "out"
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from helpdesk_tui.store.cache import Cache  # noqa: E402
from helpdesk_tui.sync.backends import rt_map  # noqa: E402
from helpdesk_tui.sync.contract import AccountSettings  # noqa: E402
from helpdesk_tui.sync.engine import SyncEngine  # noqa: E402
from figure_table import print_table  # noqa: E402  (this folder: the script's own)

RT_SCRIPT = ROOT / "scripts" / "servers" / "rt5.sh"
RT_PASSWORD = "password-for-ci"  # the same as tests/server_rt.py, so the template database is shared
RT_SHARED_TEMPLATE = ROOT / ".ci-work" / "rt" / "rt5-template"  # the tests' (made by rt5.sh)
RT_TARGET_RATIO = 0.8
RSS_BUDGET_MB = 250  # the app's peak RSS target (the UI syncs in the app's own process)
ZENDESK_EMAIL, ZENDESK_TOKEN = "agent@example.com", "fake-api-token"


# --------------------------------------------------------------------------- plumbing

class CountingTransport(httpx.BaseTransport):
    """Counts requests and the time spent waiting for them (answer read in full), optionally recording them."""

    def __init__(self, record: bool = False) -> None:
        self.inner = httpx.HTTPTransport()
        self.requests = 0
        self.seconds = 0.0
        self.bytes = 0
        self.by_path: dict[str, list] = {}  # kind of path → [requests, seconds]
        self.recorded: list[tuple[str, str, list[tuple[str, str]], bytes]] | None = [] if record else None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        response = self.inner.handle_request(request)
        body = response.read()
        spent = time.perf_counter() - start
        key = _path_kind(request.url.path)
        with self._lock:
            self.requests += 1
            self.seconds += spent
            self.bytes += len(body)
            kind = self.by_path.setdefault(key, [0, 0.0])
            kind[0] += 1
            kind[1] += spent
            if self.recorded is not None:
                self.recorded.append((request.method, str(request.url), list(request.headers.multi_items()),
                                      request.read()))
        return response

    def close(self) -> None:
        self.inner.close()


def _path_kind(path: str) -> str:
    """``/REST/2.0/ticket/12/history`` → ``ticket/N/history`` (for the per-kind request counts)."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["REST", "2.0"]:
        parts = parts[2:]
    return "/".join("N" if p.isdigit() else p for p in parts)


def kinds(by_path: dict[str, list]) -> str:
    """``history 100 × 31 ms, tickets 5 × 40 ms`` from a transport's ``by_path``."""
    ordered = sorted(by_path.items(), key=lambda kv: -kv[1][1])
    return ", ".join(f"{k} {n} × {s / n * 1000:.0f} ms" for k, (n, s) in ordered)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def vm_status() -> dict[str, int]:
    """VmHWM / VmRSS of this process in kB."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return out


def fresh_cache(tag: str) -> tuple[Cache, Path]:
    folder = Path(tempfile.mkdtemp(prefix=f"sync-{tag}-", dir=OUT))
    return Cache(folder / "cache.sqlite", "bench"), folder


def now() -> datetime:
    return datetime.now(UTC)


def profiled(enabled: bool, path: Path):
    """A context manager: pyinstrument around the block when ``enabled`` (its text report goes to ``path``)."""
    class _Profile:
        def __enter__(self):
            self.profiler = None
            if enabled:
                from pyinstrument import Profiler  # installed in the dev venv, not a dependency
                self.profiler = Profiler(interval=0.001)
                self.profiler.start()
            return self

        def __exit__(self, *exc):
            if self.profiler is not None:
                self.profiler.stop()
                path.write_text(self.profiler.output_text(unicode=True, color=False, show_all=False))
                print(f"   profile: {path}", flush=True)
            return False
    return _Profile()


# --------------------------------------------------------------------------- Request Tracker

class RtServer:
    """scripts/servers/rt5.sh with a ROOT of our own under benchmarks/out/ (or an RT given by URL)."""

    def __init__(self, workers: int, url: str | None = None, token: str | None = None) -> None:
        self.external = url is not None
        self.url = url or ""
        self.token = token or ""
        self.workers = workers
        self.root: Path | None = None
        self.env: dict[str, str] = {}
        self.start_seconds = 0.0

    def start(self) -> None:
        if self.external:
            return
        port = free_port()
        self.root = OUT / f"rt-{port}"
        template = RT_SHARED_TEMPLATE if (RT_SHARED_TEMPLATE / "ready").exists() else OUT / "rt5-template"
        self.env = {**os.environ, "ROOT": str(self.root), "RT_PORT": str(port), "RT_ROOT_PASS": RT_PASSWORD,
                    "RT_TEMPLATE": str(template), "RT_WORKERS": str(self.workers)}
        self.env.pop("SMOKE", None)
        started = time.perf_counter()
        done = subprocess.run(["bash", str(RT_SCRIPT)], env=self.env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            self.stop()
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
            raise SystemExit(f"could not start Request Tracker with {RT_SCRIPT} (exit {done.returncode}):\n{tail}")
        self.start_seconds = time.perf_counter() - started
        self.url = f"http://127.0.0.1:{port}"
        self.token = (self.root / "rt5" / "root-token").read_text().strip()

    def stop(self) -> None:
        if self.external or self.root is None:
            return
        subprocess.run(["bash", str(RT_SCRIPT), "stop"], env=self.env, capture_output=True, timeout=120)
        for _ in range(3):  # a worker still exiting may recreate a file as we go
            shutil.rmtree(self.root, ignore_errors=True)
            if not self.root.exists():
                break
            time.sleep(0.5)
        self.root = None

    @property
    def api(self) -> str:
        return self.url + "/REST/2.0"

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.api, headers={"Authorization": f"token {self.token}"}, timeout=120, **kw)

    def account(self) -> AccountSettings:
        return AccountSettings(name="bench", url=self.url, user=None, token=self.token)

    def backend(self, per_page: int, transport: httpx.BaseTransport | None = None):
        from helpdesk_tui.sync.backends.rt import RequestTrackerBackend, make_client

        account = self.account()
        return RequestTrackerBackend(account, make_client(account, transport=transport), per_page=per_page)


SUBJECTS = ("Printer on floor {f} jams", "VPN drops every {f} minutes", "Invoice {n} is wrong",
            "Password reset for account {n}", "Mailbox full on {f}", "Laptop {n} will not boot")


def in_parallel(fn, count: int, threads: int) -> None:
    """``fn(0..count-1)`` on ``threads`` threads; an error or Ctrl-C drops what has not started yet."""
    pool = ThreadPoolExecutor(threads)
    try:
        for future in [pool.submit(fn, i) for i in range(count)]:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def rt_ticket_count(server: RtServer) -> int:
    with server.client() as http:
        data = http.get("/tickets", params={"query": "id > 0", "per_page": 1, "fields": "id"}).json()
    return int(data.get("total") or data.get("count") or 0)


def rt_create(server: RtServer, count: int, threads: int, first: int = 0) -> float:
    """``count`` tickets through REST2 POST /ticket, ``threads`` at a time; returns seconds."""
    clients = [server.client() for _ in range(threads)]
    done = [0]
    lock = threading.Lock()
    started = time.perf_counter()

    def one(i: int) -> None:
        n = first + i
        data = {"Queue": "General", "Subject": SUBJECTS[n % len(SUBJECTS)].format(f=n % 9 + 1, n=n),
                "Requestor": f"customer{n % 300}@example.com",
                "Content": f"Hello,\n\nticket {n} of the sync benchmark: something is broken again.\n\nThanks",
                "ContentType": "text/plain", "Priority": (n * 7) % 100}
        response = clients[i % threads].post("/ticket", json=data)
        if response.status_code != 201:
            raise RuntimeError(f"POST /ticket answered {response.status_code}: {response.text[:200]}")
        with lock:
            done[0] += 1
            if done[0] % 250 == 0:
                rate = done[0] / (time.perf_counter() - started)
                print(f"   created {done[0]:,}/{count:,} ({rate:.1f}/s)", flush=True)

    try:
        in_parallel(one, count, threads)
    finally:
        for c in clients:
            c.close()
    return time.perf_counter() - started


def rt_reply_to(server: RtServer, numbers: list[int], threads: int) -> float:
    clients = [server.client() for _ in range(threads)]
    started = time.perf_counter()

    def one(i: int) -> None:
        response = clients[i % threads].post(f"/ticket/{numbers[i]}/correspond", json={
            "Content": f"Any news on this? (change {i} of the incremental benchmark)", "ContentType": "text/plain"})
        if response.status_code not in (200, 201):
            raise RuntimeError(f"correspond answered {response.status_code}: {response.text[:200]}")

    try:
        in_parallel(one, len(numbers), threads)
    finally:
        for c in clients:
            c.close()
    return time.perf_counter() - started


def rt_raw_paging(server: RtServer, per_page: int) -> dict[str, Any]:
    """The feed's first query (``id > 0``, same order, fields and page size) paged by ``page=N``."""
    tickets, pages, page_times = 0, 0, []
    started = time.perf_counter()
    with server.client() as http:
        while True:
            t0 = time.perf_counter()
            params = [("query", "id > 0"), ("orderby", "LastUpdated"), ("orderby", "id"), ("order", "ASC"),
                      ("order", "ASC"), ("per_page", per_page), ("page", pages + 1), *rt_map.TICKET_PARAMS.items()]
            response = http.get("/tickets", params=params)
            response.raise_for_status()
            items = response.json()["items"]
            page_times.append(time.perf_counter() - t0)
            tickets += len(items)
            pages += 1
            if len(items) < per_page:
                break
    seconds = time.perf_counter() - started
    return {"tickets": tickets, "pages": pages, "seconds": seconds, "rate": tickets / seconds,
            "page_ms": statistics.median(page_times) * 1000}


def replay(recorded: list) -> dict[str, Any]:
    """The exact requests a sync made, again, with a plain httpx.Client + JSON parse (no mapping, no SQLite)."""
    started = time.perf_counter()
    with httpx.Client(timeout=120) as http:
        for method, url, headers, content in recorded:
            headers = [(k, v) for k, v in headers if k.lower() not in ("host", "content-length")]
            http.request(method, url, headers=headers, content=content or None).json()
    return {"requests": len(recorded), "seconds": time.perf_counter() - started}


def rt_sync(server: RtServer, per_page: int, fetch_threads: bool, tag: str, *, cache: Cache | None = None,
            record: bool = False, profile: Path | None = None) -> dict[str, Any]:
    """One ``SyncEngine.pull()``: into a fresh cache, or ``cache`` (its stored cursor) for an incremental pull."""
    transport = CountingTransport(record=record)
    backend = server.backend(per_page, transport)
    folder = None
    if cache is None:
        cache, folder = fresh_cache(tag)
    engine = SyncEngine(cache, backend, now, fetch_threads=fetch_threads)
    started = time.perf_counter()
    with profiled(profile is not None, profile or Path()):
        report = engine.pull()
    seconds = time.perf_counter() - started
    backend.client.close()
    pulled = report.pulled
    with cache.connection() as conn:
        messages = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        in_cache = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    return {"tickets": pulled.tickets, "pages": pulled.pages, "new": report.new, "updated": report.updated,
            "seconds": seconds, "rate": pulled.tickets / seconds if seconds else 0.0,
            "requests": transport.requests, "http_seconds": transport.seconds, "bytes": transport.bytes,
            "by_path": transport.by_path, "messages_in_cache": messages, "tickets_in_cache": in_cache,
            "cache": cache, "folder": folder, "recorded": transport.recorded}


def run_rt(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    server = RtServer(args.rt_workers, args.rt_url, args.rt_token)
    folders: list[Path] = []
    try:
        print(f"\n== Request Tracker: {'external ' + server.url if server.external else 'starting rt5.sh'}",
              flush=True)
        server.start()
        with server.client() as http:
            version = http.get("/rt").json().get("Version")
        print(f"   RT {version} on {server.url} ({server.workers} Starlet workers)"
              + (f", started in {server.start_seconds:.1f} s" if not server.external else ""), flush=True)
        existing = rt_ticket_count(server)
        missing = max(0, args.rt_tickets - existing)
        created = {"tickets": missing, "seconds": 0.0, "threads": args.rt_create_threads, "existing": existing}
        if missing:
            print(f"   creating {missing:,} tickets (REST2 POST /ticket, {args.rt_create_threads} threads)…",
                  flush=True)
            created["seconds"] = rt_create(server, missing, args.rt_create_threads, first=existing)
            print(f"   created {missing:,} tickets in {created['seconds']:.1f} s "
                  f"({missing / created['seconds']:.1f}/s)", flush=True)
        total = rt_ticket_count(server)
        figures["rt"] = rt = {"version": version, "workers": server.workers, "tickets": total, "created": created,
                              "per_page": args.rt_page_size}
        time.sleep(2.1)  # the last second is over on the server: the first pull can take every ticket

        print("   warm-up: one raw pass (untimed)", flush=True)
        rt_raw_paging(server, args.rt_page_size)
        raws, syncs, replays = [], [], []
        for i in range(args.repeats):
            raw = rt_raw_paging(server, args.rt_page_size)
            raws.append(raw)
            sync = rt_sync(server, args.rt_page_size, False, "rt-nothreads", record=True,
                           profile=OUT / "profile-rt-sync.txt" if args.profile and i == args.repeats - 1 else None)
            folders.append(sync["folder"])
            rep = replay(sync.pop("recorded"))
            replays.append(rep)
            syncs.append(sync)
            print(f"   run {i + 1}: raw paging {raw['rate']:,.0f} tickets/s ({raw['pages']} pages, "
                  f"{raw['page_ms']:.0f} ms/page) · sync {sync['rate']:,.0f} tickets/s ({sync['tickets']:,} tickets, "
                  f"{sync['requests']} requests, {sync['http_seconds']:.2f} of {sync['seconds']:.2f} s waiting "
                  f"for HTTP) · replay of its requests {rep['seconds']:.2f} s", flush=True)
        rt["raw"] = {"rate": statistics.median(r["rate"] for r in raws), "runs": raws}
        rt["sync"] = {"rate": statistics.median(s["rate"] for s in syncs),
                      "runs": [{k: v for k, v in s.items() if k not in ("cache", "folder")} for s in syncs]}
        rt["replay"] = {"seconds": statistics.median(r["seconds"] for r in replays), "runs": replays}
        rt["ratio"] = rt["sync"]["rate"] / rt["raw"]["rate"]
        seconds = statistics.median(s["seconds"] for s in syncs)
        rt["sync_vs_replay"] = rt["replay"]["seconds"] / seconds
        last_plain = syncs[-1]

        print("   sync with fetch_threads=True (the app's default: ~3 requests per ticket on RT)…", flush=True)
        threaded = rt_sync(server, args.rt_page_size, True, "rt-threads",
                           profile=OUT / "profile-rt-sync-threads.txt" if args.profile else None)
        folders.append(threaded["folder"])
        rt["threads"] = {k: v for k, v in threaded.items() if k not in ("cache", "folder", "recorded")}
        print(f"   fetch_threads=True: {threaded['rate']:,.1f} tickets/s ({threaded['tickets']:,} tickets, "
              f"{threaded['messages_in_cache']:,} messages, {threaded['requests']:,} requests = "
              f"{threaded['requests'] / max(1, threaded['tickets']):.1f}/ticket, {threaded['seconds']:.1f} s: "
              f"{kinds(threaded['by_path'])})", flush=True)

        with last_plain["cache"].connection() as conn:  # evenly spread over what the sync took
            remote = sorted(int(r) for (r,) in conn.execute("SELECT remote_id FROM tickets"))
        count = min(args.changed, len(remote))
        numbers = sorted({remote[(i * len(remote)) // count] for i in range(count)}) if count else []
        print(f"   replying to {len(numbers)} tickets (REST2 correspond)…", flush=True)
        changed_seconds = rt_reply_to(server, numbers, args.rt_create_threads)
        time.sleep(2.1)
        inc_plain = rt_sync(server, args.rt_page_size, False, "", cache=last_plain["cache"])
        inc_threads = rt_sync(server, args.rt_page_size, True, "", cache=threaded["cache"])
        rt["incremental"] = {"changed": len(numbers), "change_seconds": changed_seconds,
                             "plain": {k: v for k, v in inc_plain.items() if k not in ("cache", "folder", "recorded")},
                             "threads": {k: v for k, v in inc_threads.items()
                                         if k not in ("cache", "folder", "recorded")}}
        for label, inc in (("fetch_threads=False", inc_plain), ("fetch_threads=True", inc_threads)):
            print(f"   incremental, {label}: {inc['tickets']} tickets in {inc['seconds']:.2f} s, "
                  f"{inc['requests']} requests ({kinds(inc['by_path'])})",
                  flush=True)
        for s in syncs:
            s["cache"].close()
        threaded["cache"].close()
    finally:
        server.stop()
        for folder in folders:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        if not server.external:
            print("   RT stopped", flush=True)


# --------------------------------------------------------------------------- Zendesk

def zendesk_child(args: argparse.Namespace) -> None:
    """In a process of its own: raw paging or a SyncEngine pull of the fake's export; prints JSON."""
    from helpdesk_tui.sync.backends.zendesk import EXPORT, SIDELOADS, ZendeskBackend, make_client

    account = AccountSettings(name="bench", url=args.zendesk_child_url, user=ZENDESK_EMAIL, token=ZENDESK_TOKEN)
    before = vm_status()
    start_usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = start_usage.ru_utime + start_usage.ru_stime
    result: dict[str, Any] = {"rss_before_kb": before.get("VmRSS")}
    if args.zendesk_child == "raw":
        headers = {"Accept": "application/json"}
        tickets = pages = 0
        started = time.perf_counter()
        with httpx.Client(base_url=args.zendesk_child_url, headers=headers, auth=ZendeskBackend.auth(account),
                          timeout=120) as http:
            params: dict[str, Any] = {"per_page": args.zendesk_page_size, "include": SIDELOADS, "start_time": 0}
            while True:
                data = http.get(EXPORT, params=params).json()
                tickets += len(data["tickets"])
                pages += 1
                if data.get("end_of_stream", True):
                    break
                params = {"per_page": args.zendesk_page_size, "include": SIDELOADS, "cursor": data["after_cursor"]}
        seconds = time.perf_counter() - started
        result.update(tickets=tickets, pages=pages, seconds=seconds)
    else:
        transport = CountingTransport()
        backend: Any
        if args.zendesk_child == "sync-mapped":  # Zendesk as a mapping (sync/mappings/zendesk.yaml)
            from helpdesk_tui.sync.mappings import ZendeskMappedBackend

            account = AccountSettings(name="bench", url=args.zendesk_child_url, user=ZENDESK_EMAIL,
                                      token=ZENDESK_TOKEN, options={"page_size": str(args.zendesk_page_size)})
            backend = ZendeskMappedBackend(account, ZendeskMappedBackend.make_client(account, transport=transport))
        else:
            backend = ZendeskBackend(account, make_client(account, transport=transport),
                                     page_size=args.zendesk_page_size)
        cache = Cache(Path(args.zendesk_child_cache), "bench")
        engine = SyncEngine(cache, backend, now, fetch_threads=False)
        started = time.perf_counter()
        with profiled(args.profile, OUT / "profile-zendesk-sync.txt"):
            report = engine.pull()
        seconds = time.perf_counter() - started
        cache.close()
        result.update(tickets=report.pulled.tickets, pages=report.pulled.pages, seconds=seconds,
                      requests=transport.requests, http_seconds=transport.seconds, bytes=transport.bytes,
                      new=report.new)
    status = vm_status()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU seconds of the child (all its threads; cpu_before: at the start): on a machine shared with
    # other work the wall time swings with the load, the CPU time much less.
    result.update(cpu_seconds=usage.ru_utime + usage.ru_stime, cpu_before=cpu_before)
    result.update(vm_hwm_kb=status.get("VmHWM"), vm_rss_kb=status.get("VmRSS"),
                  ru_maxrss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print(json.dumps(result), flush=True)


def run_child(mode: str, url: str, args: argparse.Namespace, cache: Path | None = None) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--zendesk-child", mode, "--zendesk-child-url", url,
               "--zendesk-page-size", str(args.zendesk_page_size)]
    if cache is not None:
        command += ["--zendesk-child-cache", str(cache)]
    if args.profile:
        command.append("--profile")
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the {mode} child failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_zendesk(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    from tests.fakes.zendesk_process import fake_zendesk_process

    n = args.zendesk_tickets
    print(f"\n== Zendesk: the fake in its own process with {n:,} bulk tickets", flush=True)
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="sync-zendesk-", dir=OUT))
    try:
        with fake_zendesk_process(bulk=n, email=ZENDESK_EMAIL, token=ZENDESK_TOKEN,
                                  page_size=args.zendesk_page_size) as url:
            print(f"   fake up on {url} in {time.perf_counter() - started:.1f} s", flush=True)
            run_child("raw", url, args)  # warm-up (the fake's template caches), untimed
            raw = run_child("raw", url, args)
            print(f"   raw paging: {raw['tickets']:,} tickets in {raw['seconds']:.1f} s = "
                  f"{raw['tickets'] / raw['seconds']:,.0f} tickets/s ({raw['pages']} pages; "
                  f"CPU {raw['cpu_seconds'] - raw['cpu_before']:.1f} s; peak RSS "
                  f"{raw['vm_hwm_kb'] / 1024:.0f} MB)", flush=True)
            sync = run_child("sync", url, args, folder / "cache.sqlite")
            print(f"   sync (fetch_threads=False): {sync['tickets']:,} tickets in {sync['seconds']:.1f} s = "
                  f"{sync['tickets'] / sync['seconds']:,.0f} tickets/s ({sync['pages']} pages, "
                  f"{sync['http_seconds']:.1f} s waiting for HTTP; CPU {sync['cpu_seconds'] - sync['cpu_before']:.1f} s); "
                  f"peak RSS {sync['vm_hwm_kb'] / 1024:.0f} MB "
                  f"(ru_maxrss {sync['ru_maxrss_kb'] / 1024:.0f} MB; {sync['rss_before_kb'] / 1024:.0f} MB "
                  f"after imports)", flush=True)
            mapped = None
            if args.zendesk_mapped:
                mapped = run_child("sync-mapped", url, args, folder / "mapped.sqlite")
                print(f"   sync as a mapping (zendesk-mapped): {mapped['tickets']:,} tickets in "
                      f"{mapped['seconds']:.1f} s = {mapped['tickets'] / mapped['seconds']:,.0f} tickets/s "
                      f"({mapped['pages']} pages, {mapped['http_seconds']:.1f} s waiting for HTTP; "
                      f"CPU {mapped['cpu_seconds'] - mapped['cpu_before']:.1f} s); peak RSS "
                      f"{mapped['vm_hwm_kb'] / 1024:.0f} MB", flush=True)
        db = folder / "cache.sqlite"
        size = sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())
        figures["zendesk"] = {"tickets": n, "page_size": args.zendesk_page_size, "raw": raw, "sync": sync,
                              "cache_bytes": size, "raw_rate": raw["tickets"] / raw["seconds"],
                              "sync_rate": sync["tickets"] / sync["seconds"]}
        if mapped is not None:
            figures["zendesk"].update(sync_mapped=mapped, sync_mapped_rate=mapped["tickets"] / mapped["seconds"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- table

def table(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = [("figure", "value", "target", "")]

    def add(what: str, figure: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((what, figure, target, "" if ok is None else ("ok" if ok else "MISSED")))

    rt = figures.get("rt")
    if rt:
        c = rt["created"]
        add(f"RT {rt['version']}: tickets on the server", f"{rt['tickets']:,}"
            + (f" ({c['tickets']:,} created in {c['seconds']:.0f} s = {c['tickets'] / c['seconds']:.1f}/s, "
               f"POST /ticket × {c['threads']} threads)" if c["tickets"] else ""))
        raw = rt["raw"]["runs"]
        add(f"RT raw paging, per_page {rt['per_page']} (plain httpx + JSON)",
            f"{rt['raw']['rate']:,.0f} tickets/s (median of {len(raw)}; "
            f"{statistics.median(r['page_ms'] for r in raw):.0f} ms/page)")
        runs = rt["sync"]["runs"]
        http = statistics.median(r["http_seconds"] / r["seconds"] for r in runs)
        add("RT initial sync, fetch_threads=False",
            f"{rt['sync']['rate']:,.0f} tickets/s (median of {len(runs)}; {runs[-1]['requests']} requests, "
            f"{http:.0%} of the time waiting for HTTP)")
        add("RT sync ÷ raw paging", f"{rt['ratio']:.2f}", f"≥ {RT_TARGET_RATIO}", rt["ratio"] >= RT_TARGET_RATIO)
        add("RT replay of the sync's own requests ÷ sync time", f"{rt['sync_vs_replay']:.2f}",
            "(1.0 = no client-side cost)")
        t = rt["threads"]
        add("RT initial sync, fetch_threads=True (threads too)",
            f"{t['rate']:,.1f} tickets/s ({t['requests'] / max(1, t['tickets']):.1f} requests/ticket, "
            f"{t['seconds']:.0f} s for {t['tickets']:,})")
        inc = rt["incremental"]
        for key, label in (("plain", "fetch_threads=False"), ("threads", "fetch_threads=True")):
            s = inc[key]
            add(f"RT incremental after {inc['changed']} replies, {label}",
                f"{s['seconds']:.2f} s, {s['tickets']} tickets pulled ({s['requests']} requests)",
                f"≈ {inc['changed']} tickets", inc["changed"] <= s["tickets"] <= inc["changed"] * 1.1)
    zd = figures.get("zendesk")
    if zd:
        raw, sync = zd["raw"], zd["sync"]
        add(f"Zendesk fake, {zd['tickets']:,} tickets: raw export paging (per_page {zd['page_size']})",
            f"{zd['raw_rate']:,.0f} tickets/s ({raw['seconds']:.1f} s; peak RSS {raw['vm_hwm_kb'] / 1024:.0f} MB)")
        add("Zendesk sync, fetch_threads=False",
            f"{zd['sync_rate']:,.0f} tickets/s ({sync['seconds']:.1f} s for {sync['tickets']:,}, "
            f"{sync['http_seconds'] / sync['seconds']:.0%} waiting for HTTP; cache {zd['cache_bytes'] / 1e6:.0f} MB)")
        add("Zendesk sync ÷ raw paging", f"{zd['sync_rate'] / zd['raw_rate']:.2f}")
        add("Zendesk sync, peak RSS of the syncing process (VmHWM)", f"{sync['vm_hwm_kb'] / 1024:,.0f} MB",
            f"≤ {RSS_BUDGET_MB} MB (app budget)", sync["vm_hwm_kb"] / 1024 <= RSS_BUDGET_MB)
        mapped = zd.get("sync_mapped")
        if mapped:
            add("Zendesk sync as a mapping (zendesk-mapped), fetch_threads=False",
                f"{zd['sync_mapped_rate']:,.0f} tickets/s ({mapped['seconds']:.1f} s; "
                f"{zd['sync_mapped_rate'] / zd['sync_rate']:.2f} × the hand-written backend)")
            add("Zendesk sync as a mapping, peak RSS (VmHWM)", f"{mapped['vm_hwm_kb'] / 1024:,.0f} MB",
                f"≤ {RSS_BUDGET_MB} MB (app budget)", mapped["vm_hwm_kb"] / 1024 <= RSS_BUDGET_MB)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["rt", "zendesk"], action="append", help="run only this part")
    parser.add_argument("--rt-tickets", type=int, default=2000, help="tickets on the RT server (default 2,000)")
    parser.add_argument("--rt-page-size", type=int, default=100, help="per_page of the feed (RT's maximum: 100)")
    parser.add_argument("--rt-workers", type=int, default=2, help="Starlet workers of the RT server")
    parser.add_argument("--rt-create-threads", type=int, default=2, help="threads creating the tickets")
    parser.add_argument("--rt-url", help="use this RT (a throw-away one!) instead of starting one; "
                                         "tickets are added up to --rt-tickets and 100 get a reply")
    parser.add_argument("--rt-token", help="root's auth token for --rt-url")
    parser.add_argument("--changed", type=int, default=100, help="tickets changed before the incremental pull")
    parser.add_argument("--repeats", type=int, default=3, help="RT raw/sync runs (median)")
    parser.add_argument("--zendesk-tickets", type=int, default=100_000)
    parser.add_argument("--zendesk-page-size", type=int, default=1000)
    parser.add_argument("--profile", action="store_true",
                        help="pyinstrument profiles of the syncs in benchmarks/out/profile-*.txt")
    parser.add_argument("--json", type=Path, default=OUT / "sync.json")
    parser.add_argument("--zendesk-mapped", action="store_true",
                        help="also pull the Zendesk feed with Zendesk as a mapping (zendesk-mapped)")
    parser.add_argument("--zendesk-child", choices=["raw", "sync", "sync-mapped"], help=argparse.SUPPRESS)
    parser.add_argument("--zendesk-child-url", help=argparse.SUPPRESS)
    parser.add_argument("--zendesk-child-cache", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.zendesk_child:
        zendesk_child(args)
        return
    if args.rt_url and not args.rt_token:
        parser.error("--rt-url needs --rt-token")
    only = set(args.only or ["rt", "zendesk"])
    OUT.mkdir(exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the servers are stopped on kill
    load_at_start = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    figures: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M:%S")}
    if "rt" in only:
        run_rt(args, figures)
    if "zendesk" in only:
        run_zendesk(args, figures)
    args.json.write_text(json.dumps(figures, indent=1, default=str))
    print_table(table(figures))
    print(f"\n{os.cpu_count()} cores, load average now {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"(at the start {', '.join(f'{x:.2f}' for x in load_at_start)}); figures are for this machine only. "
          f"JSON: {args.json}")


if __name__ == "__main__":
    main()
