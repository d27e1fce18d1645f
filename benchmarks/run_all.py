"""Build (or reuse) a demo workspace, run every benchmark, print the figures against the targets.

    python benchmarks/run_all.py                      # 1M tickets (the issue's targets)
    python benchmarks/run_all.py --tickets 20000      # a quick run
    python benchmarks/run_all.py --home DIR           # keep the workspace elsewhere

The workspace lives in ``benchmarks/out/home-<tickets>/`` (gitignored) and is reused by later
runs; the time it took to build is kept next to it in ``build.json``. Each benchmark runs in its
own process and writes its figures to ``benchmarks/out/*.json``; this script prints the table.
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from figure_table import print_table

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or HERE.parent)  # the app code measured
OUT = HERE / "out"


def database_path(home: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from helpdesk_tui.config.paths import resolve_locations

    return resolve_locations(str(home)).account_db("demo")


def git_state() -> str:
    """The commit the app code comes from, and whether the tree had local changes (read-only git)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "helpdesk_tui"],
                               cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
        changed = [line for line in dirty if line.strip()]
        return head + (f" + {len(changed)} modified files" if changed else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def build(home: Path, tickets: int, rebuild: bool = False) -> dict:
    """Build or reuse the workspace; returns what build.json says about it."""
    db = database_path(home)
    record_file = home / "build.json"
    before = db.stat().st_ino if db.exists() else None
    t0 = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "helpdesk_tui", "demo", "--tickets", str(tickets), "--build-only",
         "--home", str(home), *(["--rebuild"] if rebuild else [])], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if result.returncode != 0:
        raise SystemExit(f"building the workspace failed ({result.returncode})")
    # --rebuild may write the new database in place (same inode): it was built all the same.
    built = rebuild or before is None or db.stat().st_ino != before
    record = json.loads(record_file.read_text()) if record_file.exists() else {}
    if built or record.get("tickets") != tickets:
        record = {"tickets": tickets, "seconds": seconds if built else None,
                  "built": time.strftime("%Y-%m-%d %H:%M:%S"), "python": platform.python_version(),
                  "code": git_state()}
        record_file.write_text(json.dumps(record, indent=1))
    record["reused"] = not built
    record["check_seconds"] = seconds
    return record


def database_facts(db: Path) -> dict:
    size = sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        facts = {"bytes": size,
                 "tickets": conn.execute("SELECT count(*) FROM tickets").fetchone()[0],
                 "messages": conn.execute("SELECT count(*) FROM messages").fetchone()[0],
                 "sqlite": sqlite3.sqlite_version}
        try:  # per-table sizes, when SQLite has the dbstat table
            rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8")
            facts["largest"] = [(n, s) for n, s in rows]
        except sqlite3.DatabaseError:
            pass
        return facts
    finally:
        conn.close()


