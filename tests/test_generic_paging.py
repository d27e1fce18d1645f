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


def test_a_paging_parameter_the_server_ignores_is_a_sentence_not_an_endless_sync():
    import httpx as _httpx

    from helpdesk_tui.sync import errors
    from helpdesk_tui.sync.contract import AccountSettings
    from helpdesk_tui.sync.generic.backend import GenericBackend
    from helpdesk_tui.sync.generic.mapping import loads_mapping
    from helpdesk_tui.sync.http import HttpClient

    stamp = "2026-01-01T00:00:00Z"
    page = [{"id": n, "s": f"T{n}", "at": stamp} for n in range(2)]  # the same two, whatever the page
    text = """\
format: 1
label: Stuck
base_url: "{account.url}"
auth: {type: none}
tickets:
  request: {path: /t}
  records: "@"
  paging: {type: page_number, param: pg, size_param: n, size: 2}
  fields: {remote_id: id, number: id, subject: s, created_at: at, updated_at: at}
messages:
  - request: {path: "/t/{ticket.remote_id}"}
    fields: {remote_id: id, body: s, created_at: at}
"""
    backend = GenericBackend(AccountSettings("x", "https://d.example.com", None, "t"),
                             HttpClient("https://d.example.com",
                                        transport=_httpx.MockTransport(lambda r: _httpx.Response(200, json=page))),
                             mapping=loads_mapping(text))
    first = backend.pull(None)
    assert not first.done
    with pytest.raises(errors.BadResponse, match="answered the next page with the same records"):
        backend.pull(first.cursor)


def test_records_left_out_by_skip_still_count_for_the_next_page():
    import httpx as _httpx

    from helpdesk_tui.sync.generic.requests import Requester
    from helpdesk_tui.sync.generic.streams import Reader, parse_stream
    from helpdesk_tui.sync.http import HttpClient

    items = [{"id": n, "hidden": n == 1} for n in range(5)]

    def handle(request: _httpx.Request) -> _httpx.Response:
        offset, limit = int(request.url.params["o"]), int(request.url.params["l"])
        return _httpx.Response(200, json=items[offset:offset + limit])

    node = loads("s: {request: {path: /items}, records: '@', skip: {path: hidden, equals: true},\n"
                 "    paging: {type: offset, offset_param: o, limit_param: l, limit: 2}}", "m.yaml").need("s")
    reader = Reader(Requester(HttpClient("https://d.example.com", transport=_httpx.MockTransport(handle)), {}), "X")
    read = [r["id"] for page in reader.fetch_all(parse_stream(node, ()), {}) for r in page.records]
    assert read == [0, 2, 3, 4]  # the hidden one skipped; none read twice, none missed, no early stop
