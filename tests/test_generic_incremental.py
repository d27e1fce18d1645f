"""What changed since the last sync (sync/generic/incremental.py, ticket_pull.py): full scans
through the sync status, an export cursor, a page cap, deletions, search queries and lookback."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from helpdesk_tui.sync.contract import AccountSettings, ChangeFeed
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.generic.incremental import CursorState, parse_incremental
from helpdesk_tui.sync.generic.mapping import loads_mapping
from helpdesk_tui.sync.generic.node import MappingError, loads
from helpdesk_tui.sync.http import HttpClient, RetryPolicy
from helpdesk_tui.sync.status import MemoryStatus
from tests.backend_support import pull_all
from tests.generic_fake import MAPPING, FakeDesk
from tests.test_generic_backend import make

@pytest.fixture
def desk() -> FakeDesk:
    return FakeDesk()


INCREMENTAL = ('  incremental: {type: updated_since, param: updated_on, value: ">={since}", format: iso8601z, '
               'field: updated_on}\n')


def full_scan(desk: FakeDesk, tmp_path, *, one: bool = True) -> GenericBackend:
    text = MAPPING.replace(INCREMENTAL, "").replace("capabilities:\n", "capabilities:\n  deletions: true\n")
    if not one:
        text = text.replace('  one: {request: {path: "/issues/{number}.json"}, record: issue}\n', "")
    assert INCREMENTAL not in text
    return make(desk, tmp_path, text)


def test_a_full_scan_emits_only_what_changed_and_finds_deletions(desk, tmp_path):
    ids = [desk.add_issue(f"S{n}") for n in range(5)]
    backend = full_scan(desk, tmp_path)
    assert backend.capabilities.change_feed is ChangeFeed.FULL_SCAN and backend.capabilities.deletions
    pages, cursor = pull_all(backend)
    assert len([t for p in pages for t in p.tickets]) == 5
    assert len(backend.status.all()) == 5  # one row per ticket
    pages, cursor = pull_all(backend, cursor)
    assert [t for p in pages for t in p.tickets] == []
    desk.touch(ids[1], subject="S1 changed")
    del desk.issues[ids[3]]
    pages, cursor = pull_all(backend, cursor)
    assert [t.subject for p in pages for t in p.tickets] == ["S1 changed"]
    assert [d for p in pages for d in p.deleted_ticket_ids] == [str(ids[3])]
    assert str(ids[3]) not in backend.status.all()


def test_a_full_scan_looks_up_a_ticket_that_left_the_listing_before_calling_it_deleted(desk, tmp_path):
    ids = [desk.add_issue(f"S{n}") for n in range(3)]
    backend = full_scan(desk, tmp_path)
    _, cursor = pull_all(backend)
    hidden = desk.issues[ids[0]]
    desk.issues[ids[0]]["project"] = "elsewhere"
    # Listed no more (moved out of the page window), still readable by number: not a deletion.
    real_list = desk._list

    def listing_without(request, query):
        saved = desk.issues.pop(ids[0])
        try:
            return real_list(request, query)
        finally:
            desk.issues[ids[0]] = saved
    desk._list = listing_without  # type: ignore[method-assign]
    pages, _ = pull_all(backend, cursor)
    assert [d for p in pages for d in p.deleted_ticket_ids] == []
    assert [t.remote_id for p in pages for t in p.tickets] == [str(ids[0])] and hidden["project"] == "elsewhere"


def test_a_full_scan_without_a_way_to_read_one_ticket_calls_the_missing_ones_deleted(desk, tmp_path):
    ids = [desk.add_issue(f"S{n}") for n in range(3)]
    backend = full_scan(desk, tmp_path, one=False)
    _, cursor = pull_all(backend)
    del desk.issues[ids[2]]
    pages, _ = pull_all(backend, cursor)
    assert [d for p in pages for d in p.deleted_ticket_ids] == [str(ids[2])]


def test_a_full_scan_interrupted_between_pages_resumes_without_false_deletions(desk, tmp_path):
    for n in range(5):
        desk.add_issue(f"S{n}")
    backend = full_scan(desk, tmp_path)
    _, cursor = pull_all(backend)
    status = dict(backend.status.all())
    first = backend.pull(cursor)  # page one of the second scan, then the process dies
    again = full_scan(desk, tmp_path)
    again.status = MemoryStatus({**status, **backend.status.all()})
    pages, _ = pull_all(again, first.cursor)
    assert [d for p in [first, *pages] for d in p.deleted_ticket_ids] == []
    assert [t for p in [first, *pages] for t in p.tickets] == []


def test_a_page_cap_restarts_the_listing_from_the_newest_stamp_and_misses_nothing(desk, tmp_path):
    for n in range(7):
        desk.add_issue(f"C{n}")
    text = MAPPING.replace("{type: offset, offset_param: offset, limit_param: limit, limit: 2, total: total_count}",
                           "{type: page_number, size_param: per_page, size: 2, max_pages: 2}")
    backend = make(desk, tmp_path, text)
    pages, cursor = pull_all(backend)
    assert [t.subject for p in pages for t in p.tickets] == [f"C{n}" for n in range(7)]
    assert all(not p.done for p in pages[:-1])
    pages, _ = pull_all(backend, cursor)
    assert [t for p in pages for t in p.tickets] == []


def test_a_deleted_record_becomes_a_deletion_not_a_ticket(desk, tmp_path):
    keep = desk.add_issue("Keep")
    gone = desk.add_issue("Spam", status=6)
    text = MAPPING.replace("  one: {", "  deleted: {path: status.id, equals: 6}\n  one: {")
    page = make(desk, tmp_path, text).pull(None)
    assert [t.remote_id for t in page.tickets] == [str(keep)] and page.deleted_ticket_ids == [str(gone)]


EXPORT = """\
format: 1
label: Exporter
base_url: "{account.url}"
auth: {type: bearer, token: "{account.token}"}
capabilities: {deletions: true}
tickets:
  request: {path: /export.json, query: {include: users}}
  records: tickets
  side_loads: {users: {records: users, key: id}}
  incremental: {type: export_cursor, start_param: start_time, start_format: epoch, cursor_param: cursor,
                cursor: after_cursor, done: end_of_stream}
  deleted: {path: status, equals: deleted}
  fields: {remote_id: id, number: id, subject: subject, created_at: created_at, updated_at: updated_at,
           requester: requester_id}
