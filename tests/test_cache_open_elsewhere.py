"""Commands that would replace or orphan a cache while another process has it open.

`demo --rebuild` (or a demo of another size) while another process has the demo cache open:
the build used to delete the live -wal and -shm and rename the new file over the cache: the
process that had it open went on writing into an unlinked inode and a deleted WAL, and every
write it made afterwards was lost without an error. Now the new workspace goes in through
SQLite's own locks, and while another program has the cache open the build refuses in one
sentence instead. `account remove` while the app is open on the account refuses the same
way: the app would go on syncing for an account that is gone, into a cache the agent was
about to delete. Real processes, as the app and the commands are.
"""

from __future__ import annotations

import ast
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.cache_crowd import ROOT, cli, links, private_env

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/fd")

TICKETS = "40"

# Holds the cache open as the app does (store.db.open_database) and writes on request.
HOLDER = textwrap.dedent("""
    import sys
    from helpdesk_tui.store.db import open_database, transaction
    from helpdesk_tui.store.writer import set_meta
    conn = open_database(sys.argv[1])
    print("ready", flush=True)
    for line in sys.stdin:
        with transaction(conn):
            set_meta(conn, line.strip(), "written by the holder")
        print("ok", flush=True)
    conn.close()
""")


class Holder:
    def __init__(self, db: Path, env: dict[str, str]) -> None:
        self.db = db
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], env=env, cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def write(self, key: str) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(key + "\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "ok"

    def deleted_links(self) -> list[str]:
        return [link for link in links(self.proc.pid) if link.startswith(str(self.db)) and "(deleted)" in link]

    def close(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def fresh_read(db: Path, query: str) -> list[tuple]:
    """What a new process sees (not this test's own connection, which would share nothing)."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, sys
        conn = sqlite3.connect(sys.argv[1], timeout=10)
        print(repr(conn.execute({query!r}).fetchall()))
        conn.close()
    """), str(db)], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    return ast.literal_eval(out.stdout)


@pytest.fixture
def demo_home(tmp_path):
    env = private_env(tmp_path / "home")
    built = cli(env, "demo", "--build-only", "--tickets", TICKETS)
    assert built.returncode == 0, built.stderr
    return env, Path(built.stdout.strip())


