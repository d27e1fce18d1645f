"""The servers ``bench_mapped_sync.py`` measures: one seeded server per scenario.

Each scenario seeds ``n`` tickets (a customer message each, one agent reply on every third) on
a fake or a real server, and says how to build the backend under test with a given transport
and how to change ``k`` tickets behind its back. Fakes and server actions are the tests' own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
from bench_mapped_sync import Setup, scenario

from helpdesk_tui.sync.backends import zendesk as zd
from helpdesk_tui.sync.contract import AccountSettings, Backend
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.mappings import ZendeskMappedBackend
from tests.fakes.zendesk import FakeZendesk

QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=30)


def _seed_zendesk(fake: FakeZendesk, n: int) -> list[int]:
    customers = [fake.add_user(f"Customer {i}", email=f"c{i}@example.com") for i in range(max(1, n // 10))]
    ids = []
    for i in range(n):
        ticket = fake.add_ticket(f"Printer {i} offline", requester_id=customers[i % len(customers)],
                                 description=f"The printer on floor {i % 7} is offline ({i}).")
        if i % 3 == 0:
            fake.add_comment(ticket, f"We are looking at it ({i}).", public=True)
        ids.append(ticket)
    return ids


def _zendesk_touch(fake: FakeZendesk, ids: list[int]) -> Callable[[int], None]:
    """A change to the first ``k`` seeded tickets' subjects, as another agent's."""

    def touch(k: int) -> None:
        for ticket in ids[:k]:
            fake.update_ticket(ticket, subject=f"Printer {ticket} offline (changed)")

    return touch


@scenario("zendesk", 2000)
@contextmanager
def zendesk(n: int) -> Iterator[Setup]:
    """The hand-written Zendesk backend against the Zendesk fake."""
    with FakeZendesk(email="agent@example.com") as fake:
        ids = _seed_zendesk(fake, n)

        def backend(transport: httpx.BaseTransport) -> Backend:
            account = AccountSettings(name="zd", url=fake.url, user="agent@example.com", token=fake.token)
            return zd.ZendeskBackend(account, zd.make_client(account, policy=QUICK, transport=transport))

        yield Setup(backend, _zendesk_touch(fake, ids))


@scenario("zendesk-mapped", 2000)
@contextmanager
def zendesk_mapped(n: int) -> Iterator[Setup]:
    """Zendesk as a mapping (sync/mappings/zendesk.yaml) against the same fake, seeded the same."""
    with FakeZendesk(email="agent@example.com") as fake:
        ids = _seed_zendesk(fake, n)

        def backend(transport: httpx.BaseTransport) -> Backend:
            account = AccountSettings(name="zdm", url=fake.url, user="agent@example.com", token=fake.token)
            return ZendeskMappedBackend(account, ZendeskMappedBackend.make_client(account, policy=QUICK,
                                                                                  transport=transport))

        yield Setup(backend, _zendesk_touch(fake, ids))


@scenario("zammad", 5000)
@contextmanager
def zammad(n: int) -> Iterator[Setup]:
    """The Zammad mapping on the generic engine against the fake Zammad (written from its docs)."""
    from helpdesk_tui.sync.mappings import ZammadBackend
    from tests.fakes.zammad import FakeZammad
    from tests.fakes.zammad_process import seed

    with FakeZammad() as fake:
        seed(fake, n, max(1, n // 10))
        ids = sorted(fake.state.tickets)

        def backend(transport: httpx.BaseTransport) -> Backend:
            account = AccountSettings(name="zm", url=fake.url, user=None, token=fake.token)
            return ZammadBackend(account, ZammadBackend.make_client(account, policy=QUICK, transport=transport))

        def touch(k: int) -> None:
            colleague = fake.add_user("Casey", lastname="Colleague", email="casey@example.com", roles=(2,))
            for ticket in ids[::max(1, len(ids) // k)][:k]:
                fake.add_article(ticket, "Checked by a colleague.", author_id=colleague, internal=True,
                                 article_type="note")

        yield Setup(backend, touch, ["customers: one per ten tickets, each read once by id (cached per sync)"])


@scenario("freshdesk", 2000)
@contextmanager
def freshdesk(n: int) -> Iterator[Setup]:
    """The Freshdesk mapping against the fake Freshdesk (written from its docs): a ticket's
    description and its conversations are two reads, as the API has them."""
    from helpdesk_tui.sync.mappings import FreshdeskBackend
    from tests.fakes.freshdesk import FakeFreshdesk
    from tests.fakes.freshdesk_process import seed

    with FakeFreshdesk() as fake:
        seed(fake, n, 1)
        ids = sorted(fake.state.tickets)

        def backend(transport: httpx.BaseTransport) -> Backend:
            account = AccountSettings(name="fd", url=fake.url, user=None, token=fake.api_key,
                                      options={"domain": fake.url, "requests_per_minute": "1000000"})
            return FreshdeskBackend(account, FreshdeskBackend.make_client(account, policy=QUICK, transport=transport))

        def touch(k: int) -> None:
            for ticket in ids[:k]:
                fake.add_conversation(ticket, "Any news?", incoming=True)

        yield Setup(backend, touch)


@scenario("helpscout", 5000)
@contextmanager
def helpscout(n: int) -> Iterator[Setup]:
    """The Help Scout mapping against the fake Help Scout: threads come embedded in the listing."""
    from helpdesk_tui.sync.mappings import HelpScoutBackend
    from tests.fakes.helpscout import FakeHelpScout
    from tests.fakes.helpscout_process import seed

    fake = FakeHelpScout(rate_limit=1_000_000)
    seed(fake, n)
    with fake:
        ids = sorted(fake.state.conversations)

        def backend(transport: httpx.BaseTransport) -> Backend:
            account = AccountSettings(name="hs", url=fake.url, user=None, token=fake.app_secret,
                                      options={"mailbox": str(fake.mailbox), "app_id": fake.app_id})
            return HelpScoutBackend(account, HelpScoutBackend.make_client(account, policy=QUICK, transport=transport))

        def touch(k: int) -> None:
            fake.advance(2)  # a later second than the first sync's newest stamp
            for cid in ids[:k]:
                fake.add_thread(cid, "customer", "Any news?", author=("customer", fake.state.conversations[cid]["customer"]))

        yield Setup(backend, touch)


@scenario("deskette", 5000)
@contextmanager
def deskette(n: int) -> Iterator[Setup]:
    """The README's worked example (docs/examples/deskette.yaml) through ``--backend generic``."""
    from helpdesk_tui.sync.generic.backend import GenericBackend
    from tests.deskette_support import EXAMPLE
    from tests.fakes.deskette import API_KEY, FakeDeskette

    with FakeDeskette() as fake:
        ids = [fake.add_ticket(f"Printer {i} offline", f"Floor {i % 7} ({i}).", email=f"c{i % 500}@example.com")
               for i in range(n)]
        for ticket in ids[::3]:
            fake.add_post(ticket, "We are looking at it.")

        def backend(transport: httpx.BaseTransport) -> Backend:
            # The file's own budget (300 a minute) is lifted by the account's option, as a user may.
            account = AccountSettings(name="desk", url=fake.url, user=None, token=API_KEY,
                                      options={"mapping": str(EXAMPLE), "requests_per_minute": "1000000"})
            return GenericBackend(account, GenericBackend.make_client(account, policy=QUICK, transport=transport))

        def touch(k: int) -> None:
            for ticket in ids[:k]:
                fake.add_post(ticket, "Any news?")

        yield Setup(backend, touch)