users:
  side_load: users
  fields: {remote_id: id, name: name}
messages:
  - request: {path: "/tickets/{ticket.remote_id}/comments.json"}
    records: comments
    fields: {remote_id: id, body: body, created_at: created_at}
"""


class Exporter:
    """An opaque-cursor export: two pages, then drained; later changes after the last cursor."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.later: list[dict] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        self.seen.append(query)
        stamp = "2026-01-01T00:00:00Z"
        ticket = lambda n, **kw: {"id": n, "subject": f"E{n}", "created_at": stamp, "updated_at": stamp,  # noqa: E731
                                  "requester_id": 9, **kw}
        if query.get("start_time") == "0":
            body = {"tickets": [ticket(1), ticket(2)], "users": [{"id": 9, "name": "Nine"}],
                    "after_cursor": "c1", "end_of_stream": False}
        elif query.get("cursor") == "c1":
            body = {"tickets": [ticket(3), ticket(4, status="deleted")], "users": [], "after_cursor": "c2",
                    "end_of_stream": True}
        elif query.get("cursor") == "c2":
            body = {"tickets": self.later, "users": [], "after_cursor": "c3" if self.later else None,
                    "end_of_stream": True}
        else:
            return httpx.Response(400, json={"error": "bad cursor"})
        return httpx.Response(200, json=body)


