"""Request Tracker 5 through its REST2 API at ``<RT web address>/REST/2.0``.

Auth: ``Authorization: token <token>`` (an RT auth token, ``<id>-<owner id>-<hex>``); when
the account has a user name and the secret does not look like a token, Basic auth
``user:secret`` (RT accepts the password). Every request goes through the shared HttpClient.

- ``check``: ``GET /rt`` (version) and ``GET /user/<token owner or account user>`` (name).
- ``pull``: ``GET /tickets`` with TicketSQL on ``LastUpdated``, ordered by (LastUpdated, id),
  requestors expanded in the same answer (``fields[Requestor]=…``); the cursor and RT's
  time-zone handling are described in ``rt_feed.py``, the field mappings in ``rt_map.py``.
  RT's searches never return tickets in status ``deleted`` (not even when asked), so
  deletions are not reported by the feed (capabilities.deletions is False).
- ``fetch_thread``: ``GET /ticket/N/history`` (paged), then the attachments of the Create,
  Correspond and Comment transactions in two searches (``POST /attachments`` with
  ``TransactionId IN […]`` for the parts, then ``id IN […]`` for the body texts), instead of
  one request per transaction. Collection answers carry text contents as plain strings (only
  ``GET /attachment/N`` base64-encodes them). Bodies come back exactly as sent (RT stores a
  text/plain body verbatim), so the default ``find_delivered`` finds our own messages.
- ``fetch_threads`` (a pulled page at once, used by the sync engine): one ticket search for
  merged tickets, ``POST /transactions`` for all the page's tickets, then the same two
  attachment searches for all of them: ~4 requests per page instead of ~3 per ticket.
- ``version``: the ticket's ``LastUpdated`` stamp, read in every pull at no extra cost. RT's
  real ETag (the id of the ticket's newest transaction, only on ``GET /ticket/N``) would cost
  one request per ticket. ``push`` of an update therefore reads ``GET /ticket/N`` first:
  a different ``LastUpdated`` is a ``Conflict``; otherwise that answer's ETag goes in
  ``If-Match`` so a change in between still gets 412 (→ ``Conflict``). A version made of
  digits is taken as an ETag directly.
- writes (correspond, comment, PUT) are not idempotent: the HttpClient raises
  ``UnknownOutcome`` after a timeout or a 5xx and the engine calls ``find_delivered``.
  The transaction id RT puts in ``Location`` is the message's remote id. After a write, the
  new ``LastUpdated`` is read back (a ``GET``) and returned as the new version, so a second
  update queued behind the first does not conflict with our own change.
- ``pull_articles``: ``POST /articles`` with a JSON query on ``LastUpdated`` (JSON queries
  compare the stored UTC value: no time-zone issue), same keyset cursor as tickets.
  Deleting an article in RT disables it (and bumps ``LastUpdated``); ``find_disabled_rows``
  keeps those in the search, so they come back marked archived and leave the cache.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import IO, Any

import httpx

from helpdesk_tui.domain.attachment_limits import MIB, AttachmentLimits
from helpdesk_tui.sync.auth import BasicAuth, TokenAuth
from helpdesk_tui.sync.backends import rt_content, rt_map
from helpdesk_tui.sync.backends.attachment_fetch import listed_size
from helpdesk_tui.sync.backends.attachment_upload import rt_attachments
from helpdesk_tui.sync.contract import (
    KEEP,
    MALFORMED,
    AccountSettings,
    Backend,
    Capabilities,
    ChangeFeed,
    ChangePage,
    Command,
    Concurrency,
    Identity,
    NewTicket,
    Note,
    PushResult,
    Reply,
    Update,
    RemoteArticle,
    RemoteMessage,
    RemoteTicket,
    RemoteUser,
    malformed_reason,
    record_label,
)
from helpdesk_tui.sync.backends.rt_feed import Cursor, ServerZone, complete_before
from helpdesk_tui.sync.errors import BadResponse, Conflict, Forbidden, NotFound, NotSupported, SyncError
from helpdesk_tui.sync.http import HttpClient

API_PATH = "/REST/2.0"
TOKEN_RE = re.compile(r"^\d+-(\d+)-[0-9a-fA-F]{16,}$")
MAX_PER_PAGE = 100  # REST2 caps per_page at 100
IN_CHUNK = 200  # ids per "IN" search
# RT's sentences for a field it did not change (sentences saying a field changed are not)
REFUSED_RE = re.compile(r"(?i)(could not|couldn't|permission denied|invalid|doesn't exist|does not exist|"
                        r"not allowed|isn't a valid|is not a valid)")
# RT's size limit is the server's $MaxAttachmentSize (RT_Config.pm's default: 10 MiB; larger files
# are truncated or dropped where $TruncateLongAttachments/$DropLongAttachments are set); RT
# takes any type and any number of files.
LIMITS = AttachmentLimits(max_bytes=10 * MIB, source="RT_Config.pm $MaxAttachmentSize default")
CHANGED_RE = re.compile(r"(?i)\bchanged (from|to)\b")  # "Priority changed from 'Low' to 'Invalid'"


DEFAULT_QUEUE = "General"  # where a new ticket opens when no queue is named (RT's own default queue)


def marker_uri(item_id: str) -> str:
    """The link a ticket opened here refers to: the outbox item's id, for the look-up after an unknown outcome."""
    return f"urn:helpdesk-tui:outbox:{item_id}"


