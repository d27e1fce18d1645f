"""Time ``search``, ``list`` and ``show`` as whole commands, the way a script runs them.

    python benchmarks/bench_cli.py --home benchmarks/out/home-100000 --tickets 100000
    python benchmarks/bench_cli.py --home DIR --tickets N --repeats 20 --json benchmarks/out/cli.json

Each figure is one process from spawn to exit: ``python -m helpdesk_tui --home HOME …`` with the
code of ``HELPDESK_BENCH_APP_ROOT`` (or this checkout) first on ``PYTHONPATH``, its output read
through a pipe as a script would. Every command runs once untimed first (page cache warm, bytecode
written), then the commands take turns ``--repeats`` times, so load that comes and goes on the
machine falls on all of them alike. ``python -c pass`` is timed the same way: the floor.

The environment is the caller's, with one difference: ``PYTHONDONTWRITEBYTECODE`` is dropped and
bytecode goes to ``benchmarks/out/pycache`` (``PYTHONPYCACHEPREFIX``). An installed package has
its bytecode compiled; without it every run would compile the app's modules again (~100 ms), and
the prefix keeps the measured checkout's tree untouched.

CPU time (user + sys of the child, from ``getrusage``) is printed beside the wall time: it moves
less than wall time when other work shares the cores. ``-X importtime`` of each command gives the
modules it imports (a count that does not depend on load) and the 15 slowest by cumulative time.
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or HERE.parent)  # the app code measured
OUT = HERE / "out"

# English word, phrase, a word typed half-way (the last term is a prefix), Japanese, Hebrew.
SEARCH_QUERIES = ["refund", '"reset password"', "passw", "返金", "החזר"]
# Packages a read-only command should not need to import (what each one costs: MEASUREMENTS.md).
HEAVY = ("textual", "httpx", "sqlite_utils", "keyring", "ruamel", "jmespath", "jinja2", "platformdirs",
         "importlib.metadata", "markdown_it", "rich", "pygments", "yaml")


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank (with 20 samples the p99 is the worst)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def database_path(home: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from helpdesk_tui.config.paths import resolve_locations

    return resolve_locations(str(home)).account_db("demo")


def ticket_with_a_few_messages(db: Path) -> int:
    """The lowest ticket number whose thread has 3 to 5 messages (read-only: nothing migrates)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT t.number, (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id) FROM tickets t "
            "WHERE t.number > 0 ORDER BY t.number LIMIT 500").fetchall()
    finally:
        conn.close()
    for number, count in rows:
        if 3 <= count <= 5:
            return int(number)
    return int(rows[0][0])


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def commands(python: str, home: Path, ticket: int) -> dict[str, list[str]]:
    app = [python, "-m", "helpdesk_tui", "--home", str(home)]
    found: dict[str, list[str]] = {}
    for q in SEARCH_QUERIES:
        found[f"search:{q}"] = app + ["search", q, "--limit", "20", "--json"]
    found["list:--limit 20 --json"] = app + ["list", "--limit", "20", "--json"]
    found["list:--limit 20"] = app + ["list", "--limit", "20"]
    found["list:default"] = app + ["list"]
    found["show:plain"] = app + ["show", str(ticket)]
    found["show:json"] = app + ["show", str(ticket), "--json"]
    return found


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, child CPU seconds, bytes written to stdout) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, len(done.stdout)


def import_times(argv: list[str], env: dict[str, str], runs: int = 3) -> dict[str, float]:
    """Module → cumulative import ms (median of ``runs``), from ``-X importtime``."""
    per_module: dict[str, list[float]] = {}
    for _ in range(runs):
        done = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], env=env, cwd=ROOT,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True)
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            _, cumulative, name = line.split("|")
            per_module.setdefault(name.strip(), []).append(int(cumulative) / 1000)
    return {name: statistics.median(ms) for name, ms in per_module.items()}


