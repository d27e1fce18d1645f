"""What a helpdesk backend hands to the sync engine: records in our vocabulary.

Backends (``sync/backends``) build these from their API's JSON; the store applies them
(``store/sync_apply.py``). ``raw`` keeps the server's JSON for fields we do not map yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from helpdesk_tui.domain.vocab import MessageKind, Priority, Status


@dataclass
class RemoteUser:
    remote_id: str
    name: str
    email: str = ""
    organization_remote_id: str | None = None
    language: str = "en"
    phone: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class RemoteOrganization:
    remote_id: str
    name: str
    domain: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class RemoteMessage:
    remote_id: str
    kind: MessageKind
    author: str
    body: str
    created_at: datetime
    body_format: str = "text"  # "text", "markdown" or "html"
    attachments: tuple[dict[str, Any], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class RemoteRating:
    """The customer's satisfaction rating of a ticket, as the helpdesk keeps it."""

    score: str  # "good" or "bad"
    comment: str = ""
    remote_id: str | None = None
    created_at: datetime | None = None


@dataclass
class RemoteTicket:
    remote_id: str
    number: int
    subject: str
    status: Status
    priority: Priority
    created_at: datetime
    updated_at: datetime
    requester_remote_id: str | None = None
    organization_remote_id: str | None = None
    assignee: str | None = None
    group: str | None = None
    tags: tuple[str, ...] = ()
    custom_fields: dict[str, Any] = field(default_factory=dict)
    status_raw: str = ""
    priority_raw: str = ""
    first_response_at: datetime | None = None
    first_response_due_at: datetime | None = None  # only when capabilities.sla
    resolution_due_at: datetime | None = None
    solved_at: datetime | None = None
    version: str | None = None  # ETag / updated stamp / content hash, for concurrency control
    messages: list[RemoteMessage] | None = None  # None: fetch with fetch_thread when needed
    raw: dict[str, Any] = field(default_factory=dict)
    rating: RemoteRating | None = None  # satisfaction, where the helpdesk has it (store/ratings.py)


@dataclass
class ChangePage:
    """One page of changes after a cursor; applied by the engine in one transaction."""

    tickets: list[RemoteTicket] = field(default_factory=list)
    users: list[RemoteUser] = field(default_factory=list)
    organizations: list[RemoteOrganization] = field(default_factory=list)
    deleted_ticket_ids: list[str] = field(default_factory=list)  # remote ids
    cursor: str | None = None  # opaque; stored with the page and passed to the next pull
    done: bool = True  # no more changes right now
    total_hint: int | None = None  # how many tickets the whole pull will bring, when the API says
    skipped: list[str] = field(default_factory=list)  # records that could not be read, one sentence each


@dataclass
class RemoteArticle:
    remote_id: str
    title: str
    body: str
    language: str = "en"
    url: str = ""
    tags: tuple[str, ...] = ()
    updated_at: datetime | None = None
    # Deleted, archived or unpublished on the server: the sync removes it from the cache.
    archived: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class RemoteTemplate:
    remote_id: str
    name: str
    body: str  # already translated to our {{ placeholder }} syntax
    description: str = ""
    language: str = "en"
    raw: dict[str, Any] = field(default_factory=dict)
