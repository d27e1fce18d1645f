"""The demo account's cache: generated once, then kept and moved forward in time.

The demo's SLA clocks are relative to the moment it was generated. Rather than
regenerating (and losing the notes and drafts the user made), every opening shifts
the generated timestamps forward by the time that has passed, so clocks stay live.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from helpdesk_tui.demo.feedback import add_demo_feedback
from helpdesk_tui.demo.ratings import add_demo_ratings
from helpdesk_tui.store.bulk import load_workspace
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.sla_refresh import STALE_KEY
from helpdesk_tui.store.writer import get_meta, set_meta

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
    from helpdesk_tui.demo.generate import DemoSpec, DemoWorkspace

    partial = path.with_name(path.name + ".building")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    conn = open_database(partial)
    try:
        workspace = DemoWorkspace(DemoSpec(now=now, seed=seed, tickets=tickets))
        load_workspace(conn, workspace, progress=(lambda done: progress(done, tickets)) if progress else None)
        with transaction(conn):
            add_demo_ratings(conn, seed=seed, now=now)
            add_demo_feedback(conn, seed=seed, now=now)
            set_meta(conn, "demo_spec", json.dumps({"seed": seed, "tickets": tickets}))
            set_meta(conn, "demo_generated_at", str(int(now.timestamp())))
            set_meta(conn, "agent", workspace.agents[0])
            set_meta(conn, "demo_complete", "1")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    # Only a finished workspace takes the real name: an interrupted build is never opened.
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    partial.replace(path)
    Path(f"{partial}-wal").unlink(missing_ok=True)
    Path(f"{partial}-shm").unlink(missing_ok=True)


def _shift_to(conn, now: datetime, tickets: int) -> None:
    generated = int(get_meta(conn, "demo_generated_at") or 0)
    delta = int(now.timestamp()) - generated
    if delta < 60 or tickets > SHIFT_LIMIT:
        return
    sets = ", ".join(f"{c} = {c} + :d" for c in _TICKET_TIMES)
    with transaction(conn):
        conn.execute(f"UPDATE tickets SET {sets}, sla_key = CASE WHEN sla_due_at IS NOT NULL "
                     "THEN sla_key + :d ELSE sla_key - :d END", {"d": delta})
        conn.execute("UPDATE messages SET created_at = created_at + :d WHERE created_at <= :g",
                     {"d": delta, "g": generated})
        conn.execute("UPDATE events SET at = at + :d WHERE at <= :g", {"d": delta, "g": generated})
        conn.execute("UPDATE feedback_marks SET marked_at = marked_at + :d WHERE marked_at <= :g",
                     {"d": delta, "g": generated})
        conn.execute("UPDATE ratings SET created_at = created_at + :d WHERE created_at <= :g",
                     {"d": delta, "g": generated})
        conn.execute("UPDATE customers SET created_at = created_at + :d", {"d": delta})
        conn.execute("UPDATE kb_articles SET updated_at = updated_at + :d", {"d": delta})
        conn.execute("UPDATE customer_notes SET created_at = created_at + :d, updated_at = updated_at + :d "
                     "WHERE updated_at <= :g", {"d": delta, "g": generated})
        set_meta(conn, "demo_generated_at", str(generated + delta))
        # A uniform shift keeps round-the-clock due times right, not business-hours ones.
        set_meta(conn, STALE_KEY, "1")
