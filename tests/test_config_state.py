"""Remembered state: never crashes on a bad file, always written atomically and privately."""

from __future__ import annotations

import json
import stat

import pytest

from helpdesk_tui.config.state import load_state, save_state


def test_saved_state_loads_back(tmp_path):
    path = tmp_path / "state.json"
    state = {"theme": "helpdesk-light", "last_view": {"demo": "mine", "Zürich": "all"}}
    save_state(path, state)
    assert load_state(path) == state


def test_state_file_is_private(tmp_path):
    path = tmp_path / "state.json"
    save_state(path, {"theme": "x"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_creates_the_data_directory(tmp_path):
    path = tmp_path / "new" / "data" / "state.json"
    save_state(path, {})
    assert load_state(path) == {}
    assert path.exists()


def test_save_replaces_the_old_file_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "state.json"
    save_state(path, {"theme": "a"})
    save_state(path, {"theme": "b"})
    assert load_state(path) == {"theme": "b"}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_failed_save_keeps_the_old_state(tmp_path):
    path = tmp_path / "state.json"
    save_state(path, {"theme": "a"})
    with pytest.raises(TypeError):
        save_state(path, {"theme": object()})
    assert load_state(path) == {"theme": "a"}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_missing_state_file_is_empty_state(tmp_path):
    assert load_state(tmp_path / "nope.json") == {}


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"[1, 2, 3]", b'"a string"', b"\xff\xfe\x00garbage", b"null", b"[" * 100_000],
)
def test_corrupt_state_file_is_empty_state(tmp_path, content):
    path = tmp_path / "state.json"
    path.write_bytes(content)
    assert load_state(path) == {}


def test_unreadable_state_path_is_empty_state(tmp_path):
    assert load_state(tmp_path) == {}  # a directory


def test_state_is_plain_readable_json(tmp_path):
    path = tmp_path / "state.json"
    save_state(path, {"theme": "helpdesk-dark"})
    assert json.loads(path.read_text(encoding="utf-8")) == {"theme": "helpdesk-dark"}
