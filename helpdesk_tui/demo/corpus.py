"""Ticket text compiled once at import: each template knows which placeholders it holds.

Filling a template is then a handful of ``str.replace`` calls on precomputed strings, which
keeps generation fast enough for a million tickets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from types import ModuleType

from helpdesk_tui.demo import text_common, text_en, text_he, text_it, text_ja
from helpdesk_tui.demo.population import Profile

Template = tuple[str, tuple[str, ...]]

TOKENS = frozenset({
    "{name}", "{fullname}", "{domain}", "{email}", "{org}", "{server}", "{number}", "{plan}",
    "{invoice}", "{logdate}", "{certdate}", "{certstart}", "{when}", "{colleague}", "{other}", "{ip}",
})
_TOKEN_RE = re.compile(r"\{[a-z]+\}")


def compile_template(text: str) -> Template:
    found = tuple(dict.fromkeys(t for t in _TOKEN_RE.findall(text) if t in TOKENS))
    return text, found


def _many(texts) -> tuple[Template, ...]:
    return tuple(compile_template(t) for t in texts)


class Language:
    """One language's material, per topic index where it depends on the topic."""

    __slots__ = ("code", "subjects", "openings", "solutions", "ask", "interim", "promise", "hold",
                 "followups", "thanks", "greeting", "closing", "customer_closings", "when")

    def __init__(self, code: str, module: ModuleType) -> None:
        keys = text_common.TOPIC_KEYS
        self.code = code
        self.subjects = tuple(_many(module.SUBJECTS[k]) for k in keys)
        self.openings = tuple(_many(module.OPENINGS[k]) for k in keys)
        self.solutions = tuple(_many(module.SOLUTIONS[k]) for k in keys)
        self.ask = _many(module.ASK)
        self.interim = _many(module.INTERIM)
        self.promise = _many(module.PROMISE)
        self.hold = _many(module.HOLD)
        self.followups = _many(module.FOLLOWUPS)
        self.thanks = _many(module.THANKS)
        self.greeting = compile_template(module.AGENT_GREETING)
        self.closing: str = module.AGENT_CLOSING
        self.customer_closings = _many(module.CUSTOMER_CLOSINGS)
        self.when: Callable[[datetime], str] = module.when


LANGUAGES = {code: Language(code, mod) for code, mod in
             (("en", text_en), ("ja", text_ja), ("it", text_it), ("he", text_he))}

NOTES_BY_TOPIC = tuple(_many(text_common.NOTES_BY_TOPIC[k]) for k in text_common.TOPIC_KEYS)
NOTES_GENERIC = _many(text_common.NOTES_GENERIC)
HANDOVER_NOTES = _many(text_common.HANDOVER_NOTES)
SYSTEM_MESSAGES = _many(text_common.SYSTEM_MESSAGES)
ADVERSARIAL = tuple((text_common.TOPIC_KEYS.index(topic), compile_template(s), compile_template(b))
                    for topic, s, b in text_common.ADVERSARIAL)

_TWO_DAYS = timedelta(days=2)
_NINETY_TWO_DAYS = timedelta(days=92)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _openssl_date(at: datetime) -> str:
    return f"{_MONTHS[at.month - 1]} {at.day:2d} {at.hour:02d}:{at.minute:02d}:{at.second:02d} {at.year} GMT"


class Context(dict[str, str]):
    """Placeholder values for one ticket, computed on first use (most templates need two)."""

    __slots__ = ("profile", "number", "created", "checkpoint", "language", "colleagues")
    profile: Profile
    number: int
    created: datetime
    checkpoint: datetime | None
    language: str
    colleagues: Sequence[str]

    def __missing__(self, token: str) -> str:
        p = self.profile
        if token == "{name}":
            value = p.first
        elif token == "{fullname}":
            value = p.name
        elif token == "{domain}":
            value = p.site
        elif token == "{email}":
            value = p.email
        elif token == "{org}":
            value = p.org_name or p.name
        elif token == "{server}":
            value = p.server
        elif token == "{plan}":
            value = p.plan
        elif token == "{number}":
            value = str(self.number)
        elif token == "{other}":
            value = str(max(10001, self.number - 3 - self.number % 17))
        elif token == "{invoice}":
            value = f"INV-{self.created.year}-{self.number:06d}"
        elif token == "{ip}":
            value = f"203.0.113.{self.number % 250 + 2}"
        elif token == "{logdate}":
            c = self.created
            value = f"{c.year:04d}/{c.month:02d}/{c.day:02d} {c.hour:02d}:{c.minute:02d}:{c.second:02d}"
        elif token == "{certdate}":
            value = _openssl_date(self.created.replace(hour=3, minute=12, second=9) - _TWO_DAYS)
        elif token == "{certstart}":
            value = _openssl_date(self.created.replace(hour=3, minute=12, second=9) - _NINETY_TWO_DAYS)
        elif token == "{when}":
            value = LANGUAGES[self.language].when(self.checkpoint) if self.checkpoint else ""
        elif token == "{colleague}":
            value = self.colleagues[self.number % len(self.colleagues)]
        else:  # pragma: no cover - compile_template only records known tokens
            value = token
        self[token] = value
        return value


def fill(template: Template, ctx: Context) -> str:
    text, tokens = template
    for token in tokens:
        text = text.replace(token, ctx[token])
    return text

