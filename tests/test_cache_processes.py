"""The app and other processes on the same cache at once: real processes, a real pty, kill -9.

Each test fails when ``store/db.py`` opens and closes a descriptor of its own on the cache
again: that close drops SQLite's POSIX locks, another process then believes it is alone,
checkpoints and deletes the WAL, and what the app writes next goes to a deleted file.
The long version of the second test is ``scripts/soak_cache_processes.py``.
"""

from __future__ import annotations

import random
import sys
import time

import pytest

from tests.cache_workload import Crowd, Workload, check, cli, cli_targets, sqlite3_shell

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/fd")


def test_draft_typed_after_the_cli_queued_a_reply_survives_kill_9(demo_home, tmp_path):
    """The sequence from the report: app open with a draft, `list` and `reply --queue-only`
    in a second terminal, more typing in the app, kill -9: nothing may be lost or damaged."""
    work = Workload(demo_home, random.Random(1))
    work.watch.start()
    target = cli_targets(work.db, 1)[0]
    body = tmp_path / "reply.txt"
    body.write_text("TKN-cli-second-terminal: the fix is deployed\n", encoding="utf-8")
    try:
        work.start()
        first = work.write_draft(leave_open=True)
        listed = cli(work.env, "list", "--limit", "5")
        assert listed.returncode == 0, listed.stderr
        queued = cli(work.env, "reply", target, "--queue-only", "--file", str(body))
        assert queued.returncode == 0, queued.stderr
        reader = sqlite3_shell(work.db, "SELECT count(*) FROM outbox")
        assert reader.returncode == 0, reader.stderr
        second = work.type_more()
        time.sleep(0.3)
        work.kill9()
        after = cli(work.env, "outbox")
        assert after.returncode == 0 and "malformed" not in after.stderr, after.stderr
    finally:
        if work.app is not None:
            work.app.kill9()
        work.watch.stop()
    assert check(work, None) == []
    conn_check = sqlite3_shell(work.db, "SELECT body FROM drafts", "SELECT count(*) FROM messages WHERE body LIKE "
                               "'%TKN-cli-second-terminal%'")
    assert first in conn_check.stdout and second in conn_check.stdout
    assert conn_check.stdout.strip().endswith("1")  # the CLI's reply, once


def test_app_writes_survive_other_processes_and_kill_9(demo_home, tmp_path):
    """A shorter run of the soak: the app types and sends while the CLI and sqlite3 loop beside
    it, with kill -9 at two random points (fixed seed); every acknowledged write is kept."""
    rng = random.Random(9)
    work = Workload(demo_home, rng)
    workdir = tmp_path / "crowd"
    workdir.mkdir()
    crowd = Crowd(work.env, work.db, cli_targets(work.db), random.Random(10), workdir)
    work.watch.start()
    try:
        work.start()
        crowd.start()
        work.random_session(actions=9, kills=2)
        work.quit()
    finally:
        if work.app is not None:
            work.app.kill9()
        crowd.stop()
        work.watch.stop()
    assert crowd.failures == []
    assert check(work, crowd) == []
    assert work.watch.looks > 50 and crowd.runs >= 5 and work.kills == 2
    assert len(work.expected) + len(work.rated) >= 5
    backup = workdir / "backup.sqlite"
    if backup.exists():
        assert sqlite3_shell(backup, "PRAGMA integrity_check").stdout.strip() == "ok"
