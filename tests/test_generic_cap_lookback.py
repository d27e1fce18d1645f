"""A listing restarted at its page cap goes on from the newest stamp itself, without the
lookback: with more changed records than the cap inside the lookback, looking back on the
restart would list the same capped pages again and never reach the rest (the next sync looks
back again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.http import RetryPolicy

MAPPING = """
format: 1
label: Capped Desk
base_url: "{account.url}"
auth: {type: bearer, token: "{account.token}"}
tickets:
  request: {path: /tickets}
  records: tickets
  paging: {type: page_number, param: page, start: 1, size_param: per_page, size: 2, max_pages: 2}
  incremental: {type: updated_since, param: since, format: iso8601z, field: updated, lookback: 60}
  fields: {remote_id: id, number: id, subject: title, created_at: updated, updated_at: updated}
messages:
  - request: {path: "/tickets/{ticket.remote_id}/messages"}
    fields: {remote_id: id, body: body, created_at: at}
"""
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# Seven records changed within ten seconds: more than the cap (2 pages of 2) inside the lookback.
RECORDS = [{"id": n, "title": f"T{n}", "updated": (START + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")}
           for n in range(1, 8)]


class Desk:
    def __init__(self) -> None:
        self.asked: list[tuple[str | None, int]] = []  # (since, page) of each listing request

    def handler(self, request: httpx.Request) -> httpx.Response:
        since = request.url.params.get("since")
        page, size = int(request.url.params.get("page", "1")), int(request.url.params.get("per_page", "2"))
        self.asked.append((since, page))
        found = [r for r in RECORDS if since is None or r["updated"] >= since]
        return httpx.Response(200, json={"tickets": found[(page - 1) * size:page * size]})


def backend(tmp_path: Path, desk: Desk) -> GenericBackend:
    path = tmp_path / "capped.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    account = AccountSettings(name="c", url="https://desk.example.com", user=None, token="t",
                              options={"mapping": str(path)})
    client = GenericBackend.make_client(account, transport=httpx.MockTransport(desk.handler),
                                        policy=RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, timeout=5))
    return GenericBackend(account, client)


def pull_until_done(backend: GenericBackend, cursor: str | None) -> tuple[list[str], str | None]:
    ids: list[str] = []
    for _ in range(50):
        page = backend.pull(cursor)
        ids += [t.remote_id for t in page.tickets]
        cursor = page.cursor
        if page.done:
            return ids, cursor
    raise AssertionError(f"the listing never ended: {ids}")


def test_a_capped_listing_restarts_from_its_newest_stamp_and_reaches_every_record(tmp_path: Path) -> None:
    desk = Desk()
    ids, cursor = pull_until_done(backend(tmp_path, desk), None)
    assert sorted(set(ids), key=int) == [str(r["id"]) for r in RECORDS]
    restarts = [since for since, page in desk.asked if since is not None and page == 1]
    assert restarts[0] == RECORDS[3]["updated"], desk.asked  # the 4th record's stamp: no minute back
    desk.asked.clear()
    again, _ = pull_until_done(backend(tmp_path, desk), cursor)  # the next sync looks back again
    assert desk.asked[0] == ((START + timedelta(seconds=7 - 60)).strftime("%Y-%m-%dT%H:%M:%SZ"), 1), desk.asked
