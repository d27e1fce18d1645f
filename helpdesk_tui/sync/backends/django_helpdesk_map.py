"""django-helpdesk records ↔ ours: field mappings, the thread, content hashes, the scan state.

Pure functions, no HTTP; ``django_helpdesk.py`` does the requests. What the 2.6.1 API gives
(``/helpdesk/api/tickets/``, DRF ``TicketSerializer``): ``id, queue (pk), title, description,
resolution, submitter_email, assigned_to (user pk), status, on_hold, priority, due_date,
merged_to, followup_set[]`` and one ``custom_<name>`` key per custom field; a followup has
``id, ticket, user (pk), title, comment, public, new_status, date, message_id,
followupattachment_set[]``. Tickets carry no created/modified time and the API lists no
users or queues, so names come from optional local maps (else "user 3", "queue 1").

Mappings (documented choices):
- status 1 Open, 2 Reopened → open; 3 Resolved → solved; 4 Closed, 5 Duplicate → closed;
  an unknown code → open (kept visible), its number in ``status_raw``.
- priority 1 Critical → urgent, 2 High → high, 3 Normal → normal, 4 Low and 5 Very low → low;
  pushing back: urgent 1, high 2, normal 3, low 4.
- requester: ``submitter_email`` (remote_id = the address); no names in the API.
- thread: the description is the first, customer, message; the followup the server made
  when the ticket was opened (the first one, same text) is that message, not a second one.
  Then each followup: private → internal_note; public without a user or with an e-mail
  message id → customer; other public → public_reply; an empty comment that changed the
  status → a system line.
- times: created_at = the earliest followup date, updated_at = the latest (a ticket opened
  by any route gets a followup, so this is the normal case). A ticket without followups gets
  the time this client first saw it, kept in the sync status, for both: never a time that moves on
  every scan, which would reorder the inbox. A PATCH (priority, assignee) makes no followup,
  so it does not move updated_at.

Comments pass through Django's template engine on the server (``update_ticket``): ``{{ … }}``
is rendered, ``{# … #}`` dropped, and an invalid tag or a stray ``%}`` is a 500. Outgoing text
therefore gets a WORD JOINER (U+2060) inside ``{{ {# {% %}``, invisible on screen, and
incoming text has it taken out again, so a comment round-trips exactly (less the outer
whitespace DRF trims).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync.contract import RemoteMessage, RemoteTicket, RemoteUser, SyncStatus
from helpdesk_tui.sync.errors import BadResponse, NotSupported

STATUS_LABELS = {1: "Open", 2: "Reopened", 3: "Resolved", 4: "Closed", 5: "Duplicate"}
STATUS_MAP = {1: Status.OPEN, 2: Status.OPEN, 3: Status.SOLVED, 4: Status.CLOSED, 5: Status.CLOSED}
PRIORITY_LABELS = {1: "Critical", 2: "High", 3: "Normal", 4: "Low", 5: "Very low"}
PRIORITY_MAP = {1: Priority.URGENT, 2: Priority.HIGH, 3: Priority.NORMAL, 4: Priority.LOW, 5: Priority.LOW}
PRIORITY_CODES = {Priority.URGENT: 1, Priority.HIGH: 2, Priority.NORMAL: 3, Priority.LOW: 4}
OPEN, REOPENED, RESOLVED, CLOSED = 1, 2, 3, 4
CLOSED_CODES = (3, 4, 5)

_JOINER = "\u2060"
_PROTECT = (("{{", "{" + _JOINER + "{"), ("{#", "{" + _JOINER + "#"), ("{%", "{" + _JOINER + "%"),
            ("%}", "%" + _JOINER + "}"))


def protect(text: str) -> str:
    """Text the server's template pass leaves as it is (see the module docstring)."""
    for plain, guarded in _PROTECT:
        text = text.replace(plain, guarded)
    return text


def unprotect(text: str) -> str:
    for plain, guarded in _PROTECT:
        text = text.replace(guarded, plain)
    return text


def content_hash(raw: Mapping[str, Any]) -> str:
    """8-byte hex digest of the whole ticket JSON: covers every field we show, followups included."""
    blob = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()


def status_code(status: str | Status, current: int | None) -> int:
    """Our status → django-helpdesk's code; 'open' on a resolved/closed ticket means Reopened."""
    try:
        ours = Status(str(status))
    except ValueError:
        raise NotSupported(f"django-helpdesk has no status {str(status)!r}.") from None
    if ours == Status.SOLVED:
        return RESOLVED
    if ours == Status.CLOSED:
        return CLOSED
    return REOPENED if current in CLOSED_CODES else OPEN