def test_an_export_cursor_is_followed_and_kept_after_the_stream_is_drained(tmp_path):
    server = Exporter()
    spec = loads_mapping(EXPORT)
    account = AccountSettings("x", "https://desk.example.com", None, "t")
    client = HttpClient("https://desk.example.com", transport=httpx.MockTransport(server.handle),
                        policy=RetryPolicy(attempts=1), sleep=lambda s: None)
    backend = GenericBackend(account, client, mapping=spec)
    assert backend.capabilities.change_feed is ChangeFeed.CURSOR
    first = backend.pull(None)
    assert [t.subject for t in first.tickets] == ["E1", "E2"] and not first.done
    assert [u.name for u in first.users] == ["Nine"]
    second = backend.pull(first.cursor)
    assert [t.subject for t in second.tickets] == ["E3"] and second.deleted_ticket_ids == ["4"] and second.done
    third = backend.pull(second.cursor)
    assert third.tickets == [] and third.done and json.loads(third.cursor or "{}")["token"] == "c2"
    assert [q.get("cursor") or q.get("start_time") for q in server.seen] == ["0", "c1", "c2"]


def test_a_search_query_with_lookback_sends_the_stamp_stepped_back():
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"results": []})

    text = EXPORT.replace("""  incremental: {type: export_cursor, start_param: start_time, start_format: epoch, cursor_param: cursor,
                cursor: after_cursor, done: end_of_stream}""", """  incremental: {type: search_query, param: q, value: "updated>='{since}'", format: "%Y-%m-%d %H:%M",
                field: updated_at, lookback: 120}""").replace("records: tickets", "records: results")
    backend = GenericBackend(AccountSettings("x", "https://d.example.com", None, "t"),
                             HttpClient("https://d.example.com", transport=httpx.MockTransport(handle)),
                             mapping=loads_mapping(text))
    backend.pull(None)
    cursor = CursorState(since="2026-01-01T10:00:00.000000Z").dump()
    backend.pull(cursor)
    assert "q" not in seen[0].url.params  # the first sync asks for everything
    assert seen[1].url.params["q"] == "updated>='2026-01-01 09:58'"


def test_the_cursor_keeps_the_ids_at_the_newest_stamp_and_survives_a_round_trip():
    state = CursorState()
    t1, t2 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    state.saw("1", t1)
    state.saw("2", t2)
    state.saw("3", t2)
    state.listing_done()
    loaded = CursorState.load(state.dump())
    assert loaded.since == "2026-01-02T00:00:00.000000Z" and loaded.seen == ["2", "3"]
    assert loaded.already_read("3", t2) and not loaded.already_read("4", t2) and not loaded.already_read("3", t1)
    assert CursorState.load("not json").since is None and CursorState.load('["x"]').since is None


@pytest.mark.parametrize(("text", "fragment"), [
    ("{type: updated_since, param: since}", "needs 'field'"),
    ("{type: export_cursor, start_param: s, cursor_param: c}", "needs 'cursor'"),
    ("{type: updated_since, param: p, field: f, initial: yesterday}", "must be a time"),
    ("{type: delta}", "must be one of updated_since"),
])
def test_incremental_mistakes_name_the_key(text, fragment):
    with pytest.raises(MappingError) as caught:
        parse_incremental(loads(f"incremental: {text}", "m.yaml").need("incremental"))
    assert fragment in str(caught.value)


OFFSET = "{type: offset, offset_param: offset, limit_param: limit, limit: 2, total: total_count}"