def web_base(url: str) -> str:
    """RT's web address from an account URL given as the site or as ``…/REST/2.0``."""
    base = url.strip().rstrip("/")
    if base.lower().endswith(API_PATH.lower()):
        base = base[: -len(API_PATH)]
    return base


def make_client(account: AccountSettings, **kw: Any) -> HttpClient:
    """The shared HTTP client for an RT account (``RequestTrackerBackend.make_client``)."""
    return RequestTrackerBackend.make_client(account, **kw)


class RequestTrackerBackend(Backend):
    name = "rt"
    label = "Request Tracker"
    capabilities = Capabilities(change_feed=ChangeFeed.TIMESTAMP, deletions=False, idempotency=False,
                                concurrency=Concurrency.ETAG, kb=True, sla=False, groups=True,
                                attachments=LIMITS)

    @classmethod
    def api_url(cls, account: AccountSettings) -> str:
        return web_base(account.url) + API_PATH

    @classmethod
    def auth(cls, account: AccountSettings) -> httpx.Auth:
        """An RT auth token; a user with a password (not a token) signs in with Basic."""
        token = account.token.strip()
        if account.user and not TOKEN_RE.match(token):
            return BasicAuth(account.user, token)
        return TokenAuth(token, scheme="token")

    def __init__(self, account: AccountSettings, client: HttpClient | None = None, *,
                 per_page: int = MAX_PER_PAGE) -> None:
        super().__init__(account, client if client is not None else self.make_client(account))
        self.per_page = max(1, min(MAX_PER_PAGE, int(per_page)))
        self._me: dict[str, Any] | None | bool = False  # False: not looked up yet
        self.zone = ServerZone(self._search_tickets, self._user_zone)

    # ------------------------------------------------------------------ helpers
    @property
    def host(self) -> str:
        url = httpx.URL(web_base(self.account.url))
        return f"{url.host}:{url.port}" if url.port else (url.host or self.account.url)

    def _json(self, response: httpx.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise BadResponse(f"{self.host} did not answer {what} with JSON: check that the account URL "
                              "is Request Tracker's web address.") from None

    def _get(self, path: str, what: str, **params: Any) -> Any:
        return self._json(self.client.request("GET", path, params=params or None), what)

    def _search_tickets(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return rt_map.items(self._get("/tickets", "a ticket search", **params), "a ticket search")

    def _pages(self, method: str, path: str, what: str, params: dict[str, Any],
               body: Any = None) -> list[dict[str, Any]]:
        """Every item of a paged collection (searches sent as POST are reads: safe to repeat)."""
        rows: list[dict[str, Any]] = []
        for page in range(1, 10_000):
            query = {**params, "per_page": MAX_PER_PAGE, "page": page}
            response = self.client.request(method, path, params=query, json=body, idempotent=True)
            batch = rt_map.items(self._json(response, what), what)
            rows.extend(batch)
            if len(batch) < MAX_PER_PAGE:
                break
        return rows

    def _attachments(self, field: str, ids: list[int], fields: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for start in range(0, len(ids), IN_CHUNK):
            query = [{"field": field, "operator": "IN", "value": ids[start:start + IN_CHUNK]}]
            rows += self._pages("POST", "/attachments", "an attachment search", {"fields": fields}, query)
        return rows

    def _current_user(self) -> dict[str, Any] | None:
        """The signed-in user's record: the token's owner, else the account's user name."""
        if self._me is False:
            match = TOKEN_RE.match(self.account.token.strip())
            who = match.group(1) if match else (self.account.user or "")
            self._me = None
            if who:
                try:
                    self._me = rt_map.as_dict(self._get(f"/user/{who}", "a user lookup"), "a user lookup")
                except (NotFound, Forbidden):
                    self._me = None
        return self._me if isinstance(self._me, dict) else None

    def _user_zone(self) -> str | None:
        me = self._current_user()
        return str(me.get("Timezone") or "") or None if me else None

    @staticmethod
    def _number(remote_id: str) -> int:
        text = str(remote_id).strip()
        if not text.isdigit():
            raise NotFound(f"'{text}' is not a Request Tracker ticket number.")
        return int(text)

    # ------------------------------------------------------------------ check
    def check(self) -> str:
        where = f"{web_base(self.account.url)}{API_PATH}"
        try:
            info = self.client.get_json("/rt")
        except NotFound:
            raise NotFound(f"There is no Request Tracker REST2 API at {where} (404): set the account URL "
                           "to RT's web address, e.g. https://rt.example.com.") from None
        except BadResponse:
            raise BadResponse(f"{where}/rt did not answer like Request Tracker 5: set the account URL to "
                              "RT's web address, e.g. https://rt.example.com.") from None
        if not isinstance(info, dict) or not info.get("Version"):
            raise BadResponse(f"{where}/rt answered without an RT version: this is not Request Tracker 5's "
                              "REST2 API.")
        version = re.match(r"[\d.]+", str(info["Version"]))
        me = self._current_user()
        who = str(me.get("Name") or "") if me else (self.account.user or "the token's owner")
        if me and me.get("Name"):  # tickets name their owner by user name (rt_map), so "me" is that
            self.identity = Identity(str(me["Name"]), str(me.get("EmailAddress") or "") or None,
                                     str(me["id"]) if me.get("id") is not None else None)
        return (f"Signed in to Request Tracker {version.group(0) if version else info['Version']} "
                f"at {self.host} as {who}.")

    # ------------------------------------------------------------------ pull
    def pull(self, cursor: str | None) -> ChangePage:
        cur = Cursor.decode(cursor)
        if cur.t is None:
            query = "id > 0"
        else:
            query = (f"LastUpdated >= '{self.zone.sql(cur.t)}' AND (LastUpdated >= "
                     f"'{self.zone.sql(cur.t + timedelta(seconds=1))}' OR id > {cur.last_id})")
        params = [("query", query), ("orderby", "LastUpdated"), ("orderby", "id"), ("order", "ASC"),
                  ("order", "ASC"), ("per_page", self.per_page), ("page", cur.page),
                  *rt_map.TICKET_PARAMS.items()]
        response = self.client.request("GET", "/tickets", params=params)
        data = self._json(response, "the ticket feed")
        raw_rows = data.get("items") if isinstance(data, dict) else None
        rows = rt_map.items({"items": [r for r in raw_rows if isinstance(r, dict)]} if isinstance(raw_rows, list)
                            else data, "the ticket feed")
        limit = complete_before(response)

        page = ChangePage()
        users: dict[str, RemoteUser] = {}
        new = Cursor(cur.t, cur.last_id)
        advancing = True
        if isinstance(raw_rows, list) and len(rows) < len(raw_rows):
            page.skipped += [f"a ticket record was skipped: not an object but {type(r).__name__}."
                             for r in raw_rows if not isinstance(r, dict)]
        for row in rows:
            try:
                ticket, requestors = rt_map.ticket_from_rt(row)
            except (BadResponse, *MALFORMED) as exc:  # one malformed ticket, not the whole feed
                reason = str(exc) if isinstance(exc, BadResponse) else malformed_reason(exc)
                page.skipped.append(f"{record_label(row, 'ticket')} was skipped: {reason.rstrip('.')}.")
                continue
            if not cur.after(ticket.updated_at, ticket.number):
                continue  # overlap from a loose reading of the time: taken before
            if ticket.status_raw.lower() == "deleted":
                page.deleted_ticket_ids.append(ticket.remote_id)
            else:
                page.tickets.append(ticket)
                users.update((user.remote_id, user) for user in requestors)
            if advancing and (limit is None or ticket.updated_at <= limit):
                new.t, new.last_id = ticket.updated_at, ticket.number
            else:
                advancing = False  # this second is not over on the server: take it next time
        page.users = list(users.values())
        full = len(rows) >= self.per_page
        taken = (new.t, new.last_id) != (cur.t, cur.last_id)
        if full and not page.tickets and not page.deleted_ticket_ids:
            new = Cursor(cur.t, cur.last_id, cur.page + 1)  # a whole page of overlap: look further
            taken = True
        page.cursor = new.encode() if (new.t or new.page > 1) else cursor
        page.done = not full or not taken
        return page

    def fetch_ticket(self, number: int) -> ChangePage | None:
        """``GET /tickets`` with ``id = N`` (the feed's fields, requestors expanded), then its
        history: the same records a pull makes. RT's searches leave deleted tickets out."""
        params = {"query": f"id = {int(number)}", **rt_map.TICKET_PARAMS}
        rows = self._search_tickets(params)
        if not rows:
            return None
        ticket, requestors = rt_map.ticket_from_rt(rows[0])
        if ticket.number != number:  # a ticket merged into another answers with that one
            return None
        ticket.messages = self.fetch_thread(ticket)
        return ChangePage(tickets=[ticket], users=requestors)

    # ------------------------------------------------------------------ thread
    def fetch_thread(self, ticket: RemoteTicket | str) -> list[RemoteMessage]:
        remote_id = ticket.remote_id if isinstance(ticket, RemoteTicket) else str(ticket)
        number = self._number(remote_id)
        requestors = self._requestors(ticket, number)
        history = self._pages("GET", f"/ticket/{number}/history", "a ticket history", dict(rt_map.HISTORY_PARAMS))
        return self._threads({number: history}, {number: requestors})[number]

    def fetch_threads(self, tickets: list[RemoteTicket]) -> dict[str, list[RemoteMessage]]:
        """The threads of a page of tickets in a handful of searches instead of ~3 requests each.

        ``GET /ticket/N/history`` lists the transactions whose ticket has ``EffectiveId`` N (its
        own and those of tickets merged into it). The same set for many tickets: one ticket search
        ``EffectiveId = A OR …`` (naming EffectiveId lifts TicketSQL's hiding of merged tickets)
        finds the merged ones, then ``POST /transactions`` with ``ObjectType = RT::Ticket AND
        ObjectId IN […] AND Type IN (the types that make messages)`` (paged) and the two attachment searches of ``fetch_thread`` for all of
        them together. A ticket given by a merged-away number, or one whose own row the search
        does not return, is read with ``fetch_thread``.
        """
        wanted = {self._number(t.remote_id): t for t in tickets}
        if not wanted:
            return {}
        owner = self._effective_ids(sorted(wanted))  # ticket id → the ticket its history belongs to
        batched = [n for n in wanted if owner.get(n) == n]
        history: dict[int, list[dict[str, Any]]] = {n: [] for n in batched}
        if batched:
            sources = sorted(t for t, effective in owner.items() if effective in history)
            for source, txn in self._ticket_transactions(sources):
                history[owner[source]].append(txn)
        requestors = {n: self._requestors(wanted[n], n) for n in batched}
        threads = self._threads(history, requestors)
        result = {wanted[n].remote_id: threads[n] for n in batched}
        for n, ticket in wanted.items():
            if n not in history:
                result[ticket.remote_id] = self.fetch_thread(ticket)
        return result

    def _requestors(self, ticket: RemoteTicket | str, number: int) -> set[str]:
        raw = ticket.raw if isinstance(ticket, RemoteTicket) and "Requestor" in ticket.raw else None
        if raw is None:
            raw = rt_map.as_dict(self._get(f"/ticket/{number}", "a ticket"), "a ticket")
        return rt_map.requestor_keys(raw)

    def _effective_ids(self, numbers: list[int]) -> dict[int, int]:
        """Every ticket whose EffectiveId is one of ``numbers`` (themselves and tickets merged into
        them) → that EffectiveId; deleted tickets stay hidden, as RT's searches always do."""
        owner: dict[int, int] = {}
        for start in range(0, len(numbers), IN_CHUNK):
            query = " OR ".join(f"EffectiveId = {n}" for n in numbers[start:start + IN_CHUNK])
            for row in self._pages("GET", "/tickets", "a ticket search", {"query": query, "fields": "EffectiveId"}):
                link = row.get("EffectiveId")
                effective = str(link.get("id") if isinstance(link, dict) else link or "").strip()
                if effective.isdigit():
                    owner[rt_map.record_id(row, "a ticket")] = int(effective)
        return owner

    def _ticket_transactions(self, ticket_ids: list[int]) -> list[tuple[int, dict[str, Any]]]:
        """(ticket id, history item) for every transaction on these tickets; the items have the
        fields of ``GET /ticket/N/history`` (ObjectId, asked for to sort them, is taken out)."""
        params = {**rt_map.HISTORY_PARAMS, "fields": rt_map.HISTORY_PARAMS["fields"] + ",ObjectId"}
        rows: list[tuple[int, dict[str, Any]]] = []
        asked = set(ticket_ids)
        for start in range(0, len(ticket_ids), IN_CHUNK):
            # only the types that become messages: outgoing mail copies (EmailRecord) alone would
            # double the pages to read
            query = [{"field": "ObjectType", "value": "RT::Ticket"},
                     {"field": "ObjectId", "operator": "IN", "value": ticket_ids[start:start + IN_CHUNK]},
                     {"field": "Type", "operator": "IN", "value": list(rt_map.THREAD_TYPES)}]
            for row in self._pages("POST", "/transactions", "a transaction search", params, query):
                source = str(row.pop("ObjectId", "")).strip()
                if not source.isdigit() or int(source) not in asked:
                    raise BadResponse("Request Tracker answered a transaction search with a transaction of "
                                      "another ticket.")
                rows.append((int(source), row))
        return rows

    def _threads(self, histories: dict[int, list[dict[str, Any]]],
                 requestors: dict[int, set[str]]) -> dict[int, list[RemoteMessage]]:
        """Messages of several tickets' histories, their attachments read in two searches for all."""
        wanted = [rt_map.record_id(t, "a transaction") for history in histories.values() for t in history
                  if t.get("Type") in rt_map.MESSAGE_TYPES]
        parts = self._attachments("TransactionId", wanted, "TransactionId,ContentType,Filename,ContentLength") \
            if wanted else []
        body_ids, files = rt_map.pick_parts(parts)
        texts: dict[int, tuple[str, str]] = {}
        if body_ids:
            for part in self._attachments("id", sorted(body_ids.values()), "TransactionId,ContentType,Content"):
                content = part.get("Content")
                ctype = str(part.get("ContentType") or "").split(";")[0].strip().lower()
                text = content if isinstance(content, str) else ""
                texts[rt_map.record_id(part, "an attachment")] = (text, ctype)
        threads: dict[int, list[RemoteMessage]] = {}
        for number, history in histories.items():
            messages = []
            for txn in history:
                tid = rt_map.record_id(txn, "a transaction")
                body, ctype = texts.get(body_ids.get(tid, -1), ("", "text/plain"))
                message = rt_map.message_from_rt(txn, requestors[number], body, ctype, files.get(tid, []))
                if message is not None:
                    messages.append(message)
            messages.sort(key=lambda m: (m.created_at, int(m.remote_id)))
            threads[number] = messages
        return threads

    # ------------------------------------------------------------------ push
    def push(self, command: Command, ticket_remote_id: str, version: str | None) -> PushResult:
        if isinstance(command, NewTicket):
            return self._create(command)
        number = self._number(ticket_remote_id)
        if isinstance(command, (Reply, Note)):
            data: dict[str, Any] = {"Content": command.body, "ContentType": "text/plain"}
            if command.attachments:
                data["Attachments"] = rt_attachments(command.attachments)
            if command.status:
                data["Status"] = rt_map.status_to_rt(command.status)
            kind = "correspond" if isinstance(command, Reply) else "comment"
            response = self.client.request("POST", f"/ticket/{number}/{kind}", json=data, idempotent=False)
            txn = re.search(r"/transaction/(\d+)", response.headers.get("location", ""))
            return PushResult(remote_id=txn.group(1) if txn else None, version=self._version_after(number))
        if not isinstance(command, Update):
            raise NotSupported(f"Request Tracker cannot take a {type(command).__name__} from here yet.")
        fields: dict[str, Any] = {}
        if command.status:
            fields["Status"] = rt_map.status_to_rt(command.status)
        if command.priority:
            fields["Priority"] = rt_map.priority_to_rt(command.priority)
        if command.assignee is not KEEP:
            fields["Owner"] = str(command.assignee or rt_map.NOBODY)
        if command.group is not KEEP and command.group:
            fields["Queue"] = command.group
        if not fields:
            return PushResult(version=version)
        headers = {"If-Match": f'"{self._etag(number, version)}"'} if version else {}
        response = self.client.request("PUT", f"/ticket/{number}", json=fields, headers=headers,
                                       idempotent=False, expect=(200,))
        self._check_results(number, self._json(response, "a ticket update"))
        return PushResult(version=self._version_after(number))

    def _create(self, command: NewTicket) -> PushResult:
        """A ticket opened here, carrying its marker: a link "refers to" ``marker_uri(command.id)``.

        RT keeps links to any URI, shows them to agents only (never in the customer's mail) and
        finds tickets by them in TicketSQL, so ``find_delivered`` asks for that link; a custom
        field would need an administrator to create it first on every RT."""
        if command.tags:
            raise NotSupported("Request Tracker has no tags: open the ticket without them.")
        data: dict[str, Any] = {"Queue": command.group or DEFAULT_QUEUE, "Subject": command.subject,
                                "Requestor": command.requester, "Content": command.body, "ContentType": "text/plain",
                                "RefersTo": marker_uri(command.id)}
        if command.attachments:
            # REST2's ticket create takes Attachments as correspond does: the files are parts of
            # the Create transaction, in the same request as the ticket, so a ticket found by
            # its marker after a lost answer has them (there is no ticket without its files).
            data["Attachments"] = rt_attachments(command.attachments)
        if command.cc:
            data["Cc"] = list(command.cc)
        if command.status:
            data["Status"] = rt_map.status_to_rt(command.status)
        if command.priority:
            data["Priority"] = rt_map.priority_to_rt(command.priority)
        if command.assignee:
            data["Owner"] = command.assignee
        response = self.client.request("POST", "/ticket", json=data, idempotent=False, expect=(200, 201))
        created = rt_map.as_dict(self._json(response, "a new ticket"), "a new ticket")
        if not str(created.get("id") or "").isdigit():
            raise BadResponse(f"{self.host} created a ticket but did not say its number.")
        number = int(created["id"])
        return PushResult(remote_id=str(number), number=number, version=self._version_after(number))

    def current_version(self, ticket_remote_id: str) -> str | None:
        return self._version_after(self._number(ticket_remote_id))

    def find_delivered(self, command: Command, ticket_remote_id: str) -> str | None:
        """Replies and notes: the base rule. An update: applied when the ticket already has
        every field the update sets (RT keeps no record of who asked for a change). A new
        ticket: the one whose link refers to its marker (its files came in the same request as
        the link, so a ticket with the marker has them: nothing more to require)."""
        if isinstance(command, NewTicket):
            found = self._search_tickets({"query": f"RefersTo = '{marker_uri(command.id)}'", "orderby": "id"})
            ids = sorted(int(row["id"]) for row in found if str(row.get("id") or "").isdigit())
            return str(ids[0]) if ids else None
        if not isinstance(command, Update):
            return super().find_delivered(command, ticket_remote_id)
        number = self._number(ticket_remote_id)
        data = rt_map.as_dict(self._get(f"/ticket/{number}", "a ticket"), "a ticket")
        wanted: dict[str, Any] = {}
        if command.status:
            wanted["Status"] = rt_map.status_to_rt(command.status)
        if command.priority:
            wanted["Priority"] = rt_map.priority_to_rt(command.priority)
        for key, value in wanted.items():
            have = data.get(key)
            if isinstance(have, dict):
                have = have.get("id") or have.get("Name")
            if str(have) != str(value):
                return None
        return f"update-{number}-{command.id[:12]}" if wanted else None  # RT keeps no id for it

    def _etag(self, number: int, version: str) -> str:
        """The ETag to send for a ticket last read at ``version`` (Conflict if it changed since)."""
        if version.strip().strip('"').isdigit():
            return version.strip().strip('"')
        response = self.client.request("GET", f"/ticket/{number}")
        data = rt_map.as_dict(self._json(response, "a ticket"), "a ticket")
        now = rt_map.parse_time(data.get("LastUpdated"))
        if now != rt_map.parse_time(version):
            raise Conflict(f"Ticket {number} changed on {self.host} since it was read (updated "
                           f"{data.get('LastUpdated')}).")
        etag = response.headers.get("etag", "").strip().removeprefix("W/").strip('"')
        if not etag:
            raise BadResponse(f"{self.host} sent ticket {number} without an ETag.")
        return etag

    def _check_results(self, number: int, results: Any) -> None:
        """RT answers a PUT with one sentence per field; a refused field is not an HTTP error."""
        if not isinstance(results, list):
            return
        refused = [str(r) for r in results if REFUSED_RE.search(str(r)) and not CHANGED_RE.search(str(r))]
        if refused:
            reason = re.sub(r"^Ticket \d+: ", "", refused[0]).rstrip(".")
            raise BadResponse(f"Request Tracker refused part of the update of ticket {number} (the rest was "
                              f"applied): {reason}.")

    def _version_after(self, number: int) -> str | None:
        """The ticket's LastUpdated after our write; None if it cannot be read (the write stands)."""
        try:
            data = rt_map.as_dict(self._get(f"/ticket/{number}", "a ticket"), "a ticket")
        except SyncError:
            return None
        return str(data.get("LastUpdated")) if data.get("LastUpdated") else None

    # ------------------------------------------------------------------ attachments
    def download_attachment(self, meta: Mapping[str, Any], sink: IO[bytes],
                            progress: Callable[[int, int], None] | None = None) -> None:
        """``GET /attachment/N``: RT 5's REST2 sends the bytes base64-encoded inside the record's
        JSON. The answer streams to a temporary file (the progress counts it), then is decoded a
        block at a time (``rt_content.py``), or whole by ``json.load`` when in another form."""
        aid = str(meta.get("remote_id") or "").strip()
        if not aid.isdigit():
            raise NotFound("Request Tracker gave no id for this attachment: sync the ticket again.")
        size = listed_size(meta)
        expected = size * 4 // 3 + size // 38 + 4096 if size is not None else None  # base64 lines in JSON
        with tempfile.TemporaryFile() as answer:
            self.client.download(f"/attachment/{aid}", answer, expected=expected, progress=progress)
            answer.seek(0)
            if rt_content.stream_content(answer, sink):
                return
            answer.seek(0)
            try:
                data = json.load(answer)
            except ValueError:
                raise BadResponse(f"{self.host} did not answer attachment {aid} with JSON.") from None
        content = data.get("Content") if isinstance(data, dict) else None
        if not isinstance(content, str):
            raise BadResponse(f"{self.host} sent attachment {aid} without its content.")
        try:
            sink.write(base64.b64decode(content))  # RT wraps the base64 in lines: those are skipped
        except ValueError:
            raise BadResponse(f"{self.host} sent attachment {aid} in broken base64.") from None

    # ------------------------------------------------------------------ KB
    def pull_articles(self, cursor: str | None) -> tuple[list[RemoteArticle], str | None, bool]:
        cur = Cursor.decode(cursor)
        stamp = cur.t.strftime("%Y-%m-%d %H:%M:%S") if cur.t else "1970-01-01 00:00:01"
        query = [{"field": "LastUpdated", "operator": ">=", "value": stamp}]
        params = [("fields", "Name,Summary,LastUpdated,Disabled,Class,CustomFields"), ("fields[Class]", "Name"),
                  ("orderby", "LastUpdated"), ("orderby", "id"), ("order", "ASC"), ("order", "ASC"),
                  ("per_page", self.per_page), ("page", cur.page), ("find_disabled_rows", 1)]
        response = self.client.request("POST", "/articles", params=params, json=query, idempotent=True)
        rows = rt_map.items(self._json(response, "an article search"), "an article search")
        limit = complete_before(response)
        articles, new, advancing = [], Cursor(cur.t, cur.last_id), True
        base = web_base(self.account.url)
        for row in rows:
            article = rt_map.article_from_rt(row, base)
            updated = article.updated_at
            if updated is None:
                raise BadResponse(f"Request Tracker sent article {article.remote_id} without LastUpdated.")
            if not cur.after(updated, int(article.remote_id)):
                continue
            articles.append(article)
            if advancing and (limit is None or updated <= limit):
                new.t, new.last_id = updated, int(article.remote_id)
            else:
                advancing = False
        full = len(rows) >= self.per_page
        taken = (new.t, new.last_id) != (cur.t, cur.last_id)
        if full and not articles:
            new, taken = Cursor(cur.t, cur.last_id, cur.page + 1), True
        return articles, (new.encode() if (new.t or new.page > 1) else cursor), not full or not taken
