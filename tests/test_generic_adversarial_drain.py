"""Two (three) real ``helpdesk-tui sync`` processes draining the same outbox of a mapped
backend at once (the Deskette example and its fake): each queued reply lands exactly once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deskette_support import EXAMPLE, User, running_deskette
from tests.fakes.deskette import FakeDeskette

REPLIES = 6
DRAINERS = 3


@pytest.fixture
def fake() -> Iterator[FakeDeskette]:
    with running_deskette() as running:
        yield running


def ok(out: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out


def test_concurrent_drainers_send_each_reply_once(fake: FakeDeskette, tmp_path: Path) -> None:
    user = User(tmp_path, fake)
    number = fake.add_ticket("Printer offline", "It is offline.", email="aiko@example.com")
    ok(user.add(EXAMPLE))
    ok(user("sync", "--account", "desk"))
    for n in range(REPLIES):
        answer = tmp_path / f"answer{n}.md"
        answer.write_text(f"Reply number {n} of the race.\n", encoding="utf-8")
        ok(user("reply", str(number), "--account", "desk", "--file", str(answer), "--queue-only"))
    drainers = [subprocess.Popen([sys.executable, "-m", "helpdesk_tui", "sync", "--account", "desk"],
                                 env=user.env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, stdin=subprocess.DEVNULL) for _ in range(DRAINERS)]
    outputs = [drainer.communicate(timeout=180) for drainer in drainers]
    for _out, err in outputs:
        assert "Traceback" not in err, err
    landed = [p["body"].strip() for p in fake.thread(number)]
    assert sum(body.startswith("Reply number") for body in landed) >= REPLIES - 1, (landed, outputs)
    ok(user("sync", "--account", "desk"))  # whatever one of them left waiting
    bodies = [p["body"].strip() for p in fake.thread(number)]
    for n in range(REPLIES):
        assert bodies.count(f"Reply number {n} of the race.") == 1, bodies
