"""``show`` prints who wrote each message by name on a Freshdesk account (the real CLI in
subprocesses against the fake Freshdesk in its own process, as found by hand: "customer ·
43000000302" and, once our reply came back, "public reply · 43000000001")."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from tests.fakes.freshdesk_process import fake_freshdesk_process
from tests.test_cli_freshdesk import rows, run_cli

HEADER = re.compile(r"^── (\S+) · (.+?) · \d{4}-\d\d-\d\d \d\d:\d\d UTC$", re.MULTILINE)


def authors(home: Path, number: str) -> list[tuple[str, str]]:
    shown = run_cli(home, "show", number)
    assert shown.returncode == 0, shown.stderr
    return HEADER.findall(shown.stdout)


def test_show_names_the_customer_and_the_agent_before_and_after_our_reply_comes_back(tmp_path: Path) -> None:
    home, word = tmp_path / "home", uuid.uuid4().hex[:8]
    reply = tmp_path / "reply.md"
    reply.write_text(f"We have restarted the print server ({word}).\n", encoding="utf-8")
    with fake_freshdesk_process(bulk=3, conversations=2, subjects=(f"Printer offline {word}",)) as fake:
        added = run_cli(home, "account", "add", "fd", "--backend", "freshdesk", "--url", fake.url,
                        "--option", f"domain={fake.url}", "--token-env", "FD_KEY")
        assert added.returncode == 0, added.stderr
        assert run_cli(home, "sync").returncode == 0
        listed = rows(home)
        bulk = str(next(r["number"] for r in listed if r["subject"] == "Bulk ticket 1"))
        assert authors(home, bulk) == [("customer", "Customer 1"), ("public_reply", "Alex Agent"),
                                       ("public_reply", "Alex Agent")]
        number = str(next(r["number"] for r in listed if word in r["subject"]))
        fake.call(op="customer_writes", ticket=int(number), body=f"Still offline ({word}).")
        sent = run_cli(home, "reply", number, "--file", str(reply))
        assert sent.returncode == 0, sent.stderr
        assert run_cli(home, "sync").returncode == 0
        assert run_cli(home, "sync").returncode == 0  # our reply as the server has it
        assert authors(home, number) == [("customer", "Aiko Tanaka"), ("customer", "Aiko Tanaka"),
                                         ("public_reply", "Alex Agent")]