def priority_code(priority: str | Priority) -> int:
    try:
        return PRIORITY_CODES[Priority(str(priority))]
    except ValueError:
        raise NotSupported(f"django-helpdesk has no priority {str(priority)!r}.") from None


# ---------------------------------------------------------------- shape checks


class Shape:
    """Reads the server's JSON, turning any unexpected shape into one BadResponse sentence."""

    def __init__(self, host: str) -> None:
        self.host = host

    def bad(self, what: str) -> BadResponse:
        return BadResponse(f"{self.host} answered with an unexpected {what}: check that the account URL "
                           "is a django-helpdesk 2.x site with its API enabled.")

    def obj(self, value: Any, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.bad(what)
        return value

    def items(self, value: Any, what: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.bad(what)
        return value

    def required_num(self, data: Mapping[str, Any], key: str, what: str) -> int:
        """A number that must be there."""
        value = self.num(data, key, what)
        if value is None:
            raise self.bad(f"{what} (no {key!r})")
        return value

    def num(self, data: Mapping[str, Any], key: str, what: str, *, optional: bool = False) -> int | None:
        value = data.get(key)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.bad(f"{what} ({key!r} is not a number)")
        return value

    def text(self, data: Mapping[str, Any], key: str, what: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.bad(f"{what} ({key!r} is not text)")
        return value

    def when(self, value: Any, what: str) -> datetime:
        if not isinstance(value, str):
            raise self.bad(f"{what} (no date)")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self.bad(f"{what} (date {value[:40]!r})") from None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def page(self, data: Any) -> tuple[list[Any], bool, int | None]:
        """A DRF page → (results, is_last, count of all tickets if given)."""
        data = self.obj(data, "ticket list (not a JSON object)")
        if "results" not in data:
            raise self.bad("ticket list (no 'results')")
        count = data.get("count")
        count = count if isinstance(count, int) and not isinstance(count, bool) else None
        # Each ticket is checked as it is read: one malformed ticket is skipped, not the page.
        results = data["results"]
        if not isinstance(results, list):
            raise self.bad("ticket list ('results' is not a list)")
        return results, not data.get("next"), count

    def followups(self, raw: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        if "followup_set" not in raw:
            return None
        items = self.items(raw["followup_set"], "ticket (followup_set is not a list of followups)")
        for fu in items:
            self.num(fu, "id", "followup")
        dated = [(self.when(fu.get("date"), "followup"), fu["id"], fu) for fu in items]
        return [fu for _, _, fu in sorted(dated, key=lambda t: (t[0], t[1]))]


# ---------------------------------------------------------------- records


@dataclass
class Names:
    """Optional local names for the primary keys the API gives instead of names."""

    users: Mapping[int, str] = field(default_factory=dict)
    queues: Mapping[int, str] = field(default_factory=dict)

    def user(self, pk: int | None) -> str | None:
        return None if pk is None else self.users.get(pk, f"user {pk}")

    def queue(self, pk: int | None) -> str | None:
        return None if pk is None else self.queues.get(pk, f"queue {pk}")

    def user_id(self, assignee: object) -> int | None:
        """An assignee as pushed ("user 3", "3", 3, a mapped name, or empty for nobody) → pk."""
        if assignee is None or assignee == "":
            return None
        if isinstance(assignee, int) and not isinstance(assignee, bool):
            return assignee
        text = str(assignee).strip()
        for pk, name in self.users.items():
            if name == text:
                return pk
        number = text.removeprefix("user").strip()
        if number.isdigit():
            return int(number)
        raise NotSupported(f"django-helpdesk assigns by user id and the name {text!r} is not known here: "
                           "use 'user N' or add it to the account's user names.")

    def queue_id(self, group: object) -> int:
        """A group as pushed ("queue 2", "2", a mapped queue title) → the queue's pk.

        The API lists no queues, so a title is known only from the local map; a ticket
        always has a queue, so "no group" cannot be sent either."""
        text = str(group if group is not None else "").strip()
        if not text:
            raise NotSupported("django-helpdesk keeps every ticket in a queue: pick the queue to move it to.")
        for pk, title in self.queues.items():
            if title.casefold() == text.casefold():
                return pk
        number = text.casefold().removeprefix("queue").strip()
        if number.isdigit():
            return int(number)
        raise NotSupported(f"django-helpdesk cannot move a ticket to {text!r}: its API lists no queues, so "
                           "escalate to a queue as the ticket list shows it ('queue N').")


def thread(raw: Mapping[str, Any], shape: Shape, names: Names, opened_at: datetime | None,
           now: Callable[[], datetime]) -> list[RemoteMessage] | None:
    """The description, then the followups, oldest first (see the module docstring)."""
    followups = shape.followups(raw)
    if followups is None:
        return None
    tid = shape.required_num(raw, "id", "ticket")
    submitter = shape.text(raw, "submitter_email", "ticket")
    description = unprotect(shape.text(raw, "description", "ticket"))
    messages: list[RemoteMessage] = []
    rest = followups
    if followups and _opens(followups[0], description, shape):
        first = followups[0]
        messages.append(RemoteMessage(
            remote_id=str(first["id"]), kind=MessageKind.CUSTOMER, author=submitter or "customer",
            body=unprotect(shape.text(first, "comment", "followup")) or description,
            created_at=shape.when(first.get("date"), "followup"), body_format="markdown",
            attachments=_attachments(first, shape), raw=first))
        rest = followups[1:]
    elif description.strip():
        when = opened_at or (shape.when(followups[0].get("date"), "followup") if followups else now())
        messages.append(RemoteMessage(remote_id=f"ticket-{tid}", kind=MessageKind.CUSTOMER,
                                      author=submitter or "customer", body=description, created_at=when,
                                      body_format="markdown", raw={"description": description}))
    for fu in rest:
        message = _followup_message(fu, shape, names, submitter)
        if message is not None:
            messages.append(message)
    return messages


def _opens(first: Mapping[str, Any], description: str, shape: Shape) -> bool:
    comment = " ".join(unprotect(shape.text(first, "comment", "followup")).split())
    wanted = " ".join(description.split())
    return bool(wanted) and (comment == wanted or wanted in comment)


def _followup_message(fu: Mapping[str, Any], shape: Shape, names: Names, submitter: str) -> RemoteMessage | None:
    body = unprotect(shape.text(fu, "comment", "followup"))
    user = shape.num(fu, "user", "followup", optional=True)
    new_status = shape.num(fu, "new_status", "followup", optional=True)
    public = fu.get("public")
    if not isinstance(public, bool):
        raise shape.bad("followup ('public' is not true/false)")
    if not body.strip():
        if new_status is None:
            return None
        kind, body = MessageKind.SYSTEM, f"Status changed to {STATUS_LABELS.get(new_status, new_status)}."
    elif not public:
        kind = MessageKind.INTERNAL_NOTE
    elif user is None or fu.get("message_id"):
        kind = MessageKind.CUSTOMER
    else:
        kind = MessageKind.PUBLIC_REPLY
    author = (submitter or "customer") if kind == MessageKind.CUSTOMER and user is None else (
        names.user(user) or "system")
    return RemoteMessage(remote_id=str(fu["id"]), kind=kind, author=author, body=body,
                         created_at=shape.when(fu.get("date"), "followup"), body_format="markdown",
                         attachments=_attachments(fu, shape), raw=dict(fu))


def message_files(fu: Mapping[str, Any], shape: Shape) -> list[dict[str, Any]]:
    """A followup's attachment records as the API lists them (``followupattachment_set``)."""
    items = fu.get("followupattachment_set") or []
    if not isinstance(items, list):
        raise shape.bad("followup (attachments are not a list)")
    return [a for a in items if isinstance(a, dict)]


def _attachments(fu: Mapping[str, Any], shape: Shape) -> tuple[dict[str, Any], ...]:
    items = message_files(fu, shape)
    return tuple({"filename": a.get("filename"), "mime_type": a.get("mime_type"), "size": a.get("size"),
                  "url": a.get("file")} for a in items if isinstance(a, dict))


def ticket(raw: Mapping[str, Any], shape: Shape, names: Names, digest: str,
           first_seen: datetime | None, now: Callable[[], datetime]) -> tuple[RemoteTicket, RemoteUser | None]:
    tid = shape.required_num(raw, "id", "ticket")
    status = shape.required_num(raw, "status", "ticket")
    priority = shape.required_num(raw, "priority", "ticket")
    queue = shape.num(raw, "queue", "ticket", optional=True)
    assigned = shape.num(raw, "assigned_to", "ticket", optional=True)
    email = shape.text(raw, "submitter_email", "ticket").strip()
    followups = shape.followups(raw) or []
    dates = [shape.when(fu.get("date"), "followup") for fu in followups]
    created = min(dates + ([first_seen] if first_seen else [])) if dates or first_seen else now()
    updated = max(dates + [created])
    messages = thread(raw, shape, names, created, now)
    first_response = next((m.created_at for m in messages or () if m.kind == MessageKind.PUBLIC_REPLY), None)
    solved = None
    if status in CLOSED_CODES:
        solved = max((shape.when(fu.get("date"), "followup") for fu in followups
                      if fu.get("new_status") in CLOSED_CODES), default=None)
    custom = {key[len("custom_"):]: value for key, value in raw.items() if key.startswith("custom_")}
    for key in ("due_date", "merged_to", "resolution"):
        if raw.get(key) not in (None, ""):
            custom[key] = raw[key]
    if raw.get("on_hold") is True:
        custom["on_hold"] = True
    record = RemoteTicket(
        remote_id=str(tid), number=tid, subject=unprotect(shape.text(raw, "title", "ticket")),
        status=STATUS_MAP.get(status, Status.OPEN), priority=PRIORITY_MAP.get(priority, Priority.NORMAL),
        created_at=created, updated_at=updated, requester_remote_id=email or None,
        assignee=names.user(assigned), group=names.queue(queue), custom_fields=custom,
        status_raw=STATUS_LABELS.get(status, f"status {status}"),
        priority_raw=PRIORITY_LABELS.get(priority, f"priority {priority}"),
        first_response_at=first_response, solved_at=solved, version=digest, messages=messages, raw=dict(raw))
    user = RemoteUser(remote_id=email, name=email, email=email, raw={"email": email}) if email else None
    return record, user


def has_dates(raw: Mapping[str, Any]) -> bool:
    followups = raw.get("followup_set")
    return isinstance(followups, list) and any(isinstance(f, dict) and f.get("date") for f in followups)


# ---------------------------------------------------------------- the scan state


@dataclass(frozen=True)
class Known:
    """What the sync status holds per ticket (key: the ticket id): its content hash as of the
    last page applied, the scan that last saw it, and when this client first saw it (epoch
    seconds; only for a ticket without any followup date). Written as ``"hash scan [seen]"``."""

    digest: str
    scan: int
    first_seen: int | None = None

    def dump(self) -> str:
        return f"{self.digest} {self.scan}" + (f" {self.first_seen}" if self.first_seen is not None else "")

    @classmethod
    def load(cls, value: str | None) -> Known | None:
        """The entry, or None for none or one that cannot be read (its ticket is then sent again)."""
        parts = (value or "").split()
        try:
            return cls(parts[0], int(parts[1]), int(parts[2]) if len(parts) > 2 else None)
        except (IndexError, ValueError):
            return None


def known_hashes(status: SyncStatus) -> dict[int, str]:
    """Ticket id → content hash of every ticket the scans know."""
    out: dict[int, str] = {}
    for key, value in status.all().items():
        known = Known.load(value)
        if known is not None and key.isdigit():
            out[int(key)] = known.digest
    return out


@dataclass
class ScanState:
    """What the opaque cursor holds (JSON, compact keys): ``page``/``size``, the next page of the
    running scan and the page size it started with, and ``scan``, its number. The per-ticket map
    is in the sync status (``Known``), not here: at 50k tickets it is a megabyte, and the
    cursor is written with every page. A known ticket the scan has not stamped with its number
    by the last page was passed over (deleted, or shifted by a deletion): it is looked up then.
    """

    page: int = 1
    size: int = 0
    scan: int = 1

    VERSION = 2

    @classmethod
    def load(cls, cursor: str | None, size: int, status: SyncStatus) -> ScanState:
        """Parse a cursor. No cursor, or one damaged or of an unknown version, starts a fresh
        scan with no map (every ticket is sent again once; nothing is inferred deleted). A
        cursor of version 1 (the map inside it) moves its map into ``status``."""
        data: Any = None
        if cursor:
            try:
                data = json.loads(cursor)
            except ValueError:
                data = None
        try:
            if isinstance(data, dict) and data.get("v") == cls.VERSION:
                return cls(page=int(data["p"]), size=int(data["s"]) or size, scan=int(data["n"]))
            if isinstance(data, dict) and data.get("v") == 1:
                return cls._from_v1(data, size, status)
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
        status.clear()
        return cls(size=size)

    @classmethod
    def _from_v1(cls, data: dict[str, Any], size: int, status: SyncStatus) -> ScanState:
        """The map of a version-1 cursor into the status: a ticket this scan had seen (at most its
        highest id seen, and not passed over) is stamped with this scan, the others with the last."""
        hashes = {int(k): str(v) for k, v in data["h"].items()}
        times = {int(k): int(v) for k, v in data.get("t", {}).items()}
        last, gone = int(data["l"]), {int(i) for i in data.get("g", [])}
        status.clear()
        for tid, digest in hashes.items():
            seen = tid <= last and tid not in gone
            status.set(str(tid), Known(digest, 2 if seen else 1, times.get(tid)).dump())
        return cls(page=int(data["p"]), size=int(data["s"]) or size, scan=2)

    def dump(self) -> str:
        return json.dumps({"v": self.VERSION, "p": self.page, "s": self.size, "n": self.scan}, separators=(",", ":"))
