"""``helpdesk-tui new``: a ticket opened for a customer, as a subprocess, on the demo and on a real RT.

The RT test goes through ``FaultProxy``: the server creates the ticket and its answer is
dropped, so the outcome is unknown; the next sync looks the ticket up by its marker and the
cache ends with one row, numbered as RT numbers it, and RT with one ticket.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from helpdesk_tui.store import outbox
from helpdesk_tui.sync.testing.fault_proxy import FaultProxy, drop_after_upstream
from tests.server_rt import RtApi, RtServer, rt_server  # noqa: F401
from tests.test_cli import assert_one_sentence, run


def listed(home: Path, *args: str) -> list[dict]:
    out = run(home, "list", "--json", *args)
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_new_queues_a_provisional_row_that_list_shows_as_queued_then_sends_it_on_the_demo(demo_home, tmp_path):
    message = tmp_path / "message.md"
    message.write_text("Your replacement router ships on Monday.\n", encoding="utf-8")
    queued = run(demo_home, "new", "--to", "new.customer@example.com", "--subject", "Router replacement",
                 "--file", str(message), "--priority", "high", "--queue-only")
    assert queued.stdout.startswith("Queued new ticket ") and "new.customer@example.com" in queued.stdout
    [row] = [r for r in listed(demo_home) if r["subject"] == "Router replacement"]
    assert row["queued"] is True and row["number"] is None and row["priority"] == "high"
    table = run(demo_home, "list").stdout
    [line] = [line for line in table.splitlines() if "Router replacement" in line]
    assert " queued " in line and "-1" not in line  # the marker, never a made-up number
    sent = run(demo_home, "sync")
    assert "sent 1" in sent.stdout, sent.stdout
    [row] = [r for r in listed(demo_home) if r["subject"] == "Router replacement"]
    assert row["queued"] is False and isinstance(row["number"], int) and row["number"] > 0
    shown = run(demo_home, "show", str(row["number"]))
    assert "Your replacement router ships on Monday." in shown.stdout


def test_new_for_a_customer_named_in_the_cache_uses_their_address(demo_home, tmp_path):
    with sqlite3.connect(demo_home / "data" / "accounts" / "demo.sqlite") as conn:
        name, email = conn.execute("SELECT name, email FROM customers WHERE email != '' ORDER BY id LIMIT 1").fetchone()
    message = tmp_path / "m.md"
    message.write_text("A follow-up on your last request.\n", encoding="utf-8")
    out = run(demo_home, "new", "--to", name, "--subject", "Follow-up", "--file", str(message), "--queue-only")
    assert email in out.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["--to", "not-an-address@", "--subject", "S"], "is not a valid e-mail address"),
    (["--to", "Nobody Such Person", "--subject", "S"], "give their e-mail address"),
    (["--to", "a@example.com", "--cc", "bad cc", "--subject", "S"], "The Cc 'bad cc' is not a valid e-mail address"),
    (["--to", "a@example.com", "--subject", "S", "--status", "sideways"], "Unknown status 'sideways'"),
    (["--to", "a@example.com", "--subject", "  "], "needs a subject"),
])
def test_new_refuses_what_it_cannot_queue_in_one_sentence(demo_home, tmp_path, args, words):
    message = tmp_path / "m.md"
    message.write_text("Hello.\n", encoding="utf-8")
    out = run(demo_home, "new", *args, "--file", str(message), "--queue-only", check=False)
    assert_one_sentence(out, 2)
    assert words in out.stderr
    assert not [r for r in listed(demo_home) if r["queued"]]  # nothing was queued


def test_new_output_is_sanitized(demo_home, tmp_path):
    message = tmp_path / "m.md"
    message.write_text("Hello.\n", encoding="utf-8")
    out = run(demo_home, "new", "--to", "a@example.com", "--subject", "Bell\x07 \x1b[31mred\x1b[0m", "--file",
              str(message), "--queue-only")
    assert "\x1b" not in out.stdout and "\x07" not in out.stdout


def _env(token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_TOKEN_WORK"] = token
    return env


def _cli(home: Path, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", "--home", str(home), "--account", "work", *args],
                          capture_output=True, text=True, env=_env(token), timeout=180)


@pytest.mark.server
def test_new_creates_exactly_one_ticket_on_rt_when_the_answer_to_the_create_is_lost(rt_server: RtServer,  # noqa: F811
                                                                                    tmp_path):
    home, word = tmp_path / "home", uuid.uuid4().hex[:10]
    message = tmp_path / "m.md"
    message.write_text(f"We opened this ticket for your upgrade ({word}).\n", encoding="utf-8")
    with FaultProxy(rt_server.url) as proxy:
        proxy.add("POST", r"/REST/2\.0/ticket$", drop_after_upstream())  # RT creates it; we never hear
        added = subprocess.run([sys.executable, "-m", "helpdesk_tui", "--home", str(home), "account", "add", "work",
                                "--backend", "rt", "--url", proxy.url], capture_output=True, text=True,
                               env=_env(rt_server.token), timeout=120)
        assert added.returncode == 0, added.stderr
        assert _cli(home, rt_server.token, "sync").returncode == 0
        lost = _cli(home, rt_server.token, "new", "--to", f"{word}@example.com", "--subject", f"Upgrade {word}",
                    "--file", str(message), "--priority", "high")
        assert lost.returncode == 1 and "Traceback" not in lost.stderr, lost.stderr
        assert "It stays in the outbox." in lost.stderr
        assert proxy.count("POST", r"/REST/2\.0/ticket$", forwarded=True) == 1
        # The next sync comes after the grace period an unknown outcome waits before its look-up.
        db = next((home / "data" / "accounts").glob("work*.sqlite"))
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE outbox SET updated_at = updated_at - ? WHERE state = ?",
                         (outbox.UNKNOWN_GRACE + 30, outbox.UNKNOWN))
        synced = _cli(home, rt_server.token, "sync")
        assert synced.returncode == 0, synced.stderr
        assert "sent 1" in synced.stdout, synced.stdout
        assert proxy.count("POST", r"/REST/2\.0/ticket$") == 1  # found by its marker, never sent again
    api = RtApi(rt_server)
    found = api.call("GET", "/tickets", params={"query": f"Subject LIKE '{word}'"})
    assert found["count"] == 1, found
    number = int(found["items"][0]["id"])
    rows = [json.loads(line) for line in _cli(home, rt_server.token, "list", "--json").stdout.splitlines()]
    mine = [r for r in rows if word in r["subject"]]
    assert [(r["number"], r["queued"]) for r in mine] == [(number, False)]
