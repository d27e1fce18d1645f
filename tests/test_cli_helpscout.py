"""``helpdesk-tui`` as real processes against the fake Help Scout: ``account add --backend helpscout``
with its options, ``sync``, and a ``reply`` that lands exactly once while a fault proxy drops the
answer to every second write.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.helpscout import FakeHelpScout
from tests.fault_proxy import PASS, FaultProxy, drop_after_upstream

ROOT = Path(__file__).resolve().parent.parent
LATER = 200  # seconds an unknown outcome waits before it is looked up (outbox.UNKNOWN_GRACE is 120)
SECRET_VAR = "HD_HELPSCOUT_APP_SECRET"


class Cli:
    def __init__(self, tmp: Path, fake: FakeHelpScout) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
        env.update({
            "HELPDESK_TUI_HOME": str(tmp / "home"),
            "PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
            "HD_TEST_KEYRING_FILE": str(tmp / "ring.json"),
            SECRET_VAR: fake.app_secret,
            "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
        })
        self.env = env

    def __call__(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                              env=self.env, timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL)

    @property
    def db(self) -> Path:
        return Path(self("locate", "account-db", "--account", "hs").stdout.strip())


@pytest.fixture
def fake() -> Iterator[FakeHelpScout]:
    with FakeHelpScout() as running:
        yield running


def replies_with(fake: FakeHelpScout, cid: int, text: str) -> list[dict[str, object]]:
    return [t for t in fake.conversation(cid)["_embedded"]["threads"] if t["type"] == "reply" and text in str(t["body"])]


def test_account_add_sync_and_a_reply_through_lost_answers_lands_exactly_once(fake: FakeHelpScout,
                                                                              tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    customer = fake.add_customer("Aiko Tanaka", email="aiko@example.com")
    cid = fake.add_conversation(f"Printer offline {tag}", "The printer on floor 3 is offline.", customer=customer)
    cli = Cli(tmp_path, fake)
    with FaultProxy(fake.url) as proxy:
        missing = cli("account", "add", "hs", "--backend", "helpscout", "--url", proxy.url,
                      "--option", f"mailbox={fake.mailbox}", "--token-env", SECRET_VAR)
        assert missing.returncode != 0 and "app_id" in missing.stderr and "Traceback" not in missing.stderr

        added = cli("account", "add", "hs", "--backend", "helpscout", "--url", proxy.url,
                    "--option", f"mailbox={fake.mailbox}", "--option", f"app_id={fake.app_id}",
                    "--token-env", SECRET_VAR)
        assert added.returncode == 0, added.stderr
        assert fake.app_secret not in (tmp_path / "home").joinpath("config", "config.toml").read_text()
        synced = cli("sync")
        assert synced.returncode == 0, synced.stderr
        with sqlite3.connect(cli.db) as conn:
            (number,) = conn.execute("SELECT number FROM tickets WHERE remote_id = ?", (str(cid),)).fetchone()

        proxy.add("POST", r"/v2/conversations/\d+/reply$", drop_after_upstream(), PASS, repeat=True)
        text = f"We restarted the print server; please try again ({tag})."
        body = tmp_path / "reply.md"
        body.write_text(text, encoding="utf-8")
        queued = cli("reply", str(number), "--file", str(body))
        # The reply is sent at once; its answer is dropped, so the outcome is unknown (said in one line).
        assert queued.stdout.startswith("Queued reply"), queued.stdout + queued.stderr
        assert "Traceback" not in queued.stderr and len(queued.stderr.strip().splitlines()) <= 1, queued.stderr
        rounds = 0
        while not replies_with(fake, cid, text) or any(s in cli("outbox").stdout for s in ("unknown", "queued")):
            rounds += 1
            assert rounds <= 4, f"not delivered: {cli('outbox').stdout}\n{proxy.describe()}"
            with sqlite3.connect(cli.db) as conn:  # as if the next sync came later than the look-up's grace
                conn.execute("UPDATE outbox SET updated_at = updated_at - ?", (LATER,))
            cli("sync")
        assert [e for e in proxy.entries() if e.fault != "pass"], "the proxy never dropped an answer"
    assert len(replies_with(fake, cid, text)) == 1, "the reply is on Help Scout more than once"
    assert cli("outbox").stdout.startswith("The outbox is empty")
    with sqlite3.connect(cli.db) as conn:
        rows = conn.execute("SELECT remote_id FROM messages WHERE body LIKE ?", (f"%{tag}%",)).fetchall()
    [mine] = replies_with(fake, cid, text)
    assert [r for (r,) in rows if r == str(mine["id"])], rows
