"""The long run of tests/test_cache_processes.py: the app and other processes on one cache.

    .venv/bin/python scripts/soak_cache_processes.py --actions 120 --kills 12 --seed 3

Makes an account in a temporary home (synced from a fake Zendesk, or the demo), runs the app in a pseudo-terminal and drives it
by keys (drafts, replies, internal notes, customer notes, ratings, triage) while the CLI
(list, show, search, outbox, reply --queue-only, rate, sync), a plain sqlite3 reader and
sqlite3 .backup loop beside it; kill -9 at random points (fixed seed), restart, carry on.
At the end: every write acknowledged on screen or by a CLI exit status is in the file,
integrity_check is ok, no message id held two different texts, the WAL was never deleted
while the app held it. Prints what it checked; exits 1 with the problems otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cache_crowd import SQLITE3, Crowd, cli_targets, private_env, sqlite3_shell  # noqa: E402
from tests.cache_workload import Workload, check  # noqa: E402
from tests.fakes.zendesk_process import fake_zendesk_process  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=120, help="app actions in all (default 120)")
    parser.add_argument("--kills", type=int, default=12, help="kill -9 of the app at this many random actions")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--tickets", type=int, default=1200, help="how many tickets the account has")
    parser.add_argument("--backend", choices=["zendesk", "demo"], default="zendesk",
                        help="zendesk (default): a fake Zendesk in its own process, synced every second "
                        "by the app, as at work; demo: the demo workspace (no background sync)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home and print where it is")
    args = parser.parse_args()
    if args.actions < 10 or not 0 <= args.kills <= args.actions // 2:
        parser.error("--actions must be at least 10 and --kills at most half of them")

    base = Path(tempfile.mkdtemp(prefix="soak-cache-"))
    home = base / "home"
    with contextlib.ExitStack() as stack:
        if args.backend == "demo":
            built = subprocess.run([sys.executable, "-m", "helpdesk_tui", "demo", "--build-only", "--tickets",
                                    str(args.tickets), "--seed", "7"], env=private_env(home), cwd=ROOT,
                                   capture_output=True, text=True)
            if built.returncode != 0:
                print(built.stderr, file=sys.stderr)
                return 2
            work = Workload(home, random.Random(args.seed))
        else:
            url = stack.enter_context(fake_zendesk_process(bulk=args.tickets, users=200, organizations=20))
            env = {"PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
                   "HD_TEST_KEYRING_FILE": str(base / "keyring.json"), "ZD_TOKEN": "fake-api-token"}
            full = {**private_env(home), **env}
            for command in (["account", "add", "work", "--backend", "zendesk", "--url", url, "--user",
                             "agent@example.com", "--token-env", "ZD_TOKEN"], ["sync"]):
                done = subprocess.run([sys.executable, "-m", "helpdesk_tui", *command], env=full, cwd=ROOT,
                                      capture_output=True, text=True)
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    return 2
                if command[0] == "account":
                    with open(home / "config" / "config.toml", "a", encoding="utf-8") as config:
                        config.write("\n[sync]\ninterval_seconds = 1\n")
            work = Workload(home, random.Random(args.seed), account="work", env=env)
        return _soak(args, base, work)


def _soak(args: argparse.Namespace, base: Path, work: Workload) -> int:
    rng = work.rng
    workdir = base / "crowd"
    workdir.mkdir()
    crowd = Crowd(work.env, work.db, cli_targets(work.db), random.Random(args.seed + 1), workdir)
    most_connections = 0
    started = time.monotonic()
    work.watch.start()
    try:
        work.start()
        crowd.start()
        # In chunks of ten, to report progress and how many connections the app's pool reached.
        chunks = [10] * (args.actions // 10) + ([args.actions % 10] if args.actions % 10 >= 3 else [])
        kills = [0] * len(chunks)
        for index in rng.sample(range(len(chunks) * 7), args.kills):
            kills[index % len(chunks)] += 1
        for chunk, chunk_kills in zip(chunks, kills, strict=True):
            work.random_session(actions=chunk, kills=min(chunk_kills, chunk - 3))
            if work.app is not None:
                most_connections = max(most_connections, work.connections())
            print(f"  {work.serial} tokens written, {work.kills} kills, "
                  f"{len(work.expected) + len(work.rated)} acknowledged, {crowd.runs} other runs, "
                  f"{len(crowd.failures)} failures so far", flush=True)
        work.quit()
    finally:
        if work.app is not None:
            work.app.kill9()
        crowd.stop()
        work.watch.stop()
    problems = list(crowd.failures) + check(work, crowd) + [f"the app crashed during {c}" for c in work.crashes]
    backup = workdir / "backup.sqlite"
    if backup.exists():
        verdict = sqlite3_shell(backup, "PRAGMA integrity_check").stdout.strip()
        if verdict != "ok":
            problems.append(f"the last sqlite3 .backup: integrity_check {verdict[:200]}")
    print(f"{time.monotonic() - started:.0f} s; app actions acknowledged: {len(work.expected) + len(work.rated)}; "
          f"CLI replies {len(crowd.queued)}, CLI ratings {len(crowd.rated)}; other-process runs {crowd.runs}; "
          f"kill -9: {work.kills}; message ids followed: {len(crowd.ids)}; /proc looks: {work.watch.looks}; "
          f"most connections the app held at once: {most_connections}; actions whose keys went astray: "
          f"{len(work.missed)}; sqlite3 binary: {SQLITE3 or 'absent'}")
    if args.keep:
        print(f"kept: {base}")
    if problems:
        print("PROBLEMS:", *problems, sep="\n  ")
        return 1
    print("ok: every acknowledged write is in the file, integrity_check ok, no message id reused, "
          "the WAL never deleted under the app")
    return 0


if __name__ == "__main__":
    sys.exit(main())
