"""In-process store figures: inbox filters, full-text search, opening a 50-message ticket.

    python benchmarks/bench_store.py --db PATH [--json OUT] [--quick]

Prints one line per measured thing; ``--json`` also writes every figure for run_all.py.
Filters and searches run exactly as the app runs them (``Cache.inbox_ids``, ``Cache.search``),
with a warm page cache (each query is run once untimed first, then ``--repeats`` times).
Opening a ticket runs the real app headless (``App.run_test``, 160x45) and times
``open_ticket`` up to the end of the compositor update that shows the thread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

# The app code to measure: this checkout, or another one (run_all.py --app-root).
ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_harness import percentile  # noqa: E402

ME = "you"  # the default [agent] name, what assignee:me means in the demo

# Free-text queries for Cache.search: common and rare English words, phrases, words typed
# half-way (the last term is a prefix), Italian, Hebrew, Japanese/Chinese 2+ character words.
SEARCH_QUERIES = [
    # common English
    "password", "domain", "email", "invoice", "refund", "thanks", "please", "server", "the",
    "website down", "ssl certificate", "dns propagation", "backup restore", "error 502",
    "reset password", "two factor", "mysql", "php version", "charged twice", "renewal",
    # typed half-way (prefix of the last word)
    "pass", "dom", "re", "cert", "email bou",
    # rare English / no match
    "mysqldump", "openssl", "nginx", "dkim", "sftp", "Outlook", "recognise", "xylophone",
    # Italian
    "fattura", "rimborso", "disdetta", "password dimenticata", "lentissimo", "partita IVA",
    # Hebrew
    "חשבונית", "סיסמה", "הדומיין", "החזר", "האתר",
    # Japanese
    "返金", "パスワード", "解約", "請求書", "ドメイン", "証明書", "メール", "バックアップ",
]


def _ms(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {"n": len(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99), "max": max(ms)}


def _timed(fn, repeats: int) -> tuple[list[float], object]:
    result = fn()  # warm-up, untimed
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def sample_values(db: Path) -> dict:
    """Real names from the workspace to filter on."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        # The requester of the most tickets, by full name and by surname.
        cid, name, n = conn.execute(
            "SELECT c.id, c.name, count(*) AS n FROM tickets t JOIN customers c ON c.id = t.requester_id "
            "WHERE t.requester_id IN (SELECT id FROM customers ORDER BY id LIMIT 5000) "
            "GROUP BY c.id ORDER BY n DESC LIMIT 1").fetchone()
        org = conn.execute("SELECT o.name FROM customers c JOIN organizations o ON o.id = c.organization_id "
                           "WHERE c.id = ?", (cid,)).fetchone()
    finally:
        conn.close()
    return {"customer_name": name, "customer_tickets": n, "organization": org[0] if org else None}


