"""A process that holds an account's cache the way the app does, for tests/test_cache_processes.py.

It opens the real ``Cache`` and borrows two connections at once (a worker thread and the main
thread, as a background sync beside the UI does), prints ``ready``, then saves one draft per
line of standard input on the ticket given on the command line and prints ``saved`` after
each: an acknowledged write. Run as ``python -m tests.cache_holder DB TICKET_ID``.
"""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.cache import Cache


def main(path: str, ticket_id: int) -> None:
    cache = Cache(path, "demo")
    holding, release = threading.Event(), threading.Event()

    def worker() -> None:
        with cache.connection() as conn:
            conn.execute("SELECT count(*) FROM tickets").fetchone()
            holding.set()
            release.wait()

    thread = threading.Thread(target=worker)
    thread.start()
    holding.wait()
    with cache.connection() as conn:  # the pool opens a second connection: the worker has the first
        conn.execute("SELECT count(*) FROM messages").fetchone()
    release.set()
    thread.join()
    print("ready", flush=True)
    body = ""
    for line in sys.stdin:
        body += line
        now = datetime.now(UTC)
        cache.save_draft(Draft(ticket_id, MessageKind.PUBLIC_REPLY, body, now, now))
        print("saved", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
