"""django-helpdesk (2.x, PyPI) through its DRF API at ``/helpdesk/api/``.

Auth: ``Authorization: Token <token>`` (DRF token of a staff user). The API has no change
feed and tickets carry no created/modified time, so ``pull`` is a full scan in pages
(``GET /tickets/?page=N&page_size=S``, ordered by id; each ticket comes with its
``followup_set``) that reports only tickets whose content hash changed, and at the end of
the scan the tickets that disappeared. Field mappings, the thread and the cursor are in
``django_helpdesk_map.py``.

The scan, page by page (one ``pull`` call = one HTTP page = one transaction in the engine):
- the cursor carries the next page number, the page size the scan started with and the
  scan's number; the map ticket id → content hash of every ticket known (the last complete
  scan, updated by each page applied) is in the sync status (``self.status``, one entry per
  ticket, stamped with the scan that last saw it), which the engine commits with the page
  and its cursor. A ticket is sent when its hash differs from the map's: new or changed
  (title, status, priority, queue, assignee, submitter, description, custom fields,
  followups — the whole ticket JSON is hashed). Resuming with the cursor of page k goes on
  with page k+1 against the map as page k left it: no duplicates, no misses.
- the last page (``next`` is null, or the list got shorter than the page asked for) ends the
  scan: known tickets not stamped by this scan are read one by one (``GET /tickets/N/``); a 404 is a
  deletion (``deleted_ticket_ids``), an answer means a deletion during the scan shifted the
  pages under us, and the ticket is handled like a listed one. The cursor then starts the
  next scan at page 1 with the new map; ``done`` is True.
- a ticket created during a scan is seen at its end (ids ascend); one skipped by a shift is
  seen by the next scan.

Writes: ``POST /followups/ {ticket, comment, public, new_status?}`` — never ``title``, which
renames the ticket — and ``PATCH /tickets/N/ {priority, assigned_to}``. The server has no
idempotency keys: a followup POST that gets no answer raises ``UnknownOutcome`` (from the
HTTP client) and ``find_delivered`` looks for it in the thread. A PATCH sets absolute values,
so repeating it is harmless and it is sent as idempotent. A triage ``group`` is the queue:
``PATCH {queue}`` with the queue's pk (``Names.queue_id``: "queue N" or a mapped title).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import urlsplit

import httpx

from helpdesk_tui.domain.attachment_limits import AttachmentLimits
from helpdesk_tui.sync.auth import TokenAuth
from helpdesk_tui.sync.backends.attachment_upload import form_fields, multipart_files
from helpdesk_tui.sync.backends import django_helpdesk_map as dhm
from helpdesk_tui.sync.backends.attachment_fetch import download_url
from helpdesk_tui.sync.backends.django_helpdesk_names import NAMES, read_names
from helpdesk_tui.sync.contract import (
    CLOCK_SKEW,
    KEEP,
    MALFORMED,
    AccountSettings,
    Attachment,
    Backend,
    Capabilities,
    ChangeFeed,
    ChangePage,
    Command,
    Concurrency,
    NewTicket,
    Note,
    PushResult,
    Reply,
    Update,
    RemoteMessage,
    RemoteTicket,
    RemoteUser,
    malformed_reason,
    record_label,
)
from helpdesk_tui.domain.vocab import Priority
from helpdesk_tui.sync.errors import BadResponse, Forbidden, NotFound, NotSupported, SyncError, UnknownOutcome
from helpdesk_tui.sync.http import HttpClient

# django-helpdesk checks a file's extension against HELPDESK_VALID_EXTENSIONS (its settings.py
# default below; a bare name passes) unless HELPDESK_VALIDATE_ATTACHMENT_TYPES is off; it sets no
# size or count limit of its own (the web server in front may: nginx's client_max_body_size).
LIMITS = AttachmentLimits(allowed_extensions=(".txt", ".asc", ".pdf", ".doc", ".docx", ".odt", ".jpg", ".png", ".eml"),
                          source="helpdesk/settings.py HELPDESK_VALID_EXTENSIONS default (2.6)")
# A new ticket's marker: a staff-only custom field of this name holds the outbox id (see _create).
MARKER_FIELD = "custom_helpdesk_tui_outbox"
DEFAULT_QUEUE = "queue 1"  # the API lists no queues: a new ticket without one goes to the first
DEFAULT_PAGE_SIZE = 100  # the server has no maximum; each list request costs it a pass over all tickets


def api_base(url: str) -> str:
    """The API root for an account URL given as the site, ``…/helpdesk`` or ``…/helpdesk/api``."""
    base = url.strip().rstrip("/")
    for suffix in ("/helpdesk/api", "/helpdesk"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base + "/helpdesk/api"


def make_client(account: AccountSettings, **kw: Any) -> HttpClient:
    """The shared HTTP client for this account (``DjangoHelpdeskBackend.make_client``)."""
    return DjangoHelpdeskBackend.make_client(account, **kw)


class DjangoHelpdeskBackend(Backend):
    name = "django-helpdesk"
    label = "django-helpdesk"
    capabilities = Capabilities(change_feed=ChangeFeed.FULL_SCAN, deletions=True, idempotency=False,
                                concurrency=Concurrency.NONE, kb=False, templates=False, sla=False, tags=False,
                                groups=True, attachments=LIMITS)
    options = (NAMES,)

    @classmethod
    def api_url(cls, account: AccountSettings) -> str:
        return api_base(account.url)

    @classmethod
    def auth(cls, account: AccountSettings) -> httpx.Auth:
        return TokenAuth(account.token, scheme="Token")  # a DRF token of a staff user

    def __init__(self, account: AccountSettings, client: HttpClient | None = None, *,
                 page_size: int = DEFAULT_PAGE_SIZE, user_names: Mapping[int, str] | None = None,
                 queue_names: Mapping[int, str] | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        super().__init__(account, client if client is not None else self.make_client(account))
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.page_size = page_size
        users, queues = read_names(account.options["names"]) if account.options.get("names") else ({}, {})
        self.names = dhm.Names(users=dict(user_names or users), queues=dict(queue_names or queues))
        self.now = now or (lambda: datetime.now(UTC))
        self.host = urlsplit(api_base(account.url)).netloc or account.url
        self.shape = dhm.Shape(self.host)
        self._opened: dict[int, datetime] = {}  # ticket id → created_at from the last pull

    # ------------------------------------------------------------ sign-in

    def check(self) -> str:
        try:
            data = self.client.get_json("/tickets/", params={"page_size": 1})
        except Forbidden:
            raise Forbidden(f"{self.host} refused this account (403): django-helpdesk's API needs the "
                            "token of a staff user.") from None
        self.shape.page(data)
        return f"Signed in to django-helpdesk at {self.host}."

    # ------------------------------------------------------------ pull

    def pull(self, cursor: str | None) -> ChangePage:
        state = dhm.ScanState.load(cursor, self.page_size, self.status)
        results, last_page, count = self._list_page(state.page, state.size)
        fresh = state.scan == 1 and state.page == 1  # a first scan brings them all
        page = ChangePage(total_hint=count if fresh else None)
        users: dict[str, RemoteUser] = {}
        seen: set[int] = set()
        for raw in results:
            tid = self._take_or_skip(raw, state, page, users)
            if tid is not None:
                seen.add(tid)
        if not last_page:
            state.page += 1
            page.done = False
        else:
            # Known tickets this scan did not see: deleted, or passed over when a deletion
            # shifted the pages. Each is looked up once.
            passed = sorted(int(key) for key, value in self.status.all().items()
                            if key.isdigit() and int(key) not in seen
                            and (known := dhm.Known.load(value)) is not None and known.scan != state.scan)
            for tid in passed:
                found = self._ticket_if_exists(tid)
                if found is None:
                    page.deleted_ticket_ids.append(str(tid))
                    self.status.delete(str(tid))
                    self._opened.pop(tid, None)
                else:
                    self._take_or_skip(found, state, page, users)
            state = dhm.ScanState(size=self.page_size, scan=state.scan + 1)
            page.done = True
        page.users = list(users.values())
        page.cursor = state.dump()
        return page

    def _take_or_skip(self, raw: Any, state: dhm.ScanState, page: ChangePage,
                      users: dict[str, RemoteUser]) -> int | None:
        """``_take``, but a malformed ticket is named in ``page.skipped`` instead of failing the page
        (its id, when it has one, still counts as seen: the scan must not think it deleted)."""
        try:
            return self._take(raw, state, page, users)
        except (BadResponse, *MALFORMED) as exc:
            reason = str(exc) if isinstance(exc, BadResponse) else malformed_reason(exc)
            page.skipped.append(f"{record_label(raw, 'ticket')} was skipped: {reason.rstrip('.')}.")
            tid = raw.get("id") if isinstance(raw, dict) else None
            if not isinstance(tid, int) or isinstance(tid, bool):
                return None
            known = dhm.Known.load(self.status.get(str(tid)))
            if known is not None:
                self.status.set(str(tid), dhm.Known(known.digest, state.scan, known.first_seen).dump())
            return tid

    def _take(self, raw: Any, state: dhm.ScanState, page: ChangePage, users: dict[str, RemoteUser]) -> int:
        """One listed ticket: add it to the page if its hash changed; returns its id."""
        raw = self.shape.obj(raw, "ticket")
        tid = self.shape.required_num(raw, "id", "ticket")
        digest = dhm.content_hash(raw)
        known = dhm.Known.load(self.status.get(str(tid)))
        first_seen = known.first_seen if known is not None else None
        if first_seen is None and not dhm.has_dates(raw):
            first_seen = int(self.now().timestamp())
        if known is not None and known.digest == digest:
            if known.scan != state.scan or known.first_seen != first_seen:
                self.status.set(str(tid), dhm.Known(digest, state.scan, first_seen).dump())
            return tid
        seen_at = datetime.fromtimestamp(first_seen, UTC) if first_seen is not None else None
        record, user = dhm.ticket(raw, self.shape, self.names, digest, seen_at, self.now)
        self.status.set(str(tid), dhm.Known(digest, state.scan, first_seen).dump())
        self._opened[tid] = record.created_at
        page.tickets.append(record)
        if user is not None:
            users[user.remote_id] = user
        return tid

    def _list_page(self, number: int, size: int) -> tuple[list[dict[str, Any]], bool, int | None]:
        response = self.client.request("GET", "/tickets/", params={"page": number, "page_size": size},
                                       expect=(200, 404) if number > 1 else (200,))
        if response.status_code == 404:
            # DRF answers 404 "Invalid page." past the end: the list got shorter since the
            # scan began. Make sure the list itself is still there before ending the scan on it.
            self.shape.page(self.client.get_json("/tickets/", params={"page_size": 1}))
            return [], True, None
        return self.shape.page(self._json(response))

    def _ticket_if_exists(self, tid: int) -> dict[str, Any] | None:
        response = self.client.request("GET", f"/tickets/{tid}/", expect=(200, 404))
        if response.status_code == 404:
            detail = self._json(response, quiet=True)
            if not (isinstance(detail, dict) and "detail" in detail):  # an HTML 404: not the API
                raise NotFound(f"{self.host} has no {response.request.url.path} (404): check the URL.")
            return None
        return self.shape.obj(self._json(response), "ticket")

    def _json(self, response: httpx.Response, *, quiet: bool = False) -> Any:
        try:
            return response.json()
        except ValueError:
            if quiet:
                return None
            raise BadResponse(f"{self.host} did not answer with JSON: check that the URL points at "
                              "django-helpdesk.") from None

    def fetch_ticket(self, number: int) -> ChangePage | None:
        """``GET /tickets/N/`` (404: no such ticket); its followups are its thread. The scan's
        map is left alone: the next scan sees the ticket as changed and writes it again."""
        raw = self._ticket_if_exists(int(number))
        if raw is None:
            return None
        known = dhm.Known.load(self.status.get(str(number)))
        first = known.first_seen if known is not None else None
        seen_at = datetime.fromtimestamp(first, UTC) if first is not None else None
        record, user = dhm.ticket(raw, self.shape, self.names, dhm.content_hash(raw), seen_at, self.now)
        return ChangePage(tickets=[record], users=[user] if user is not None else [])

    # ------------------------------------------------------------ thread

    def fetch_thread(self, ticket: RemoteTicket | str) -> list[RemoteMessage]:
        tid = _ticket_id(ticket.remote_id if isinstance(ticket, RemoteTicket) else ticket)
        raw = self._get_ticket(tid)
        opened = ticket.created_at if isinstance(ticket, RemoteTicket) else self._opened.get(tid)
        messages = dhm.thread(raw, self.shape, self.names, opened, self.now)
        if messages is None:
            raise self.shape.bad("ticket (no followup_set)")
        return messages

    def _get_ticket(self, tid: int) -> dict[str, Any]:
        return self.shape.obj(self.client.get_json(f"/tickets/{tid}/"), "ticket")

    # ------------------------------------------------------------ push

    def push(self, command: Command, ticket_remote_id: str, version: str | None) -> PushResult:
        if isinstance(command, NewTicket):
            return self._create(command)
        tid = _ticket_id(ticket_remote_id)
        if isinstance(command, (Reply, Note)):
            if not command.body.strip():
                raise NotSupported("django-helpdesk needs some text in a reply or note.")
            return self._followup(tid, command.body, isinstance(command, Reply), command.status,
                                  command.attachments)
        if not isinstance(command, Update):
            raise NotSupported(f"django-helpdesk cannot take a {type(command).__name__} from here yet.")
        # Check everything before sending anything, so an update is never half applied.
        if command.tags is not KEEP and command.tags:
            raise NotSupported("django-helpdesk has no tags.")
        patch: dict[str, Any] = {}
        if command.priority:
            patch["priority"] = dhm.priority_code(command.priority)
        if command.assignee is not KEEP:
            patch["assigned_to"] = self.names.user_id(command.assignee)
        if command.group is not KEEP:
            patch["queue"] = self.names.queue_id(command.group)
        if command.status:
            dhm.status_code(command.status, None)  # validates
        if patch:
            self.client.request("PATCH", f"/tickets/{tid}/", json=patch, idempotent=True, expect=(200,))
        if command.status:  # a bare status change stays internal: a public one mails the customer
            return self._followup(tid, "", False, command.status)
        return PushResult()

    def _followup(self, tid: int, body: str, public: bool, status: object,
                  files: tuple[Attachment, ...] = ()) -> PushResult:
        data: dict[str, Any] = {"ticket": tid, "comment": dhm.protect(body), "public": public}
        if status:
            target = dhm.status_code(str(status), None)
            if target == dhm.OPEN:  # "open" on a resolved or closed ticket is Reopened there
                target = dhm.status_code(str(status), self.shape.num(self._get_ticket(tid), "status", "ticket"))
            data["new_status"] = target
        if files:  # the serializer takes files only as multipart/form-data, text fields beside them
            response = self.client.request("POST", "/followups/", data=form_fields(data), files=multipart_files(files),
                                           idempotent=False, expect=(200, 201))
        else:
            response = self.client.request("POST", "/followups/", json=data, idempotent=False, expect=(200, 201))
        created = self.shape.obj(self._json(response), "followup")
        return PushResult(remote_id=str(self.shape.num(created, "id", "followup")))

    def _create(self, command: NewTicket) -> PushResult:
        """A ticket opened here. Its marker is the outbox id in the staff-only custom field
        ``helpdesk_tui_outbox`` (``MARKER_FIELD``): the customer never sees a staff-only field
        and the API returns it with the ticket. A server without that field ignores it (DRF
        drops unknown fields), and the look-up falls back to the ticket's words.

        Files: the create API (``TicketSerializer``) takes ONE file, ``attachment``, as
        multipart; it lands on the ticket's first followup in the same request, so the first
        file can never be missing from a ticket that exists. Any further files go in one public
        followup right after (the serializer has no list for them); once the ticket exists, a
        failure of that followup is an unknown outcome, and the look-up (``_complete_files``)
        sends only the files the ticket does not have yet, never a second ticket."""
        if command.cc:
            raise NotSupported("django-helpdesk's API cannot add Cc addresses to a new ticket: open it without them.")
        if command.tags:
            raise NotSupported("django-helpdesk has no tags.")
        if not command.body.strip():
            raise NotSupported("django-helpdesk needs some text in a new ticket.")
        data: dict[str, Any] = {
            "queue": self.names.queue_id(command.group or DEFAULT_QUEUE), "title": command.subject,
            "description": dhm.protect(command.body), "submitter_email": command.requester,
            "priority": dhm.priority_code(command.priority or Priority.NORMAL), MARKER_FIELD: command.id}
        if command.assignee:
            data["assigned_to"] = self.names.user_id(command.assignee)
        if command.status:
            dhm.status_code(command.status, None)  # validates before anything is sent
        if command.attachments:
            first = multipart_files(command.attachments[:1], field="attachment")
            response = self.client.request("POST", "/tickets/", data=form_fields(data), files=first,
                                           idempotent=False, expect=(200, 201))
        else:
            response = self.client.request("POST", "/tickets/", json=data, idempotent=False, expect=(200, 201))
        created = self.shape.obj(self._json(response), "ticket")
        tid = self.shape.required_num(created, "id", "ticket")
        try:
            if command.attachments[1:]:
                self._more_files(tid, command.attachments[1:])
            if command.status and dhm.status_code(command.status, None) != dhm.OPEN:
                # The create form always opens the ticket: a private followup sets the status asked for.
                self._followup(tid, "", False, command.status)
        except SyncError as exc:
            # The ticket exists: whatever failed after it is finished by the look-up, never by
            # opening the ticket again.
            raise UnknownOutcome(f"django-helpdesk opened ticket {tid}, but the rest of it did not go through "
                                 f"({str(exc).rstrip('.')}): the next sync finishes it.") from None
        return PushResult(remote_id=str(tid), number=tid)

    def _complete(self, raw: dict[str, Any], command: NewTicket) -> None:
        """Finish a ticket of ours found by the look-up: the files it lacks, then the status
        asked for (both were sent after the create, whose answer may be all that was lost)."""
        self._complete_files(raw, command)
        if command.status:
            wanted = dhm.status_code(command.status, None)
            if wanted != dhm.OPEN and raw.get("status") != wanted:
                self._followup(self.shape.required_num(raw, "id", "ticket"), "", False, command.status)

    def _complete_files(self, raw: dict[str, Any], command: NewTicket) -> None:
        """Send, in one followup, the files of ``command`` the ticket ``raw`` does not carry yet
        (the ones after the first, whose followup may have been lost)."""
        found = [str(a.get("filename") or "") for fu in self.shape.followups(raw) or []
                 for a in dhm.message_files(fu, self.shape)]
        missing: list[Attachment] = []
        for f in command.attachments:
            if f.name in found:
                found.remove(f.name)  # each found file answers for one of ours
            else:
                missing.append(f)
        if missing:
            self._more_files(self.shape.required_num(raw, "id", "ticket"), tuple(missing))

    def _more_files(self, tid: int, files: tuple[Attachment, ...]) -> None:
        """The files after the first, in one public followup (the customer gets them too)."""
        self._followup(tid, f"Attached: {', '.join(f.name for f in files)}.", True, None, files)

    def _find_created(self, command: NewTicket) -> str | None:
        """The ticket carrying ``command``'s marker (or, on a server without the marker field, its
        subject, customer, words and first file), among those opened since the command was
        queued; a marked ticket missing some of its later files gets them now."""
        since = command.created_at.replace(microsecond=0) - CLOCK_SKEW
        first = self.shape.page(self.client.get_json("/tickets/", params={"page": 1, "page_size": self.page_size}))
        total = first[2] or len(first[0])
        last = max(1, -(-total // self.page_size))
        wanted = " ".join(command.body.split())
        first_file = command.attachments[:1]
        for number in range(last, 0, -1):  # the list is in id order: the newest tickets are at its end
            rows = first[0] if number == 1 else self._list_page(number, self.page_size)[0]
            older = 0
            for raw in reversed(rows):
                if not isinstance(raw, dict):
                    continue
                followups = self.shape.followups(raw) or []
                if MARKER_FIELD in raw:
                    if raw.get(MARKER_FIELD) == command.id:
                        self._complete(raw, command)
                        return str(raw["id"])
                elif (raw.get("title") == command.subject and raw.get("submitter_email") == command.requester
                      and " ".join(dhm.unprotect(str(raw.get("description") or "")).split()) == wanted
                      # the first file came in the create's own request: without it, not ours
                      and (not first_file or (followups and _names(followups[0], self.shape, first_file)))):
                    self._complete(raw, command)
                    return str(raw["id"])
                if followups and self.shape.when(followups[0].get("date"), "followup") < since:
                    older += 1
            if rows and older == len(rows):
                break  # a whole page opened before the command was queued: nothing newer is further back
        return None

    def find_delivered(self, command: Command, ticket_remote_id: str) -> str | None:
        """Replies and notes: the base rule (same text in the thread, after the command was queued).
        A status-only update: a followup that set the same status since then. A new ticket: the
        one with its marker (``_find_created``)."""
        if isinstance(command, NewTicket):
            return self._find_created(command)
        if not isinstance(command, Update):
            return super().find_delivered(command, ticket_remote_id)
        if not command.status:
            return None
        raw = self._get_ticket(_ticket_id(ticket_remote_id))
        wanted = dhm.status_code(command.status, None)
        since = command.created_at.replace(microsecond=0) - CLOCK_SKEW
        for fu in reversed(self.shape.followups(raw) or []):
            if self.shape.when(fu.get("date"), "followup") < since:
                break
            if fu.get("new_status") == wanted or (wanted == dhm.OPEN and fu.get("new_status") == dhm.REOPENED):
                return str(fu["id"])
        return None


    # ------------------------------------------------------------ attachments

    def download_attachment(self, meta: Mapping[str, Any], sink: IO[bytes],
                            progress: Callable[[int, int], None] | None = None) -> None:
        """The attachment's ``file`` URL (its media file, served by the site, not the API)."""
        site = api_base(self.account.url).removesuffix("/helpdesk/api") + "/"
        download_url(self.client, meta, "url", site, "django-helpdesk", sink, progress)


def _names(followup: Mapping[str, Any], shape: dhm.Shape, files: tuple[Attachment, ...]) -> bool:
    """``followup`` carries each of ``files`` (by name, as often)."""
    found = [str(a.get("filename") or "") for a in dhm.message_files(followup, shape)]
    return all(found.count(f.name) >= [g.name for g in files].count(f.name) for f in files)


def _ticket_id(remote_id: str) -> int:
    text = str(remote_id).strip()
    if not text.isdigit():
        raise NotFound(f"django-helpdesk has no ticket {text!r}: its tickets have numeric ids.")
    return int(text)
