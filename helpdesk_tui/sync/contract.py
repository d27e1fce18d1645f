"""The contract every helpdesk backend fills, in one screen.

A backend turns one helpdesk's HTTP API into the records of ``domain/remote.py`` and delivers
the typed commands of ``sync/commands.py``. It says what it can do in ``capabilities`` and
which account settings it takes in ``options``; it builds its HTTP client (base URL and an
``httpx.Auth`` from ``sync/auth.py``) in the classmethod ``make_client``. Optional operations
have a default that raises ``NotSupported``. The sync engine owns the cache and the
transactions: a backend never touches SQLite (state beyond the cursor goes through
``self.status``, which the engine commits with each page) and never sleeps or retries on its
own (the shared ``HttpClient`` does timeouts, retries, backoff and rate limits).

Backends are found through the entry-point group ``helpdesk_tui.backends``
(``sync/registry.py``); the built-in ones register there too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import IO, TYPE_CHECKING, Any, ClassVar

from helpdesk_tui.config.account_options import Option
# Who the signed-in agent is (``check`` learns it): the account's config stores it, so it lives there.
from helpdesk_tui.config.settings import AgentIdentity as Identity
from helpdesk_tui.domain.attachment_limits import NO_ATTACHMENTS, AttachmentLimits
# The records a backend returns live in domain/ so the store can apply them; they are
# re-exported here because they are half of this contract.
from helpdesk_tui.domain.remote import (
    ChangePage, RemoteArticle, RemoteMessage, RemoteOrganization, RemoteTemplate, RemoteTicket, RemoteUser,
)
from helpdesk_tui.domain.macros import HelpdeskActions
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.sync.commands import (
    KEEP, Attachment, Command, Keep, NewTicket, Note, Reply, Update, command_from,
)
from helpdesk_tui.sync.errors import NotSupported
from helpdesk_tui.sync.parsing import MALFORMED, malformed_reason, read_each, record_label, same_text
from helpdesk_tui.sync.status import MemoryStatus, SyncStatus

if TYPE_CHECKING:
    # httpx (and the client and auth built on it) costs ~60 ms to import: a workstation opening
    # on the demo or on a cache, before any request, must not pay it (``make_client``/``auth``
    # import them when a backend first builds its client).
    import httpx

    from helpdesk_tui.sync.http import HttpClient

__all__ = [
    "KEEP", "MALFORMED", "AccountSettings", "Attachment", "AttachmentLimits", "Backend", "Capabilities", "ChangeFeed", "ChangePage",
    "Command", "Concurrency", "Identity", "Keep", "MemoryStatus", "NewTicket", "Note", "Option", "PushResult", "RemoteArticle",
    "RemoteMessage", "RemoteOrganization", "RemoteTemplate", "RemoteTicket", "RemoteUser", "Reply", "SyncStatus",
    "Update", "carries_files", "command_from", "lists_files", "malformed_reason", "read_each", "record_label",
]


class ChangeFeed(StrEnum):
    """How the helpdesk tells what changed (the engine logs it with each page)."""

    CURSOR = "cursor"  # an opaque server cursor
    TIMESTAMP = "timestamp"  # "updated since"
    FULL_SCAN = "full_scan"  # no feed: every ticket is read, changes found by comparing


class Concurrency(StrEnum):
    """How a write is refused when the ticket changed since it was read."""

    ETAG = "etag"  # If-Match → 412
    VERSION = "version"  # an updated stamp sent with the write (Zendesk's safe_update)
    NONE = "none"  # the last write wins: the outbox sender sends no version


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do; each field is read by the engine, the outbox sender or the UI."""

    change_feed: ChangeFeed
    deletions: bool = False  # the feed reports deleted tickets (the engine applies them only then)
    idempotency: bool = False  # the server honours an idempotency key: resent as is after an unknown outcome
    concurrency: Concurrency = Concurrency.NONE
    kb: bool = False  # the engine pulls articles
    templates: bool = False  # the engine pulls templates
    sla: bool = False  # the server supplies its own due times
    tags: bool = False  # an update's ``tags`` (the whole list) is stored on the ticket (triage offers tags)
    groups: bool = False  # an update's ``group`` moves the ticket to that group or queue (triage offers it)
    internal_notes: bool = True  # the helpdesk keeps notes the customer never sees (else a Note is refused)
    # what a reply or note may carry (size, count, types); checked before an item is queued
    attachments: AttachmentLimits = NO_ATTACHMENTS

    def __post_init__(self) -> None:
        # Plain strings ("cursor", "etag") are accepted, as plug-ins wrote them before the enums.
        object.__setattr__(self, "change_feed", ChangeFeed(self.change_feed))
        object.__setattr__(self, "concurrency", Concurrency(self.concurrency))


