"""The fake Help Scout in a process of its own, for benchmarks and CLI tests: the client is measured,
not the fake, and a CLI subprocess can reach it.

    with fake_helpscout_process(conversations=5000) as served:
        ... served.url, served.mailbox, served.app_id, served.app_secret ...

or by hand: ``python -m tests.fakes.helpscout_process --conversations 5000`` prints one JSON line
(url, mailbox, app_id, app_secret) and serves until its stdin closes. Changes during a benchmark
go through the API itself (a reply, a PATCH), as another agent's would.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.fakes.helpscout import FakeHelpScout
from tests.fakes.own_process import Discarded, fake_process


@dataclass(frozen=True)
class Served:
    url: str
    mailbox: int
    app_id: str
    app_secret: str


@contextmanager
def fake_helpscout_process(*, conversations: int = 0, rate_limit: int = 1_000_000) -> Iterator[Served]:
    with fake_process("tests.fakes.helpscout_process", "--conversations", str(conversations),
                      "--rate-limit", str(rate_limit), name="Help Scout", starts_with="{") as (_, line):
        yield Served(**json.loads(line))


def seed(fake: FakeHelpScout, conversations: int) -> None:
    """``conversations`` conversations from 1,000 customers, each with a customer message and a reply,
    one a second up to now (as a mailbox fills over time: not all in the boundary second of a sync)."""
    customers = [fake.add_customer(f"Customer {n}", email=f"customer{n}@example.com")
                 for n in range(min(conversations, 1000))]
    fake.advance(-conversations)
    for n in range(conversations):
        fake.advance(1)
        customer = customers[n % len(customers)]
        cid = fake.add_conversation(f"Question {n} about the invoice", f"Hello, question {n}.\n\nThanks.",
                                    customer=customer)
        fake.add_thread(cid, "reply", f"Answer to question {n}.", author=("user", fake.me))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake Help Scout on 127.0.0.1, in its own process.")
    parser.add_argument("--conversations", type=int, default=0)
    parser.add_argument("--rate-limit", type=int, default=1_000_000)
    options = parser.parse_args(argv)
    fake = FakeHelpScout(rate_limit=options.rate_limit)
    seed(fake, options.conversations)
    fake.requests = Discarded()
    with fake:
        print(json.dumps({"url": fake.url, "mailbox": fake.mailbox, "app_id": fake.app_id,
                          "app_secret": fake.app_secret}), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
