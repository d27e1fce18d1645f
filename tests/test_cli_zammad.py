"""``helpdesk-tui`` as a real process against the fake Zammad, through a fault proxy that loses
the answer to every second write: ``account add --backend zammad``, ``sync``, and replies that
land exactly once.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk_tui.store import outbox
from helpdesk_tui.sync.testing.fault_proxy import PASS, FaultProxy, drop_after_upstream
from tests.fakes.zammad import FakeZammad

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fake() -> Iterator[FakeZammad]:
    with FakeZammad() as running:
        yield running


def _cli(tmp_path: Path, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
    env.update({"HELPDESK_TUI_HOME": str(tmp_path / "home"), "ZM_TOKEN": token,
                "PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
                "HD_TEST_KEYRING_FILE": str(tmp_path / "ring.json"),
                "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])})
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True, env=env,
                          timeout=180, cwd=ROOT)


def _age_unknown_items(tmp_path: Path) -> None:
    """What waiting out the grace before an unknown outcome's look-up would do."""
    db = next((tmp_path / "home" / "data" / "accounts").glob("zm*.sqlite"))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE outbox SET updated_at = updated_at - ? WHERE state = ?",
                     (outbox.UNKNOWN_GRACE + 30, outbox.UNKNOWN))


def test_account_add_sync_and_replies_land_once_when_every_second_write_answer_is_lost(
        fake: FakeZammad, tmp_path: Path) -> None:
    aiko = fake.add_user("Aiko", lastname="Tanaka", email="aiko@example.com")
    first = fake.add_ticket("Printer offline \x1b[31m[bold]red[/]", customer_id=aiko, body="It is offline.")
    second = fake.add_ticket("VPN drops", customer_id=aiko, body="Every five minutes.")
    numbers = {t: int(fake.ticket(t)["number"]) for t in (first, second)}
    with FaultProxy(fake.url) as proxy:
        writes = [PASS, drop_after_upstream()] * 4  # every second write's answer never comes back
        # The writes (knowledge_bases/init is a POST too, but a read: it passes).
        proxy.add("POST", r"/api/v1/(ticket_articles|tickets)$", *writes)
        proxy.add("PUT", r"/api/v1/tickets/\d+$", *writes)
        added = _cli(tmp_path, fake.token, "account", "add", "zm", "--backend", "zammad", "--url", proxy.url,
                     "--token-env", "ZM_TOKEN")
        assert added.returncode == 0, added.stderr
        tested = _cli(tmp_path, fake.token, "account", "test", "zm")
        assert tested.returncode == 0, tested.stderr
        assert "Signed in to Zammad as agent@example.com" in tested.stdout, tested.stdout
        synced = _cli(tmp_path, fake.token, "sync")
        assert synced.returncode == 0, synced.stderr
        rows = [json.loads(line) for line in _cli(tmp_path, fake.token, "list", "--json").stdout.splitlines()]
        assert sorted(r["number"] for r in rows) == sorted(numbers.values())
        shown = next(r for r in rows if r["number"] == numbers[first])
        assert "\x1b" not in json.dumps(shown["subject"]) and "[bold]red[/]" in shown["subject"]

        body_one, body_two = tmp_path / "one.md", tmp_path / "two.md"
        body_one.write_text("We restarted the print server.\n", encoding="utf-8")
        body_two.write_text("Please try the new VPN profile.\n", encoding="utf-8")
        sent = _cli(tmp_path, fake.token, "reply", str(numbers[first]), "--file", str(body_one))
        assert sent.returncode == 0, sent.stderr  # write 1: answered
        lost = _cli(tmp_path, fake.token, "reply", str(numbers[second]), "--file", str(body_two))
        assert lost.returncode == 1 and "Traceback" not in lost.stderr, lost.stderr  # write 2: answer lost
        assert len(lost.stderr.strip().splitlines()) == 1, lost.stderr
        _age_unknown_items(tmp_path)
        again = _cli(tmp_path, fake.token, "sync")
        assert again.returncode == 0, again.stderr
        assert "sent 1" in again.stdout, again.stdout
        assert proxy.count("POST", r"/api/v1/ticket_articles$", forwarded=True) == 2  # found, never sent again
    for ticket, body in ((first, "We restarted the print server."), (second, "Please try the new VPN profile.")):
        bodies = [a["body"].strip() for a in fake.articles(ticket)]
        assert bodies.count(body) == 1, bodies
        reply = fake.articles(ticket)[-1]  # an e-mail to the customer, which Zammad sends
        assert (reply["type"], reply["to"], reply["sender"], reply["internal"]) == (
            "email", "aiko@example.com", "Agent", False)
