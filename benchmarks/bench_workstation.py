"""The workstation through a real pseudo-terminal: start-up, key latency, opening a ticket, memory.

    python benchmarks/bench_workstation.py --home DIR --tickets N [--launches 3] [--keys 100] [--json OUT]

Runs ``python -m helpdesk_tui demo --tickets N --home DIR`` in a 160x45 pty (see
pty_harness.py for how frames are detected) and prints:

* launch → first inbox frame: spawn until the end of the first frame showing the "Inbox"
  title and the first ticket row of the default view (its number), median of --launches;
* launch → all ids loaded / view counts shown (the background work after the first frame);
* key latency: key written to the pty → end of the frame it caused, each key sent once the
  previous frame is complete and 20 ms have passed: j/k moving the cursor among rows on
  screen, j/k scrolling the list a row, page-down/page-up, G/g, and j/k with the panes shown;
* Enter on a 50-message ticket → end of the first frame showing its thread;
* peak RSS (VmHWM) of the app process after all of the above.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

# The app code to measure: this checkout, or another one (run_all.py --app-root).
ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_harness import Terminal, summary_ms  # noqa: E402

GAP = 0.020  # pause after each frame before the next key


def app_argv(home: Path, tickets: int) -> list[str]:
    return [sys.executable, "-m", "helpdesk_tui", "demo", "--tickets", str(tickets), "--home", str(home)]


def app_env() -> dict[str, str]:
    """The caller's environment, with bytecode kept as an installed package has it (as
    bench_cli.py does): ``PYTHONDONTWRITEBYTECODE`` dropped, bytecode in ``benchmarks/out/pycache``.
    With it set (some shells and CI set it) every launch compiled the app's ~200 modules: 3.5 G
    instructions to the first frame instead of 2.2 G at 1M."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(__file__).resolve().parent / "out" / "pycache")
    return env


def workspace_facts(home: Path, db: Path, tickets: int, targets: int) -> dict:
    """What the app will show, computed with the app's own store code (read-only use)."""
    from helpdesk_tui.domain.query import builtin_views, parse_filter
    from helpdesk_tui.store.cache import Cache
    from helpdesk_tui.store.inbox import InboxQuery, view_query

    from bench_store import long_thread_ids

    all_view = next(v for v in builtin_views("you") if v.id == "all")
    cache = Cache(db, "demo")
    try:
        first = cache.inbox_ids(view_query(all_view, datetime.now(UTC)), limit=1)
        first_number = cache.inbox_rows(list(first))[0].number
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        total = conn.execute("SELECT count(*) FROM tickets WHERE deleted_at IS NULL").fetchone()[0]
        opens = []
        for tid, number in long_thread_ids(db, tickets, targets * 3):
            if len(opens) >= targets:
                break
            email = conn.execute("SELECT c.email FROM tickets t JOIN customers c ON c.id = t.requester_id "
                                 "WHERE t.id = ?", (tid,)).fetchone()
            if not email or '"' in email[0]:
                continue
            flt = f'customer:"{email[0]}"'
            ids = cache.inbox_ids(InboxQuery(filter=parse_filter(flt, me="you")))
            index = list(ids).index(tid)
            if index <= 30:  # keep the walk to it short
                opens.append({"id": tid, "number": number, "filter": flt, "index": index,
                              "first_header": thread_header(cache.thread(tid)[0])})
        conn.close()
    finally:
        cache.close()
    return {"first_number": first_number, "total": total, "opens": opens}


def thread_header(message) -> str:
    """The first line the thread view draws for ``message`` (up to the time), as plain text."""
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.ui.widgets.thread_view import KIND_LABELS

    return f"▌ {KIND_LABELS[message.kind]} · {clean_line(message.author) or 'unknown'} · "


def wait_first_frame(term: Terminal, first_number: int, timeout: float) -> float | None:
    number = re.compile(rf"(?<!\d){first_number}(?!\d)")
    end = term.wait_for_text(lambda t: "Inbox" in t and number.search(t) is not None, timeout)
    return None if end is None else end - term.spawned_at


def press_many(term: Terminal, key: str, count: int) -> list:
    out = []
    for _ in range(count):
        timing = term.press(key)
        out.append(timing)
        term.drain(GAP)
    return out


