"""JSON nested deeper than Python's stack (a hostile body, an error body, a token answer):
one sentence, never a RecursionError traceback."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from helpdesk_tui.sync import errors
from tests.test_generic_adversarial_records import backend


def test_deeply_nested_json_is_a_sentence(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    mapped = backend(tmp_path, lambda r: httpx.Response(200, content=('{"tickets": ' + deep + "}").encode(),
                                                       headers={"Content-Type": "application/json"}))
    with pytest.raises(errors.SyncError):
        mapped.pull(None)


def test_a_deeply_nested_error_body_is_quoted_not_a_traceback(tmp_path: Path) -> None:
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    mapped = backend(tmp_path, lambda r: httpx.Response(422, content=deep, headers={"Content-Type": "application/json"}))
    with pytest.raises(errors.BadResponse) as caught:
        mapped.pull(None)
    assert len(str(caught.value)) < 700
