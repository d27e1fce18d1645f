"""A thread read in one request by the ids the ticket lists (Roundup's shape: an issue lists its
msgs as links, and ``/data/msg?id=1&id=3`` answers them all): the ``ids`` template filter, and a
message part's ``when`` over the ticket, so an issue with no msgs asks nothing (an empty id
filter would list every message the helpdesk has)."""

from __future__ import annotations

import httpx

from helpdesk_tui.domain.remote import RemoteTicket
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.generic.mapping import loads_mapping
from helpdesk_tui.sync.generic.node import Node
from helpdesk_tui.sync.generic.template import compile_text
from helpdesk_tui.sync.generic.values import Env
from helpdesk_tui.sync.http import HttpClient

MAPPING = """
format: 1
label: Tracker
base_url: "{account.url}"
auth: {type: none}
tickets:
  request: {path: /issues}
  records: issues
  fields: {remote_id: id, number: id, subject: title, created_at: created, updated_at: created,
           requester: creator}
messages:
  - when: {path: raw.messages, not_empty: true}
    request: {path: /msgs, query: {id: "{ticket.raw.messages|ids}"}}
    records: msgs
    fields: {remote_id: id, author: author, body: text, created_at: created}
"""
MSGS = {"1": "first", "2": "other issue", "3": "second"}


def backend(seen: list[httpx.Request]) -> GenericBackend:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        wanted = request.url.params.get_list("id")
        # like Roundup: no id filter lists every message
        chosen = [i for i in MSGS if not wanted or i in wanted]
        return httpx.Response(200, json={"msgs": [{"id": i, "author": "a", "text": MSGS[i],
                                                   "created": 1_767_225_600 + int(i)} for i in chosen]})

    return GenericBackend(AccountSettings("x", "https://t.example.com", None, "t"),
                          HttpClient("https://t.example.com", transport=httpx.MockTransport(handle)),
                          mapping=loads_mapping(MAPPING))


def ticket(links: list[dict]) -> RemoteTicket:
    record = {"id": "7", "title": "Printer", "created": 1_767_225_600, "creator": "5", "messages": links}
    return backend([]).tickets.ticket_of(record, Env())


def test_the_ids_filter_turns_links_into_ids_and_leaves_other_values() -> None:
    node = Node("{x|ids}", "m.yaml", 1, "q")
    template = compile_text("{x|ids}", node, ["x"])
    assert template.render({"x": [{"id": "1", "link": "/msg/1"}, {"id": 3}]}) == ["1", 3]
    assert template.render({"x": ["4", "5"]}) == ["4", "5"]
    assert template.render({"x": "9"}) == "9"


def test_a_thread_is_one_request_repeating_the_id_filter() -> None:
    seen: list[httpx.Request] = []
    thread = backend(seen).fetch_thread(_with_links(seen, [{"id": "1", "link": "/msg/1"}, {"id": "3"}]))
    assert [m.body for m in thread] == ["first", "second"]
    assert len(seen) == 1 and seen[0].url.params.get_list("id") == ["1", "3"]


def test_a_ticket_without_messages_asks_nothing() -> None:
    seen: list[httpx.Request] = []
    assert backend(seen).fetch_thread(_with_links(seen, [])) == []
    assert seen == []  # not /msgs with no filter: that would be every message


def _with_links(seen: list[httpx.Request], links: list[dict]) -> RemoteTicket:
    found = ticket(links)
    seen.clear()
    return found
