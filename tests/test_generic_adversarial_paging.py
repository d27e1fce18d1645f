"""A hostile server whose paging never ends: a page parameter it ignores (the same full page
for ever), a cursor or next URL that cycles A→B→A, an export cursor that never says drained.
Each listing must end on its own, within a few requests, without the mapping's ``max_pages``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.http import RetryPolicy

MAPPING = """
format: 1
label: Loop Desk
base_url: "{account.url}"
auth: {type: bearer, token: "{account.token}"}
tickets:
  request: {path: /tickets}
  records: tickets
  PAGING
  fields: {remote_id: id, number: id, subject: title, created_at: at, updated_at: at}
messages:
  - request: {path: "/tickets/{ticket.remote_id}/messages"}
    fields: {remote_id: id, body: body, created_at: at}
"""
LIMIT = 200  # pulls: far more than any of these listings needs when it ends


def ticket(n: int) -> dict:
    return {"id": n, "title": f"T{n}", "at": "2026-03-01T09:00:00Z"}


class Counting:
    def __init__(self, answer) -> None:
        self.answer = answer
        self.requests = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if "/messages" in request.url.path:
            return httpx.Response(200, json=[])
        self.requests += 1
        return self.answer(request)


def backend(tmp_path: Path, paging: str, desk: Counting) -> GenericBackend:
    path = tmp_path / "loop.yaml"
    path.write_text(MAPPING.replace("PAGING", paging), encoding="utf-8")
    account = AccountSettings(name="l", url="https://desk.example.com", user=None, token="t",
                              options={"mapping": str(path)})
    client = GenericBackend.make_client(account, transport=httpx.MockTransport(desk.handler),
                                        policy=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, timeout=5))
    return GenericBackend(account, client)


def pulls_until_done(mapped: GenericBackend) -> int:
    page = mapped.pull(None)
    pulls = 1
    while not page.done and pulls < LIMIT:
        page = mapped.pull(page.cursor)
        pulls += 1
    return pulls


def ends_or_says_why(mapped: GenericBackend, desk: Counting) -> None:
    """A page parameter the server ignores: the listing ends, or (better) the sync stops with one
    sentence naming the mapping's paging, within a few requests, never a loop."""
    try:
        assert pulls_until_done(mapped) < 5
    except errors.BadResponse as error:
        assert "does not reach the next page" in str(error) and "\n" not in str(error)
    assert desk.requests < 5


def test_a_page_parameter_the_server_ignores_ends_the_listing(tmp_path: Path) -> None:
    desk = Counting(lambda request: httpx.Response(200, json={"tickets": [ticket(1), ticket(2)]}))
    mapped = backend(tmp_path, "paging: {type: page_number, param: page, size_param: per_page, size: 2}", desk)
    ends_or_says_why(mapped, desk)


def test_an_offset_the_server_ignores_ends_the_listing(tmp_path: Path) -> None:
    desk = Counting(lambda request: httpx.Response(200, json={"tickets": [ticket(1), ticket(2)]}))
    mapped = backend(tmp_path, "paging: {type: offset, limit: 2}", desk)
    ends_or_says_why(mapped, desk)


@pytest.mark.parametrize("ring", [2, 3, 7])
def test_a_next_url_cycle_ends_the_listing(tmp_path: Path, ring: int) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        at = int(request.url.params.get("p", "0"))
        return httpx.Response(200, json={"tickets": [ticket(at + 1)],
                                         "next": f"https://desk.example.com/tickets?p={(at + 1) % ring}"})

    desk = Counting(answer)
    mapped = backend(tmp_path, "paging: {type: next_url, next: next}", desk)
    assert pulls_until_done(mapped) <= ring + 1


@pytest.mark.parametrize("ring", [2, 5])
def test_a_cursor_cycle_ends_the_listing(tmp_path: Path, ring: int) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        at = int(request.url.params.get("after", "0"))
        return httpx.Response(200, json={"tickets": [ticket(at + 1)], "after": str((at + 1) % ring)})

    desk = Counting(answer)
    mapped = backend(tmp_path, "paging: {type: cursor, param: after, next: after}", desk)
    assert pulls_until_done(mapped) <= ring + 1


