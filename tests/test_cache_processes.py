"""The app and other processes on the same cache at once: real processes, a real pty, kill -9.

Each test fails when ``store/db.py`` opens and closes a descriptor of its own on the cache
again: that close drops SQLite's POSIX locks, another process then believes it is alone,
checkpoints and deletes the WAL, and what the app writes next goes to a deleted file.
The long version of the second test is ``scripts/soak_cache_processes.py``.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.cache_crowd import ROOT, Crowd, FdWatch, cli, cli_targets, links, private_env, sqlite3_shell
from tests.cache_workload import Workload, check

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/fd")


@pytest.fixture
def zendesk_home(tmp_path):
    """A home whose default account 'work' is synced from a fake Zendesk in its own process, with
    a sync every second: the app's sync worker then uses the cache beside the UI, as at work."""
    from tests.fakes.zendesk_process import fake_zendesk_process

    home = tmp_path / "zhome"
    env = {"PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
           "HD_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"), "ZD_TOKEN": "fake-api-token"}
    with fake_zendesk_process(bulk=60, users=20, organizations=5) as url:
        full = {**private_env(home), **env}
        added = subprocess.run([sys.executable, "-m", "helpdesk_tui", "account", "add", "work", "--backend", "zendesk",
                                "--url", url, "--user", "agent@example.com", "--token-env", "ZD_TOKEN"],
                               env=full, cwd=ROOT, capture_output=True, text=True)
        assert added.returncode == 0, added.stderr
        with open(home / "config" / "config.toml", "a", encoding="utf-8") as config:
            config.write("\n[sync]\ninterval_seconds = 1\n")
        synced = cli(full, "sync")
        assert synced.returncode == 0, synced.stderr
        yield home, env


def test_draft_typed_after_the_cli_queued_a_reply_survives_kill_9(zendesk_home, tmp_path):
    """The sequence from the report: app open with a draft, `list` and `reply --queue-only`
    in a second terminal, more typing in the app, kill -9: nothing may be lost or damaged."""
    home, env = zendesk_home
    work = Workload(home, random.Random(1), account="work", env=env)
    work.watch.start()
    target = cli_targets(work.db, 1)[0]
    body = tmp_path / "reply.txt"
    body.write_text("TKN-cli-second-terminal: the fix is deployed\n", encoding="utf-8")
    try:
        work.start()
        work.send("r", "reply")  # sent, and the sync beside the UI: the app now has two connections
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


def test_app_writes_survive_other_processes_and_kill_9(zendesk_home, tmp_path):
    """A shorter run of the soak: the app types and sends while the CLI and sqlite3 loop beside
    it, with kill -9 at two random points (fixed seed); every acknowledged write is kept."""
    home, env = zendesk_home
    rng = random.Random(9)
    work = Workload(home, rng, account="work", env=env)
    workdir = tmp_path / "crowd"
    workdir.mkdir()
    crowd = Crowd(work.env, work.db, cli_targets(work.db), random.Random(10), workdir)
    work.watch.start()
    try:
        work.start()
        crowd.start()
        work.random_session(actions=8, kills=2)
        work.until_acknowledged(4, at_most=8)
        work.quit()
    finally:
        if work.app is not None:
            work.app.kill9()
        crowd.stop()
        work.watch.stop()
    assert crowd.failures == []
    assert check(work, crowd) == []
    assert work.crashes == []
    assert work.watch.looks > 50 and crowd.runs >= 5 and work.kills == 2
    assert work.acknowledged() >= 4, work.missed
    backup = workdir / "backup.sqlite"
    if backup.exists():
        assert sqlite3_shell(backup, "PRAGMA integrity_check").stdout.strip() == "ok"


def test_a_process_with_two_connections_keeps_its_wal_when_the_cli_comes_and_goes(demo_home, tmp_path):
    """The root cause, without a terminal: a process holding the cache with two pooled
    connections (the app with a sync beside the UI) saves drafts while `list` and
    `reply --queue-only` run and exit beside it; killed with -9, every saved draft is there."""
    db = demo_home / "data" / "accounts" / "demo.sqlite"
    env = private_env(demo_home)
    conn = sqlite3.connect(db)
    ticket_id, number = conn.execute("SELECT id, number FROM tickets ORDER BY sla_key LIMIT 1").fetchone()
    conn.close()
    target = cli_targets(db, 1)[0]
    body = tmp_path / "reply.txt"
    body.write_text("TKN-cli-holder-reply\n", encoding="utf-8")
    holder = subprocess.Popen([sys.executable, "-m", "tests.cache_holder", str(db), str(ticket_id)], env=env,
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    watch = FdWatch(db)
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "ready"
        watch.pid = holder.pid
        watch.start()
        assert sum(1 for link in links(holder.pid) if link == str(db)) == 2
        for step, args in enumerate((("list", "--limit", "3"), ("reply", target, "--queue-only", "--file", str(body)),
                                     ("show", str(number)), ("outbox",))):
            holder.stdin.write(f"line {step} before '{args[0]}'\n")
            holder.stdin.flush()
            assert holder.stdout.readline().strip() == "saved"
            result = cli(env, *args)
            assert result.returncode == 0, result.stderr
            time.sleep(0.1)  # a look at /proc between the command and the next write
        holder.stdin.write("the last line\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "saved"
        deleted = sorted({link for link in links(holder.pid) if link.startswith(str(db)) and "(deleted)" in link})
    finally:
        holder.kill()
        holder.wait(timeout=10)
        watch.stop()
    assert deleted == [] and watch.deleted == []
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        draft = conn.execute("SELECT body FROM drafts WHERE ticket_id = ?", (ticket_id,)).fetchone()
        assert draft is not None and draft[0].endswith("the last line\n") and draft[0].startswith("line 0")
        assert conn.execute("SELECT count(*) FROM messages WHERE body LIKE '%TKN-cli-holder-reply%'").fetchone()[0] == 1
    finally:
        conn.close()
