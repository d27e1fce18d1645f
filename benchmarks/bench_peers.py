"""helpdesk-tui next to notmuch and neomutt on one corpus: a workspace exported to a Maildir.

    python benchmarks/bench_peers.py --home HOME --tickets N [--work DIR] [--json OUT]

Exports the workspace's messages to a Maildir (``maildir_export.py``: one file per message,
a thread per ticket, the body exactly the text our index holds), indexes it with ``notmuch
new`` (Xapian's CJK n-grams on: ``XAPIAN_CJK_NGRAM=1`` for the indexing and every query), then
times side by side, on bench_store.py's SEARCH_QUERIES (all of them):

- search, first 20 hits, in-process: ``Cache.search(q, limit=20)`` vs libnotmuch through the
  notmuch2 bindings (threads newest first, the first 20 with what ``notmuch search`` prints);
- search as a whole command: ``python -m helpdesk_tui search Q --limit 20 --json`` vs
  ``notmuch search --limit=20 Q``;
- building the index from nothing: the workspace's build (``HOME/build.json``) vs ``notmuch new``;
- opening the mailbox until the first screen: neomutt under tmux (160x45; cold and warm header
  cache) vs the app's first inbox frame (bench_workstation.py's JSON);
- the index on disk: our cache file vs ``.notmuch`` (and the Maildir, for context).

Each missing peer is named with the command that installs it, and the parts that need it are
skipped. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or HERE.parent)  # the app code measured
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import code_state  # noqa: E402
from bench_store import SEARCH_QUERIES  # noqa: E402
from figure_table import print_table  # noqa: E402
from maildir_export import export_maildir, export_record  # noqa: E402
from pty_harness import percentile  # noqa: E402

INSTALL = "apt-get install notmuch python3-notmuch2 neomutt tmux"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's python3-notmuch2 is built for it
TARGET_SEARCH_RATIO = 1.0
TARGET_COMMAND_MS = 60.0
SIZE = (160, 45)

# ------------------------------------------------------------------ queries

_TERM = re.compile(r'"([^"]*)"|(\S+)')
_WORDS = re.compile(r"\w+")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u31f0-\u31ff]")


def notmuch_query(user_query: str) -> str | None:
    """Our search's meaning of ``user_query`` (store/fts_text.match_query) in notmuch's syntax.

    Every term must match (notmuch's default is AND too). A term is a word or a quoted phrase,
    cut into words as ours is (punctuation and query operators are not searched), and sent
    quoted, which makes Xapian take it as it is: no stemming, and "and"/"or"/"not" are words,
    not operators. The last term, when ours takes it as a prefix (Latin script, 3 characters or
    more), becomes ``word*``; a Xapian wildcard cannot end a phrase, so a phrase stays a phrase.
    CJK words go as they are: with the n-grams on, Xapian splits them as it indexed them.
    """
    terms = []
    for quoted, bare in _TERM.findall(unicodedata.normalize("NFKC", user_query)):
        words = [w.casefold() for w in _WORDS.findall(quoted or bare)]
        if words:
            terms.append(words)
    if not terms:
        return None
    parts = ['"' + " ".join(words) + '"' for words in terms]
    last = terms[-1]
    if len(last) == 1 and len(last[0]) >= 3 and not _CJK.search(last[0][-1]):
        parts[-1] = last[0] + "*"
    return " ".join(parts)


# ------------------------------------------------------------------ helpers

def ms_figures(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99), "max": max(ms)}


def disk_bytes(path: Path) -> dict:
    """Bytes of the files under ``path`` and the blocks they take on disk."""
    size = blocks = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            st = os.lstat(os.path.join(folder, name))
            size += st.st_size
            blocks += st.st_blocks * 512
    return {"bytes": size, "disk": blocks}





def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def missing_peers() -> dict[str, bool]:
    have = {"notmuch": shutil.which("notmuch") is not None, "neomutt": shutil.which("neomutt") is not None,
            "tmux": shutil.which("tmux") is not None, "notmuch2": False}
    if Path(SYSTEM_PYTHON).exists():
        have["notmuch2"] = subprocess.run([SYSTEM_PYTHON, "-c", "import notmuch2"],
                                          capture_output=True).returncode == 0
    return have


# ------------------------------------------------------------------ notmuch

class Notmuch:
    """A notmuch configuration and database of its own, for the exported Maildir."""

    def __init__(self, work: Path, mail_root: Path) -> None:
        self.work = work
        self.config = work / "notmuch-config"
        self.mail_root = mail_root
        self.database = mail_root / ".notmuch"
        self.config.write_text(
            "[database]\n"
            f"path={mail_root}\n"
            "[user]\nname=Benchmark\nprimary_email=bench@helpdesk-tui.invalid\n"
            "[new]\ntags=inbox;unread;\nignore=\n"
            "[search]\nexclude_tags=\n"
            "[maildir]\nsynchronize_flags=false\n")
        self.env = {**os.environ, "NOTMUCH_CONFIG": str(self.config), "XAPIAN_CJK_NGRAM": "1"}

    def new(self, fresh: bool) -> dict:
        """``notmuch new`` from nothing (the database removed first): wall time and peak RSS."""
        stamp = self.work / "notmuch-new.json"
        if not fresh and self.database.exists() and stamp.exists():
            return {**json.loads(stamp.read_text()), "reused": True}
        shutil.rmtree(self.database, ignore_errors=True)
        started = time.perf_counter()
        child = subprocess.Popen(["notmuch", "new", "--quiet"], env=self.env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        errors = child.stderr.read().decode(errors="replace") if child.stderr else ""
        if child.returncode != 0:
            raise SystemExit(f"notmuch new failed ({child.returncode}): {errors[-500:]}")
        record = {"seconds": seconds, "peak_rss_kb": usage.ru_maxrss, "load": load(), "reused": False}
        stamp.write_text(json.dumps(record))
        return record

    def count(self, query: str, *, ngrams: bool = True) -> int:
        env = dict(self.env)
        if not ngrams:
            env.pop("XAPIAN_CJK_NGRAM")
        done = subprocess.run(["notmuch", "count", query], env=env, capture_output=True, text=True, check=True)
        return int(done.stdout.strip())

    def search_argv(self, query: str) -> list[str]:
        return ["notmuch", "search", "--limit=20", query]


class NotmuchChild:
    """The notmuch2 side, in Debian's Python (peers_notmuch.py), asked one query at a time."""

    def __init__(self, notmuch: Notmuch) -> None:
        self.process = subprocess.Popen([SYSTEM_PYTHON, str(HERE / "peers_notmuch.py")], env=notmuch.env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def time(self, query: str, repeats: int) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"query": query, "repeats": repeats, "limit": 20}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("the notmuch2 child stopped")
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


# ------------------------------------------------------------------ search

def search_in_process(db: Path, notmuch: Notmuch | None, repeats: int) -> dict:
    """Per query: ours (Cache.search, limit 20) then notmuch2's first 20 threads, each warm."""
    from helpdesk_tui.store.cache import Cache

    cache = Cache(db, "demo")
    child = NotmuchChild(notmuch) if notmuch is not None else None
    rows, ours_all, peer_all, ours_cpu, peer_cpu = [], [], [], [], []
    try:
        for q in SEARCH_QUERIES:
            cache.search(q, limit=20)  # warm-up, untimed
            times, cpu = [], []
            for _ in range(repeats):
                started, cpu_started = time.perf_counter(), time.thread_time()
                hits = cache.search(q, limit=20)
                times.append(time.perf_counter() - started)
                cpu.append(time.thread_time() - cpu_started)
            row: dict = {"query": q, "hits": len(hits), "ours": ms_figures(times), "ours_cpu": ms_figures(cpu)}
            ours_all += times
            ours_cpu += cpu
            nq = notmuch_query(q)
            row["notmuch_query"] = nq
            if child is not None and nq is not None:
                answer = child.time(nq, repeats)
                row["notmuch"] = {**ms_figures(answer["times"]), "hits": answer["hits"],
                                  "messages": answer["messages"], "threads": answer["threads"]}
                row["notmuch_cpu"] = ms_figures(answer["cpu"])
                peer_all += answer["times"]
                peer_cpu += answer["cpu"]
            rows.append(row)
            peer = row.get("notmuch")
            print(f"search {q!r:26} ours p50 {row['ours']['p50']:6.1f} ms ({row['hits']:>2} hits)"
                  + (f" · notmuch {nq!r:26} p50 {peer['p50']:6.1f} ms ({peer['hits']:>2} threads of "
                     f"{peer['threads']:,}, {peer['messages']:,} messages)" if peer else ""), flush=True)
    finally:
        cache.close()
        if child is not None:
            child.close()
    out = {"queries": rows, "ours": ms_figures(ours_all), "ours_cpu": ms_figures(ours_cpu)}
    if peer_all:
        out["notmuch"] = ms_figures(peer_all)
        out["notmuch_cpu"] = ms_figures(peer_cpu)
    return out


def run_timed(argv: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system, from wait4) of one process."""
    started = time.perf_counter()
    # Output to /dev/null (not a terminal either way), errors read to the end, then the child
    # reaped by wait4 for its CPU usage (Popen.wait would reap it without).
    child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    err = child.stderr.read()
    child.stderr.close()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed ({child.returncode}): {err.decode(errors='replace')[-500:]}")
    return seconds, usage.ru_utime + usage.ru_stime


def search_commands(home: Path, notmuch: Notmuch | None, repeats: int) -> dict:
    """Whole processes, ours and notmuch's alternating, every query ``repeats`` times."""
    ours_env = {**os.environ, "HELPDESK_TUI_HOME": str(home), "PYTHONPATH": str(ROOT)}
    ours_argv = [sys.executable, "-m", "helpdesk_tui", "search", "", "--limit", "20", "--json"]
    queries = [(q, notmuch_query(q)) for q in SEARCH_QUERIES]
    run_timed([*ours_argv[:4], "password", *ours_argv[5:]], ours_env, ROOT)  # warm-up, untimed
    if notmuch is not None:
        run_timed(notmuch.search_argv("password*"), notmuch.env, ROOT)
    ours, peer = [], []
    for _ in range(repeats):
        for q, nq in queries:
            ours.append(run_timed([*ours_argv[:4], q, *ours_argv[5:]], ours_env, ROOT))
            if notmuch is not None and nq is not None:
                peer.append(run_timed(notmuch.search_argv(nq), notmuch.env, ROOT))
    out = {"ours": ms_figures([w for w, _ in ours]), "ours_cpu": ms_figures([c for _, c in ours]),
           "argv": [*ours_argv[:4], "Q", *ours_argv[5:]]}
    if peer:
        out["notmuch"] = ms_figures([w for w, _ in peer])
        out["notmuch_cpu"] = ms_figures([c for _, c in peer])
    return out


# ------------------------------------------------------------------ neomutt

def neomutt_open(maildir: Path, work: Path, runs: int) -> dict:
    """Start neomutt on the Maildir in a tmux of our own until the index shows; cold and warm header cache."""
    hcache = work / "neomutt-hcache"
    rc = work / "neomuttrc"
    rc.write_text(f"set folder={maildir.parent}\nset header_cache={hcache}/\n")
    starts = iter(range(1_000_000))

    def once() -> float:
        # A tmux server of our own per start: a server just killed may still hold its socket.
        tmux = ["tmux", "-L", f"hd-peers-{os.getpid()}-{next(starts)}", "-f", "/dev/null"]
        started = time.perf_counter()
        subprocess.run([*tmux, "new-session", "-d", "-s", "peers", "-x", str(SIZE[0]), "-y", str(SIZE[1]),
                        f"neomutt -n -F {rc} -f {maildir}"], check=True)
        try:
            deadline = started + 600
            while time.perf_counter() < deadline:
                screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", "peers"], capture_output=True,
                                        text=True).stdout
                # The status bar with the message count, under index rows: the first screen.
                if "Msgs:" in screen and re.search(r"^\s*\d+\s+\S", screen, re.MULTILINE):
                    return time.perf_counter() - started
                time.sleep(0.02)
            raise SystemExit("neomutt did not show the index within 10 minutes")
        finally:
            subprocess.run([*tmux, "kill-server"], capture_output=True)

    cold, warm = [], []
    for _ in range(runs):
        shutil.rmtree(hcache, ignore_errors=True)
        hcache.mkdir()
        cold.append(once())
        warm.append(once())
    size = disk_bytes(hcache)["bytes"]
    return {"cold": [round(s * 1000) for s in cold], "warm": [round(s * 1000) for s in warm],
            "cold_ms": statistics.median(cold) * 1000, "warm_ms": statistics.median(warm) * 1000,
            "header_cache_bytes": size}


