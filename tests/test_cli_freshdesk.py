"""Freshdesk's "done when", with the real CLI in subprocesses against the fake Freshdesk in its own
process: ``account add fd --backend freshdesk --url … --option domain=… --token-env VAR``, ``sync``,
``reply`` and ``reply --note`` exactly once through a FaultProxy that drops the answer to every
second write, and ``list --json`` printing a hostile subject safely.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

from helpdesk_tui.store import outbox
from helpdesk_tui.sync.testing import hostile
from helpdesk_tui.sync.testing.fault_proxy import PASS, FaultProxy, drop_after_upstream
from tests.fakes.freshdesk_process import API_KEY, fake_freshdesk_process

ROOT = Path(__file__).resolve().parent.parent
WRITES = r"/api/v2/tickets/\d+/(reply|notes)$"


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
    env.update({"HELPDESK_TUI_HOME": str(home), "PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
                "HD_TEST_KEYRING_FILE": str(home.parent / "ring.json"), "FD_KEY": API_KEY,
                "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])})
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True, env=env,
                          timeout=180, stdin=subprocess.DEVNULL, cwd=ROOT)


def rows(home: Path) -> list[dict]:
    out = run_cli(home, "list", "--json")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_freshdesk_account_syncs_replies_once_through_lost_answers_and_lists_hostile_subjects(tmp_path: Path) -> None:
    home, word = tmp_path / "home", uuid.uuid4().hex[:8]
    subjects = (f"Printer offline {word}", f"{hostile.HOSTILE_SUBJECT} {word}")
    reply, note = tmp_path / "reply.md", tmp_path / "note.md"
    reply.write_text(f"We have restarted the print server ({word}).\n", encoding="utf-8")
    note.write_text(f"Second time this week ({word}).\n", encoding="utf-8")
    with fake_freshdesk_process(bulk=20, subjects=subjects) as fake, FaultProxy(fake.url) as proxy:
        proxy.add("POST", WRITES, PASS, drop_after_upstream(), repeat=True)  # every second answer is lost
        added = run_cli(home, "account", "add", "fd", "--backend", "freshdesk", "--url", proxy.url,
                        "--option", f"domain={proxy.url}", "--token-env", "FD_KEY")
        assert added.returncode == 0, added.stderr
        synced = run_cli(home, "sync")
        assert synced.returncode == 0, synced.stderr
        assert "fd: 22 new" in synced.stdout, synced.stdout  # 20 bulk (two 40 days old) and the two above
        listed = rows(home)
        [printer] = [r for r in listed if r["subject"] == subjects[0]]
        [odd] = [r for r in listed if word in r["subject"] and r is not printer]
        assert hostile.unsafe_characters(json.dumps(odd)) == []  # JSON escapes every control character
        assert hostile.missing_words(odd["subject"]) == []
        number = str(printer["number"])

        sent = run_cli(home, "reply", number, "--file", str(reply))  # the first write passes
        assert sent.returncode == 0, sent.stderr
        lost = run_cli(home, "reply", number, "--note", "--file", str(note))  # its answer is lost
        assert "Traceback" not in lost.stderr, lost.stderr
        assert proxy.count("POST", WRITES, forwarded=True) == 2
        # The next sync comes after the grace an unknown outcome waits before it is looked up.
        db = next((home / "data" / "accounts").glob("fd*.sqlite"))
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE outbox SET updated_at = updated_at - ? WHERE state = ?",
                         (outbox.UNKNOWN_GRACE + 30, outbox.UNKNOWN))
        again = run_cli(home, "sync")
        assert again.returncode == 0, again.stderr
        assert proxy.count("POST", WRITES, forwarded=True) == 2, "a write was sent again"
        thread = fake.call(op="thread", ticket=int(number))
        said = [(c["private"], re.sub(r"<[^>]+>", "", c["body"]).strip()) for c in thread]
        assert said == [(False, f"We have restarted the print server ({word})."),
                        (True, f"Second time this week ({word}).")]
        shown = run_cli(home, "show", number)
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.count(f"({word})") == 2  # the reply and the note, once each
        with sqlite3.connect(db) as conn:
            states = [r[0] for r in conn.execute("SELECT state FROM outbox")]
        assert states == [outbox.SENT, outbox.SENT], states
    assert "\x1b" not in run_cli(home, "list").stdout


def test_a_freshdesk_account_without_its_domain_is_one_sentence_naming_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    out = run_cli(home, "account", "add", "fd", "--backend", "freshdesk", "--url", "https://acme.example",
                  "--token-env", "FD_KEY")
    assert out.returncode != 0 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "domain" in lines[0], lines
