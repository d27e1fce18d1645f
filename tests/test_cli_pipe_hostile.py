"""`show` and `search` through a pipe (no rich) and with --json, on hostile message text, as
real processes: no terminal escape, C1 control, bidi override or NUL reaches the output, a very
long line is no traceback, and --json is valid JSON carrying the text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from helpdesk_tui.domain.models import Message
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import writer
from helpdesk_tui.store.db import open_database, transaction

HOSTILE = ("quokkazebra \x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ \x1b]0;PWNED\x07\x1b[2J "
           "\x9b31mred\x9b0m \x9d0;t\x9c invoice_\u202efdp.exe \u2066x\u2069 NUL\x00 BEL\x07 "
           + "long" * 20_000)
FORBIDDEN = ("\x1b", "\x9b", "\x9d", "\x07", "\x00", "\u202e", "\u2066")


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "FORCE_COLOR", "TTY_"))}
    env["HELPDESK_TUI_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, env=env, timeout=120)


def test_hostile_bodies_through_a_pipe_and_as_json(demo_home: Path):
    db = demo_home / "data" / "accounts" / "demo.sqlite"
    conn = open_database(db)
    tid, number = conn.execute("SELECT id, number FROM tickets ORDER BY id LIMIT 1").fetchone()
    when = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction(conn):
        writer.save_messages(conn, [Message(id=None, remote_id="hostile-1", ticket_id=tid, kind=MessageKind.CUSTOMER,
                                            author="x\x1b[31m", body=HOSTILE, created_at=when)])
    conn.close()
    for args in (["show", str(number)], ["search", "quokkazebra"]):
        out = _run(demo_home, *args)
        assert out.returncode == 0 and b"Traceback" not in out.stderr, out.stderr.decode(errors="replace")
        text = out.stdout.decode("utf-8")  # valid UTF-8: a lone surrogate is not written raw
        assert all(c not in text for c in FORBIDDEN), [c for c in FORBIDDEN if c in text]
        assert "quokkazebra" in text
    for args in (["show", str(number), "--json"], ["search", "quokkazebra", "--json"]):
        out = _run(demo_home, *args)
        assert out.returncode == 0 and b"Traceback" not in out.stderr, out.stderr.decode(errors="replace")
        data = json.loads(out.stdout)
        assert "quokkazebra" in json.dumps(data, ensure_ascii=False)
