"""The demo account's cache: generated once, then kept and moved forward in time.

The demo's SLA clocks are relative to the moment it was generated. Rather than
regenerating (and losing the notes and drafts the user made), every opening shifts
the generated timestamps forward by the time that has passed, so clocks stay live.

Only generated rows move, never what the agent wrote: the build records the highest
generated id of each table (``demo_generated_ids``), and a row above it is the agent's
(a note written at 00:51 must still say 00:51 tomorrow). A ticket the agent has worked on
(a reply, a note, an event, a queued change, a triage action) stops moving altogether:
its timestamps are then partly the agent's, and a ticket only partly shifted would read
as if the customer answered before the agent wrote. From then on its clocks run in real
time, like a real ticket's.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.writer import get_meta, last_event_id, set_meta
from helpdesk_tui.store.writers_turn import TURN_SUFFIX

GENERATED_IDS_KEY = "demo_generated_ids"
_GENERATED_TABLES = ("messages", "events", "ratings", "feedback_marks", "customer_notes")
SHIFT_LIMIT = 50_000  # bigger workspaces are benchmarks: their clocks are left alone (0.65 s at 20k)
_TICKET_TIMES = ("created_at", "updated_at", "first_response_at", "first_response_due_at",
                 "next_checkpoint_at", "resolution_due_at", "solved_at", "sla_due_at", "deleted_at",
                 "first_update_at", "first_update_due_at", "update_due_at")


def ensure_demo_workspace(path: Path, *, seed: int, tickets: int, now: datetime, rebuild: bool = False,
                          progress: Callable[[int, int], None] | None = None) -> bool:
    """Make sure ``path`` holds the demo for (seed, tickets); returns True when it was built."""
    wanted = {"seed": seed, "tickets": tickets}
    if path.exists() and not rebuild:
        conn = open_database(path)
        try:
            spec = get_meta(conn, "demo_spec")
            if spec is not None and json.loads(spec) == wanted and get_meta(conn, "demo_complete") == "1":
                _shift_to(conn, now, tickets)
                return False
        finally:
            conn.close()
    _build(path, seed=seed, tickets=tickets, now=now, progress=progress)
    return True


def _build(path: Path, *, seed: int, tickets: int, now: datetime,
           progress: Callable[[int, int], None] | None) -> None:
    # The builder's modules are imported here, not by every opening of the demo (the way to the
    # app's first frame), which only checks that the workspace is there and shifts its clocks.
    from helpdesk_tui.demo.feedback import add_demo_feedback
    from helpdesk_tui.demo.generate import DemoSpec, DemoWorkspace
    from helpdesk_tui.demo.ratings import add_demo_ratings
    from helpdesk_tui.store.bulk import load_workspace
    from helpdesk_tui.store.install import install_database, refuse_if_in_use, remove_if_unused

    # Say at once, not after the build, that an open workspace cannot be replaced.
    refuse_if_in_use(path, _in_use(path))
    # A build of its own: another build running at the same time keeps its file open, and
    # deleting that under it is what this module must never do; only abandoned ones go.
    # The builder's process id is in the name: a file of a process still running may be in the
    # instant between its creation and its first lock, when no lock says it is in use.
    for leftover in path.parent.glob(f"{glob.escape(path.name)}.building*"):
        if not leftover.name.endswith(("-wal", "-shm", TURN_SUFFIX)) and not _builder_alive(leftover):
            remove_if_unused(leftover)
    partial = path.with_name(f"{path.name}.building-{os.getpid()}")
    conn = open_database(partial)
    try:
        workspace = DemoWorkspace(DemoSpec(now=now, seed=seed, tickets=tickets))
        load_workspace(conn, workspace, progress=(lambda done: progress(done, tickets)) if progress else None)
        with transaction(conn):
            add_demo_ratings(conn, seed=seed, now=now)
            add_demo_feedback(conn, seed=seed, now=now)
            set_meta(conn, "demo_spec", json.dumps({"seed": seed, "tickets": tickets}))
            set_meta(conn, "demo_generated_at", str(int(now.timestamp())))
            set_meta(conn, GENERATED_IDS_KEY, json.dumps(_max_ids(conn)))
            set_meta(conn, "agent", workspace.agents[0])
            set_meta(conn, "demo_complete", "1")
        # Tables keyed WITHOUT ROWID (events, tag rows) filled in key order still leave their
        # pages ~12 % empty (SQLite splits such pages evenly); VACUUM writes them full: 35 MB
        # at a million tickets, so a fresh workspace is as small as an upgraded one. Its copy
        # goes to a temporary file, not memory.
        conn.execute("PRAGMA temp_store=FILE")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    # Only a finished workspace takes the real name: an interrupted build is never opened. It
    # goes in through SQLite, never by renaming over the cache: an app open on it would go on
    # writing into a deleted file (see store/install.py).
    try:
        install_database(partial, path, in_use=_in_use(path))
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm"), Path(f"{partial}{TURN_SUFFIX}")):
            leftover.unlink(missing_ok=True)


def _builder_alive(partial: Path) -> bool:
    """Whether the process named in ``partial`` (``….building-PID``) is running (another build's file)."""
    pid = partial.name.rpartition("-")[2]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive, not ours to judge
        return True
    return True


def _in_use(path: Path) -> str:
    return (f"The demo workspace {path} is open in another program (helpdesk-tui, a command or an "
            "sqlite3 shell): close it first, then build the demo again (building replaces everything in it).")


def _max_ids(conn) -> dict[str, int]:
    # Events are keyed by ticket (schema v16): their max(id) would read the whole table.
    return {table: last_event_id(conn) if table == "events" else
            conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            for table in _GENERATED_TABLES}


def _generated_ids(conn) -> dict[str, int]:
    """The highest generated id per table, recorded at build time.

    A workspace built before they were recorded gets them now: its generated messages are
    the ones whose remote id is their own id (the agent's are NULL or "demo-…"); for the
    other tables everything up to now counts as generated, the best that can be known
    (``demo --rebuild`` starts clean).
    """
    recorded = get_meta(conn, GENERATED_IDS_KEY)
    if recorded is not None:
        return {table: int(json.loads(recorded).get(table, 0)) for table in _GENERATED_TABLES}
    ids = _max_ids(conn)
    ids["messages"] = conn.execute(
        "SELECT coalesce(max(id), 0) FROM messages WHERE remote_id = CAST(id AS TEXT)").fetchone()[0]
    with transaction(conn):
        set_meta(conn, GENERATED_IDS_KEY, json.dumps(ids))
    return ids


def _shift_to(conn, now: datetime, tickets: int) -> None:
    generated = int(get_meta(conn, "demo_generated_at") or 0)
    delta = int(now.timestamp()) - generated
    if delta < 60 or tickets > SHIFT_LIMIT:
        return
    from helpdesk_tui.store.sla_refresh import STALE_KEY  # the SLA refresh's modules: only when shifting

    ids = _generated_ids(conn)
    with transaction(conn):
        # Tickets the agent has worked on stay where they are (see the module's docstring).
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS demo_worked (ticket_id INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM demo_worked")
        conn.execute("INSERT OR IGNORE INTO demo_worked SELECT ticket_id FROM messages WHERE id > :m "
                     "UNION SELECT ticket_id FROM events WHERE id > :e "
                     "UNION SELECT ticket_id FROM outbox WHERE ticket_id IS NOT NULL "
                     "UNION SELECT ticket_id FROM triage_actions",
                     {"m": ids["messages"], "e": ids["events"]})
        live = "NOT IN (SELECT ticket_id FROM demo_worked)"
        sets = ", ".join(f"{c} = {c} + :d" for c in _TICKET_TIMES)
        conn.execute(f"UPDATE tickets SET {sets}, sla_key = CASE WHEN sla_due_at IS NOT NULL "
                     f"THEN sla_key + :d ELSE sla_key - :d END WHERE id {live}", {"d": delta})
        for table, column in (("messages", "created_at"), ("events", "at"), ("feedback_marks", "marked_at"),
                              ("ratings", "created_at")):
            conn.execute(f"UPDATE {table} SET {column} = {column} + :d WHERE id <= :g AND ticket_id {live}",
                         {"d": delta, "g": ids[table]})
        conn.execute("UPDATE customers SET created_at = created_at + :d", {"d": delta})
        conn.execute("UPDATE kb_articles SET updated_at = updated_at + :d", {"d": delta})
        # A generated note the agent edited keeps both times: its created_at must not pass its updated_at.
        conn.execute("UPDATE customer_notes SET created_at = created_at + :d, updated_at = updated_at + :d "
                     "WHERE id <= :g AND updated_at = created_at", {"d": delta, "g": ids["customer_notes"]})
        conn.execute("DELETE FROM demo_worked")
        set_meta(conn, "demo_generated_at", str(generated + delta))
        # A uniform shift keeps round-the-clock due times right, not business-hours ones.
        set_meta(conn, STALE_KEY, "1")
