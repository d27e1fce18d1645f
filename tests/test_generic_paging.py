"""Paging (sync/generic/paging.py): where each type finds the next page, when it stops, the page
cap, and the mistakes named at load."""

from __future__ import annotations

import pytest

from helpdesk_tui.sync.generic.node import MappingError, loads
from helpdesk_tui.sync.generic.paging import link_target, parse_paging
from helpdesk_tui.sync.generic.requests import Answer


def paging(text: str):
    return parse_paging(loads(f"paging: {text}", "m.yaml").need("paging"))


def answer(body=None, headers=None, url="https://desk.example.com/api/items?page=1") -> Answer:
    return Answer(200, body, {k.lower(): v for k, v in (headers or {}).items()}, url)


def test_page_number_stops_on_a_short_page_and_at_total_pages():
    by_size = paging("{type: page_number, param: p, start: 0, size_param: n, size: 2}")
    assert by_size.query({}) == {"n": 2, "p": 0}
    state = by_size.next_state({}, answer([1, 2]), 2)
    assert state == {"n": 1, "page": 1} and by_size.query(state) == {"n": 2, "p": 1}
    assert by_size.next_state(state, answer([3]), 1) is None
    by_total = paging("{type: page_number, total_pages: meta.pages}")
    assert by_total.next_state({}, answer({"meta": {"pages": 2}}), 25) == {"n": 1, "page": 2}
    assert by_total.next_state({"n": 1, "page": 2}, answer({"meta": {"pages": 2}}), 25) is None
    assert by_total.next_state({}, answer({"meta": {"pages": 2}}), 0) is None  # an empty page ends it


def test_offset_moves_by_what_came_and_stops_at_the_total():
    offset = paging("{type: offset, offset_param: skip, limit_param: take, limit: 3, total: count}")
    assert offset.query({}) == {"skip": 0, "take": 3}
    state = offset.next_state({}, answer({"count": 5}), 3)
    assert state == {"n": 1, "offset": 3}
    assert offset.next_state(state, answer({"count": 5}), 2) is None


def test_cursor_follows_the_token_until_done_says_so():
    cursor = paging("{type: cursor, param: after, next: meta.after, done: meta.has_more, done_when: false}")
    state = cursor.next_state({}, answer({"meta": {"after": "abc", "has_more": True}}), 10)
    assert state == {"n": 1, "token": "abc"} and cursor.query(state) == {"after": "abc"}
    assert cursor.next_state(state, answer({"meta": {"after": "def", "has_more": False}}), 10) is None
    # A server repeating the same token would loop for ever: that ends the listing.
    assert cursor.next_state(state, answer({"meta": {"after": "abc", "has_more": True}}), 10) is None


def test_next_url_resolves_a_relative_link_against_the_page_it_came_from():
    nxt = paging("{type: next_url, next: _links.next.href}")
    state = nxt.next_state({}, answer({"_links": {"next": {"href": "/api/items?page=2"}}}), 5)
    assert nxt.url(state) == "https://desk.example.com/api/items?page=2"
    assert nxt.next_state(state, answer({"_links": {}}), 5) is None


def test_link_header_takes_the_next_relation():
    link = paging("{type: link_header}")
    header = '<https://desk.example.com/api/items?page=1>; rel="prev first", <https://desk.example.com/api/items?page=3>; rel="next"'
    state = link.next_state({}, answer(headers={"Link": header}), 5)
    assert link.url(state) == "https://desk.example.com/api/items?page=3"
    assert link.next_state(state, answer(headers={"Link": header.split(",")[0]}), 5) is None
    assert link_target('<a>; rel=next', "next") == "a"


def test_body_token_goes_in_the_body_not_the_query():
    token = paging("{type: body_token, field: page_token, next: next_page_token, size_param: limit, size: 50}")
    assert token.query({}) == {} and token.body({}) == {"limit": 50}
    state = token.next_state({}, answer({"next_page_token": "t2"}), 50)
    assert token.body(state) == {"limit": 50, "page_token": "t2"}
    assert token.next_state(state, answer({}), 50) is None


def test_the_page_cap_is_reached_after_max_pages():
    capped = paging("{type: page_number, size_param: per_page, size: 1, max_pages: 2}")
    first = capped.next_state({}, answer([1]), 1)
    assert first is not None and not capped.capped(first)
    second = capped.next_state(first, answer([1]), 1)
    assert second is not None and capped.capped(second)


@pytest.mark.parametrize(("text", "fragment"), [
    ("{type: pages}", "must be one of none, page_number"),
    ("{type: offset, page: 1}", "is not a key here"),
    ("{type: page_number, size: 10}", "needs size_param"),
    ("{type: cursor, param: c}", "needs 'next'"),
])
def test_paging_mistakes_name_the_key(text, fragment):
    with pytest.raises(MappingError) as caught:
        paging(text)
    assert fragment in str(caught.value)
