"""The incremental cursor tells a boundary record read before from the same ticket changed again
within that second: APIs with whole-second stamps (Help Scout, Redmine) bring the boundary second
back with ``>=``; an unchanged record must not come again, a changed one must."""

from __future__ import annotations

from datetime import UTC, datetime

from helpdesk_tui.sync.generic.incremental import CursorState

SECOND = datetime(2026, 12, 7, 13, 0, 5, tzinfo=UTC)


def listed(state: CursorState, records: list[dict[str, object]]) -> list[str]:
    """One listing: the ids it emits (as ticket_pull does: already_read, then saw)."""
    out = []
    for record in records:
        ident = str(record["id"])
        if state.already_read(ident, SECOND, record):
            continue
        state.saw(ident, SECOND, record)
        out.append(ident)
    state.listing_done()
    return out


def test_a_record_changed_again_in_the_boundary_second_comes_again_an_unchanged_one_does_not() -> None:
    state = CursorState()
    first = [{"id": 1, "threads": 1}, {"id": 2, "threads": 1}]
    assert listed(state, first) == ["1", "2"]
    state = CursorState.load(state.dump())  # the cursor is saved and read back between syncs
    assert listed(state, first) == []  # the same second again, nothing changed: nothing emitted
    state = CursorState.load(state.dump())
    assert listed(state, [{"id": 1, "threads": 2}, {"id": 2, "threads": 1}]) == ["1"]  # a second message
    state = CursorState.load(state.dump())
    assert listed(state, [{"id": 1, "threads": 2}, {"id": 2, "threads": 1}]) == []


def test_a_cursor_written_mid_listing_keeps_what_it_read_at_the_newest_stamp() -> None:
    state = CursorState()
    state.saw("7", SECOND, {"id": 7})
    resumed = CursorState.load(state.dump())
    assert resumed.newest_ids and all(mark.startswith("7#") for mark in resumed.newest_ids)
    resumed.listing_done()
    assert resumed.already_read("7", SECOND, {"id": 7}) and not resumed.already_read("7", SECOND, {"id": 7, "x": 1})


def test_ids_without_a_record_and_cursors_from_before_still_count_as_read() -> None:
    state = CursorState.load('{"since": "2026-12-07T13:00:05.000000Z", "seen": ["3"]}')
    assert state.already_read("3", SECOND, {"id": 3, "anything": "new"})  # an older cursor: ids only
    state.saw("4", SECOND)
    state.listing_done()
    assert state.already_read("4", SECOND)
