"""The fake Zammad in a process of its own, for benchmarks: the client is measured, not the fake.

    with fake_zammad_process(tickets=5000) as (url, token):
        ... the Zammad mapping's pull against url ...

or by hand: ``python -m tests.fakes.zammad_process --tickets 5000`` prints the URL and serves
until its stdin closes. Changes from outside go through the API itself (another agent).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.own_process import fake_process
from tests.fakes.zammad import FakeZammad

TOKEN = "fake-zammad-token"


def seed(fake: FakeZammad, tickets: int, customers: int) -> None:
    """``tickets`` tickets from ``customers`` customers, each opened by an e-mail and answered once,
    over the past ``tickets`` minutes (a helpdesk's history, not one burst: an incremental sync's
    lookback then reaches only the recent ones)."""
    fake.rewind(60 * (tickets + 1))
    people = [fake.add_user(f"Customer{n}", lastname="Example", email=f"customer{n}@example.com")
              for n in range(max(1, customers))]
    for n in range(tickets):
        fake.advance(60)
        ticket = fake.add_ticket(f"Ticket {n}: printer on floor {n % 9}", customer_id=people[n % len(people)],
                                 body=f"<p>The printer on floor {n % 9} is offline ({n}).</p>",
                                 content_type="text/html")
        fake.add_article(ticket, f"We are looking into it ({n}).", author_id=fake.me, article_type="email")
    fake.advance(60)  # back to real time


@contextmanager
def fake_zammad_process(*, tickets: int = 0, customers: int = 500) -> Iterator[tuple[str, str]]:
    """A seeded fake in its own process: (its URL, the API token)."""
    with fake_process("tests.fakes.zammad_process", "--tickets", str(tickets), "--customers", str(customers),
                      name="Zammad") as (_, url):
        yield url, TOKEN


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A seeded fake Zammad on 127.0.0.1, in its own process.")
    parser.add_argument("--tickets", type=int, default=0)
    parser.add_argument("--customers", type=int, default=500)
    args = parser.parse_args(argv)
    with FakeZammad(token=TOKEN) as fake:
        seed(fake, args.tickets, args.customers)
        print(fake.url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin


if __name__ == "__main__":
    main()
