"""Why the sync path writes with sqlite3, not sqlite-utils: one page of messages upserted both ways.

    python benchmarks/bench_upsert.py [--messages N]

The writer (``store.writer.save_messages``) upserts with one prepared statement through
``executemany`` and also fills the full-text index; sqlite-utils' ``upsert_all`` builds a
dict per row and its statements per batch and fills no index. Same rows, same transaction,
best of five after two warm-up runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlite_utils  # noqa: E402

from helpdesk_tui.domain.models import Message, Ticket  # noqa: E402
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status  # noqa: E402
from helpdesk_tui.store import rows, writer  # noqa: E402
from helpdesk_tui.store.db import open_database, transaction  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    count = parser.parse_args().messages
    now = datetime(2026, 11, 20, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        conn = open_database(Path(folder) / "bench.sqlite")
        with transaction(conn):
            writer.save_tickets(conn, [Ticket(1, "s", Status.OPEN, Priority.NORMAL, None, now, now, id=1)])
        messages = [Message(1, MessageKind.CUSTOMER, "a", f"body {i} " * 20, now, id=i + 1) for i in range(count)]
        names = [c.strip() for c in rows.MESSAGE_COLUMNS.split(",")]
        db = sqlite_utils.Database(conn)

        def with_writer() -> float:
            with transaction(conn):
                conn.execute("DELETE FROM messages")
                start = time.perf_counter()
                writer.save_messages(conn, messages, fresh=True)
                return time.perf_counter() - start

        def with_sqlite_utils() -> float:
            with transaction(conn):
                conn.execute("DELETE FROM messages")
                start = time.perf_counter()
                db["messages"].upsert_all((dict(zip(names, rows.message_params(m), strict=True)) for m in messages),
                                          pk="id")
                return time.perf_counter() - start

        for _ in range(2):
            with_writer(), with_sqlite_utils()
        mine = min(with_writer() for _ in range(5))
        theirs = min(with_sqlite_utils() for _ in range(5))
        conn.close()
    print(f"{count} messages: writer {mine * 1000:.0f} ms (with the FTS index), "
          f"sqlite-utils upsert_all {theirs * 1000:.0f} ms (without it): {theirs / mine:.1f}x")


if __name__ == "__main__":
    main()