def run_script(name: str, args: list[str]) -> None:
    print(f"\n== {name} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, str(HERE / name), *args], cwd=ROOT, check=True)


def fmt_ms(value: float | None) -> str:
    if value is None or value != value:
        return "—"
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def table(build_record: dict, facts: dict, store: dict, pty: dict) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []

    def add(what: str, figure: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((what, figure, target, "" if ok is None else ("ok" if ok else "MISSED")))

    add("workspace", f"{facts['tickets']:,} tickets, {facts['messages']:,} messages")
    add("database size", f"{facts['bytes'] / 1e6:,.0f} MB")
    built = build_record.get("seconds")
    add("workspace build (once)", f"{built:,.0f} s" if built else "—",
        "" if not build_record.get("reused") else f"(built {build_record.get('built')}; reuse check "
        f"{build_record['check_seconds']:.1f} s)")
    if pty:
        launches = [v * 1000 for v in pty["launch"]]
        first = median(launches)
        add("launch → first inbox frame (median)", f"{fmt_ms(first)} (runs: {', '.join(fmt_ms(v) for v in launches)})",
            "≤ 1,000 ms", first is not None and first <= 1000)
        add("launch → all ids loaded (median)", fmt_ms(median([v * 1000 for v in pty["ids_loaded"] if v])))
        add("launch → view counts shown (median)", fmt_ms(median([v * 1000 for v in pty["counts_shown"] if v])))
        keys = pty.get("keys", {})
        targets = {"j/k on screen": 16, "j scrolling": 16, "k scrolling": 16, "pagedown": 25}
        for key, label in (("j/k on screen", "j/k key → frame, cursor moves on screen"),
                           ("j scrolling", "j key → frame, list scrolls a row"),
                           ("k scrolling", "k key → frame, list scrolls a row"),
                           ("pagedown", "page-down key → frame"), ("pageup", "page-up key → frame"),
                           ("G", "G (last of all) key → frame"), ("g", "g (first) key → frame"),
                           ("j/k three panes", "j/k with ticket panes shown (on screen)")):
            s = keys.get(key)
            if not s:
                continue
            limit = targets.get(key)
            add(label, f"p50 {fmt_ms(s['p50'])}, p99 {fmt_ms(s['p99'])} (n={s['n']}, "
                f"{s['bytes_per_key'] / 1000:.1f} KB/frame)",
                f"median ≤ {limit} ms" if limit else "", s["p50"] <= limit if limit else None)
        if pty.get("open_pty"):
            s = pty["open_pty"]
            add("open 50-msg ticket, pty: Enter → thread painted",
                f"p50 {fmt_ms(s['p50'])}, max {fmt_ms(s['max'])} (n={s['n']})", "≤ 150 ms", s["p50"] <= 150)
        mem = pty.get("memory_kb", {})
        if mem:
            add("peak RSS of the app (VmHWM)", f"{mem['VmHWM'] / 1024:,.0f} MB (RSS now {mem['VmRSS'] / 1024:,.0f} MB)",
                "≤ 250 MB", mem["VmHWM"] / 1024 <= 250)
    if store:
        for variant, label in (("from_inbox_only", "open 50-msg ticket, in-process, from inbox only"),
                               ("panes_shown", "open 50-msg ticket, in-process, panes shown")):
            s = store.get("open_ticket", {}).get(variant)
            if s:
                add(label, f"p50 {fmt_ms(s['p50'])}, p99 {fmt_ms(s['p99'])} (n={s['n']})", "≤ 150 ms",
                    s["p50"] <= 150)
        if store.get("filters"):
            first = [r["first_page"]["p50"] for r in store["filters"]]
            full = [r["all_ids"]["p50"] for r in store["filters"]]
            worst_first = max(store["filters"], key=lambda r: r["first_page"]["p99"])
            worst_full = max(store["filters"], key=lambda r: r["all_ids"]["p99"])
            add("inbox filter, first page of 200 (UI thread)",
                f"p50 of medians {fmt_ms(median(first))}; worst p99 {fmt_ms(worst_first['first_page']['p99'])} "
                f"({worst_first['filter']})")
            add("inbox filter, all ids (worker thread)",
                f"p50 of medians {fmt_ms(median(full))}; worst p99 {fmt_ms(worst_full['all_ids']['p99'])} "
                f"({worst_full['filter']})")
        if store.get("search"):
            o = store["search"]["overall"]
            worst = max(store["search"]["queries"], key=lambda r: r["max"])
            add("full-text search (Cache.search, limit 20)",
                f"p50 {fmt_ms(o['p50'])}, p99 {fmt_ms(o['p99'])} ({len(store['search']['queries'])} queries × "
                f"{o['n'] // max(1, len(store['search']['queries']))}; worst {worst['query']!r} {fmt_ms(worst['max'])})",
                "p99 ≤ 50 ms", o["p99"] <= 50)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--home", type=Path, help="default: benchmarks/out/home-<tickets>")
    parser.add_argument("--launches", type=int, default=3, help="launches to time (default 3)")
    parser.add_argument("--keys", type=int, default=100,
                        help="scrolling j and k presses each (2/3 as many page-downs, 1/3 page-ups)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each filter and search query")
    parser.add_argument("--app-root", type=Path,
                        help="measure the app in another checkout (default: this one)")
    parser.add_argument("--rebuild", action="store_true",
                        help="build the workspace again (after the generator or the schema changed)")
    parser.add_argument("--only", choices=["build", "store", "pty", "sla"], action="append",
                        help="run only these parts (repeatable)")
    args = parser.parse_args(argv)
    only = set(args.only or ["build", "store", "pty", "sla"])
    if args.app_root:
        global ROOT
        ROOT = args.app_root.resolve()
        os.environ["HELPDESK_BENCH_APP_ROOT"] = str(ROOT)  # inherited by the benchmark processes
    home = (args.home or OUT / f"home-{args.tickets}").resolve()
    home.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(exist_ok=True)
    load_at_start = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{platform.platform()}")
    print(f"workspace: {args.tickets:,} tickets in {home}", flush=True)
    print(f"code: {git_state()}", flush=True)
    record = build(home, args.tickets, args.rebuild)
    if record.get("reused"):
        print(f"reused the workspace (built {record.get('built')} in {record['seconds']:.0f} s from "
              f"{record.get('code', '?')}; use --rebuild after generator or schema changes)"
              if record.get("seconds") else "reused the workspace", flush=True)
    else:
        print(f"built the workspace in {record['seconds']:.1f} s", flush=True)
    db = database_path(home)
    facts = database_facts(db)
    store: dict = {}
    pty: dict = {}
    store_json = OUT / f"store-{args.tickets}.json"
    pty_json = OUT / f"workstation-{args.tickets}.json"
    if "store" in only:
        run_script("bench_store.py", ["--db", str(db), "--tickets", str(args.tickets),
                                      "--repeats", str(args.repeats), "--json", str(store_json)])
        store = json.loads(store_json.read_text())
    if "pty" in only:
        run_script("bench_workstation.py", ["--home", str(home), "--db", str(db), "--tickets", str(args.tickets),
                                            "--launches", str(args.launches), "--keys", str(args.keys),
                                            "--json", str(pty_json)])
        pty = json.loads(pty_json.read_text())
    if "sla" in only:  # prints its own lines: a policy change recomputes every ticket
        run_script("bench_sla.py", ["--db", str(db), "--json", str(OUT / f"sla-{args.tickets}.json")])
    print_table(table(record, facts, store, pty))
    if facts.get("largest"):
        print("\nlargest tables/indexes: " + ", ".join(f"{n} {s / 1e6:,.0f} MB" for n, s in facts["largest"]))
    print(f"\n{os.cpu_count()} cores, load average now {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"(at the start {', '.join(f'{x:.2f}' for x in load_at_start)}); figures are for this machine only, "
          f"and other work on it shows in them. JSON: {OUT}")


if __name__ == "__main__":
    main()