def test_rebuild_while_another_process_has_the_demo_open_refuses_and_loses_nothing(demo_home):
    env, db = demo_home
    holder = Holder(db, env)
    try:
        holder.write("holder-before")
        for args in (("--rebuild",), ("--tickets", "41")):  # asked for, or a demo of another size
            refused = cli(env, "demo", "--build-only", "--tickets", TICKETS, *args)
            assert refused.returncode == 1, (args, refused.stdout, refused.stderr)
            sentence = refused.stderr.strip()
            assert "Traceback" not in sentence and len(sentence.splitlines()) == 1, sentence
            assert "is open in another program" in sentence and "close it first" in sentence, sentence
        holder.write("holder-after")
        assert holder.deleted_links() == []
        assert Path(f"{db}-wal").exists()  # still the WAL the holder writes to
        seen = fresh_read(db, "SELECT key FROM meta WHERE key LIKE 'holder-%' ORDER BY key")
        assert seen == [("holder-after",), ("holder-before",)]
        assert fresh_read(db, "PRAGMA integrity_check") == [("ok",)]
        assert not list(db.parent.glob("*.building*"))  # the refused build left nothing behind
    finally:
        holder.close()
    # Closed: the rebuild goes ahead and starts clean.
    rebuilt = cli(env, "demo", "--build-only", "--rebuild", "--tickets", TICKETS)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert fresh_read(db, "SELECT key FROM meta WHERE key LIKE 'holder-%'") == []
    assert fresh_read(db, "SELECT count(*) FROM tickets") == [(int(TICKETS),)]
    assert fresh_read(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_process_opening_the_demo_after_a_rebuild_reads_and_writes_the_new_one(demo_home):
    """The new content went in through SQLite: a program that had the old cache open before and
    closed it, and one that opens it after, both meet one coherent file, private as before."""
    env, db = demo_home
    holder = Holder(db, env)
    holder.write("old-workspace")
    holder.close()
    rebuilt = cli(env, "demo", "--build-only", "--tickets", "45")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert os.stat(db).st_mode & 0o777 == 0o600
    after = Holder(db, env)
    try:
        after.write("new-workspace")
        assert after.deleted_links() == []
    finally:
        after.close()
    assert fresh_read(db, "SELECT key FROM meta WHERE key LIKE '%-workspace'") == [("new-workspace",)]
    assert fresh_read(db, "SELECT count(*) FROM tickets") == [(45,)]
    assert fresh_read(db, "PRAGMA integrity_check") == [("ok",)]


def test_rebuild_replaces_a_demo_cache_that_is_not_a_database(tmp_path):
    from datetime import UTC, datetime

    from helpdesk_tui.demo.workspace_db import ensure_demo_workspace

    db = tmp_path / "demo.sqlite"
    db.write_bytes(b"not a database at all " * 300)
    assert ensure_demo_workspace(db, seed=7, tickets=20, now=datetime.now(UTC), rebuild=True)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM tickets").fetchone() == (20,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


# ----- account remove


@pytest.fixture
def work_home(tmp_path):
    env = {**private_env(tmp_path / "home"), "HD_TOKEN": "secret-token",
           "PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
           "HD_TEST_KEYRING_FILE": str(tmp_path / "ring.json")}
    added = cli(env, "account", "add", "work", "--backend", "zendesk", "--url", "https://desk.example.com",
                "--user", "agent@example.com", "--token-env", "HD_TOKEN")
    assert added.returncode == 0, added.stderr
    db = Path(cli(env, "locate", "account-db", "--account", "work").stdout.strip())
    return env, db


def test_account_remove_while_the_app_has_its_cache_open_refuses_and_changes_nothing(work_home):
    env, db = work_home
    config = Path(env["HELPDESK_TUI_HOME"]) / "config" / "config.toml"
    before = config.read_text(encoding="utf-8")
    holder = Holder(db, env)
    try:
        holder.write("holder-before")
        refused = cli(env, "account", "remove", "work")
        assert refused.returncode == 1, (refused.stdout, refused.stderr)
        sentence = refused.stderr.strip()
        assert "Traceback" not in sentence and len(sentence.splitlines()) == 1, sentence
        assert sentence == (f"helpdesk-tui: The cache of account 'work' ({db}) is open in another program "
                            "(helpdesk-tui, a command or an sqlite3 shell): close it first, then remove the "
                            "account; nothing was changed."), sentence
        assert config.read_text(encoding="utf-8") == before
        assert "secret-token" in Path(env["HD_TEST_KEYRING_FILE"]).read_text(encoding="utf-8")
        holder.write("holder-after")
        assert holder.deleted_links() == []
    finally:
        holder.close()
    assert fresh_read(db, "SELECT count(*) FROM meta WHERE key LIKE 'holder-%'") == [(2,)]
    removed = cli(env, "account", "remove", "work")
    assert removed.returncode == 0, removed.stderr
    assert "Removed account 'work'" in removed.stdout and db.exists()
    assert "nothing a sync cannot bring back" in removed.stdout


def test_account_remove_says_what_only_the_kept_cache_holds_instead_of_advising_to_delete_it(work_home):
    env, db = work_home
    holder = Holder(db, env)
    holder.close()  # the cache exists, with its schema
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO drafts (ticket_id, kind, body, started_at, updated_at) "
                 "VALUES (1, 'public_reply', 'half an answer', 0, 0)")
    conn.commit()
    conn.close()
    removed = cli(env, "account", "remove", "work")
    assert removed.returncode == 0, removed.stderr
    kept = removed.stdout.strip().splitlines()[-1]
    assert kept == (f"Its local cache {db} was kept, and it still holds what exists nowhere else (1 draft): "
                    "adding the account 'work' again picks it up; delete it only if you need none of that."), kept


# ----- a report written over a cache by mistake


def test_a_report_aimed_at_the_cache_is_refused_and_the_open_cache_keeps_its_writes(demo_home):
    env, db = demo_home
    holder = Holder(db, env)
    try:
        holder.write("holder-before")
        for target in (db, Path(f"{db}-wal")):
            refused = cli(env, "handover", "--output", str(target))
            assert refused.returncode == 1, (refused.stdout, refused.stderr)
            assert refused.stderr.strip() == (f"helpdesk-tui: Cannot write {target}: that folder holds the accounts' "
                                              f"caches ({db.parent}); give a file name somewhere else.")
        holder.write("holder-after")
        assert holder.deleted_links() == []
    finally:
        holder.close()
    assert fresh_read(db, "SELECT count(*) FROM meta WHERE key LIKE 'holder-%'") == [(2,)]
    assert fresh_read(db, "PRAGMA integrity_check") == [("ok",)]


def test_two_rebuilds_at_once_leave_one_complete_workspace_and_no_leftovers(demo_home):
    """Each build has a file of its own: neither deletes the other's under its connection."""
    env, db = demo_home
    command = [sys.executable, "-m", "helpdesk_tui", "demo", "--build-only", "--rebuild", "--tickets", "300"]
    runs = [subprocess.Popen(command, env=env, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)]
    results = [(run.wait(timeout=120), run.stderr.read() if run.stderr else "") for run in runs]
    for run in runs:
        for stream in (run.stdout, run.stderr):
            if stream is not None:
                stream.close()
    assert any(code == 0 for code, _ in results), results
    for code, err in results:
        assert code == 0 or "is open in another program" in err, (code, err)
    assert fresh_read(db, "SELECT count(*) FROM tickets") == [(300,)]
    assert fresh_read(db, "SELECT value FROM meta WHERE key = 'demo_complete'") == [("1",)]
    assert fresh_read(db, "PRAGMA integrity_check") == [("ok",)]
    assert not list(db.parent.glob("*.building*"))
