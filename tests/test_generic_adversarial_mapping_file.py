"""A careless or hostile mapping file: YAML aliases that expand exponentially ("billion
laughs"), nesting deeper than Python's stack, a file of many megabytes, escape codes in its
keys. Each is one ``MappingError`` sentence, quickly, in bounded memory."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from helpdesk_tui.sync.generic.mapping import MappingError, load_mapping

GOOD = """
format: 1
label: Small Desk
base_url: "{account.url}"
auth: {type: bearer, token: "{account.token}"}
tickets:
  request: {path: /tickets, query: QUERY}
  records: tickets
  fields: {remote_id: id, number: id, subject: title, created_at: at, updated_at: at}
messages:
  - request: {path: "/tickets/{ticket.remote_id}/messages"}
    fields: {remote_id: id, body: body, created_at: at}
"""


def laughs(levels: int) -> str:
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"lol{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]")
    return "\n".join(lines)


def load_in_time(tmp_path: Path, text: str, seconds: float = 10.0) -> MappingError:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert time.monotonic() - started < seconds
    message = str(caught.value)
    assert "\n" not in message and "\x1b" not in message and len(message) < 600
    return caught.value


def test_billion_laughs_in_a_query_is_refused(tmp_path: Path) -> None:
    """Anchors and aliases inside the one table (a query) that the engine compiles."""
    entries = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    entries += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]" for n in range(1, 9)]
    load_in_time(tmp_path, GOOD.replace("QUERY", "{" + ", ".join(entries) + "}"))


def test_billion_laughs_at_the_top_is_refused(tmp_path: Path) -> None:
    load_in_time(tmp_path, laughs(9) + "\n" + GOOD.replace("QUERY", "*l8"))


def test_nesting_deeper_than_the_stack_is_refused(tmp_path: Path) -> None:
    load_in_time(tmp_path, GOOD.replace("QUERY", "[" * 20_000 + "]" * 20_000))


def test_deep_block_nesting_is_refused(tmp_path: Path) -> None:
    deep = "\n".join(" " * n + f"k{n}:" for n in range(3000)) + " 1"
    load_in_time(tmp_path, GOOD.replace("QUERY", "{}") + "x-deep:\n" + "\n".join(" " + line for line in deep.splitlines()))


def test_a_file_of_many_megabytes_is_refused_quickly(tmp_path: Path) -> None:
    padding = "# " + "x" * 1000 + "\n"
    load_in_time(tmp_path, GOOD.replace("QUERY", "{}") + padding * 50_000, seconds=5.0)


def test_escape_codes_in_keys_and_values_are_not_in_the_sentence(tmp_path: Path) -> None:
    text = GOOD.replace("QUERY", "{}").replace("label: Small Desk", 'label: Small Desk\n"\\e]8;;http://x\\a\\e[31mevil": 1')
    load_in_time(tmp_path, text)