def time_demo_build(tickets: int, work: Path) -> dict:
    """Build the same demo workspace again in a scratch folder (deleted after): ``demo --build-only`` timed."""
    scratch = work / "build-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "helpdesk_tui", "demo", "--tickets", str(tickets), "--build-only",
                           "--home", str(scratch)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    shutil.rmtree(scratch, ignore_errors=True)
    return {"seconds": seconds if done.returncode == 0 else None, "code": code_state.git_state(ROOT), "load": load(),
            "how": "demo --build-only into a scratch folder, timed by bench_peers.py"}


def first_frame(home: Path, tickets: int, workstation_json: Path | None) -> dict | None:
    """The app's launch → first inbox frame, from bench_workstation.py's JSON (run it when absent)."""
    path = workstation_json or HERE / "out" / f"workstation-{tickets}.json"
    if not path.exists():
        path = HERE / "out" / f"workstation-peers-{tickets}.json"
        print(f"\n== bench_workstation.py (launches only) → {path}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / "bench_workstation.py"), "--home", str(home),
                               "--tickets", str(tickets), "--launches", "3", "--keys", "3", "--targets", "0",
                               "--json", str(path)], cwd=ROOT)
        if done.returncode != 0 or not path.exists():
            return None
    data = json.loads(path.read_text())
    launches = [v * 1000 for v in data.get("launch", [])]
    if not launches:
        return None
    return {"ms": statistics.median(launches), "runs": [round(v) for v in launches], "from": str(path)}