def test_a_cursor_cycle_of_empty_pages_ends_the_listing(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        at = request.url.params.get("after")
        return httpx.Response(200, json={"tickets": [], "after": "b" if at == "a" else "a"})

    desk = Counting(answer)
    mapped = backend(tmp_path, "paging: {type: cursor, param: after, next: after}", desk)
    assert pulls_until_done(mapped) < 5


def test_a_new_token_with_the_same_page_each_time_ends_the_listing(tmp_path: Path) -> None:
    counter = iter(range(10**6))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"tickets": [ticket(1), ticket(2)], "after": f"t{next(counter)}"})

    desk = Counting(answer)
    mapped = backend(tmp_path, "paging: {type: cursor, param: after, next: after}", desk)
    assert pulls_until_done(mapped) < 5


def test_an_export_cursor_that_never_moves_ends_the_pull(tmp_path: Path) -> None:
    desk = Counting(lambda request: httpx.Response(200, json={"tickets": [ticket(1)], "after": "same",
                                                              "end": False}))
    path = tmp_path / "export.yaml"
    path.write_text(MAPPING.replace("  PAGING\n", "  incremental: {type: export_cursor, start_param: start, "
                                    "cursor_param: cursor, cursor: after, done: end}\n"), encoding="utf-8")
    account = AccountSettings(name="l", url="https://desk.example.com", user=None, token="t",
                              options={"mapping": str(path)})
    client = GenericBackend.make_client(account, transport=httpx.MockTransport(desk.handler),
                                        policy=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, timeout=5))
    assert pulls_until_done(GenericBackend(account, client)) < 5


def test_honest_paging_still_reads_every_page(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        return httpx.Response(200, json={"tickets": [ticket(2 * page - 1), ticket(2 * page)] if page <= 30 else []})

    desk = Counting(answer)
    mapped = backend(tmp_path, "paging: {type: page_number, param: page, size_param: per_page, size: 2}", desk)
    page = mapped.pull(None)
    seen = [t.remote_id for t in page.tickets]
    while not page.done:
        page = mapped.pull(page.cursor)
        seen += [t.remote_id for t in page.tickets]
    assert seen == [str(n) for n in range(1, 61)]


def test_records_left_out_by_skip_do_not_make_a_full_page_look_short(tmp_path: Path) -> None:
    """page_number stops on a page shorter than its size: the records the server sent count,
    not those left after ``skip:`` (else one skipped record ends the listing, and the pages
    after it are never read)."""
    pages = {1: [{**ticket(1), "spam": True}, ticket(2)], 2: [ticket(3), ticket(4)], 3: [ticket(5)]}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"tickets": pages.get(int(request.url.params.get("page", "1")), [])})

    desk = Counting(answer)
    text = "paging: {type: page_number, param: page, size_param: per_page, size: 2}\n  skip: {path: spam, equals: true}"
    mapped = backend(tmp_path, text, desk)
    page = mapped.pull(None)
    seen = [t.remote_id for t in page.tickets]
    while not page.done:
        page = mapped.pull(page.cursor)
        seen += [t.remote_id for t in page.tickets]
    assert seen == ["2", "3", "4", "5"]


@pytest.mark.parametrize("link", ["http://desk.example.com/t\x00?p=2", "https://desk.example.com:99999999/t"])
def test_a_next_link_that_is_not_a_url_is_a_sentence(tmp_path: Path, link: str) -> None:
    desk = Counting(lambda request: httpx.Response(200, json={"tickets": [ticket(1)], "next": link}))
    mapped = backend(tmp_path, "paging: {type: next_url, next: next}", desk)
    with pytest.raises(errors.SyncError) as caught:
        pulls_until_done(mapped)
    assert "\x00" not in str(caught.value)