@dataclass(frozen=True)
class PushResult:
    remote_id: str | None = None  # the new message's id, when the server says
    version: str | None = None  # the ticket's new version token, when the server says
    # A NewTicket's result: ``remote_id`` is the new ticket's remote id and ``number`` its
    # number as the helpdesk shows it (what replaces the provisional row's "queued").
    number: int | None = None


@dataclass(frozen=True)
class AccountSettings:
    """What a backend is built from: the account's config, its options and its secret."""

    name: str
    url: str
    user: str | None
    token: str = field(repr=False)
    options: Mapping[str, str] = field(default_factory=dict)


class Backend(ABC):
    """One helpdesk. Subclasses set ``name``, ``label`` and ``capabilities`` (and ``options``)."""

    name: ClassVar[str]
    label: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    options: ClassVar[tuple[Option, ...]] = ()  # the account settings it takes (``account add --option``)
    template_kind: ClassVar[str] = "template"  # what the helpdesk calls its templates ("macro")
    # True: ``pull(cursor)`` depends on nothing but the cursor (never on ``self.status``), so the
    # engine may ask for the next page on a thread of its own while it writes this one (no other
    # call of the backend runs meanwhile: one request at a time still, in the same order). That
    # thread also encodes the page's records' ``raw`` for the cache: nothing may change them after.
    pull_ahead: ClassVar[bool] = False

    def __init__(self, account: AccountSettings, client: HttpClient) -> None:
        self.account = account
        self.client = client
        # Sync state that is not the cursor; the engine replaces it with one kept in the cache.
        self.status: SyncStatus = MemoryStatus()
        # Who we are signed in as: ``check`` fills it when the helpdesk says (None: it did not).
        self.identity: Identity | None = None

    @classmethod
    def options_for(cls, given: Mapping[str, str]) -> tuple[Option, ...]:
        """The options an account with the options ``given`` takes: ``options``, unless the
        backend's settings depend on one of them (the generic backend's mapping file declares more)."""
        return cls.options

    @classmethod
    def capabilities_for(cls, given: Mapping[str, str]) -> Capabilities:
        """The capabilities of an account with the options ``given``, known without a network call."""
        return cls.capabilities

    @classmethod
    def label_for(cls, given: Mapping[str, str]) -> str:
        """The helpdesk's name for an account with the options ``given``."""
        return cls.label

    @classmethod
    def make_client(cls, account: AccountSettings, **options: Any) -> HttpClient:
        """The HTTP client for ``account``: ``api_url`` and ``auth``; ``options`` go to ``HttpClient``
        (``policy``, ``transport``, ``sleep``…). Override the two hooks, or this, per helpdesk."""
        from helpdesk_tui.sync.http import HttpClient

        headers = {"Accept": "application/json", **options.pop("headers", {})}
        return HttpClient(base_url=cls.api_url(account), auth=cls.auth(account), headers=headers, **options)

    @classmethod
    def api_url(cls, account: AccountSettings) -> str:
        """The API's base URL for the account's URL."""
        return account.url

    @classmethod
    def auth(cls, account: AccountSettings) -> httpx.Auth:
        """How requests authenticate (``sync/auth.py``); the default is a bearer token."""
        from helpdesk_tui.sync.auth import TokenAuth

        return TokenAuth(account.token)

    @abstractmethod
    def check(self) -> str:
        """Sign in and say who we are ("Signed in to RT as root."); raises a SyncError subclass.

        A backend that can tell who the agent is sets ``self.identity`` here as well."""

    @abstractmethod
    def pull(self, cursor: str | None) -> ChangePage:
        """The next page of ticket changes after ``cursor`` (None: from the beginning)."""

    @abstractmethod
    def fetch_thread(self, ticket: RemoteTicket | str) -> list[RemoteMessage]:
        """Every message of a ticket (given as the record or its remote id), oldest first."""

    def fetch_ticket(self, number: int) -> ChangePage | None:
        """The ticket numbered ``number`` as the helpdesk has it now, for a jump to a ticket the
        cache does not hold yet: a one-ticket page (the ticket with ``messages`` filled, its
        requester and organization; no cursor), or None when the helpdesk has no such ticket.
        The default: this helpdesk cannot look one ticket up by its number."""
        raise NotSupported(f"{self.label} cannot fetch one ticket by its number.")

    def fetch_threads(self, tickets: list[RemoteTicket]) -> dict[str, list[RemoteMessage]]:
        """The threads of several tickets (a pulled page), by remote id. Backends that can read
        many threads in a few requests override this; the default asks ``fetch_thread`` for each."""
        return {ticket.remote_id: self.fetch_thread(ticket) for ticket in tickets}

    @abstractmethod
    def push(self, command: Command, ticket_remote_id: str, version: str | None) -> PushResult:
        """Deliver one command (``Reply``, ``Note``, ``Update``; ``NewTicket`` where supported).

        A reply's or note's ``attachments`` go with it, or the push fails: a message must never
        land without its files (``sync/backends/attachment_upload.py`` has each helpdesk's way).

        A ``NewTicket`` comes with ``ticket_remote_id`` "" (there is no ticket yet) and answers
        the new ticket's remote id and ``number``; it leaves ``command.id`` on the ticket where
        the customer cannot see it (or sends it as the idempotency key) so ``find_delivered``
        can find the ticket after an unknown outcome.

        ``command.id`` is the idempotency key; ``version`` is the ticket's version token when
        ``capabilities.concurrency`` is not NONE. Raises ``Conflict`` when the version no longer
        matches, ``UnknownOutcome`` when the request may have been applied but no answer came
        back, ``NotSupported`` for a field it cannot deliver (never dropping it silently: the
        item would show as sent).
        """

    def find_delivered(self, command: Command, ticket_remote_id: str) -> str | None:
        """After an unknown outcome: the remote id of what ``command`` created, if it exists
        (for a ``NewTicket``: the ticket's remote id, found by its marker).

        The default reads the thread back and looks for the same body written after the
        command was queued; backends with a better handle (an idempotency record) override it.
        """
        if not isinstance(command, (Reply, Note)):
            return None
        wanted = MessageKind.PUBLIC_REPLY if isinstance(command, Reply) else MessageKind.INTERNAL_NOTE
        body = command.body.strip()
        for message in reversed(self.fetch_thread(ticket_remote_id)):
            if message.created_at < command.created_at.replace(microsecond=0) - CLOCK_SKEW:
                break
            if message.kind == wanted and same_text(message.body, body) and carries_files(message, command):
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

    def pull_action_macros(self) -> list[RemoteTemplate]:
        """The helpdesk's macros that write no text, only change fields (body empty, ``raw``
        kept for ``template_actions``): stored beside the templates, offered as macros only."""
        return []

    @classmethod
    def template_actions(cls, raw: Mapping[str, Any]) -> HelpdeskActions | None:
        """What a synced template (its ``raw`` record, as ``pull_templates`` kept it) does
        besides its text, for macros; None: it only writes text (the default)."""
        return None

    def download_attachment(self, meta: Mapping[str, Any], sink: IO[bytes],
                            progress: Callable[[int, int], None] | None = None) -> None:
        """Write one attachment's bytes into ``sink`` (a binary file at its start).

        ``meta`` is what this backend itself put in ``RemoteMessage.attachments`` for it (its
        own keys: a remote id, a file URL). Streamed through ``self.client.download`` so a large
        file never sits in memory; ``progress(done, total)`` as bytes arrive (total 0: unknown).
        Raises a ``SyncError`` (``Unreachable`` offline, ``NotFound`` when it is gone), or
        ``NotSupported`` when the helpdesk has no way to fetch them.
        """
        raise NotSupported(f"{self.label} cannot download attachments.")


def carries_files(message: RemoteMessage, command: Reply | Note) -> bool:
    """``message`` lists the files ``command`` attaches (by name, each as often): a message with
    the same words but without them is not our delivery (the files would be lost)."""
    return lists_files([str(meta.get("name") or meta.get("filename") or meta.get("file_name") or "")
                        for meta in message.attachments if isinstance(meta, Mapping)], command)


def lists_files(found: list[str], command: Reply | Note) -> bool:
    """``found`` (file names on a server's message) has each file of ``command``, as often."""
    names = [a.name for a in command.attachments]
    return all(found.count(n) >= names.count(n) for n in set(names))


# Servers and this machine disagree on the time: a message found by looking may be stamped
# a little before the item was queued.
CLOCK_SKEW = timedelta(minutes=5)
