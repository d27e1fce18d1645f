"""``helpdesk-tui reply``: sent at once unless ``--delay N``, which holds it N seconds
(ctrl+c meanwhile takes it back) and never touches the agent's draft."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from helpdesk_tui import cli
from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.cache import Cache

from tests.conftest import DEMO_NOW

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NUMBER = "10405"


def run(home, *args: str) -> int:
    return cli.main(["--home", str(home), *args])


def cache_of(home) -> Cache:
    return Cache(home / "data" / "accounts" / "demo.sqlite", "demo")


def test_reply_without_delay_is_sent_at_once_even_with_a_send_delay_configured(demo_home, tmp_path, capsys):
    (demo_home / "config").mkdir(exist_ok=True)
    (demo_home / "config" / "config.toml").write_text("[send]\ndelay_seconds = 30\n")
    body = tmp_path / "reply.md"
    body.write_text("Sent from a script.\n")
    assert run(demo_home, "reply", NUMBER, "--file", str(body)) == 0
    assert [i.state for i in cache_of(demo_home).outbox_items()] == ["sent"]
    assert "Held" not in capsys.readouterr().out


def test_reply_delay_holds_it_then_sends_it_once_and_leaves_the_draft_alone(demo_home, tmp_path, capsys):
    cache = cache_of(demo_home)
    ticket = cache.find_ticket(NUMBER)
    cache.save_draft(Draft(ticket.id, MessageKind.PUBLIC_REPLY, "the agent's own draft", DEMO_NOW, DEMO_NOW))
    before = len(cache.thread(ticket.id))
    body = tmp_path / "reply.md"
    body.write_text("Held a moment.\n")
    started = time.monotonic()
    assert run(demo_home, "reply", NUMBER, "--file", str(body), "--delay", "1") == 0
    assert time.monotonic() - started >= 1.0
    out = capsys.readouterr().out
    assert "it goes out in 1 s (ctrl+c takes it back)" in out and "Sent 1." in out
    assert [i.state for i in cache.outbox_items()] == ["sent"]
    assert len(cache.thread(ticket.id)) == before + 1
    assert cache.draft(ticket.id).body == "the agent's own draft"


def test_reply_delay_with_queue_only_is_not_sent_by_a_sync_within_the_window(demo_home, tmp_path):
    body = tmp_path / "reply.md"
    body.write_text("Later.\n")
    assert run(demo_home, "reply", NUMBER, "--file", str(body), "--delay", "60", "--queue-only") == 0
    assert run(demo_home, "sync") == 0
    assert [i.state for i in cache_of(demo_home).outbox_items()] == ["held"]


def test_ctrl_c_during_the_delay_takes_the_reply_back(demo_home, tmp_path):
    body = tmp_path / "reply.md"
    body.write_text("Changed my mind.\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    proc = subprocess.Popen([sys.executable, "-m", "helpdesk_tui", "--home", str(demo_home), "reply", NUMBER,
                             "--file", str(body), "--delay", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env)
    try:
        line = proc.stdout.readline()
        assert "Held reply" in line
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Taken back: the reply was not sent." in out
    cache = cache_of(demo_home)
    assert cache.outbox_items() == []
    assert "Changed my mind.\n" not in [m.body for m in cache.thread(cache.find_ticket(NUMBER).id)]
