"""Generic engine figures: how fast a mapping file reads a helpdesk's records.

    python benchmarks/bench_generic.py                    # 20,000 tickets
    python benchmarks/bench_generic.py --tickets 100000 --json benchmarks/out/generic.json

Three figures, on the Redmine-shaped fake of ``tests/generic_fake.py`` and its mapping (fields
with maps, dates, a join through a lookup, users inside each ticket):
- fields: records read into ``RemoteTicket`` per second (the compiled getters alone: the hot loop);
- pull: tickets per second through ``GenericBackend.pull`` (requests, paging, the incremental
  cursor, users), the fake answering in-process through ``httpx.MockTransport``;
- sync: tickets per second through ``SyncEngine.pull`` into a fresh SQLite cache, threads included
  (one request per thread), with requests per ticket.
Figures only: nothing is asserted (times depend on the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("HELPDESK_BENCH_APP_ROOT") or HERE.parent)
sys.path.insert(0, str(ROOT))

from helpdesk_tui.store.cache import Cache  # noqa: E402
from helpdesk_tui.sync.contract import AccountSettings  # noqa: E402
from helpdesk_tui.sync.engine import SyncEngine  # noqa: E402
from helpdesk_tui.sync.generic.backend import GenericBackend  # noqa: E402
from helpdesk_tui.sync.generic.values import Env  # noqa: E402
from figure_table import print_table  # noqa: E402  (this folder: the script's own)
from tests.generic_fake import MAPPING, TOKEN, FakeDesk  # noqa: E402


def backend(desk: FakeDesk, folder: Path) -> GenericBackend:
    path = folder / "desk.yaml"
    path.write_text(MAPPING.replace("limit: 2,", "limit: 100,"), encoding="utf-8")
    account = AccountSettings("desk", "https://desk.example.com", "aiko", TOKEN,
                              {"mapping": str(path), "project": "desk"})
    return GenericBackend(account, GenericBackend.make_client(account, transport=desk.transport()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    desk = FakeDesk()
    for n in range(args.tickets):
        ticket = desk.add_issue(f"Ticket {n}", author=2 + n % 2, assignee=1 if n % 3 else None,
                                priority=1 + n % 4, same_second=n % 5 > 0)
        if n % 4 == 0:
            desk.add_journal(ticket, f"A reply to {n}.", same_second=True)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        b = backend(desk, folder)
        records = [dict(issue, journals=None) for issue in desk.issues.values()]
        env = Env(lookup=b.lookups)
        read = b.mapping.tickets.reader.read
        read(records[0], env)  # the lookup is read once, outside the timing
        started = time.perf_counter()
        for record in records:
            read(record, env)
        figures["fields_records_per_s"] = len(records) / (time.perf_counter() - started)

        b = backend(desk, folder)
        cursor, count = None, 0
        started = time.perf_counter()
        while True:
            page = b.pull(cursor)
            count += len(page.tickets)
            cursor = page.cursor
            if page.done:
                break
        figures["pull_tickets_per_s"] = count / (time.perf_counter() - started)

        sent = len(desk.requests)
        cache = Cache(folder / "desk.sqlite", "desk")
        started = time.perf_counter()
        report = SyncEngine(cache, backend(desk, folder), lambda: datetime.now(UTC)).pull()
        elapsed = time.perf_counter() - started
        cache.close()
        figures["sync_tickets_per_s"] = report.new / elapsed
        figures["sync_requests_per_ticket"] = (len(desk.requests) - sent) / max(1, report.new)
    print_table([("figure", "value", "", ""),
                 ("fields: records read per second", f"{figures['fields_records_per_s']:,.0f}", "", ""),
                 ("pull: tickets per second", f"{figures['pull_tickets_per_s']:,.0f}", "", ""),
                 ("sync with threads: tickets per second", f"{figures['sync_tickets_per_s']:,.0f}", "", ""),
                 ("sync: requests per ticket", f"{figures['sync_requests_per_ticket']:.2f}", "", "")])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
