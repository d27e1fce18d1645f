"""Who the demo helpdesk serves: organizations, customers, agent notes, tickets per customer.

Everything is drawn from ``random.Random`` instances seeded from the spec, in id order, so
the customer iterator and the ticket stream (which needs the same profiles as customers
join its pool) see identical people without either holding the whole population.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from helpdesk_tui.demo import people

_CUSTOMER_SPAN = 720 * 86400  # customers signed up over the two years before the ticket window


class Org(NamedTuple):
    id: int
    name: str
    domain: str
    language: str
    plan: str
    notes: str


class Profile:
    """A customer plus what the ticket generator needs to write as them."""

    __slots__ = ("id", "name", "first", "email", "language", "org_id", "org_name", "site", "phone",
                 "created_at", "plan", "server", "notes", "remaining")
    id: int
    name: str
    first: str  # how the agent addresses them
    email: str
    language: str
    org_id: int | None
    org_name: str
    site: str
    phone: str
    created_at: datetime
    plan: str
    server: str
    notes: tuple[tuple[str, str, datetime], ...]  # (body, author, when)
    remaining: int

    def __init__(self, **fields) -> None:
        for key, value in fields.items():
            setattr(self, key, value)
        self.remaining = 0


def _coprime_step(size: int) -> int:
    """A multiplier that permutes range(size) and scatters neighbours (golden-ratio-ish)."""
    step = max(1, int(size * 0.618))
    while math.gcd(step, size) != 1:
        step += 1
    return step


def _pick_language(u: float, cuts) -> str:
    for cut, code in cuts:
        if u < cut:
            return code
    return cuts[-1][1]


def build_orgs(seed: int, count: int) -> list[Org]:
    rng = random.Random(f"helpdesk-demo:{seed}:orgs")
    orgs = [Org(i + 1, name, domain, lang, plan, notes)
            for i, (name, domain, lang, plan, notes) in enumerate(people.CURATED_ORGS[:count])]
    made = dict.fromkeys(people.LANGUAGES, 0)
    while len(orgs) < count:
        lang = _pick_language(rng.random(), people.ORG_LANGUAGE_CUTS)
        firsts, seconds, pattern = people.ORG_PARTS[lang]
        combos = len(firsts) * len(seconds)
        k = made[lang]
        made[lang] += 1
        p = (k * _coprime_step(combos)) % combos
        a, b = firsts[p % len(firsts)], seconds[p // len(firsts)]
        suffix = str(k // combos + 1) if k >= combos else ""
        orgs.append(Org(len(orgs) + 1, pattern.format(a=a[0], b=b[0]), f"{a[1]}-{b[1]}{suffix}.example",
                        lang, people.PLANS[int(rng.random() * len(people.PLANS))], ""))
    return orgs


def iter_profiles(seed: int, count: int, orgs: list[Org], start: datetime, now: datetime,
                  authors: Sequence[str]) -> Iterator[Profile]:
    """Customers 1..count in id order; sign-up times grow with the id and precede ``start``."""
    rng = random.Random(f"helpdesk-demo:{seed}:customers")
    rnd = rng.random
    by_lang = {lang: [o for o in orgs if o.language == lang] for lang in people.LANGUAGES}
    made = dict.fromkeys(people.LANGUAGES, 0)
    steps = {lang: _coprime_step(len(people.FIRST_NAMES[lang]) * len(people.LAST_NAMES[lang]))
             for lang in people.LANGUAGES}
    for cid in range(1, count + 1):
        lang = _pick_language(rnd(), people.LANGUAGE_CUTS)
        firsts, lasts = people.FIRST_NAMES[lang], people.LAST_NAMES[lang]
        combos = len(firsts) * len(lasts)
        k = made[lang]
        made[lang] += 1
        p = (k * steps[lang]) % combos
        first, last = firsts[p % len(firsts)], lasts[p // len(firsts)]
        suffix = str(k // combos + 1) if k >= combos else ""
        if lang == "ja":  # family name first; "田中様" is how an agent addresses them
            name, call = f"{last[0]} {first[0]}", last[0]
        else:
            name, call = f"{first[0]} {last[0]}", first[0]
        pool = by_lang[lang]
        org = pool[int(rnd() * len(pool))] if pool and rnd() < 0.72 else None
        providers = people.MAIL_PROVIDERS[lang]
        email = f"{first[1]}.{last[1]}{suffix}@" + (
            org.domain if org else providers[int(rnd() * len(providers))])
        site = org.domain if org else (
            f"{last[1]}-{people.SITE_KINDS[int(rnd() * len(people.SITE_KINDS))]}{suffix}.example")
        phone = ""
        if rnd() < 0.6:
            formats = people.PHONE_FORMATS[lang]
            digits = int(rnd() * 10000)
            phone = formats[int(rnd() * len(formats))].format(a=digits % 100, b=digits % 1000, c=digits)
        plan = org.plan if org else people.PLANS[int(rnd() * len(people.PLANS))]
        server = f"web-{1 + int(rnd() * 32):02d}"
        created_at = start - timedelta(seconds=int(_CUSTOMER_SPAN * (1.0 - (cid - 0.5) / count)) + 86400)
        profile = Profile(id=cid, name=name, first=call, email=email, language=lang,
                          org_id=org.id if org else None, org_name=org.name if org else "",
                          site=site, phone=phone, created_at=created_at, plan=plan, server=server, notes=())
        r = rnd()
        n_notes = 2 if r < 0.03 else 1 if r < 0.15 else 0
        if n_notes:
            profile.notes = tuple(_note(profile, rnd, now, authors) for _ in range(n_notes))
        yield profile


def _note(profile: Profile, rnd, now: datetime, authors: Sequence[str]) -> tuple[str, str, datetime]:
    eligible = [text for text, need in people.CUSTOMER_NOTES
                if need == "" or need == profile.language
                or (need == "phone" and profile.phone) or (need == "org" and profile.org_id)]
    text = eligible[int(rnd() * len(eligible))]
    body = (text.replace("{phone}", profile.phone).replace("{org}", profile.org_name)
            .replace("{domain}", profile.site).replace("{server}", profile.server))
    author = authors[int(rnd() * len(authors))]
    life = (now - profile.created_at).total_seconds()
    return body, author, profile.created_at + timedelta(seconds=int(life * (0.1 + 0.85 * rnd())))


class TicketCounts:
    """Tickets per customer, drawn one customer at a time, each in [2, 30], summing to the total.

    A skewed draw (most customers write a few times, some thirty) whose mean follows what is
    left, clamped so the customers still to come can always take the rest.
    """

    def __init__(self, seed: int, tickets: int, customers: int) -> None:
        self._rng = random.Random(f"helpdesk-demo:{seed}:counts")
        self._tickets = tickets
        self._customers = customers

    def next(self) -> int:
        left, people_left = self._tickets, self._customers
        if people_left <= 0:
            return 0
        if people_left == 1:
            count = left
        else:
            mean = left / people_left
            count = 2 + int((mean - 2.0) * -math.log(1.0 - self._rng.random()) + 0.5) if mean > 2 else 2
            count = max(count, 2, left - 30 * (people_left - 1))
            count = min(count, 30, left - 2 * (people_left - 1))
        self._tickets -= count
        self._customers -= 1
        return count
