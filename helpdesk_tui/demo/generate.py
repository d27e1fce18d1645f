"""The built-in demo workspace: a deterministic helpdesk full of plausible work.

Pure Python producing domain dataclasses; the store's loader bulk-inserts what the
iterators yield. Same spec, same output: every random choice comes from
``random.Random`` instances seeded from ``spec.seed`` and every timestamp from ``spec.now``.

Ids are explicit, 1-based and dense per type, and references between objects are already
resolved (``ticket.requester_id`` is a customer id, ``message.ticket_id`` a ticket id, …).
Tickets come oldest first, so ids grow with creation time.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from helpdesk_tui.config.settings import DEMO_AGENT
from helpdesk_tui.demo import kb_en, kb_intl, people
from helpdesk_tui.demo.population import Org, Profile, build_orgs, iter_profiles
from helpdesk_tui.demo.text_common import ADVERSARIAL
from helpdesk_tui.demo.shape import LONG_THREAD, RICH_LIMIT, SPAN
from helpdesk_tui.demo.threads import TicketBundle, ticket_stream
from helpdesk_tui.domain.models import Article, Customer, CustomerNote, Organization

__all__ = ["DemoSpec", "DemoWorkspace", "TicketBundle", "LONG_THREAD"]

FIRST_NUMBER = 10001
LONG_THREAD_EVERY = 10_000  # one 50-message ticket per this many tickets in large workspaces


@dataclass(frozen=True, kw_only=True)
class DemoSpec:
    """What to generate. ``now`` is required and must be timezone-aware."""

    now: datetime
    seed: int = 7
    tickets: int = 1200
    agent: str = DEMO_AGENT.name  # the agent using the app; some tickets are theirs ("My open")

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("DemoSpec.now must be timezone-aware (UTC)")
        if self.tickets < 0:
            raise ValueError("DemoSpec.tickets cannot be negative")
        object.__setattr__(self, "now", self.now.astimezone(timezone.utc))


class DemoWorkspace:
    """Organizations, customers, notes, KB articles and tickets for one spec."""

    def __init__(self, spec: DemoSpec) -> None:
        self.spec = spec
        n = spec.tickets
        self.agents: list[str] = [spec.agent] + [a for a in people.COLLEAGUES if a != spec.agent][:8]
        # ~n/7.5 customers: with 2..30 tickets each there is always a valid split.
        self.customer_count = 0 if n == 0 else max(1, n * 2 // 15)
        self.organization_count = min(5000, max(len(people.CURATED_ORGS), self.customer_count // 5))
        self._orgs: list[Org] = build_orgs(spec.seed, self.organization_count)
        self._window_start = spec.now - timedelta(seconds=SPAN)

        if n < 30:  # too small for a benchmark thread to make sense
            long_idx = []
        elif n <= RICH_LIMIT:
            long_idx = [n // 3, (2 * n) // 3, (9 * n) // 10]
        else:
            long_idx = [k * LONG_THREAD_EVERY + LONG_THREAD_EVERY // 2 for k in range(n // LONG_THREAD_EVERY)]
        self.long_thread_numbers: list[int] = [FIRST_NUMBER + i for i in long_idx]

        # A handful of hostile tickets, recent enough to sit in the inbox.
        step = max(3, n // 200)
        adversarial: dict[int, int] = {}
        for k in range(len(ADVERSARIAL)):
            i = n - 1 - (k + 1) * step
            while i in adversarial or i in long_idx:
                i -= 1
            if i >= 0:
                adversarial[i] = k
        self._adversarial = adversarial
        self.adversarial_numbers: list[int] = sorted(FIRST_NUMBER + i for i in adversarial)

    # -- people ------------------------------------------------------------------------------

    def _profiles(self) -> Iterator[Profile]:
        return iter_profiles(self.spec.seed, self.customer_count, self._orgs, self._window_start, self.spec.now,
                             self.agents[1:] or self.agents)

    def organizations(self) -> Iterator[Organization]:
        for org in self._orgs:
            notes = org.notes or f"{org.plan} plan"
            yield Organization(name=org.name, domain=org.domain, notes=notes, id=org.id, remote_id=str(org.id))

    def customers(self) -> Iterator[Customer]:
        for p in self._profiles():
            yield Customer(name=p.name, email=p.email, organization_id=p.org_id, language=p.language,
                           phone=p.phone, created_at=p.created_at, id=p.id, remote_id=str(p.id))

    def customer_notes(self) -> Iterator[CustomerNote]:
        note_id = 0
        for p in self._profiles():
            for body, author, at in p.notes:
                note_id += 1
                yield CustomerNote(customer_id=p.id, body=body, author=author, created_at=at,
                                   updated_at=at, id=note_id)

    # -- knowledge base ---------------------------------------------------------------------

    def articles(self) -> Iterator[Article]:
        rng = random.Random(f"helpdesk-demo:{self.spec.seed}:kb")
        now = self.spec.now
        for i, (lang, slug, title, tags, body) in enumerate(kb_en.ARTICLES + kb_intl.ARTICLES, start=1):
            updated = now - timedelta(seconds=int(86400 * (3 + 400 * rng.random() ** 2)))
            yield Article(title=title, body=body, language=lang, tags=tags,
                          url=f"https://help.example/{lang}/articles/{i}-{slug}",
                          updated_at=updated, id=i, remote_id=str(i))

    # -- tickets ----------------------------------------------------------------------------

    def tickets(self) -> Iterator[TicketBundle]:
        """Tickets with their messages and events, oldest first, generated lazily."""
        spec = self.spec
        return ticket_stream(
            seed=spec.seed, tickets=spec.tickets, now=spec.now, agent=spec.agent, agents=self.agents,
            profiles=self._profiles(), customers=self.customer_count,
            long_ids=frozenset(n - FIRST_NUMBER + 1 for n in self.long_thread_numbers),
            adversarial=self._adversarial,
        )
