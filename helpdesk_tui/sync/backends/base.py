"""The contract every helpdesk backend fills, in one screen.

A backend turns one helpdesk's HTTP API into the records below and back. It declares what
it can do as class attributes (``capabilities``); optional operations have a default that
raises ``NotSupported``. The sync engine (``sync/engine.py``) owns the cache and the
transactions; a backend never touches SQLite and never sleeps or retries on its own: the
shared ``HttpClient`` (``sync/http.py``) does timeouts, retries, backoff and rate limits.

Backends are found through the entry-point group ``helpdesk_tui.backends``
(``sync/registry.py``); the built-in ones register there too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar, TypeVar

from helpdesk_tui.content.sanitize import clean_line

from helpdesk_tui.domain.models import OutboxItem
# The records a backend returns live in domain/ so the store can apply them; they are
# re-exported here because they are half of this contract.
from helpdesk_tui.domain.remote import (  # noqa: F401
    ChangePage, RemoteArticle, RemoteMessage, RemoteOrganization, RemoteTemplate, RemoteTicket, RemoteUser,
)
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.sync.errors import NotSupported

T = TypeVar("T")


@dataclass(frozen=True)
class Capabilities:
    change_feed: str  # "cursor" (opaque server cursor), "timestamp" (updated-since), "full_scan"
    deletions: bool = False  # the feed reports deleted tickets
    idempotency: bool = False  # the server honours an idempotency key on writes
    concurrency: str = "none"  # "etag" (If-Match → 412), "version" (safe_update), "none"
    kb: bool = False
    templates: bool = False
    organizations: bool = False
    sla: bool = False  # the server supplies its own due times
    tags: bool = False  # an update's ``tags`` (the whole list) is stored on the ticket
    groups: bool = False  # an update's ``group`` moves the ticket to that group or queue


@dataclass(frozen=True)
class PushResult:
    remote_id: str | None = None  # the new message's id, when the server says
    version: str | None = None  # the ticket's new version token, when the server says


@dataclass(frozen=True)
class AccountSettings:
    """What a backend is built from: the account's config and its secret."""

    name: str
    url: str
    user: str | None
    token: str = field(repr=False)


class Backend(ABC):
    """One helpdesk. Subclasses set ``name``, ``label`` and ``capabilities``."""

    name: ClassVar[str]
    label: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def __init__(self, account: AccountSettings, client) -> None:  # client: sync.http.HttpClient
        self.account = account
        self.client = client

    @abstractmethod
    def check(self) -> str:
        """Sign in and say who we are ("Signed in to RT as root."); raises a SyncError subclass."""

    @abstractmethod
    def pull(self, cursor: str | None) -> ChangePage:
        """The next page of ticket changes after ``cursor`` (None: from the beginning)."""

    @abstractmethod
    def fetch_thread(self, ticket: RemoteTicket | str) -> list[RemoteMessage]:
        """Every message of a ticket (given as the record or its remote id), oldest first."""

    def fetch_threads(self, tickets: list[RemoteTicket]) -> dict[str, list[RemoteMessage]]:
        """The threads of several tickets (a pulled page), by remote id. Backends that can read
        many threads in a few requests override this; the default asks ``fetch_thread`` for each."""
        return {ticket.remote_id: self.fetch_thread(ticket) for ticket in tickets}

    @abstractmethod
    def push(self, item: OutboxItem, ticket_remote_id: str, version: str | None) -> PushResult:
        """Deliver one outbox item: ``item.action`` is "reply", "note" or "update".

        ``item.payload`` holds body, public, status, next_checkpoint (and for updates:
        priority, assignee, group, tags). ``item.id`` is the idempotency key. Raises ``Conflict``
        when the version no longer matches, ``UnknownOutcome`` when the request may have
        been applied but no answer came back, ``NotSupported`` for a field it cannot deliver
        (never dropping it silently: the item would show as sent).
        """

    def find_delivered(self, item: OutboxItem, ticket_remote_id: str) -> str | None:
        """After an unknown outcome: the remote id of the message ``item`` created, if it exists.

        The default reads the thread back and looks for the same body written after the
        item was queued; backends with a better handle (an idempotency record) override it.
        """
        body = str(item.payload.get("body") or "").strip()
        public = bool(item.payload.get("public", True))
        wanted = MessageKind.PUBLIC_REPLY if public else MessageKind.INTERNAL_NOTE
        for message in reversed(self.fetch_thread(ticket_remote_id)):
            if message.created_at < item.created_at.replace(microsecond=0) - _CLOCK_SKEW:
                break
            if message.kind == wanted and _same_text(message.body, body):
                return message.remote_id
        return None

    def current_version(self, ticket_remote_id: str) -> str | None:
        """The ticket's version token as the server has it now (after a delivery we only found
        by looking, so the next write is not refused as a conflict with our own change)."""
        return None

    def pull_articles(self, cursor: str | None) -> tuple[list[RemoteArticle], str | None, bool]:
        """KB articles changed after ``cursor``: (articles, next cursor, done)."""
        raise NotSupported(f"{self.label} has no knowledge base API.")

    def pull_templates(self) -> list[RemoteTemplate]:
        """Macros or canned replies, translated to our placeholder syntax."""
        raise NotSupported(f"{self.label} has no templates API.")


_CLOCK_SKEW = timedelta(minutes=5)

# What reading one malformed record raises (a text where a number belongs, a list where an
# object belongs, a date past year 9999): that record is skipped, never the whole sync.
MALFORMED = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError)


def record_label(raw: object, what: str) -> str:
    """How a skipped record is named in the report: its id when it has one."""
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"{what} {clean_line(repr(ident))[:40]}" if ident is not None else f"a {what} record"


def read_each(raws: Iterable[object], parse: Callable[[Any], T], what: str, skipped: list[str]) -> list[T]:
    """``parse`` each raw record; one that is not an object or cannot be read is left out and
    named in ``skipped`` (one sentence each), and the others are kept."""
    out: list[T] = []
    for raw in raws:
        try:
            if not isinstance(raw, dict):
                raise TypeError(f"not an object but {type(raw).__name__}")
            out.append(parse(raw))
        except MALFORMED as exc:
            skipped.append(f"{record_label(raw, what)} was skipped: {malformed_reason(exc)}.")
    return out


def malformed_reason(exc: BaseException) -> str:
    """Why a record could not be read, in a few words (the text is the server's: cleaned)."""
    text = clean_line(str(exc))[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _same_text(remote: str, local: str) -> bool:
    """Servers rewrap, trim or convert to HTML; compare the words, not the bytes."""
    a, b = _normalise(remote), _normalise(local)
    return a == b or (len(b) > 20 and b[:200] in a)
