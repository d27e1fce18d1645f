"""``incremental.overlap``: a server whose "updated since T" also brings back the second before T
(Redmine's ``>=T`` is ``> T-1s`` over stamps it stores with fractions) must not make every
later sync emit those records again; a record that changed since is still emitted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpdesk_tui.sync.generic.incremental import CursorState, parse_incremental
from helpdesk_tui.sync.generic.node import MappingError, loads

S = datetime(2026, 12, 7, 13, 45, 1, tzinfo=UTC)


def listing(overlap: int, *reads: tuple[str, datetime], cursor: str | None = None) -> CursorState:
    state = CursorState.load(cursor)
    state.overlap = overlap
    for ident, stamp in reads:
        if not state.already_read(ident, stamp):
            state.saw(ident, stamp)
    state.listing_done()
    return state


def test_what_was_read_in_the_second_before_the_boundary_is_not_read_again():
    state = listing(1, ("a", S - timedelta(seconds=1)), ("b", S))
    again = CursorState.load(state.dump())
    again.overlap = 1
    assert again.since == "2026-12-07T13:45:01.000000Z"
    assert again.already_read("a", S - timedelta(seconds=1))  # brought back by the server's >=: skipped
    assert again.already_read("b", S)
    assert not again.already_read("a", S + timedelta(seconds=3))  # changed since: read
    assert not again.already_read("c", S - timedelta(seconds=1))  # never read


def test_without_an_overlap_only_the_boundary_stamp_is_remembered():
    state = CursorState.load(listing(0, ("a", S - timedelta(seconds=1)), ("b", S)).dump())
    assert not state.already_read("a", S - timedelta(seconds=1)) and state.already_read("b", S)
    assert "recent" not in state.dump()


def test_the_remembered_ids_stay_within_the_overlap_of_the_newest_stamp():
    first = listing(2, *[(str(n), S + timedelta(seconds=n)) for n in range(10)])
    assert sorted(first.recent) == ["7", "8", "9"]  # 13:45:08 … :10: two seconds behind the newest
    later = listing(2, ("7", S + timedelta(seconds=7)), ("20", S + timedelta(seconds=20)), cursor=first.dump())
    assert sorted(later.recent) == ["20"] and later.since == "2026-12-07T13:45:21.000000Z"
    assert "overlap" not in later.dump()


def test_overlap_is_read_from_the_mapping_and_must_be_whole_seconds():
    node = loads('incremental: {type: updated_since, param: updated_on, field: updated_on, overlap: 1}', "m.yaml")
    assert parse_incremental(node.need("incremental")).overlap == 1
    bad = loads('incremental: {type: updated_since, param: updated_on, field: updated_on, overlap: -1}', "m.yaml")
    with pytest.raises(MappingError, match="m.yaml.*overlap"):
        parse_incremental(bad.need("incremental"))
