"""Bad, full, read-only, locked and damaged caches: one sentence, a non-zero exit, nothing lost.

The advice to move a cache aside is given only when SQLite's own check finds it damaged,
and then it says what would be lost; an intact cache holds the outbox and the drafts.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import CacheError, open_database, transaction
from helpdesk_tui.store.failures import explain
from helpdesk_tui.store.schema import MIGRATIONS

from tests.cache_crowd import ROOT, cli, links, private_env

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _one_sentence(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _with_draft_and_queued_reply(home: Path) -> Path:
    db = home / "data" / "accounts" / "demo.sqlite"
    cache = Cache(db, "demo")
    ticket = cache.find_ticket("10103")
    assert ticket is not None
    cache.save_draft(Draft(ticket.id, MessageKind.PUBLIC_REPLY, "half-written answer", NOW, NOW))
    cache.close()
    body = home / "reply.txt"
    body.write_text("queued from the CLI\n", encoding="utf-8")
    result = cli(private_env(home), "reply", "10104", "--queue-only", "--file", str(body))
    assert result.returncode == 0, result.stderr
    return db


# ----- the transaction helper

def test_a_failed_rollback_never_hides_the_error_that_caused_it(db):
    """SQLite ends the transaction itself after some errors (I/O error, disk full); the
    ROLLBACK that follows fails with 'no transaction is active' and used to replace the real error."""
    with pytest.raises(ValueError, match="the real problem"):
        with transaction(db):
            db.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
            db.execute("ROLLBACK")  # as SQLite does by itself on SQLITE_IOERR / SQLITE_FULL
            raise ValueError("the real problem")
    assert not db.in_transaction


def test_disk_full_inside_a_transaction_surfaces_as_disk_full(db):
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(sqlite3.OperationalError, match="full") as caught:
        with transaction(db):
            db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                           ((f"k{i}", "x" * 2000) for i in range(200)))
    assert not db.in_transaction
    assert "disk holding the cache" in explain(caught.value, Path("/some/acct.sqlite"))


# ----- migrations

def _old_cache(path: Path, version: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.close()


def test_processes_starting_together_on_an_old_cache_migrate_it_once(tmp_path):
    """Each process reads user_version, then waits for the write lock we hold: once we let go,
    the first migrates and the others must see it is done (re-reading under the lock)."""
    path = tmp_path / "old.sqlite"
    _old_cache(path, 3)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    code = ("import sys\nfrom helpdesk_tui.store.db import open_database\n"
            "conn = open_database(sys.argv[1])\n"
            "print(conn.execute('PRAGMA user_version').fetchone()[0])\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    try:
        deadline = time.monotonic() + 20
        while not all(any(link == str(path) for link in links(p.pid)) for p in procs):
            assert time.monotonic() < deadline, "the processes never opened the cache"
            time.sleep(0.05)
        time.sleep(0.5)  # each has read the old version and now waits for the lock
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    results = [p.communicate(timeout=30) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in results]
    assert [out.strip() for out, _ in results] == [str(len(MIGRATIONS))] * 3
    conn = open_database(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_newer_cache_is_refused_without_advice_to_remove_it(tmp_path):
    path = tmp_path / "a.sqlite"
    conn = open_database(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(Exception) as caught:
        open_database(path)
    assert "upgrade helpdesk-tui" in str(caught.value) and "remove" not in str(caught.value)


# ----- what the sentence says

def test_a_directory_where_the_cache_should_be_is_named(tmp_path):
    path = tmp_path / "acct.sqlite"
    path.mkdir()
    with pytest.raises(CacheError, match="is a directory") as caught:
        open_database(path)
    assert "move it aside" not in str(caught.value)


def test_a_file_where_the_cache_folder_should_be_is_named(tmp_path):
    (tmp_path / "accounts").write_text("x")
    with pytest.raises(CacheError, match="is a file, where the cache needs a folder"):
        open_database(tmp_path / "accounts" / "acct.sqlite")


def test_a_lock_held_by_another_process_is_said_as_such(tmp_path):
    path = tmp_path / "a.sqlite"
    open_database(path).close()
    holder = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys, time\n"
                               "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                               "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(30)",
                               str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        conn = sqlite3.connect(path, isolation_level=None, timeout=0.1)
        with pytest.raises(sqlite3.OperationalError) as caught:
            with transaction(conn):
                pass
        message = explain(caught.value, path)
    finally:
        holder.kill()
        holder.wait()
    assert "locked by another program" in message and "move" not in message


def test_an_intact_cache_is_never_called_damaged(tmp_path):
    """A 'malformed' error with an intact file (another process changing it, a deleted WAL
    recreated) must not bring advice that throws away the outbox and the drafts."""
    path = tmp_path / "a.sqlite"
    open_database(path).close()
    message = explain(sqlite3.DatabaseError("database disk image is malformed"), path)
    assert "intact" in message and "move it aside" not in message


def _corrupt_search_index(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = 'messages_fts_data' "
                                        "AND pagetype = 'leaf'")]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    assert len(pages) > 10
    with open(db, "r+b") as handle:  # a test's own descriptor on a closed cache: nobody has it open
        for page in pages:
            handle.seek((page - 1) * size + 8)
            handle.write(b"\xff" * 64)


def test_corrupt_pages_during_search_say_what_moving_the_cache_aside_loses(demo_home):
    db = _with_draft_and_queued_reply(demo_home)
    _corrupt_search_index(db)
    env = private_env(demo_home)
    answers = [cli(env, "search", word) for word in ("password", "backup", "invoice", "SSL")]
    failed = [r for r in answers if r.returncode != 0]
    assert failed, "the corrupt index was never read"
    sentence = _one_sentence(failed[0])
    assert "is damaged" in sentence and "move it aside" in sentence
    assert "1 queued reply or update" in sentence and "1 draft" in sentence


def test_lock_held_during_reply_is_one_sentence(demo_home, tmp_path):
    db = demo_home / "data" / "accounts" / "demo.sqlite"
    cli(private_env(demo_home), "list", "--limit", "1")  # any first-open work is done before the lock
    holder = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys, time\n"
                               "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                               "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(40)",
                               str(db)], stdout=subprocess.PIPE, text=True)
    body = tmp_path / "r.txt"
    body.write_text("hello\n", encoding="utf-8")
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        result = cli(private_env(demo_home), "reply", "10103", "--queue-only", "--file", str(body))
    finally:
        holder.kill()
        holder.wait()
    assert "locked by another program" in _one_sentence(result)


# ----- real file systems: a full disk and a read-only mount (needs root to mount a tmpfs)

def _can_mount() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def small_mount(tmp_path):
    if not _can_mount():
        pytest.skip("mounting a small tmpfs needs root")
    point = tmp_path / "mnt"
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield point
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _home_on(point: Path, demo_home: Path) -> tuple[Path, Path]:
    home = point / "home"
    shutil.copytree(demo_home, home)
    return home, home / "data" / "accounts" / "demo.sqlite"


def test_a_full_disk_is_said_and_the_cache_is_kept(small_mount, demo_home):
    _with_draft_and_queued_reply(demo_home)
    home, db = _home_on(small_mount, demo_home)
    env = private_env(home)
    assert cli(env, "list", "--limit", "1").returncode == 0
    filler = small_mount / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True)
    assert shutil.disk_usage(small_mount).free == 0
    body = demo_home / "r.txt"  # beside the full disk, not on it
    body.write_text("hello\n", encoding="utf-8")
    for args in (("list",), ("search", "password"), ("reply", "10105", "--queue-only", "--file", str(body)),
                 ("sync",), ("rate", "10105", "good")):
        result = cli(env, *args)
        if result.returncode == 0:
            continue  # a read that needed no new page may still work: fine
        sentence = _one_sentence(result)
        assert "is full" in sentence and "move" not in sentence and "damaged" not in sentence, (args, sentence)
    filler.unlink()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM drafts WHERE body = 'half-written answer'").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM outbox WHERE state != 'sent'").fetchone()[0] >= 1
    finally:
        conn.close()


def test_a_read_only_mount_is_said(small_mount, demo_home):
    home, db = _home_on(small_mount, demo_home)
    env = private_env(home)
    body = Path(demo_home) / "r.txt"
    body.write_text("hello\n", encoding="utf-8")
    subprocess.run(["mount", "-o", "remount,ro", str(small_mount)], check=True)
    for args in (("list",), ("reply", "10103", "--queue-only", "--file", str(body)), ("sync",)):
        sentence = _one_sentence(cli(env, *args))
        assert "read-only file system" in sentence and "move" not in sentence, (args, sentence)


def test_a_read_only_cache_file_is_said_with_the_command_that_fixes_it(tmp_path):
    path = tmp_path / "a.sqlite"
    open_database(path).close()
    path.chmod(0o400)
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)  # what a read-only file gives a writer
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    conn.close()
    message = explain(caught.value, path)
    assert f"The file {path} is read-only" in message and "chmod u+w" in message and "move" not in message
