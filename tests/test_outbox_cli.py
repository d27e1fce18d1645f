"""``helpdesk-tui outbox``: every option run end to end through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from helpdesk_tui.store import outbox
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from tests.factories import NOW


def run(home, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture
def home(demo_home, tmp_path):
    """The demo workspace with two replies queued: one failed, one conflicting."""
    reply = tmp_path / "reply.md"
    reply.write_text("We restarted the \x1b[2Jservice.\n", encoding="utf-8")
    ids = []
    for number in ("10001", "10002"):
        out = run(demo_home, "reply", number, "--file", str(reply), "--queue-only")
        assert out.returncode == 0, out.stderr
    cache = Cache(demo_home / "data" / "accounts" / "demo.sqlite", "demo")
    with cache.connection() as conn, transaction(conn):
        ids = [i.id for i in outbox.all_items(conn)]
        outbox.mark(conn, ids[-2], outbox.FAILED, NOW, error="Zendesk refused it: \x1b]0;PWNED\x07closed [/] ticket")
        outbox.mark(conn, ids[-1], outbox.CONFLICT, NOW, error="The ticket changed on the server.")
    cache.close()
    return demo_home, ids[-2], ids[-1]


def states(home) -> dict[str, str]:
    cache = Cache(home / "data" / "accounts" / "demo.sqlite", "demo")
    with cache.connection() as conn:
        found = {i.id: i.state for i in outbox.all_items(conn)}
    cache.close()
    return found


def test_outbox_lists_what_has_not_gone_out_with_clean_errors(home):
    home, failed, conflict = home
    out = run(home, "outbox")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [line[:8] for line in lines] == [failed[:8], conflict[:8]]
    assert "failed" in lines[0] and "closed [/] ticket" in lines[0] and "conflict" in lines[1]
    assert "\x1b" not in out.stdout


def test_outbox_json_is_one_object_per_item(home):
    home, failed, conflict = home
    out = run(home, "outbox", "--json")
    assert out.returncode == 0, out.stderr
    items = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(i["id"], i["state"]) for i in items] == [(failed, "failed"), (conflict, "conflict")]
    assert "\x1b" not in out.stdout


def test_outbox_drop_gives_up_on_a_failed_item(home):
    home, failed, conflict = home
    out = run(home, "outbox", "--drop", failed[:8])
    assert (out.returncode, out.stdout.strip(), out.stderr) == (0, f"Dropped: {failed[:8]}.", "")
    assert states(home)[failed] == "dropped" and states(home)[conflict] == "conflict"
    assert [line[:8] for line in run(home, "outbox").stdout.splitlines()] == [conflict[:8]]


def test_outbox_retry_queues_a_conflicting_item_again(home):
    home, failed, conflict = home
    out = run(home, "outbox", "--retry", conflict[:8])
    assert (out.returncode, out.stdout.strip()) == (0, f"Queued again: {conflict[:8]}.")
    assert states(home)[conflict] == "queued"


@pytest.mark.parametrize("option", ["--drop", "--retry"])
def test_outbox_drop_or_retry_of_a_queued_or_unknown_item_is_one_sentence(home, option):
    home, failed, _ = home
    run(home, "outbox", "--retry", failed[:8])  # queued now
    out = run(home, "outbox", option, failed[:8])
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [f"helpdesk-tui: Item {failed[:8]} is queued: only failed or "
                                               "conflicting items can be retried or dropped."]
    missing = run(home, "outbox", option, "ffffffffff")
    assert missing.returncode == 2 and missing.stderr.startswith("helpdesk-tui: No outbox item starts with")


def test_an_empty_outbox_says_so(demo_home):
    out = run(demo_home, "outbox")
    assert out.returncode == 0 and out.stdout.strip() == "The outbox is empty: everything was sent."
