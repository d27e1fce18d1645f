"""Roundup's "done when", with the real CLI in subprocesses against a real Roundup on loopback:
``account add ru --backend roundup --url … --user admin --token-env VAR`` (admin's password is
the token), ``sync`` mirrors every issue with its messages, ``reply`` lands exactly once
through a FaultProxy that drops the answer to every second write, and ``list --json`` prints a
hostile subject safely.
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
from helpdesk_tui.sync.testing import hostile
from helpdesk_tui.sync.testing.fault_proxy import PASS, FaultProxy, drop_after_upstream
from tests.server_roundup import RoundupServer, roundup_server  # noqa: F401
from tests.test_conformance_roundup import RoundupActions

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
# Every write of a reply: its msg's POST, then the issue's PATCHes (the GETs carry a query).
WRITES = r"^/helpdesk/rest/data/(msg|issue/\d+)$"


def run_cli(home: Path, password: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
    env.update({"HELPDESK_TUI_HOME": str(home), "PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
                "HD_TEST_KEYRING_FILE": str(home.parent / "ring.json"), "RU_PASSWORD": password,
                "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])})
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True, env=env,
                          timeout=300, stdin=subprocess.DEVNULL, cwd=ROOT)


def test_roundup_account_syncs_every_issue_replies_once_through_lost_answers_and_lists_hostile_subjects(
        roundup_server: RoundupServer, tmp_path: Path) -> None:  # noqa: F811
    actions, word = RoundupActions(roundup_server), uuid.uuid4().hex[:8]
    printer = actions.create_ticket(f"Printer offline {word}", f"Floor 3 printer is offline ({word}).")
    actions.agent_writes(printer, f"Which model is it? ({word})", public=True)
    actions.customer_writes(printer, f"An HP 4050 ({word}).")
    actions.create_ticket(f"{hostile.HOSTILE_SUBJECT} {word}", hostile.HOSTILE_BODY)
    everything = actions.api.call("GET", "/data/issue", params={"@fields": "title"})["@total_size"]

    home = tmp_path / "home"
    reply_one, reply_two = tmp_path / "one.md", tmp_path / "two.md"
    reply_one.write_text(f"We restarted the print server ({word}).\n", encoding="utf-8")
    reply_two.write_text(f"Please try printing again ({word}).\n", encoding="utf-8")
    cli = lambda *args: run_cli(home, roundup_server.password, *args)  # noqa: E731
    with FaultProxy(roundup_server.origin) as proxy:
        proxy.add(None, WRITES, PASS, drop_after_upstream(), repeat=True)  # every second answer is lost
        added = cli("account", "add", "ru", "--backend", "roundup", "--url", proxy.url + "/helpdesk",
                    "--user", "admin", "--token-env", "RU_PASSWORD")
        assert added.returncode == 0, added.stderr
        tested = cli("account", "test", "ru")  # every read the mapping declares, one line each
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert [line.split()[0] for line in tested.stdout.splitlines()[:5]] == ["ok"] * 5, tested.stdout
        synced = cli("sync")
        assert synced.returncode == 0, synced.stderr
        listed = [json.loads(line) for line in cli("list", "--json").stdout.splitlines()]
        assert len(listed) == everything, (len(listed), everything, synced.stdout)
        [mine] = [r for r in listed if r["subject"] == f"Printer offline {word}"]
        [odd] = [r for r in listed if word in r["subject"] and r is not mine]
        assert hostile.unsafe_characters(json.dumps(odd)) == []  # JSON escapes every control character
        assert hostile.missing_words(odd["subject"]) == []
        number = str(mine["number"])
        assert number == printer
        shown = cli("show", number)
        assert shown.returncode == 0, shown.stderr
        for said in (f"offline ({word})", f"model is it? ({word})", f"HP 4050 ({word})"):
            assert said in shown.stdout, shown.stdout

        # Each reply is its msg's POST, then the PATCH adding it to the issue: every second of
        # those answers is lost, so each PATCH is applied but unanswered (the outcome unknown).
        # The second reply waits behind the first; a later sync looks the first up (found: not
        # sent again) and sends the second, whose answer is lost in turn, and so on.
        for reply in (reply_one, reply_two):
            sent = cli("reply", number, "--file", str(reply))  # a lost answer: one sentence, kept queued
            assert "Traceback" not in sent.stderr and len(sent.stderr.strip().splitlines()) <= 1, sent.stderr
        db = next((home / "data" / "accounts").glob("ru*.sqlite"))
        for _ in range(3):
            # the next sync comes after the grace an unknown outcome waits before it is looked up
            with sqlite3.connect(db) as conn:
                conn.execute("UPDATE outbox SET updated_at = updated_at - ? WHERE state = ?",
                             (outbox.UNKNOWN_GRACE + 30, outbox.UNKNOWN))
            again = cli("sync")
            assert again.returncode == 0, again.stderr
            with sqlite3.connect(db) as conn:
                states = [r[0] for r in conn.execute("SELECT state FROM outbox ORDER BY created_at")]
            if states == [outbox.SENT, outbox.SENT]:
                break
        assert states == [outbox.SENT, outbox.SENT], states
        # two POSTs and two PATCHes, each answer of a PATCH lost: nothing was sent twice
        assert proxy.count(None, WRITES, forwarded=True) == 4, [e.target for e in proxy.entries(None, WRITES)]
        assert proxy.count("PATCH", WRITES, forwarded=True) == 2
        ids = [m["id"] for m in actions.api.issue(printer)["messages"]]
        texts = [actions.api.get("msg", i, **{"@verbose": "3"})["attributes"]["content"].strip() for i in ids]
        assert texts[-2:] == [f"We restarted the print server ({word}).", f"Please try printing again ({word})."]
        assert len(texts) == 5, texts
        shown = cli("show", number)
        assert shown.stdout.count(f"({word})") == 5, shown.stdout  # every message once
    assert "\x1b" not in cli("list").stdout