def summary(samples: list[tuple[float, float, int]], argv: list[str] | None = None) -> dict:
    wall = [s[0] * 1000 for s in samples]
    cpu = [s[1] * 1000 for s in samples]
    result: dict = {"p50": round(percentile(wall, 50), 1), "p99": round(percentile(wall, 99), 1),
                    "n": len(samples), "cpu_p50": round(percentile(cpu, 50), 1)}
    if argv is not None:
        result["argv"] = argv[1:]  # without the interpreter's path
        result["stdout_bytes"] = samples[0][2]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="a demo workspace (helpdesk-tui demo --build-only)")
    parser.add_argument("--tickets", type=int, required=True, help="its size, recorded with the figures")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--json", type=Path, default=OUT / "cli.json", help="where to write the figures")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs the app")
    parser.add_argument("--no-whole-list", action="store_true",
                        help="skip `list` without --limit (it prints every ticket: ~10 s a run at 1M)")
    args = parser.parse_args()

    env = child_env()
    db = database_path(args.home)
    if not db.exists():
        raise SystemExit(f"No workspace at {args.home}: build one with "
                         f"'helpdesk-tui demo --tickets {args.tickets} --build-only --home {args.home}'.")
    ticket = ticket_with_a_few_messages(db)
    runs = commands(args.python, args.home, ticket)
    if args.no_whole_list:
        del runs["list:default"]
    runs["bare_python"] = [args.python, "-c", "pass"]
    load_before = os.getloadavg()
    print(f"app code: {ROOT}   workspace: {args.home} ({args.tickets:,} tickets), show #{ticket}")
    for argv in runs.values():  # warm: page cache, bytecode
        run_once(argv, env)
    samples: dict[str, list[tuple[float, float, int]]] = {key: [] for key in runs}
    keys = list(runs)
    for repeat in range(args.repeats):
        turn = keys[repeat % len(keys):] + keys[:repeat % len(keys)]  # a different one goes first each time
        for key in turn:
            samples[key].append(run_once(runs[key], env))

    figures: dict[str, dict] = {}
    for group in ("search", "list", "show"):
        mine = [k for k in keys if k.startswith(group + ":")]
        # `list` alone prints the whole inbox (N lines): its time is output, reported on its own line.
        together = [k for k in mine if k != "list:default"]
        figures[group] = summary([s for k in together for s in samples[k]])
        figures[group]["argv"] = runs[together[0]][1:]
        figures[group]["of"] = together
        for key in mine:
            figures[key] = summary(samples[key], runs[key])

    imports_by_command: dict[str, dict[str, float]] = {}
    for key in ("search:refund", "list:--limit 20 --json", "show:plain"):
        imports_by_command[key] = import_times(runs[key], env)
    for key, found in imports_by_command.items():
        figures[key]["modules"] = len(found)
        figures[key]["heavy"] = sorted({h for h in HEAVY for m in found if m == h or m.startswith(h + ".")})
    search_imports = imports_by_command["search:refund"]
    top = sorted(search_imports.items(), key=lambda item: -item[1])[:15]
    load_after = os.getloadavg()

    print(f"\n{'command':<30} {'p50 ms':>8} {'p99 ms':>8} {'cpu p50':>8} {'n':>4}  modules")
    for key, f in figures.items():
        print(f"{key:<30} {f['p50']:>8.1f} {f['p99']:>8.1f} {f['cpu_p50']:>8.1f} {f['n']:>4}  "
              f"{f.get('modules', '')} {' '.join(f.get('heavy', []))}")
    bare = summary(samples["bare_python"])
    print(f"{'python -c pass':<30} {bare['p50']:>8.1f} {bare['p99']:>8.1f} {bare['cpu_p50']:>8.1f} {bare['n']:>4}")
    print("\nimports of `search refund --limit 20 --json`, cumulative ms (median of 3):")
    for name, ms in top:
        print(f"  {ms:8.1f}  {name}")
    print(f"\nload average: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} (start), "
          f"{load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (end)")

    result = {
        "tickets": args.tickets, "commands": figures, "bare_python": bare,
        "imports": [[name, round(ms, 1)] for name, ms in top],
        "app_root": str(ROOT), "show_ticket": ticket,
        "load_average": {"start": list(load_before), "end": list(load_after)},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