def long_thread_ids(db: Path, tickets: int, limit: int) -> list[tuple[int, int]]:
    """(ticket id, number) of tickets with exactly 50 messages (the generator places them)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        numbers: list[int] = []
        spec = conn.execute("SELECT value FROM meta WHERE key = 'demo_spec'").fetchone()
        if spec is not None:
            try:
                from datetime import UTC, datetime

                from helpdesk_tui.demo.generate import DemoSpec, DemoWorkspace

                s = json.loads(spec[0])
                numbers = DemoWorkspace(DemoSpec(now=datetime.now(UTC), seed=s["seed"],
                                                 tickets=s["tickets"])).long_thread_numbers
            except Exception:  # the generator changed: fall back to counting below
                numbers = []
        out: list[tuple[int, int]] = []
        for number in numbers:
            if len(out) >= limit:
                break
            row = conn.execute("SELECT t.id, t.number, (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id) "
                               "FROM tickets t WHERE t.number = ?", (number,)).fetchone()
            if row and row[2] == 50:
                out.append((row[0], row[1]))
        if not out and limit > 0:  # slow path: scan the message index
            for tid, number in conn.execute(
                    "SELECT m.ticket_id, t.number FROM messages m JOIN tickets t ON t.id = m.ticket_id "
                    "GROUP BY m.ticket_id HAVING count(*) = 50 LIMIT ?", (limit,)):
                out.append((tid, number))
        return out
    finally:
        conn.close()


def bench_filters(cache, values: dict, repeats: int) -> list[dict]:
    from helpdesk_tui.domain.query import parse_filter
    from helpdesk_tui.store.inbox import InboxQuery

    surname = values["customer_name"].split()[-1]
    filters = [
        "status:open",
        "status:open,pending priority:high",
        "priority:high assignee:me",
        "assignee:none",
        "tag:billing",
        "tag:refund status:open",
        f'customer:"{values["customer_name"]}"',
        f"customer:{surname.lower()}",
        "-status:solved,closed priority:urgent",
        "refund",
        "password reset",
        "fattura",
        "返金",
        "status:open refund",
    ]
    if values.get("organization"):
        filters.insert(8, f'customer:"{values["organization"]}"')
    rows = []
    for text in filters:
        query = InboxQuery(filter=parse_filter(text, me=ME))
        first, ids = _timed(lambda query=query: cache.inbox_ids(query, limit=200), repeats)
        full, ids = _timed(lambda query=query: cache.inbox_ids(query), repeats)
        rows.append({"filter": text, "matches": len(ids), "first_page": _ms(first), "all_ids": _ms(full)})
    return rows


def bench_search(cache, repeats: int) -> list[dict]:
    rows = []
    for q in SEARCH_QUERIES:
        times, hits = _timed(lambda q=q: cache.search(q), repeats)
        rows.append({"query": q, "hits": len(hits), "times": times, **_ms(times)})
    return rows


def match_counts(db: Path, queries: list[str]) -> dict[str, int]:
    """How many messages each query matches (what makes a query common or rare)."""
    from helpdesk_tui.store.fts_text import match_query

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        out = {}
        for q in queries:
            expr = match_query(q)
            out[q] = 0 if expr is None else conn.execute(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?", (expr,)).fetchone()[0]
        return out
    finally:
        conn.close()


async def _open_tickets(db: Path, targets: list[tuple[int, int]]) -> dict:
    """Time App.open_ticket → the compositor update that shows the 50-message thread."""
    from helpdesk_tui.config.settings import Settings
    from helpdesk_tui.store.cache import Cache
    from helpdesk_tui.ui.app import AppOptions, HelpdeskApp
    from helpdesk_tui.ui.themes import bundled_themes_dir
    from helpdesk_tui.ui.widgets.thread_view import ThreadView
    from textual._compositor import CompositorUpdate

    tmp = Path(tempfile.mkdtemp(prefix="hd-bench-"))
    cache = Cache(db, "demo")
    app = HelpdeskApp(AppOptions(cache=cache, settings=Settings(), state_file=tmp / "state.json",
                                 bundled_themes=bundled_themes_dir(), user_themes=tmp / "themes",
                                 live=False, status="benchmark"))
    painted: list[tuple[float, float]] = []  # (time, seconds spent turning the update into bytes)
    watching: dict = {"on": False, "old_lines": None, "first": None}
    original_display = app._display

    def display(screen, renderable):
        # Headless apps skip writing; do the work a terminal app does (render the update
        # to escape sequences) so the figure includes it, then note the time.
        if watching["on"] and isinstance(renderable, CompositorUpdate):
            if watching["first"] is None:
                watching["first"] = time.perf_counter()
            thread = app.query_one(ThreadView)
            # The new ticket's lines, on screen: a frame still drawing the previous thread
            # (the view keeps its old lines until it is laid out at its new width) does not count.
            if thread._lines and thread._lines is not watching["old_lines"] and thread.region.height > 0:
                t0 = time.perf_counter()
                renderable.render_segments(app.console)
                t1 = time.perf_counter()
                painted.append((t1, t1 - t0))
        return original_display(screen, renderable)

    app._display = display
    results: dict[str, list[float]] = {"from_inbox_only": [], "panes_shown": []}
    calls: dict[str, list[float]] = {"from_inbox_only": [], "panes_shown": []}
    firsts: dict[str, list[float]] = {"from_inbox_only": [], "panes_shown": []}
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            for round_ in range(2):
                for tid, _number in targets:
                    variant = "from_inbox_only" if round_ == 0 else "panes_shown"
                    if variant == "from_inbox_only":
                        app.screen.add_class("-inbox-only")
                        app.query_one("#inbox").focus()
                    await pilot.pause()
                    painted.clear()
                    watching["old_lines"] = app.query_one(ThreadView)._lines
                    watching["first"] = None
                    watching["on"] = True
                    t0 = time.perf_counter()
                    app.workstation.open_ticket(tid, focus=True)
                    t_call = time.perf_counter()
                    deadline = t0 + 10
                    while not painted and time.perf_counter() < deadline:
                        await asyncio.sleep(0.0005)
                    watching["on"] = False
                    if painted:
                        results[variant].append(painted[0][0] - t0)
                        calls[variant].append(t_call - t0)
                        firsts[variant].append(watching["first"] - t0)
                    thread = app.query_one(ThreadView)
                    assert thread.message_count == 50, thread.message_count
                    await pilot.pause()
    finally:
        cache.close()
    return {k: {**_ms(v), "open_ticket_call": _ms(calls[k]), "first_update": _ms(firsts[k])}
            for k, v in results.items() if v}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--tickets", type=int, default=0, help="size of the workspace (for the log only)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--skip", action="append", default=[], choices=["filters", "search", "open"])
    args = parser.parse_args(argv)

    from helpdesk_tui.store.cache import Cache

    out: dict = {}
    cache = Cache(args.db, "demo")
    try:
        values = sample_values(args.db)
        out["values"] = values
        if "filters" not in args.skip:
            out["filters"] = bench_filters(cache, values, args.repeats)
            for r in out["filters"]:
                print(f"filter {r['filter']!r:45} {r['matches']:>9,} tickets  first page p50 "
                      f"{r['first_page']['p50']:7.1f} ms p99 {r['first_page']['p99']:7.1f} ms · all ids p50 "
                      f"{r['all_ids']['p50']:7.1f} ms p99 {r['all_ids']['p99']:7.1f} ms", flush=True)
        if "search" not in args.skip:
            rows = bench_search(cache, args.repeats)
            counts = match_counts(args.db, [r["query"] for r in rows])
            all_times = [t for r in rows for t in r["times"]]
            for r in rows:
                r["matches"] = counts[r["query"]]
                del r["times"]
                print(f"search {r['query']!r:28} {r['matches']:>9,} messages match  {r['hits']:>3} hits  "
                      f"p50 {r['p50']:7.1f} ms  max {r['max']:7.1f} ms", flush=True)
            out["search"] = {"queries": rows, "overall": _ms(all_times)}
            o = out["search"]["overall"]
            print(f"search overall: {o['n']} runs, p50 {o['p50']:.1f} ms, p99 {o['p99']:.1f} ms, "
                  f"max {o['max']:.1f} ms", flush=True)
    finally:
        cache.close()
    if "open" not in args.skip:
        targets = long_thread_ids(args.db, args.tickets, 10)
        if targets:
            out["open_ticket"] = asyncio.run(_open_tickets(args.db, targets))
            out["open_ticket"]["tickets"] = [n for _, n in targets]
            for k, v in out["open_ticket"].items():
                if isinstance(v, dict):
                    print(f"open 50-message ticket ({k}): p50 {v['p50']:.1f} ms p99 {v['p99']:.1f} ms "
                          f"(open_ticket() itself p50 {v['open_ticket_call']['p50']:.1f} ms, first screen update "
                          f"p50 {v['first_update']['p50']:.1f} ms)", flush=True)
        else:
            print("open 50-message ticket: no ticket with exactly 50 messages in this workspace")
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1))
    return out


if __name__ == "__main__":
    main()
