"""Mistakes a user makes in a mapping file, through the real CLI: one sentence naming the file,
the line and the key; no traceback; a non-zero exit; nothing sent to the helpdesk.

Each case edits the README's worked example (``docs/examples/deskette.yaml``) the way a person
slips: a misspelt key, a paging type that does not exist, a JMESPath that does not parse, a
placeholder naming nothing, a status we do not have, a required field left out, broken YAML,
and a file that is not there. ``account add`` refuses the file before storing anything; after
the file was edited under an account, ``sync`` and ``account test`` say the same sentence.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from collections.abc import Iterator

from tests.deskette_support import EXAMPLE, User, running_deskette
from tests.fakes.deskette import FakeDeskette
from tests.test_adversarial_server import assert_clean


@pytest.fixture
def fake() -> Iterator[FakeDeskette]:
    with running_deskette() as running:
        yield running


@pytest.fixture
def user(fake: FakeDeskette, tmp_path: Path) -> User:
    return User(tmp_path, fake)

# (what the user did, the text in the example, what they wrote instead, the key the sentence names,
# and where that key is when it is not the line changed: a field left out is missed by its table)
MISTAKES = [
    ("a misspelt key", "  records: data\n  # Deskette pages", "  recods: data\n  # Deskette pages",
     "tickets.recods", None),
    ("a paging type that does not exist", "  paging: {type: cursor, param: cursor, next: meta.next_cursor}\n"
     "  incremental:", "  paging: {type: cursr, param: cursor, next: meta.next_cursor}\n  incremental:",
     "tickets.paging.type", None),
    ("a JMESPath that does not parse", "    requester: customer.id\n", "    requester: \"customer[?id==\"\n",
     "tickets.fields.requester", None),
    ("a placeholder that names nothing", 'path: "/tickets/{ticket.remote_id}/posts", query',
     'path: "/tickets/{tiket.remote_id}/posts", query', "messages[0].request.path", None),
    ("a key the command does not have", 'json: {body: "{command.body}", visibility: public,',
     'json: {body: "{command.bdy}", visibility: public,', "writes.reply.steps", "    steps:\n"),
    ("a status we do not have", "3: pending, 4: on_hold", "3: waiting, 4: on_hold", "tickets.fields.status.map.3", None),
    ("a required field left out", "    subject: title\n", "", "tickets.fields",
     "  fields:\n    remote_id: id\n    number: id"),
]


def broken_copy(tmp: Path, old: str, new: str, where: str | None = None) -> tuple[Path, int]:
    """The example with ``old`` replaced by ``new`` once; (the file, the line of the change, or
    of ``where`` in the changed file)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the example no longer has {old!r}"
    changed = text.replace(old, new)
    at = changed.index(where) if where is not None else text.index(old)
    path = tmp / "my-helpdesk.yaml"
    path.write_text(changed, encoding="utf-8")
    return path, changed.count("\n", 0, at) + 1


def one_sentence(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode != 0, out.stdout
    assert "Traceback" not in out.stderr
    assert_clean(out.stdout + out.stderr)
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("helpdesk-tui: "), out.stderr
    return lines[0]


def names_file_line_and_key(sentence: str, path: Path, line: int, key: str) -> None:
    assert str(path) in sentence, sentence
    assert f"line {line}," in sentence or f"line {line}:" in sentence, (line, sentence)
    assert f"'{key}'" in sentence, (key, sentence)


@pytest.mark.parametrize(("what", "old", "new", "key", "where"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_account_add_refuses_the_file_in_one_sentence(user: User, fake: FakeDeskette, tmp_path: Path, what: str,
                                                      old: str, new: str, key: str, where: str | None) -> None:
    path, line = broken_copy(tmp_path, old, new, where)
    before = len(fake.requests)
    sentence = one_sentence(user.add(path))
    names_file_line_and_key(sentence, path, line, key)
    assert not (tmp_path / "home" / "config" / "config.toml").exists() or \
        "desk" not in (tmp_path / "home" / "config" / "config.toml").read_text(), "the account was stored"
    assert len(fake.requests) == before, "the helpdesk was asked before the file was right"


@pytest.mark.parametrize(("what", "old", "new", "key", "where"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_sync_and_account_test_after_the_file_was_edited_say_the_same_sentence(
        user: User, fake: FakeDeskette, tmp_path: Path, what: str, old: str, new: str, key: str,
        where: str | None) -> None:
    good = tmp_path / "my-helpdesk.yaml"
    good.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert user.add(good).returncode == 0
    path, line = broken_copy(tmp_path, old, new, where)  # the same file, edited
    before = len(fake.requests)
    synced = one_sentence(user("sync", "--account", "desk"))
    names_file_line_and_key(synced, path, line, key)
    assert synced == one_sentence(user("account", "test", "desk"))
    assert len(fake.requests) == before, "the helpdesk was asked while the file was wrong"


def test_broken_yaml_names_the_file_and_the_line(user: User, tmp_path: Path) -> None:
    path, line = broken_copy(tmp_path, "  records: data\n  # Deskette pages", "  records: [data\n  # Deskette pages")
    sentence = one_sentence(user.add(path))
    assert str(path) in sentence and "YAML" in sentence
    # The parser notices the unclosed list a line or two on: the sentence points there.
    assert any(f"line {n}" in sentence for n in range(line, line + 3)), (line, sentence)


def test_a_file_that_is_not_there_says_so_at_add_and_at_sync(user: User, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "my-helpdesk.yaml"
    sentence = one_sentence(user.add(missing))
    assert str(missing) in sentence and "does not exist" in sentence
    good = tmp_path / "my-helpdesk.yaml"
    good.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert user.add(good).returncode == 0
    good.unlink()  # moved away after the account was added
    later = one_sentence(user("sync", "--account", "desk"))
    assert str(good) in later and "does not exist" in later
