"""``helpdesk-tui sessions``: stored focus sessions listed and shown, from a real cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest

from helpdesk_tui import cli
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import outbox, writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.focus_sessions import FocusStore

from tests.conftest import DEMO_NOW

HOSTILE = "Refund \x1b]8;;http://evil.example\x07now\x1b]8;;\x07 [b]please[/b]"


class Home(NamedTuple):
    path: Path
    skipped_number: int


def at(minutes: float):
    return DEMO_NOW + timedelta(minutes=minutes)


@pytest.fixture
def home(demo_home):
    """The demo workspace with two sessions: an ended one (a reply, a skip) and a paused one."""
    root = demo_home
    db = root / "data" / "accounts" / "demo.sqlite"
    cache = Cache(db, "demo")
    store = FocusStore(cache)
    first = store.start(agent="you", view="unassigned", filter_text="", minutes=50, now=at(0))
    served = store.serve_next(first, at(0))
    with cache.connection() as conn, transaction(conn):
        outbox.queue_reply(conn, ReplyPlan(served.ticket_id, MessageKind.PUBLIC_REPLY, "On it.\n", "you"), at(6))
    store.done(first, at(6))
    skipped = store.serve_next(first, at(6))
    ticket = cache.ticket(skipped.ticket_id)
    ticket.subject = HOSTILE
    with cache.connection() as conn, transaction(conn):
        writer.save_tickets(conn, [ticket])
    store.skip(first, "waiting on the registrar", at(8))
    store.end(first.id, at(25))
    second = store.start(agent="you", view="all", filter_text="priority:high", minutes=30, now=at(60))
    store.pause(second.id, at(65))  # paused: its numbers do not depend on when the test runs
    cache.close()
    return Home(root, ticket.number)


def run(home, *args):
    return cli.main(["--home", str(getattr(home, "path", home)), *args])


def test_sessions_are_listed_newest_first_with_their_numbers(home, capsys):
    assert run(home, "sessions") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "Started", "Planned", "Worked", "View", "Handled", "Replies", "Skips", "State"]
    assert lines[1].split() == ["2", "2026-11-20", "10:30", "30m", "5m", "00s", "All", "·", "priority:high",
                                "0", "0", "0", "paused"]
    assert lines[2].split() == ["1", "2026-11-20", "09:30", "50m", "25m", "00s", "Unassigned", "1", "1", "1", "ended"]
    assert len(lines) == 3


def test_limit_keeps_the_newest(home, capsys):
    assert run(home, "sessions", "--limit", "1") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].split()[0] == "2"


def test_json_lines_carry_the_summary(home, capsys):
    assert run(home, "sessions", "--json") == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["session_id"] for r in rows] == [2, 1]
    ended = rows[1]
    assert ended["state"] == "ended" and ended["handled"] == 1 and ended["replies_sent"] == 1
    assert ended["median_handling_seconds"] == 6 * 60 and ended["worked_seconds"] == 25 * 60
    assert ended["skipped"][0]["reason"] == "waiting on the registrar"
    assert rows[0]["state"] == "paused" and rows[0]["filter"] == "priority:high"
    assert rows[0]["worked_seconds"] == 5 * 60


def test_show_prints_one_summary_with_skip_reasons_and_literal_subjects(home, capsys):
    assert run(home, "sessions", "show", "1") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Focus session 1 · Unassigned · 2026-11-20 09:30"
    assert "Handled          1 ticket of 2 served" in lines
    assert "Median handling  6m 00s per ticket" in lines
    assert f"  #{home.skipped_number}  Refund now [b]please[/b] — waiting on the registrar" in lines
    assert "\x1b" not in out and "\x07" not in out


def test_show_of_a_session_not_ended_says_so_and_names_its_filter(home, capsys):
    assert run(home, "sessions", "show", "#2") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("· still running") and lines[-1] == "Filter           priority:high"


@pytest.mark.parametrize("args, status, words", [
    (("sessions", "show", "99"), 1, "No focus session 99"),
    (("sessions", "show", "abc"), 2, "not a session number"),
    (("sessions", "--limit", "0"), 2, "--limit must be at least 1"),
])
def test_mistakes_get_one_sentence(home, capsys, args, status, words):
    assert run(home, *args) == status
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_no_sessions_yet_says_how_to_start_one(tmp_path, demo_db, capsys):
    root = tmp_path / "home"
    (root / "data" / "accounts").mkdir(parents=True)
    demo_db.replace(root / "data" / "accounts" / "demo.sqlite")
    assert run(root, "sessions") == 0
    out = capsys.readouterr()
    assert out.out == "" and "press F in the app" in out.err


def test_the_command_runs_as_a_real_process(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(home.path)
    out = subprocess.run([sys.executable, "-m", "helpdesk_tui", "sessions", "show", "1", "--json"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["skipped"][0]["number"] == home.skipped_number
