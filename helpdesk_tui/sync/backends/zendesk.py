"""Zendesk Support (tickets) and Guide (Help Center articles, macros) behind the backend contract.

What it relies on, from developer.zendesk.com (and mirrored by ``tests/fakes/zendesk.py``):

- Sign-in: ``{email}/token:{api_token}`` as Basic auth, or, for an account configured without
  a user, the token as an OAuth ``Bearer`` (Zendesk is retiring API tokens; OAuth stays).
  ``GET /api/v2/users/me`` answers 200 with an *anonymous* user (``id`` null) when the
  credentials are missing or a password is wrong, so ``check`` wants a user id, not a 200.
- Changes: the cursor-based incremental ticket export, ``start_time`` once, then the opaque
  ``after_cursor``; ``end_of_stream`` says when to stop; deleted tickets come with status
  ``deleted``; users, groups and organizations are side-loaded. The endpoint allows 10
  requests a minute and answers 429 with ``Retry-After``, which the shared client honours.
- Writes: ``PUT /api/v2/tickets/{id}`` with a comment and fields (tags as the whole list; a
  group by ``group_id``, a name looked up once in ``GET /api/v2/groups``). ``safe_update`` with
  ``updated_stamp`` = our version makes a concurrent change a 409 (→ ``Conflict``).
  Zendesk honours ``Idempotency-Key`` on ticket *creation* only, not on updates, so a send
  is never repeated blindly (``capabilities.idempotency`` is False): each update carries its
  outbox id as audit ``metadata`` and ``find_delivered`` looks for that audit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from typing import IO, Any, ClassVar

import httpx

from helpdesk_tui.domain.attachment_limits import MB, AttachmentLimits
from helpdesk_tui.domain.macros import HelpdeskActions
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.backends.attachment_upload import zendesk_tokens
from helpdesk_tui.sync.auth import BasicAuth, TokenAuth
from helpdesk_tui.sync.backends import zendesk_macros as macros
from helpdesk_tui.sync.backends.attachment_fetch import download_url
from helpdesk_tui.sync.backends import zendesk_records as records
from helpdesk_tui.sync.contract import (
    KEEP,
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
    RemoteTemplate,
    RemoteTicket,
    lists_files,
    read_each,
)
from helpdesk_tui.sync.http import HttpClient

EXPORT = "/api/v2/incremental/tickets/cursor.json"
ARTICLES = "/api/v2/help_center/incremental/articles.json"
SIDELOADS = "users,groups,organizations"
# "Attachments can be up to 50 MB" per file (Zendesk help: attachment size limits); admins may
# restrict the types (Admin Center, allowed file types): the upload is refused then.
LIMITS = AttachmentLimits(max_bytes=50 * MB, source="support.zendesk.com: 50 MB per attachment")
OUTBOX_KEY = "helpdesk_tui_outbox_id"  # our key in an update's audit metadata
_START = "start_time:"  # our cursor before Zendesk has given one (an empty first export)
_CLOCK_SKEW = timedelta(minutes=5)
# A group id as we may hold it: "3432", or "group 3432" (a ticket pulled without its group's name).
_GROUP_ID = re.compile(r"(?:group\s+)?(\d+)", re.IGNORECASE)


def site_url(url: str) -> str:
    """``acme``, ``acme.zendesk.com`` or ``https://acme.zendesk.com/api/v2/`` → ``https://acme.zendesk.com``."""
    text = url.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    for suffix in ("/api/v2", "/api"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    parsed = httpx.URL(text)
    if parsed.host and "." not in parsed.host and parsed.host != "localhost":
        text = str(parsed.copy_with(host=f"{parsed.host}.zendesk.com")).rstrip("/")
    return text


def make_client(account: AccountSettings, **kwargs: Any) -> HttpClient:
    """The shared HTTP client for ``account`` (``ZendeskBackend.make_client``)."""
    return ZendeskBackend.make_client(account, **kwargs)


class ZendeskBackend(Backend):
    name: ClassVar[str] = "zendesk"
    label: ClassVar[str] = "Zendesk"
    capabilities: ClassVar[Capabilities] = Capabilities(
        change_feed=ChangeFeed.CURSOR, deletions=True, idempotency=False, concurrency=Concurrency.VERSION,
        kb=True, templates=True, sla=False, tags=True, groups=True, attachments=LIMITS)
    template_kind: ClassVar[str] = "macro"  # what Zendesk calls its templates, shown next to synced ones
    pull_ahead: ClassVar[bool] = True  # the export's next page needs only its cursor

    def __init__(self, account: AccountSettings, client: HttpClient, *, start_time: int = 0,
                 page_size: int = 1000) -> None:
        super().__init__(account, client)
        self.start_time = start_time  # epoch seconds the first pull starts from
        self.page_size = max(1, min(1000, page_size))  # the export's per_page (Zendesk's maximum: 1000)
        self._agents: dict[str, str] = {}  # casefolded agent name → user id, learned from side-loads
        self._groups: dict[str, int] | None = None  # casefolded group name → id, read once when needed

    @classmethod
    def make_client(cls, account: AccountSettings, **kwargs: Any) -> HttpClient:
        kwargs["headers"] = {"User-Agent": "helpdesk-tui", **kwargs.get("headers", {})}
        return super().make_client(account, **kwargs)

    @classmethod
    def api_url(cls, account: AccountSettings) -> str:
        return site_url(account.url)

    @classmethod
    def auth(cls, account: AccountSettings) -> httpx.Auth:
        """An API token as Basic ``email/token:TOKEN``; without a user, an OAuth bearer token."""
        if not account.token:
            raise errors.AuthFailed(f"No API token is stored for the account {account.name!r}: run "
                                    "'helpdesk-tui account add' again.")
        if not account.user:
            return TokenAuth(account.token)
        user = account.user if account.user.endswith("/token") else f"{account.user}/token"
        return BasicAuth(user, account.token)

    # --- reading -------------------------------------------------------------------------

    def check(self) -> str:
        me = self._json_object(self.client.get_json("/api/v2/users/me.json"), "user").get("user") or {}
        if me.get("id") is None:
            raise errors.AuthFailed(f"{self._host()} answered as an anonymous user: check the email address "
                                    "and the API token.")
        if me.get("role") not in records.AGENT_ROLES:
            raise errors.Forbidden(f"{me.get('name') or 'This user'} is not an agent on {self._host()}: sign in "
                                   "with an agent's email address and token.")
        # Tickets name their assignee by the sideloaded name, else "agent ID" (zendesk_records).
        self.identity = Identity(str(me.get("name") or f"agent {me['id']}"), str(me.get("email") or "") or None,
                                 str(me["id"]))
        return f"Signed in to Zendesk at {self._host()} as {me.get('name') or me.get('email')}."

    def pull(self, cursor: str | None) -> ChangePage:
        params: dict[str, Any] = {"per_page": self.page_size, "include": SIDELOADS}
        if cursor and not cursor.startswith(_START):
            params["cursor"] = cursor
        else:
            params["start_time"] = int(cursor[len(_START):]) if cursor else self.start_time
        data = self._json_object(self.client.get_json(EXPORT, params=params), "tickets")
        users = records.by_id(data.get("users"))
        names = {uid: str(u.get("name") or u.get("email") or uid) for uid, u in users.items()}
        groups = {gid: str(g.get("name") or gid) for gid, g in records.by_id(data.get("groups")).items()}
        self._agents.update({str(u.get("name", "")).casefold(): uid for uid, u in users.items()
                             if u.get("role") in records.AGENT_ROLES})
        page = ChangePage(done=bool(data.get("end_of_stream", True)))
        raws = _list(data.get("tickets"))
        page.deleted_ticket_ids = [str(r["id"]) for r in raws if isinstance(r, dict) and r.get("status") == "deleted"
                                   and r.get("id") is not None]
        page.tickets = read_each((r for r in raws if not (isinstance(r, dict) and r.get("status") == "deleted")),
                                 lambda raw: records.ticket(raw, names, groups), "ticket", page.skipped)
        requesters = {t.requester_remote_id for t in page.tickets}
        page.users = read_each((u for uid, u in users.items() if u.get("role") == "end-user" or uid in requesters),
                               records.user, "user", page.skipped)
        page.organizations = read_each(records.by_id(data.get("organizations")).values(), records.organization,
                                       "organization", page.skipped)
        after = data.get("after_cursor")
        if after is not None and not isinstance(after, str):
            raise errors.BadResponse(f"{self._host()} sent a cursor that is not text: check that the URL is "
                                     "the account's https://<name>.zendesk.com address.")
        page.cursor = after or cursor or f"{_START}{params['start_time']}"
        return page

    def fetch_ticket(self, number: int) -> ChangePage | None:
        """``GET /api/v2/tickets/{id}.json`` with users, groups and organizations side-loaded,
        then its comments; a deleted ticket (404, or status ``deleted``) is None."""
        try:
            data = self._json_object(self.client.get_json(f"{_ticket_path(str(number))}.json",
                                                          params={"include": SIDELOADS}), "ticket")
        except errors.NotFound:
            return None
        raw = data.get("ticket")
        if not isinstance(raw, dict) or raw.get("status") == "deleted":
            return None
        users = records.by_id(data.get("users"))
        names = {uid: str(u.get("name") or u.get("email") or uid) for uid, u in users.items()}
        groups = {gid: str(g.get("name") or gid) for gid, g in records.by_id(data.get("groups")).items()}
        ticket = records.ticket(raw, names, groups)
        ticket.messages = self.fetch_thread(ticket)
        page = ChangePage(tickets=[ticket])
        page.users = read_each((u for uid, u in users.items() if uid == ticket.requester_remote_id),
                               records.user, "user", page.skipped)
        page.organizations = read_each(records.by_id(data.get("organizations")).values(), records.organization,
                                       "organization", page.skipped)
        return page

    def fetch_thread(self, ticket: RemoteTicket | str) -> list[RemoteMessage]:
        remote_id = ticket.remote_id if isinstance(ticket, RemoteTicket) else str(ticket)
        requester = ticket.requester_remote_id if isinstance(ticket, RemoteTicket) else None
        users: dict[str, Any] = {}
        messages: list[RemoteMessage] = []
        for data in self._pages(f"{_ticket_path(remote_id)}/comments.json", "comments", include="users"):
            users.update(records.by_id(data.get("users")))
            for raw in data.get("comments") or ():
                messages.append(records.message(raw, users, requester, first=not messages))
        return messages

    def pull_articles(self, cursor: str | None) -> tuple[list[RemoteArticle], str | None, bool]:
        start = int(cursor) if cursor and cursor.isdigit() else 0
        try:
            data = self._json_object(self.client.get_json(ARTICLES, params={"start_time": start}), "articles")
        except errors.NotFound:
            raise errors.NotSupported(f"{self._host()} has no Help Center (404): turn on Guide to sync "
                                      "its articles.") from None
        found = data.get("articles") or []
        end = int(data.get("end_time") or start)
        # A draft is unpublished. Pulling from the beginning, drafts are left out; later, a draft may
        # be an article published before, so it is passed on as archived and leaves the cache.
        articles = [records.article(a) for a in found if start > 0 or not a.get("draft")]
        return articles, str(max(end, start)), not data.get("next_page") or not found or end <= start

    def pull_templates(self) -> list[RemoteTemplate]:
        """Active macros that write a comment, their placeholders translated (see ``zendesk_macros``)."""
        templates: list[RemoteTemplate] = []
        for data in self._pages("/api/v2/macros.json", "macros", active="true"):
            templates.extend(t for raw in data.get("macros") or () if (t := macros.template(raw)) is not None)
        return templates

    def pull_action_macros(self) -> list[RemoteTemplate]:
        """Active macros that write no comment but change fields (a status, a group, tags)."""
        found: list[RemoteTemplate] = []
        for data in self._pages("/api/v2/macros.json", "macros", active="true"):
            found.extend(t for raw in data.get("macros") or () if (t := macros.action_only(raw)) is not None)
        return found

    @classmethod
    def template_actions(cls, raw: Mapping[str, Any]) -> HelpdeskActions | None:
        """A macro's status, priority, tags, assignee and group as ours (``zendesk_macros``)."""
        return macros.helpdesk_actions(raw)

    # --- writing -------------------------------------------------------------------------

    def push(self, command: Command, ticket_remote_id: str, version: str | None) -> PushResult:
        if isinstance(command, NewTicket):
            return self._create(command)
        ticket = self._update_body(command)
        if not ticket:
            return PushResult(version=version)
        if isinstance(command, (Reply, Note)) and command.attachments:
            ticket["comment"]["uploads"] = zendesk_tokens(self.client, command.attachments)
        ticket["metadata"] = {OUTBOX_KEY: command.id}
        if version:
            ticket["safe_update"] = True
            ticket["updated_stamp"] = version
        # Not idempotent: Zendesk ignores Idempotency-Key on updates, so an answer lost after the
        # request left raises UnknownOutcome and the engine asks find_delivered before resending.
        response = self.client.request("PUT", f"{_ticket_path(ticket_remote_id)}.json", json={"ticket": ticket},
                                       idempotent=False, expect=(200, 201, 422))
        if response.status_code == 422:  # RecordInvalid, e.g. every change to a closed ticket
            raise errors.BadResponse(f"Zendesk refused the change to ticket #{ticket_remote_id}: "
                                     f"{_invalid_reason(_parse(response, self._host()))}")
        data = self._json_object(_parse(response, self._host()), "ticket")
        comment = _comment_event(data.get("audit") or {})
        return PushResult(remote_id=str(comment["id"]) if comment else None,
                          version=(data.get("ticket") or {}).get("updated_at") or None)

    def _create(self, command: NewTicket) -> PushResult:
        """``POST /api/v2/tickets`` with ``Idempotency-Key: command.id``: Zendesk answers a repeat of
        the same key and body with the first answer (for 2 hours), so it is sent as idempotent and
        the client may repeat it after a lost answer. ``external_id`` carries the key too (agents
        see it, customers never do): the look-up after an unknown outcome, past the 2 hours."""
        requester: dict[str, Any] = {"email": command.requester}
        if command.requester_name:
            requester["name"] = command.requester_name
        ticket: dict[str, Any] = {"subject": command.subject, "comment": {"body": command.body, "public": True},
                                  "requester": requester, "external_id": command.id}
        if command.cc:
            ticket["email_ccs"] = [{"user_email": address, "action": "put"} for address in command.cc]
        try:
            if command.status:
                ticket["status"] = records.to_zendesk_status(command.status)
            if command.priority:
                ticket["priority"] = records.to_zendesk_priority(command.priority)
        except ValueError as exc:
            raise errors.NotSupported(str(exc)) from None
        if command.assignee:
            ticket.update(self._assignee(command.assignee))
        if command.group:
            ticket["group_id"] = self._group_id(command.group)
        if command.tags:
            ticket["tags"] = list(command.tags)
        if command.attachments:
            # Uploaded first (a token each, kept in the file's memo), then named by the first
            # comment: a repeat of the create names the same tokens, so its body is the same and
            # Zendesk's Idempotency-Key answers it with the first ticket.
            ticket["comment"]["uploads"] = zendesk_tokens(self.client, command.attachments)
        response = self.client.request("POST", "/api/v2/tickets.json", json={"ticket": ticket},
                                       headers={"Idempotency-Key": command.id}, idempotent=True,
                                       expect=(200, 201, 422))
        if response.status_code == 422:
            raise errors.BadResponse(f"Zendesk refused the new ticket: {_invalid_reason(_parse(response, self._host()))}")
        created = (self._json_object(_parse(response, self._host()), "ticket").get("ticket") or {})
        if not str(created.get("id") or "").isdigit():
            raise errors.BadResponse(f"{self._host()} created a ticket but did not say its number.")
        return PushResult(remote_id=str(created["id"]), number=int(created["id"]),
                          version=created.get("updated_at") or None)

    def find_delivered(self, command: Command, ticket_remote_id: str) -> str | None:
        """The comment id (or ``audit-<id>`` for an update without one) of the audit tagged with
        ``command.id``; for a new ticket, the ticket whose ``external_id`` is ``command.id`` (its
        files are named by the same request's first comment: a ticket with that id has them)."""
        if isinstance(command, NewTicket):
            found = self._json_object(self.client.get_json("/api/v2/tickets.json",
                                                           params={"external_id": command.id}), "tickets")
            ids = sorted(int(t["id"]) for t in found.get("tickets") or () if str(t.get("id") or "").isdigit())
            return str(ids[0]) if ids else None
        try:
            audits = [a for data in self._pages(f"{_ticket_path(ticket_remote_id)}/audits.json", "audits")
                      for a in data.get("audits") or ()]
        except errors.Forbidden:  # an OAuth token without the "read" scope cannot list audits
            return self._find_by_text(command, ticket_remote_id)
        for audit in reversed(audits):
            custom = (audit.get("metadata") or {}).get("custom") or {}
            if custom.get(OUTBOX_KEY) == command.id:
                comment = _comment_event(audit)
                return str(comment["id"]) if comment else f"audit-{audit.get('id')}"
        return None

    def current_version(self, ticket_remote_id: str) -> str | None:
        """The ticket's ``updated_at`` now: after a delivery found by looking, the next update's
        ``updated_stamp`` must include our own change, or Zendesk answers 409."""
        data = self._json_object(self.client.get_json(f"{_ticket_path(ticket_remote_id)}.json"), "ticket")
        return (data.get("ticket") or {}).get("updated_at") or None

    def _find_by_text(self, command: Command, ticket_remote_id: str) -> str | None:
        """The contract's fallback, on ``plain_body`` (the thread we show is HTML)."""
        if not isinstance(command, (Reply, Note)):
            return None
        wanted = " ".join(command.body.split())
        if not wanted:
            return None
        public = isinstance(command, Reply)
        since = command.created_at.replace(microsecond=0) - _CLOCK_SKEW
        for data in self._pages(f"{_ticket_path(ticket_remote_id)}/comments.json", "comments"):
            for raw in data.get("comments") or ():
                created = records.parse_time(raw.get("created_at"))
                text = " ".join(str(raw.get("plain_body") or raw.get("body") or "").split())
                if created and created >= since and bool(raw.get("public")) == public and text == wanted \
                        and lists_files([str(a.get("file_name") or "") for a in raw.get("attachments") or ()], command):
                    return str(raw["id"])
        return None

    def _update_body(self, command: Command) -> dict[str, Any]:
        ticket: dict[str, Any] = {}
        if isinstance(command, (Reply, Note)):
            ticket["comment"] = {"body": command.body, "public": isinstance(command, Reply)}
        elif not isinstance(command, Update):
            raise errors.NotSupported(f"Zendesk cannot deliver a {type(command).__name__} from here yet.")
        try:
            if command.status:
                ticket["status"] = records.to_zendesk_status(command.status)
            if isinstance(command, Update) and command.priority is not None:
                ticket["priority"] = records.to_zendesk_priority(command.priority)
        except ValueError as exc:
            raise errors.NotSupported(str(exc)) from None
        if isinstance(command, Update):
            if command.assignee is not KEEP:
                ticket.update(self._assignee(command.assignee))
            if command.group is not KEEP:
                ticket["group_id"] = self._group_id(command.group)
            if command.tags is not KEEP:
                ticket["tags"] = list(command.tags)  # Zendesk replaces the whole list
        return ticket

    def _group_id(self, value: object) -> int | None:
        """Zendesk moves a ticket by ``group_id``; we hold the group's name (or its id)."""
        text = str(value or "").strip()
        if not text:
            return None
        number = _GROUP_ID.fullmatch(text)
        if number:
            return int(number.group(1))
        if self._groups is None or text.casefold() not in self._groups:
            # Once per backend, and again only for a name not seen (a group created since).
            self._groups = {str(g.get("name", "")).casefold(): int(g["id"])
                            for data in self._pages("/api/v2/groups.json", "groups", exclude_deleted="true")
                            for g in data.get("groups") or () if g.get("id") is not None and not g.get("deleted")}
        if text.casefold() not in self._groups:
            raise errors.NotSupported(f"{self._host()} has no group named {text!r}: escalate to one of its groups "
                                      "or to a colleague instead.")
        return self._groups[text.casefold()]

    def _assignee(self, value: object) -> dict[str, Any]:
        """Zendesk wants an agent id or email; we may hold a name."""
        text = str(value or "").strip()
        if not text:
            return {"assignee_id": None}
        if text.isdigit():
            return {"assignee_id": int(text)}
        if "@" in text:
            return {"assignee_email": text}
        if text.casefold() not in self._agents:
            found = self.client.get_json("/api/v2/users/search.json", params={"query": text})
            for user in (found or {}).get("users") or ():
                if user.get("role") in records.AGENT_ROLES and str(user.get("name", "")).casefold() == text.casefold():
                    self._agents[text.casefold()] = str(user["id"])
        if text.casefold() not in self._agents:
            raise errors.NotFound(f"{self._host()} has no agent named {text!r}: pick the assignee again.")
        return {"assignee_id": int(self._agents[text.casefold()])}

    # --- plumbing ------------------------------------------------------------------------

    def download_attachment(self, meta: Mapping[str, Any], sink: IO[bytes],
                            progress: Callable[[int, int], None] | None = None) -> None:
        """The comment attachment's ``content_url`` (Zendesk redirects it to its file storage,
        where our credentials are not sent)."""
        download_url(self.client, meta, "url", site_url(self.account.url), "Zendesk", sink, progress)

    def _pages(self, path: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a cursor-paginated list (``page[size]``, ``meta.has_more``, ``after_cursor``)."""
        query: dict[str, Any] = {**params, "page[size]": 100}
        while True:
            data = self._json_object(self.client.get_json(path, params=query), key)
            yield data
            meta = data.get("meta") or {}
            if not meta.get("has_more") or not meta.get("after_cursor"):
                return
            query["page[after]"] = meta["after_cursor"]

    def _json_object(self, data: Any, key: str) -> dict[str, Any]:
        if not isinstance(data, dict) or key not in data:
            raise errors.BadResponse(f"{self._host()} did not answer like Zendesk (no {key!r}): check that the "
                                     "URL is the account's https://<name>.zendesk.com address.")
        return data

    def _host(self) -> str:
        return httpx.URL(site_url(self.account.url)).host or self.account.url


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ticket_path(remote_id: str) -> str:
    if not str(remote_id).isdigit():
        raise errors.NotFound(f"{remote_id!r} is not a Zendesk ticket id.")
    return f"/api/v2/tickets/{remote_id}"


def _comment_event(audit: dict[str, Any]) -> dict[str, Any] | None:
    return next((e for e in audit.get("events") or () if e.get("type") == "Comment" and "id" in e), None)


def _invalid_reason(body: Any) -> str:
    """The descriptions of a 422 ``RecordInvalid`` answer, as one clause."""
    details = body.get("details") if isinstance(body, dict) else None
    reasons = [str(item.get("description")) for items in (details or {}).values() if isinstance(items, list)
               for item in items if isinstance(item, dict) and item.get("description")]
    if not reasons and isinstance(body, dict):
        reasons = [str(body.get("description") or body.get("error") or "")]
    text = "; ".join(r for r in reasons if r) or "the change is not valid"
    if "closed" in text.lower():
        text += " (a closed ticket is read-only: open a follow-up ticket instead)"
    return text + "."


def _parse(response: httpx.Response, host: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise errors.BadResponse(f"{host} did not answer with JSON: check the account's URL.") from None