# ------------------------------------------------------------------ table

def ratio(ours: float | None, peer: float | None) -> str:
    if not ours or not peer:
        return "—"
    return f"{ours / peer:.2f}"


def fmt(ms: float | None) -> str:
    if ms is None:
        return "—"
    if ms >= 10_000:
        return f"{ms / 1000:,.1f} s"
    return f"{ms:,.0f} ms" if ms >= 100 else f"{ms:.1f} ms"


def mb(n: int | None) -> str:
    return "—" if n is None else f"{n / 1e6:,.0f} MB"


def pair(a: float, b: float) -> str:
    """Two times of one kind: "p50 5.0, p99 11.5 ms"."""
    unit = fmt(b).split()[-1]
    return f"p50 {fmt(a).split()[0] if fmt(a).split()[-1] == unit else fmt(a)}, p99 {fmt(b)}"


def table(figures: dict) -> list[tuple[str, ...]]:
    """what, ours, the peer's, ours ÷ peer's, the target and its verdict (one column: 100 columns are few)."""
    rows: list[tuple[str, ...]] = [("what", "helpdesk-tui", "notmuch / neomutt", "ours/peer", "target")]

    def add(what: str, ours: str, peer: str, r: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((what, ours, peer, r, target + ("" if ok is None else "  " + ("ok" if ok else "MISSED"))))

    s = figures.get("search_in_process")
    if s:
        o, p = s["ours"], s.get("notmuch")
        r99 = o["p99"] / p["p99"] if p else None
        add("search in-process, first 20", pair(o["p50"], o["p99"]),
            f"{pair(p['p50'], p['p99'])} (notmuch2)" if p else "not measured",
            f"{ratio(o['p50'], p['p50'])} / {ratio(o['p99'], p['p99'])}" if p else "—",
            f"p99 ≤ {TARGET_SEARCH_RATIO:.1f}×", None if r99 is None else r99 <= TARGET_SEARCH_RATIO)
    if s and s.get("ours_cpu") and s.get("notmuch_cpu"):
        o, p = s["ours_cpu"], s["notmuch_cpu"]
        add("  the same, CPU time", pair(o["p50"], o["p99"]), pair(p["p50"], p["p99"]),
            f"{ratio(o['p50'], p['p50'])} / {ratio(o['p99'], p['p99'])}")
    c = figures.get("search_command")
    if c:
        o, p = c["ours"], c.get("notmuch")
        add("search as a command", pair(o["p50"], o["p99"]), pair(p["p50"], p["p99"]) if p else "not measured",
            f"{ratio(o['p50'], p['p50'])} / {ratio(o['p99'], p['p99'])}" if p else "—",
            f"p50 ≤ {TARGET_COMMAND_MS:.0f} ms", o["p50"] <= TARGET_COMMAND_MS)
    if c and c.get("ours_cpu") and c.get("notmuch_cpu"):
        o, p = c["ours_cpu"], c["notmuch_cpu"]
        add("  the same, CPU time", pair(o["p50"], o["p99"]), pair(p["p50"], p["p99"]),
            f"{ratio(o['p50'], p['p50'])} / {ratio(o['p99'], p['p99'])}")
    b = figures.get("build")
    if b:
        ours = b.get("ours_seconds")
        peer = b.get("notmuch_new", {}).get("seconds")
        add("index from nothing", f"{ours:,.1f} s (demo build)" if ours else "— (no build.json)",
            f"{peer:,.1f} s (notmuch new)" if peer else "not measured", ratio(ours, peer))
    e = figures.get("export")
    if e:
        add("(export to the Maildir)", "", f"{e['messages']:,} files, "
            + (f"{e['first_seconds']:.1f} s" if e.get("first_seconds") else "?") + (" (reused)" if e["reused"] else ""),
            "")
    f = figures.get("open")
    if f:
        ours = f.get("ours", {}).get("ms") if f.get("ours") else None
        n = f.get("neomutt")
        add("open → first screen", f"{fmt(ours)} (first frame)" if ours else "not measured",
            f"{fmt(n['cold_ms'])} cold, {fmt(n['warm_ms'])} warm" if n else "not measured",
            f"{ratio(ours, n['cold_ms'])} / {ratio(ours, n['warm_ms'])}" if n and ours else "—")
    d = figures.get("disk")
    if d:
        nm = d.get("notmuch")
        add("index on disk", f"{mb(d['ours'])} (whole cache)", f"{mb(nm)} (.notmuch)" if nm else "not measured",
            ratio(d["ours"], nm))
        if d.get("maildir"):
            add("(the Maildir itself)", "", f"{mb(d['maildir'])} ({mb(d.get('maildir_bytes'))} of text)", "")
    return rows


NOTES = ("ours/peer: ours ÷ the peer's (below 1: ours is faster or smaller); two of them: p50 / p99, or neomutt "
         "with a cold / warm header cache. Search: {queries} queries, threads newest first on notmuch's side. "
         "CPU time (the searching thread; a command's user + system time) moves less than wall time when "
         "the machine is busy.")


# ------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", required=True, type=Path, help="the workspace (a copy: it is opened)")
    parser.add_argument("--tickets", type=int, required=True, help="its size (names the output files)")
    parser.add_argument("--work", type=Path, help="Maildir and notmuch database (default: HOME/../peers-N)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each query in-process")
    parser.add_argument("--command-repeats", type=int, default=3, help="timed runs of each query as a command")
    parser.add_argument("--neomutt-runs", type=int, default=3, help="cold and warm neomutt starts")
    parser.add_argument("--keep-index", action="store_true",
                        help="reuse the notmuch database of an earlier run (its notmuch new time is kept)")
    parser.add_argument("--time-build", action="store_true",
                        help="time our build in a scratch folder even when HOME/build.json has a time")
    parser.add_argument("--workstation-json", type=Path,
                        help="bench_workstation.py's JSON for the first frame (default: out/workstation-N.json)")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["in-process", "commands", "neomutt", "first-frame"])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    home = args.home.resolve()
    work = (args.work or home.parent / f"peers-{args.tickets}").resolve()
    work.mkdir(parents=True, exist_ok=True)
    db = code_state.database_path(ROOT, home)
    out_json = args.json or HERE / "out" / f"peers-{args.tickets}.json"
    out_json.parent.mkdir(parents=True, exist_ok=True)
    figures: dict = {"tickets": args.tickets, "code": code_state.git_state(ROOT), "app_tree": code_state.app_tree(ROOT),
                     "load_at_start": load(),
                     "queries": "bench_store.SEARCH_QUERIES", "taken": time.strftime("%Y-%m-%d %H:%M:%S")}
    have = missing_peers()
    figures["peers"] = have
    absent = [name for name, ok in have.items() if not ok]
    if absent:
        print(f"{', '.join(absent)} not found: the parts that need them are skipped (Debian: {INSTALL}).")
    print(f"workspace {home} ({args.tickets:,} tickets), work folder {work}; load average {load()}", flush=True)

    mail_root = work / "mail"
    maildir = mail_root / "helpdesk"

    def progress(done: int, total: int) -> None:
        print(f"   exported {done:,} of {total:,}", end="\r", flush=True)

    print("\n== export to a Maildir", flush=True)
    exported = export_maildir(db, maildir, stamp=work / "export.json", progress=progress)
    figures["export"] = export_record(exported)
    print(f"   {exported.messages:,} files, {exported.bytes / 1e6:,.0f} MB: "
          + ("reused an earlier export of this workspace" if exported.reused
             else f"{exported.written:,} written in {exported.seconds:.1f} s"), flush=True)

    notmuch = Notmuch(work, mail_root) if have["notmuch"] else None
    build = json.loads((home / "build.json").read_text()) if (home / "build.json").exists() else {}
    if args.time_build or not build.get("seconds"):
        print(f"\n== our build from nothing: demo --tickets {args.tickets:,} --build-only (load average {load()})",
              flush=True)
        build = time_demo_build(args.tickets, work)
        print(f"   {build['seconds']:.1f} s" if build["seconds"] else "   failed", flush=True)
    figures["build"] = {"ours_seconds": build.get("seconds"), "ours_code": build.get("code"),
                        "ours_how": build.get("how", "HOME/build.json")}
    if notmuch is not None:
        print(f"\n== notmuch new (XAPIAN_CJK_NGRAM=1){' — reusing the index' if args.keep_index else ''}",
              flush=True)
        new = notmuch.new(fresh=not args.keep_index)
        figures["build"]["notmuch_new"] = new
        print(f"   {new['seconds']:.1f} s, peak RSS {new['peak_rss_kb'] / 1024:.0f} MB (load average {new['load']})",
              flush=True)
        figures["cjk"] = {q: {"with_ngrams": notmuch.count(q), "without": notmuch.count(q, ngrams=False)}
                          for q in ("返金", "パスワード")}
        print("   CJK check (messages found, n-grams on / off at query time): "
              + ", ".join(f"{q} {v['with_ngrams']:,} / {v['without']:,}" for q, v in figures["cjk"].items()),
              flush=True)

    def save() -> None:  # after each part: a part that fails later loses nothing measured before it
        out_json.write_text(json.dumps(figures, ensure_ascii=False, indent=1))

    save()
    if "in-process" not in args.skip:
        print(f"\n== search, first 20, in-process; {args.repeats} timed runs each (load average {load()})",
              flush=True)
        figures["search_in_process"] = search_in_process(db, notmuch if have["notmuch2"] else None, args.repeats)
        save()
    if "commands" not in args.skip:
        print(f"\n== search as a whole command; {args.command_repeats} runs of each query (load average {load()})",
              flush=True)
        figures["search_command"] = search_commands(home, notmuch, args.command_repeats)
        c = figures["search_command"]
        print(f"   ours p50 {fmt(c['ours']['p50'])}"
              + (f", notmuch p50 {fmt(c['notmuch']['p50'])}" if c.get("notmuch") else ""), flush=True)
        save()
    figures["open"] = {}
    if "first-frame" not in args.skip:
        figures["open"]["ours"] = first_frame(home, args.tickets, args.workstation_json)
    if "neomutt" not in args.skip and have["neomutt"] and have["tmux"]:
        print(f"\n== neomutt → index screen, tmux {SIZE[0]}x{SIZE[1]} (load average {load()})", flush=True)
        try:
            figures["open"]["neomutt"] = n = neomutt_open(maildir, work, args.neomutt_runs)
            print(f"   cold header cache {n['cold']} ms, warm {n['warm']} ms", flush=True)
        except (OSError, subprocess.CalledProcessError, SystemExit) as error:  # the rest is still worth having
            print(f"   neomutt under tmux failed: {error}; not measured", flush=True)
    ours_bytes = sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())
    # Blocks on disk for the peers' folders (a 4 KB block per small file is what a Maildir costs),
    # bytes too; our cache is two large files, where the two agree.
    mail_disk = disk_bytes(maildir)
    index_disk = disk_bytes(notmuch.database) if notmuch and notmuch.database.exists() else None
    figures["disk"] = {"ours": ours_bytes, "maildir": mail_disk["disk"], "maildir_bytes": mail_disk["bytes"],
                       "notmuch": index_disk["disk"] if index_disk else None,
                       "notmuch_bytes": index_disk["bytes"] if index_disk else None}
    figures["load_at_end"] = load()
    print_table(table(figures))
    print(textwrap.fill(NOTES.format(queries=len(SEARCH_QUERIES)), 100))
    print(f"\n{os.cpu_count()} cores, load average at the start {figures['load_at_start']}, now "
          f"{figures['load_at_end']}; queries: bench_store.py's SEARCH_QUERIES ({len(SEARCH_QUERIES)}). "
          f"JSON: {out_json}")
    save()
    return figures


if __name__ == "__main__":
    main()