@pytest.mark.parametrize("max_pages", [None, 1])
def test_a_ticket_updated_while_the_listing_is_read(desk, tmp_path, max_pages):
    """Offset paging over a listing sorted by stamp: a ticket updated between two pages moves to
    the end and shifts the rest back by one. Asking each page by stamp (max_pages: 1) misses
    nothing; plain offsets miss the ticket that slid into the pages already read (why the docs say
    to use max_pages: 1 on such an API)."""
    ids = [desk.add_issue(f"M{n}") for n in range(6)]
    paging = OFFSET if max_pages is None else OFFSET.replace("}", f", max_pages: {max_pages}}}")
    backend = make(desk, tmp_path, MAPPING.replace(OFFSET, paging))
    first = backend.pull(None)
    assert [t.subject for t in first.tickets] == ["M0", "M1"]
    desk.touch(ids[0], subject="M0 again")
    pages, cursor = pull_all(backend, first.cursor)
    later = [t.subject for p in pages for t in p.tickets]
    if max_pages is None:
        assert "M2" not in later  # the known weakness of offsets under a moving listing
    else:
        assert later == ["M2", "M3", "M4", "M5", "M0 again"]
    pages, _ = pull_all(backend, cursor)
    assert [t for p in pages for t in p.tickets] == []


def test_a_full_page_at_the_boundary_stamp_pages_on_instead_of_stopping(desk, tmp_path):
    for n in range(5):
        desk.add_issue(f"Same{n}", same_second=n > 0)
    paging = OFFSET.replace("}", ", max_pages: 1}")
    backend = make(desk, tmp_path, MAPPING.replace(OFFSET, paging))
    pages, cursor = pull_all(backend)
    assert sorted(t.subject for p in pages for t in p.tickets) == [f"Same{n}" for n in range(5)]
    pages, _ = pull_all(backend, cursor)
    assert [t for p in pages for t in p.tickets] == []


def test_the_first_page_of_an_offset_listing_says_how_many_will_come(desk, tmp_path):
    for n in range(3):
        desk.add_issue(f"H{n}")
    backend = make(desk, tmp_path)
    first = backend.pull(None)
    assert first.total_hint == 3 and backend.pull(first.cursor).total_hint is None


def test_a_ticket_changed_again_in_the_boundary_second_is_read_again(desk, tmp_path):
    """Stamps in whole seconds: a ticket read at the cursor's stamp and changed again within that
    second keeps its stamp; it is read again because its content differs (not skipped by its id)."""
    ticket_id = desk.add_issue("First words")
    backend = make(desk, tmp_path)
    _, cursor = pull_all(backend)
    desk.touch(ticket_id, same_second=True, subject="Second words")
    pages, cursor = pull_all(backend, cursor)
    assert [t.subject for p in pages for t in p.tickets] == ["Second words"]
    pages, _ = pull_all(backend, cursor)
    assert [t for p in pages for t in p.tickets] == []


def test_a_post_search_takes_its_filter_and_page_token_in_the_json_body():
    bodies: list[dict] = []
    stamp = "2026-01-01T00:00:00Z"

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        bodies.append(body)
        if request.method != "POST" or body.get("mailbox") != 5:
            return httpx.Response(400, json={"error": "bad search"})
        if body.get("page_token") is None:
            return httpx.Response(200, json={"hits": [{"id": 1, "t": "A", "at": stamp}], "next_page_token": "p2"})
        return httpx.Response(200, json={"hits": [{"id": 2, "t": "B", "at": stamp}]})

    text = EXPORT.replace("  request: {path: /export.json, query: {include: users}}\n",
                          "  request: {method: POST, path: /search, json: {mailbox: 5}}\n").replace(
        "records: tickets", "records: hits").replace(
        """  incremental: {type: export_cursor, start_param: start_time, start_format: epoch, cursor_param: cursor,
                cursor: after_cursor, done: end_of_stream}""",
        """  paging: {type: body_token, field: page_token, next: next_page_token, size_param: limit, size: 1}
  incremental: {type: updated_since, param: updated_after, in: body, field: at, initial: "2025-12-01T00:00:00Z"}""").replace(
        "fields: {remote_id: id, number: id, subject: subject, created_at: created_at, updated_at: updated_at,\n"
        "           requester: requester_id}", "fields: {remote_id: id, number: id, subject: t, created_at: at, updated_at: at}")
    backend = GenericBackend(AccountSettings("x", "https://d.example.com", None, "t"),
                             HttpClient("https://d.example.com", transport=httpx.MockTransport(handle)),
                             mapping=loads_mapping(text))
    first = backend.pull(None)
    second = backend.pull(first.cursor)
    assert [t.subject for t in first.tickets + second.tickets] == ["A", "B"] and second.done
    assert bodies == [{"mailbox": 5, "updated_after": "2025-12-01T00:00:00Z", "limit": 1},
                      {"mailbox": 5, "updated_after": "2025-12-01T00:00:00Z", "limit": 1, "page_token": "p2"}]


