"""The fake Freshdesk in a process of its own: for CLI tests (the CLI runs as a subprocess too)
and benchmarks (the client is measured, not the fake).

    with fake_freshdesk_process(bulk=5_000) as url:
        ... helpdesk-tui account add fd --backend freshdesk --url {url} ...

or by hand: ``python -m tests.fakes.freshdesk_process --bulk 5000`` prints the URL and serves
until its stdin closes. Lines written to its stdin script it while it runs (one JSON object
each, answered by one JSON line on stdout): ``{"op": "subject", "ticket": 3, "subject": "…"}``,
``{"op": "customer_writes", "ticket": 3, "body": "…"}``, ``{"op": "thread", "ticket": 3}``,
``{"op": "touch", "count": 100}`` (the first ``count`` tickets change), ``{"op": "requests"}``
(how many requests were served).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from tests.fakes.freshdesk import FakeFreshdesk
from tests.fakes.own_process import fake_process

API_KEY = "fake-freshdesk-key"


class FakeProcess:
    """A running fake: its URL, and ``call`` to script it."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process, self.url = process, url

    def call(self, **op: Any) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(op) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())


@contextmanager
def fake_freshdesk_process(*, bulk: int = 0, conversations: int = 0, api_key: str = API_KEY,
                           subjects: tuple[str, ...] = ()) -> Iterator[FakeProcess]:
    """A fake in its own process seeded with ``bulk`` tickets (each with ``conversations``
    replies) and one ticket per entry of ``subjects``."""
    with fake_process("tests.fakes.freshdesk_process", "--bulk", str(bulk), "--conversations", str(conversations),
                      "--api-key", api_key, *[a for s in subjects for a in ("--subject", s)],
                      name="Freshdesk") as (process, url):
        yield FakeProcess(process, url)


def seed(fake: FakeFreshdesk, bulk: int, conversations: int) -> None:
    """``bulk`` tickets created over the last 20 days (inside the list's default window and
    outside it alike: a tenth are 40 days old), every one by its own customer."""
    now = int(time.time())
    with fake.lock:
        state, clock = fake.state, fake.state.clock
        try:
            for n in range(bulk):
                created = now - (40 if n % 10 == 0 else 20) * 86_400 + n * 60  # older first: ids rise with time
                state.clock, state._last = (lambda at=created: at), 0  # the ticket's life, in the past
                customer = state.add_contact(f"Customer {n}", f"customer{n}@example.com")
                ticket = state.add_ticket(f"Bulk ticket {n}", requester_id=customer, priority=1 + n % 4,
                                          description=f"Bulk ticket number {n} needs help.")
                for k in range(conversations):
                    state.add_conversation(ticket, f"Reply {k} on bulk ticket {n}.", user_id=state.me)
        finally:
            state.clock, state._last = clock, 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake Freshdesk on 127.0.0.1, in its own process.")
    parser.add_argument("--bulk", type=int, default=0)
    parser.add_argument("--conversations", type=int, default=0)
    parser.add_argument("--api-key", default=API_KEY)
    parser.add_argument("--subject", action="append", default=[])
    options = parser.parse_args(argv)
    fake = FakeFreshdesk(api_key=options.api_key)
    seed(fake, options.bulk, options.conversations)
    for subject in options.subject:
        customer = fake.add_contact("Aiko Tanaka", f"aiko{len(fake.state.contacts)}@example.com")
        fake.add_ticket(subject, requester_id=customer, description=f"Opened as: {subject}")
    with fake:
        print(fake.url, flush=True)
        _serve_commands(fake, sys.stdin, sys.stdout)


def _serve_commands(fake: FakeFreshdesk, commands: IO[str], answers: IO[str]) -> None:
    for line in commands:
        op = json.loads(line)
        with fake.lock:
            answer: Any = None
            if op["op"] == "subject":
                fake.state.update_ticket(op["ticket"], subject=op["subject"])
            elif op["op"] == "customer_writes":
                fake.state.add_conversation(op["ticket"], op["body"])
            elif op["op"] == "thread":
                answer = fake.state.conversations[op["ticket"]]
            elif op["op"] == "touch":
                for ticket_id in sorted(fake.state.tickets)[: op["count"]]:
                    fake.state.update_ticket(ticket_id, priority=1 + fake.state.tickets[ticket_id]["priority"] % 4)
            elif op["op"] == "requests":
                answer = len(fake.requests)
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