def key_summary(timings: list) -> dict:
    ok = [t for t in timings if t.first_frame is not None]
    s = summary_ms([t.first_frame for t in ok])
    s["settled_p50"] = summary_ms([t.settled for t in ok])["p50"]
    s["missed"] = len(timings) - len(ok)
    s["frames_per_key"] = (sum(t.frames for t in ok) / len(ok)) if ok else 0
    s["bytes_per_key"] = (sum(t.bytes for t in ok) / len(ok)) if ok else 0
    s["samples_ms"] = [None if t.first_frame is None else round(t.first_frame * 1000, 2) for t in timings]
    return s


def type_text(term: Terminal, text: str) -> None:
    term.send(text.encode())
    term.wait_quiet(0.3, 10)


ZOOMED = False  # set by --zoomed: open tickets from the full-width inbox


def set_filter(term: Terminal, text: str) -> bool:
    """Type ``text`` into the filter box (``/``) and apply it with Enter."""
    term.press("slash")
    term.wait_quiet(0.3, 10)  # keys sent before the box has focus go to the inbox
    term.send(b"\x01\x0b")  # ctrl+a, ctrl+k: clear the box
    term.wait_quiet(0.2, 10)
    if text:
        type_text(term, text)
    term.send(b"\r")
    return term.wait_quiet(1.0, 30)  # the view counts are recomputed in a worker meanwhile


def open_ticket_through_pty(term: Terminal, target: dict) -> float | None:
    """From the inbox-only layout: filter to the customer, walk to the ticket, press Enter."""
    if not set_filter(term, target["filter"]):
        return None
    for _ in range(target["index"]):
        term.press("j")
        term.drain(GAP)
    term.wait_quiet(0.3, 10)
    since = len(term.output)
    title = f"Ticket #{target['number']}"
    frames_before = len(term.frames)
    sent = term.send(b"\r")
    # The ticket's own first message header: a frame still showing the previous thread does not count.
    header = target["first_header"]
    end = term.wait_for_text(lambda t: title in t and header in t, 10, since=since)
    term.wait_quiet(0.3, 10)
    first = term.frames[frames_before].end - sent if len(term.frames) > frames_before else None
    painted = [f for f in term.frames[frames_before:] if end is not None and f.end <= end]
    # Back to the inbox, in the default layout (inbox beside the ticket). Opening from the
    # zoomed inbox (z) costs one more frame: the thread can only be laid out once its pane
    # has a width; --zoomed measures that case.
    term.press("escape")
    if ZOOMED:
        term.press("z")
    term.wait_quiet(0.3, 10)
    if end is None:
        return None
    return {"painted": end - sent, "first_frame": first, "frames_until_painted": len(painted)}