def test_since_may_go_anywhere_in_the_request_and_is_left_out_on_a_first_sync():
    bodies: list[dict] = []
    stamp = "2026-01-01T00:00:00Z"

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"hits": [{"id": 1, "t": "A", "at": stamp}]})

    text = EXPORT.replace("  request: {path: /export.json, query: {include: users}}\n",
                          '  request: {method: POST, path: /search, json: {filter: {updated: {gte: "{since}"}}}}\n').replace(
        "records: tickets", "records: hits").replace(
        """  incremental: {type: export_cursor, start_param: start_time, start_format: epoch, cursor_param: cursor,
                cursor: after_cursor, done: end_of_stream}""",
        "  incremental: {type: updated_since, field: at, format: epoch}").replace(
        "fields: {remote_id: id, number: id, subject: subject, created_at: created_at, updated_at: updated_at,\n"
        "           requester: requester_id}", "fields: {remote_id: id, number: id, subject: t, created_at: at, updated_at: at}")
    backend = GenericBackend(AccountSettings("x", "https://d.example.com", None, "t"),
                             HttpClient("https://d.example.com", transport=httpx.MockTransport(handle)),
                             mapping=loads_mapping(text))
    first = backend.pull(None)
    backend.pull(first.cursor)
    assert bodies == [{"filter": {"updated": {}}}, {"filter": {"updated": {"gte": 1767225600}}}]
    with pytest.raises(MappingError, match="needs 'param', or {since} in the tickets request"):
        loads_mapping(text.replace('{gte: "{since}"}', "{gte: 0}"))


def test_without_a_check_the_sign_in_reads_the_first_page_as_a_first_sync_would():
    server = Exporter()
    client = HttpClient("https://desk.example.com", transport=httpx.MockTransport(server.handle),
                        policy=RetryPolicy(attempts=1), sleep=lambda s: None)
    backend = GenericBackend(AccountSettings("x", "https://desk.example.com", None, "t"), client,
                             mapping=loads_mapping(EXPORT))
    assert backend.check() == "Signed in to Exporter."
    assert server.seen == [{"include": "users", "start_time": "0"}] and backend.status.all() == {}


def test_hostile_records_in_a_listing_are_skipped_one_sentence_each_and_the_rest_synced():
    stamp = "2026-01-01T00:00:00Z"
    good = {"id": 5, "subject": "Fine", "created_at": stamp, "updated_at": stamp, "requester_id": 9}
    listing = [1, "x", None, good, {**good, "id": {"nested": 1}}, {**good, "id": 6, "subject": "\x1b[31mred\x1b[0m"},
               {**good, "id": 7, "updated_at": "yesterday"}]

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"tickets": listing, "users": [], "after_cursor": "c", "end_of_stream": True})

    backend = GenericBackend(AccountSettings("x", "https://d.example.com", None, "t"),
                             HttpClient("https://d.example.com", transport=httpx.MockTransport(handle)),
                             mapping=loads_mapping(EXPORT))
    page = backend.pull(None)
    assert [t.remote_id for t in page.tickets] == ["5", "6"]  # the escapes are data: the store cleans them
    assert len(page.skipped) == 5 and all(s.endswith(".") and "\n" not in s for s in page.skipped)
    assert "ticket 7 was skipped: its updated_at cannot be read (ValueError)." in page.skipped
    assert all("\x1b" not in s for s in page.skipped)
