"""Untrusted text through the CLI of a mapped account, as real processes: a mapping file whose
label, keys and file name carry escape sequences and Rich markup, a server whose tickets do.
Nothing a terminal would act on reaches stdout or stderr, in any command."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpdesk_tui.sync.testing.hostile import HOSTILE_BODY, HOSTILE_SUBJECT, unsafe_characters
from tests.deskette_support import EXAMPLE, User, running_deskette
from tests.fakes.deskette import API_KEY, FakeDeskette

EVIL = "\x1b]0;PWNED\x07\x1b[2J[bold red]Evil[/]\x9b31m"


@pytest.fixture
def fake() -> Iterator[FakeDeskette]:
    with running_deskette() as running:
        yield running


def safe(out: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    for stream in (out.stdout, out.stderr):
        assert unsafe_characters(stream) == [], stream
        assert "Traceback" not in stream, stream
        assert API_KEY not in stream
    return out


def test_a_hostile_mapping_and_server_reach_no_terminal(fake: FakeDeskette, tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("label: Deskette", 'label: "' + EVIL.replace("\x1b", "\\e").replace("\x07", "\\a").replace("\x9b", "\\x9b") + '"', 1)
    mapping = tmp_path / "evil\x1b[31m.yaml"
    mapping.write_text(text, encoding="utf-8")
    number = fake.add_ticket(HOSTILE_SUBJECT, HOSTILE_BODY, email="pat@example.com", name=EVIL)
    user = User(tmp_path, fake)
    added = safe(user.add(mapping))
    assert added.returncode == 0, added.stderr
    safe(user("account", "test", "desk"))
    safe(user("account", "test", "desk", "--json"))
    safe(user("account", "list"))
    safe(user("sync", "--account", "desk"))
    safe(user("list", "--account", "desk"))
    safe(user("list", "--account", "desk", "--json"))
    safe(user("show", str(number), "--account", "desk"))
    # A mapping file with a hostile key and value is refused in a clean sentence.
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("label:", '"\\e[31mlabel\\a": 1\nlabel:', 1), encoding="utf-8")
    refused = safe(user("account", "add", "bad", "--backend", "generic", "--url", fake.url,
                        "--option", f"mapping={broken}", "--token-env", "DESKETTE_KEY"))
    assert refused.returncode != 0
