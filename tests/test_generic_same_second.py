"""A helpdesk that stamps changes in whole seconds: a ticket changed again within the second the
last sync read it is read again, and one that did not change is not (the generic engine's
incremental cursor, against the Deskette fake with its clock held still)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpdesk_tui.domain.remote import ChangePage
from helpdesk_tui.sync.generic.backend import GenericBackend
from tests.deskette_support import deskette_backend
from tests.fakes.deskette import FakeDeskette

NOW = 1_800_000_000


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[FakeDeskette]:
    monkeypatch.setenv("HELPDESK_TUI_HOME", str(tmp_path / "home"))
    with FakeDeskette() as running:
        running.state.now = lambda: NOW  # type: ignore[method-assign]  # every change in the same second
        yield running


def drain(backend: GenericBackend, cursor: str | None) -> tuple[list[str], str | None]:
    seen: list[str] = []
    for _ in range(20):
        page: ChangePage = backend.pull(cursor)
        seen += [t.remote_id for t in page.tickets]
        cursor = page.cursor
        if page.done:
            return seen, cursor
    raise AssertionError("the feed never ended")


def test_a_ticket_changed_again_in_the_same_second_is_read_again_and_an_unchanged_one_is_not(
        fake: FakeDeskette) -> None:
    backend = deskette_backend(fake.url)
    changed = fake.add_ticket("VPN drops", "Every five minutes.", email="a@example.com")
    quiet = fake.add_ticket("Invoice copy", "Please send it.", email="b@example.com")
    first, cursor = drain(backend, None)
    assert first == [str(changed), str(quiet)]
    assert drain(backend, cursor)[0] == [], "the boundary second came back and was emitted again"
    fake.add_post(changed, "It dropped again.")  # the same second: the stamp does not move
    again, cursor = drain(backend, cursor)
    assert again == [str(changed)]
    assert drain(backend, cursor)[0] == []
