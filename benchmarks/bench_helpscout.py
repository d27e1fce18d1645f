"""Help Scout figures: the mapping on the generic engine against raw paging of the same API.

    python benchmarks/bench_helpscout.py                      # 5,000 conversations, 100 changes
    python benchmarks/bench_helpscout.py --conversations 1000 --changes 50

The fake Help Scout runs in its own process (``tests/fakes/helpscout_process.py``), seeded with
conversations that each hold a customer message and a reply. Measured: raw paging of
``GET /v2/conversations?embed=threads`` (the same query and page size the mapping sends) with a
plain ``httpx.Client``; the mapping's reads alone (pages and threads into records, nothing
stored); a first sync into a fresh cache through ``SyncEngine`` (threads
included, as the app syncs), its ratio to the raw paging and its requests per synced ticket; then
an incremental sync after ``--changes`` conversations got a note through the API. Figures only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import httpx  # noqa: E402

from helpdesk_tui.store.cache import Cache  # noqa: E402
from helpdesk_tui.sync.contract import AccountSettings  # noqa: E402
from helpdesk_tui.sync.engine import SyncEngine  # noqa: E402
from helpdesk_tui.sync.mappings import HelpScoutBackend  # noqa: E402
from tests.fakes.helpscout_process import Served, fake_helpscout_process  # noqa: E402


class Counting(httpx.HTTPTransport):
    """A transport that counts the requests the backend sends (token requests included)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.paths: dict[str, int] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        kind = "/".join("N" if part.isdigit() else part for part in request.url.path.split("/"))
        self.paths[kind] = self.paths.get(kind, 0) + 1
        return super().handle_request(request)


def raw_paging(served: Served) -> tuple[int, int, float]:
    with httpx.Client(base_url=served.url) as client:
        token = client.post("/v2/oauth2/token", data={"grant_type": "client_credentials", "client_id": served.app_id,
                                                      "client_secret": served.app_secret}).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        url: str | None = "/v2/conversations"
        params: dict[str, str] | None = {"mailbox": str(served.mailbox), "status": "all", "sortField": "modifiedAt",
                                         "sortOrder": "asc", "embed": "threads"}
        seen = pages = 0
        while url:
            body = client.get(url, params=params).json()
            params = None  # the next link keeps them
            seen += len(body["_embedded"]["conversations"])
            pages += 1
            url = body["_links"].get("next", {}).get("href")
        return seen, pages, time.perf_counter() - started


def change(served: Served, how_many: int) -> None:
    """``how_many`` conversations get a note from a colleague, through the API."""
    with httpx.Client(base_url=served.url) as client:
        token = client.post("/v2/oauth2/token", data={"grant_type": "client_credentials", "client_id": served.app_id,
                                                      "client_secret": served.app_secret}).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        listed = client.get("/v2/conversations", params={"status": "all", "sortField": "createdAt",
                                                         "sortOrder": "asc"}).json()["_embedded"]["conversations"]
        ids = [c["id"] for c in listed]
        page = 2
        while len(ids) < how_many * 3:
            more = client.get("/v2/conversations", params={"status": "all", "sortField": "createdAt",
                                                           "sortOrder": "asc", "page": page}).json()
            ids += [c["id"] for c in more["_embedded"]["conversations"]]
            page += 1
        for cid in ids[::3][:how_many]:  # spread over the mailbox
            answer = client.post(f"/v2/conversations/{cid}/notes", json={"text": "Checked with billing."})
            answer.raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args()
    with fake_helpscout_process(conversations=args.conversations) as served, \
            tempfile.TemporaryDirectory() as folder:
        os.environ["HELPDESK_TUI_HOME"] = folder  # the request budget's state goes here, not to the user's
        seen, pages, raw_seconds = raw_paging(served)
        account = AccountSettings(name="bench", url=served.url, user=None, token=served.app_secret,
                                  options={"mailbox": str(served.mailbox), "app_id": served.app_id})
        reads = HelpScoutBackend(account, HelpScoutBackend.make_client(account))
        started, cursor, read = time.perf_counter(), None, 0
        while True:  # the mapping alone: pages read into records, threads included, nothing stored
            page = reads.pull(cursor)
            reads.fetch_threads(page.tickets)  # from the embedded threads: no request
            read += len(page.tickets)
            cursor = page.cursor
            if page.done:
                break
        read_seconds = time.perf_counter() - started
        transport = Counting()
        backend = HelpScoutBackend(account, HelpScoutBackend.make_client(account, transport=transport))
        cache = Cache(Path(folder) / "cache.sqlite", "bench")
        engine = SyncEngine(cache, backend, lambda: datetime.now(UTC), fetch_threads=True)
        started = time.perf_counter()
        first = engine.pull()
        sync_seconds = time.perf_counter() - started
        first_requests = transport.count
        time.sleep(1.1)  # the changes land in a later second than the cursor
        change(served, args.changes)
        first_paths, transport.count, transport.paths = dict(transport.paths), 0, {}
        started = time.perf_counter()
        again = engine.pull()
        incremental_seconds = time.perf_counter() - started
        print(f"raw paging: {seen} conversations, {pages} pages in {raw_seconds:.2f} s "
              f"({seen / raw_seconds:,.0f}/s)")
        print(f"mapping reads only (no cache): {read} tickets in {read_seconds:.2f} s ({read / read_seconds:,.0f}/s), "
              f"ratio to raw paging {raw_seconds / read_seconds:.2f}")
        print(f"first sync: {first.new} new tickets in {sync_seconds:.2f} s ({first.new / sync_seconds:,.0f}/s), "
              f"ratio to raw paging {raw_seconds / sync_seconds:.2f}; {first_requests} requests "
              f"({first_requests / max(first.new, 1):.3f} per ticket)")
        print(f"  {first_paths}")
        print(f"incremental: {args.changes} changed conversations -> {again.updated} updated, {again.new} new "
              f"in {incremental_seconds:.2f} s with {transport.count} requests")
        print(f"  {transport.paths}")


if __name__ == "__main__":
    main()
