"""The fake Zendesk in a process of its own, for benchmarks: the client is measured, not the fake.

    with fake_zendesk_process(bulk=100_000) as url:
        ... ZendeskBackend(...).pull(...) against url ...

or by hand: ``python -m tests.fakes.zendesk_process --bulk 100000`` prints the URL and serves
until its stdin closes. Seeding beyond the bulk feed, faults and the request log need the
in-process ``FakeZendesk``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.own_process import Discarded, fake_process
from tests.fakes.zendesk import FakeZendesk


@contextmanager
def fake_zendesk_process(*, bulk: int = 0, users: int = 1000, organizations: int = 100,
                         email: str = "agent@example.com", token: str = "fake-api-token",
                         page_size: int = 1000) -> Iterator[str]:
    """A fake in its own process (so a benchmark measures the client, not the server): its URL.

    Seeding, faults and the request log stay in that process; use ``FakeZendesk`` for those.
    """
    with fake_process("tests.fakes.zendesk_process", "--bulk", str(bulk), "--users", str(users),
                      "--organizations", str(organizations), "--email", email, "--token", token,
                      "--page-size", str(page_size), name="Zendesk") as (_, url):
        yield url


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.fakes.zendesk_process --bulk 100000``: prints the URL, serves until stdin closes."""
    parser = argparse.ArgumentParser(description="A fake Zendesk on 127.0.0.1, in its own process.")
    parser.add_argument("--bulk", type=int, default=0, help="synthetic tickets to serve")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--organizations", type=int, default=100)
    parser.add_argument("--email", default="agent@example.com")
    parser.add_argument("--token", default="fake-api-token")
    parser.add_argument("--page-size", type=int, default=1000)
    options = parser.parse_args(argv)
    fake = FakeZendesk(email=options.email, token=options.token, page_size=options.page_size)
    if options.bulk:
        fake.add_bulk_tickets(options.bulk, users=options.users, organizations=options.organizations)
    fake.requests = Discarded()
    with fake:
        print(fake.url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