def run(home: Path, db: Path, tickets: int, launches: int, keys: int, targets: int) -> dict:
    facts = workspace_facts(home, db, tickets, targets)
    out: dict = {"facts": facts, "launch": [], "ids_loaded": [], "counts_shown": []}
    argv = app_argv(home, tickets)
    total = f"{facts['total']:,}"
    warm = Terminal(argv, cwd=str(ROOT), env=app_env())  # untimed: writes the bytecode the launches read
    warm.spawn()
    try:
        first = wait_first_frame(warm, facts["first_number"], 120)
        print(f"warm-up launch (bytecode written, not counted): first inbox frame "
              f"{float('nan') if first is None else first * 1000:.0f} ms", flush=True)
    finally:
        warm.close()
    for n in range(launches):
        term = Terminal(argv, cwd=str(ROOT), env=app_env())
        term.spawn()
        try:
            first = wait_first_frame(term, facts["first_number"], 120)
            if first is None:
                raise RuntimeError(f"no inbox frame within 120 s:\n{term.screen_tail()}")
            out["launch"].append(first)
            loaded = term.wait_for_text(lambda t: f"All · {total}" in t, 300)
            out["ids_loaded"].append(None if loaded is None else loaded - term.spawned_at)
            counted = term.wait_for_text(lambda t: re.search(rf"All {re.escape(total)}\b", t) is not None, 300)
            out["counts_shown"].append(None if counted is None else counted - term.spawned_at)
            out["sync_answered"] = b"\x1b[?2026$p" in term.answered
            print(f"launch {n + 1}: first inbox frame {first * 1000:.0f} ms, all ids "
                  f"{(loaded - term.spawned_at) * 1000 if loaded else float('nan'):.0f} ms, counts "
                  f"{(counted - term.spawned_at) * 1000 if counted else float('nan'):.0f} ms, "
                  f"bracketed frames so far: {len(term.frames)}", flush=True)
            if n < launches - 1:
                continue
            term.wait_quiet(1.0, 120)
            idle_before = len(term.frames)
            term.wait_quiet(1.0, 5)
            out["idle_frames_per_s"] = len(term.frames) - idle_before
            runs: dict[str, list] = {"j/k on screen": [], "j scrolling": [], "k scrolling": []}
            for _ in range(4):  # the cursor moves among rows already on screen (from the top)
                runs["j/k on screen"] += press_many(term, "j", 15) + press_many(term, "k", 15)
            press_many(term, "j", term.rows)  # untimed: the cursor reaches the bottom edge
            runs["j scrolling"] = press_many(term, "j", keys)  # every j scrolls the list one row
            press_many(term, "k", term.rows)  # untimed: back up to the top edge
            runs["k scrolling"] = press_many(term, "k", keys)  # every k scrolls one row up
            runs["pagedown"] = press_many(term, "pagedown", keys * 2 // 3)
            runs["pageup"] = press_many(term, "pageup", keys // 3)
            runs["G"], runs["g"] = [], []
            for _ in range(3):
                runs["G"] += press_many(term, "G", 1)
                term.wait_quiet(0.2, 10)
                runs["g"] += press_many(term, "g", 1)
                term.wait_quiet(0.2, 10)
            out["keys"] = {k: key_summary(v) for k, v in runs.items()}
            for k, s in out["keys"].items():
                print(f"key {k:14} n={s['n']:3} p50 {s['p50']:6.1f} ms  p99 {s['p99']:6.1f} ms  max {s['max']:6.1f} ms"
                      f"  ({s['frames_per_key']:.1f} frames, {s['bytes_per_key']:.0f} bytes per key,"
                      f" missed {s['missed']})", flush=True)
            opens = []
            for target in facts["opens"]:
                took = open_ticket_through_pty(term, target)
                if took is not None:
                    opens.append(took)
                    print(f"open #{target['number']} (50 messages): Enter → thread painted "
                          f"{took['painted'] * 1000:.0f} ms (first frame after Enter "
                          f"{took['first_frame'] * 1000:.0f} ms, {took['frames_until_painted']} frames)", flush=True)
            out["open_pty"] = summary_ms([o["painted"] for o in opens]) if opens else None
            if opens:
                out["open_pty"]["first_frame_p50"] = summary_ms([o["first_frame"] for o in opens])["p50"]
                out["open_pty"]["samples"] = opens
            # j/k again with the three panes shown (the preview follows the cursor after a rest).
            set_filter(term, "")  # back to the whole view
            term.press("enter")  # open the first ticket: panes shown
            term.wait_quiet(0.3, 10)
            term.press("escape")  # focus back on the inbox, panes stay
            term.wait_quiet(0.3, 10)
            three = []
            for _ in range(2):
                three += press_many(term, "j", 15) + press_many(term, "k", 15)
            out["keys"]["j/k three panes"] = key_summary(three)
            s = out["keys"]["j/k three panes"]
            print(f"key j/k (three panes) p50 {s['p50']:.1f} ms p99 {s['p99']:.1f} ms", flush=True)
            term.wait_quiet(0.5, 10)
            out["memory_kb"] = term.memory()
            print(f"memory: VmHWM {out['memory_kb']['VmHWM'] / 1024:.0f} MB, VmRSS "
                  f"{out['memory_kb']['VmRSS'] / 1024:.0f} MB", flush=True)
        finally:
            status = term.close()
            if status not in (0, None):
                print(f"warning: the app exited with {status}", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--db", type=Path, help="default: HOME's demo account database")
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--launches", type=int, default=3)
    parser.add_argument("--keys", type=int, default=100,
                        help="scrolling j and k presses each (2/3 as many page-downs, 1/3 page-ups)")
    parser.add_argument("--targets", type=int, default=5, help="50-message tickets to open")
    parser.add_argument("--zoomed", action="store_true", help="open tickets from the zoomed (full-width) inbox")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    global ZOOMED
    ZOOMED = args.zoomed
    args.home = args.home.resolve()  # the app runs in the app's checkout: no relative paths
    db = (args.db or default_db(args.home)).resolve()
    out = run(args.home, db, args.tickets, args.launches, args.keys, args.targets)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return out


def default_db(home: Path) -> Path:
    from helpdesk_tui.config.paths import resolve_locations

    return resolve_locations(str(home)).account_db("demo")


if __name__ == "__main__":
    main()
