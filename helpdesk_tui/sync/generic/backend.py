"""The backends a mapping file makes: ``GenericBackend`` (any file, ``--option mapping=FILE``)
and ``MappedBackend`` (a file shipped in ``sync/mappings/``, one tiny subclass each).

Everything helpdesk-specific is in the file; this class only wires the engine's parts —
requests, streams, fields, paging, the incremental cursor, lookups, people, threads, and the
writes side's ``Writer`` — to the backend contract.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping as MappingABC
from functools import partial
from pathlib import Path as FilePath
from typing import IO, Any, ClassVar

import httpx

from helpdesk_tui.config.account_options import Option
from helpdesk_tui.domain.remote import ChangePage, RemoteArticle, RemoteMessage, RemoteTemplate, RemoteTicket
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.auth import BasicAuth, ClientCredentials, HeaderAuth, QueryKeyAuth, RefreshToken, TokenAuth
from helpdesk_tui.sync.backends.attachment_fetch import download_url
from helpdesk_tui.sync.contract import (
    AccountSettings, Backend, Capabilities, ChangeFeed, Command, Identity, PushResult,
)
from helpdesk_tui.sync.generic import base64_download
from helpdesk_tui.sync.generic.fields import Unreadable, ticket_context
from helpdesk_tui.sync.generic.lists import ListPuller
from helpdesk_tui.sync.generic.lookups import Lookup, Lookups
from helpdesk_tui.sync.generic.mapping import USERS_JOIN, Mapping, MappingError, load_mapping
from helpdesk_tui.sync.generic.people import PeopleReader
from helpdesk_tui.sync.generic.requests import Requester
from helpdesk_tui.sync.generic.streams import Reader
from helpdesk_tui.sync.generic.threads import ThreadReader
from helpdesk_tui.sync.generic.ticket_pull import TicketPuller
from helpdesk_tui.sync.generic.values import Env, NameLookup
from helpdesk_tui.sync.generic.writes import Writer
from helpdesk_tui.sync.http import HttpClient
from helpdesk_tui.sync.request_budget import RequestBudget
from helpdesk_tui.sync.status import MemoryStatus

MAPPINGS = FilePath(__file__).resolve().parent.parent / "mappings"
REQUESTS_PER_MINUTE = Option("requests_per_minute", "at most this many requests a minute to the helpdesk "
                             "(overrides the mapping's rate_limit.per_minute)",
                             validate=lambda v: None if v.strip().isdigit() and int(v) > 0 else "must be a whole number above 0")


def _check_mapping(value: str) -> str | None:
    try:
        load_mapping(FilePath(value).expanduser())
    except MappingError as error:
        return str(error)
    return None


MAPPING_OPTION = Option("mapping", "the mapping file (YAML) that describes the helpdesk's API", required=True,
                        validate=_check_mapping, file=True, sentence=True)


class GenericBackend(Backend):
    """A helpdesk described by a mapping file (``--option mapping=FILE``)."""

    name: ClassVar[str] = "generic"
    label: ClassVar[str] = "Helpdesk"
    # The class default (for the registry); each instance has its file's.
    capabilities: ClassVar[Capabilities] = Capabilities(change_feed=ChangeFeed.FULL_SCAN)
    options: ClassVar[tuple[Option, ...]] = (MAPPING_OPTION, REQUESTS_PER_MINUTE)

    def __init__(self, account: AccountSettings, client: HttpClient, *, mapping: Mapping | None = None) -> None:
        super().__init__(account, client)
        self.mapping = mapping if mapping is not None else self.load(account)
        spec = self.mapping
        self.label = spec.label  # type: ignore[misc]  # per instance: the file's (the class has a default)
        self.capabilities = spec.capabilities  # type: ignore[misc]  # per instance, as the label
        if spec.templates is not None and spec.templates.kind:
            self.template_kind = spec.templates.kind  # type: ignore[misc]  # per instance, as the label
        self._base = base_context(account)
        self.requester = self._requester(client)
        self.reader = Reader(self.requester, spec.label)
        self.lookups = Lookups(spec.lookups, self.reader, lambda: self._base)
        users = PeopleReader(spec.users, self.reader, lambda: self._base) if spec.users else None
        organizations = PeopleReader(spec.organizations, self.reader, lambda: self._base) \
            if spec.organizations else None
        names = self.lookups.for_reading  # a join's lookup: one that cannot be read leaves names out
        self.tickets = TicketPuller(spec.tickets, self.reader, lambda: self._base, names, users, organizations)
        self.threads = ThreadReader(spec.messages, spec.batch, self.reader, lambda: self._base,
                                    partial(_join_source, self.lookups, users))
        self.articles = ListPuller(spec.articles, self.reader, lambda: self._base, names, "article") \
            if spec.articles else None
        self.templates = ListPuller(spec.templates, self.reader, lambda: self._base, names, "template") \
            if spec.templates else None
        try:
            self._writer = Writer(spec.writes, self.requester, lookup=self.lookups, fetch_thread=self.fetch_thread,
                                  capabilities=self.capabilities, label=self.label)
        except MappingError as error:
            raise errors.BadResponse(str(error)) from None

    # --- building ------------------------------------------------------------------------

    @classmethod
    def load(cls, account: AccountSettings) -> Mapping:
        path = account.options.get("mapping")
        if not path:
            raise errors.NotSupported("A generic account needs --option mapping=FILE: the mapping file that "
                                      "describes its helpdesk.")
        try:
            return load_mapping(FilePath(path).expanduser())
        except MappingError as error:
            raise errors.BadResponse(str(error)) from None

    @classmethod
    def mapping_for(cls, account: AccountSettings) -> Mapping:
        return cls.load(account)

    @classmethod
    def _given_mapping(cls, given: MappingABC[str, str]) -> Mapping | None:
        """The mapping file an account's options name, or None when it cannot be read (the
        ``mapping`` option's own check says why, in a sentence)."""
        path = given.get("mapping")
        if not path:
            return None
        try:
            return load_mapping(FilePath(path).expanduser())
        except MappingError:
            return None

    @classmethod
    def options_for(cls, given: MappingABC[str, str]) -> tuple[Option, ...]:
        spec = cls._given_mapping(given)
        return cls.options if spec is None else (*cls.options, *spec.options)

    @classmethod
    def capabilities_for(cls, given: MappingABC[str, str]) -> Capabilities:
        spec = cls._given_mapping(given)
        return cls.capabilities if spec is None else spec.capabilities

    @classmethod
    def label_for(cls, given: MappingABC[str, str]) -> str:
        spec = cls._given_mapping(given)
        return cls.label if spec is None else spec.label

    @classmethod
    def make_client(cls, account: AccountSettings, **options: Any) -> HttpClient:
        spec = cls.mapping_for(account)
        base = base_context(account)
        headers = {"Accept": "application/json", "User-Agent": "helpdesk-tui"}
        if spec.headers is not None:
            headers.update({str(k): str(v) for k, v in (spec.headers.render(base) or {}).items() if v is not None})
        headers.update(options.pop("headers", {}))
        return HttpClient(base_url=str(spec.base_url.render(base)).rstrip("/"), auth=build_auth(spec, base),
                          headers=headers, **options)

    @classmethod
    def auth(cls, account: AccountSettings) -> httpx.Auth:
        spec = cls.mapping_for(account)
        return build_auth(spec, base_context(account))

    @classmethod
    def api_url(cls, account: AccountSettings) -> str:
        return str(cls.mapping_for(account).base_url.render(base_context(account))).rstrip("/")

    def _requester(self, client: HttpClient) -> Requester:
        before: Callable[[], None] | None = None
        after: Callable[[httpx.Response], None] | None = None
        budget = self._budget()
        if budget is not None:
            before, after = budget.before, budget.after
        return Requester(client, self._base, write_headers=self.mapping.write_headers, before_request=before,
                         after_response=after)

    def _budget(self) -> RequestBudget | None:
        """The request budget across this machine's processes, when the file or the account
        (option ``requests_per_minute``, which wins) asks for one."""
        option = self.account.options.get("requests_per_minute")
        per_minute = int(option) if option and option.strip().isdigit() else None
        if self.mapping.rate_limit is None and per_minute is None:
            return None
        budget = RequestBudget(self.mapping.rate_limit, self.account.name, per_minute)
        return budget if budget.active else None

    # --- reading -------------------------------------------------------------------------

    def check(self) -> str:
        check = self.mapping.check
        if check is None:  # the first page of tickets, asked as a first sync asks it (nothing kept)
            self.tickets.pull(None, MemoryStatus())
            return f"Signed in to {self.label}."
        answer = self.reader.send(check.request, self._base)
        ident = check.id(answer.body) if check.id is not None else None
        if check.id is not None and (ident is None or ident == ""):
            raise errors.AuthFailed(f"{self._host()} did not say who we are signed in as: check the account's "
                                    "user and token.")
        name = check.name(answer.body) if check.name is not None else None
        email = check.email(answer.body) if check.email is not None else None
        shown = str(name or email or ident or "")
        if check.refuse is not None and check.refuse[0].test(answer.body, Env()):
            raise errors.Forbidden(str(check.refuse[1].render({"label": self.label, "name": shown, "email": email,
                                                                 "id": ident})))
        if ident is not None:
            self.identity = Identity(shown or str(ident), str(email) if email else None, str(ident))
        if check.says is not None:
            return str(check.says.render({"label": self.label, "name": shown, "email": email, "id": ident}))
        return f"Signed in to {self.label} as {shown}." if shown else f"Signed in to {self.label}."

    def pull(self, cursor: str | None) -> ChangePage:
        return self.tickets.pull(cursor, self.status)

    def fetch_thread(self, ticket: RemoteTicket | str) -> list[RemoteMessage]:
        try:
            return self.threads.read(self._ticket_context(ticket))
        except (errors.NotFound, errors.Forbidden) as error:
            # A ticket listed but whose thread the helpdesk will not give (deleted since, or not
            # this account's to read) is left out of its page and named, not a sync stuck on it.
            raise ThreadUnreadable(str(error)) from None

    def fetch_threads(self, tickets: list[RemoteTicket]) -> dict[str, list[RemoteMessage]]:
        if self.threads.batch is None:
            return super().fetch_threads(tickets)
        return self.threads.read_many([ticket_context(t) for t in tickets])

    def fetch_ticket(self, number: int) -> ChangePage | None:
        if not self.tickets.can_read_one(by_number=True):
            return super().fetch_ticket(number)
        found = self.tickets.one_with_side_loads(str(number), number=number)
        if found is None:
            return None
        record, side_loads = found
        env = Env(side_loads, self.lookups.for_reading, dict(self._base))
        try:
            ticket = self.tickets.ticket_of(record, env)
        except Unreadable as exc:
            raise errors.BadResponse(f"{self.label} sent ticket {number} in a form this app cannot read: {exc}.") \
                from None
        page = ChangePage(tickets=[ticket])
        if self.tickets.users is not None:
            page.users = self.tickets.users.collect([record], [ticket.requester_remote_id], env, page.skipped)
        if self.tickets.organizations is not None:
            ids = [ticket.organization_remote_id, *(u.organization_remote_id for u in page.users)]
            page.organizations = self.tickets.organizations.collect([record], ids, env, page.skipped)
        ticket.messages = self.fetch_thread(ticket)  # after its people: join: users names them
        return page

    def _ticket_context(self, ticket: RemoteTicket | str) -> dict[str, Any]:
        if isinstance(ticket, RemoteTicket):
            return ticket_context(ticket)
        remote_id = str(ticket)
        if self.tickets.can_read_one(by_number=False):
            # A thread asked for by id alone (before a reply, after an unknown outcome): the kind
            # rules may name the ticket's requester, so the ticket is read first.
            record = self.tickets.one(remote_id)
            if record is not None:
                try:
                    return ticket_context(self.tickets.ticket_of(record, Env({}, self.lookups.for_reading,
                                                                             dict(self._base))))
                except ValueError:
                    pass
        return {"remote_id": remote_id, "number": int(remote_id) if remote_id.isdigit() else None, "raw": {}}

    def pull_articles(self, cursor: str | None) -> tuple[list[RemoteArticle], str | None, bool]:
        if self.articles is None:
            return super().pull_articles(cursor)
        return self.articles.pull(cursor)

    def pull_templates(self) -> list[RemoteTemplate]:
        if self.templates is None:
            return super().pull_templates()
        return self.templates.read_all()

    def download_attachment(self, meta: MappingABC[str, Any], sink: IO[bytes],
                            progress: Callable[[int, int], None] | None = None) -> None:
        site = str(self.mapping.base_url.render(self._base)).rstrip("/") + "/"
        if meta.get(base64_download.KEY):
            base64_download.download_base64(self.client, meta, site, self.label, sink, progress)
            return
        download_url(self.client, meta, "url", site, self.label, sink, progress)

    # --- account test ----------------------------------------------------------------------

    def probes(self) -> list[tuple[str, Callable[[], str]]]:
        """Every read the mapping declares but ``check``, in order, as (name, run): each run does
        one read (nothing saved: no cursor, no sync status) and says what it found, or raises a
        ``SyncError`` whose text is one sentence (``services/account_probe.py`` runs them)."""
        first: list[RemoteTicket] = []

        def tickets() -> str:
            page = self.tickets.pull(None, MemoryStatus())
            first[:] = page.tickets[:1]
            return f"{_count(len(page.tickets), 'ticket')} on the first page"

        def thread() -> str:
            if not first:
                return "no ticket on the first page to read a thread of"
            messages = self.fetch_thread(first[0])
            return f"{_count(len(messages), 'message')} in ticket {first[0].number}"

        out: list[tuple[str, Callable[[], str]]] = [("tickets", tickets), ("thread", thread)]
        for name in self.mapping.lookups:
            out.append((f"lookup {name}", partial(self._probe_lookup, name)))
        for what, people in (("users", self.tickets.users), ("organizations", self.tickets.organizations)):
            if people is not None and people.spec.request is not None:
                out.append((what, partial(self._probe_people, people, first, what)))
        if self.articles is not None:
            articles = self.articles
            out.append(("articles", lambda: f"{_count(len(articles.first_page()), 'article')} on the first page"))
        if self.templates is not None:
            templates = self.templates
            out.append(("templates", lambda: f"{_count(len(templates.first_page()), 'template')} on the first page"))
        return out

    def _probe_lookup(self, name: str) -> str:
        return f"{len(self.lookups.load(name).names())} {name}"

    def _probe_people(self, people: PeopleReader, first: list[RemoteTicket], what: str) -> str:
        if not first:
            return f"no ticket on the first page to read {what} of"
        ticket = first[0]
        ident = ticket.requester_remote_id if what == "users" else ticket.organization_remote_id
        if not ident:
            return f"ticket {ticket.number} names none"
        skipped: list[str] = []
        found = people.collect([ticket.raw], [ident], Env({}, self.lookups.for_reading, dict(self._base)), skipped)
        if skipped:
            raise errors.BadResponse(skipped[0])
        return f"read {what[:-1]} {ident}" if found else f"{self.label} has no {what[:-1]} {ident}"

    def lookup(self, name: str) -> Lookup:
        return self.lookups(name)

    # --- writing (the writes side's Writer) -------------------------------------------------

    def _writes(self) -> Writer:
        return self._writer

    def push(self, command: Command, ticket_remote_id: str, version: str | None) -> PushResult:
        agent = {"id": self.identity.remote_id, "name": self.identity.name, "email": self.identity.email} \
            if self.identity is not None else {}
        return self._writes().push(command, ticket_remote_id, version, agent=agent)

    def find_delivered(self, command: Command, ticket_remote_id: str) -> str | None:
        return self._writes().find_delivered(command, ticket_remote_id)

    def current_version(self, ticket_remote_id: str) -> str | None:
        return self._writes().current_version(ticket_remote_id)

    def _host(self) -> str:
        return httpx.URL(self.client.base_url).host or self.label


class ThreadUnreadable(errors.NotFound, ValueError):
    """A thread the helpdesk refused (404, 403): still a ``NotFound`` to whoever asked for one thread,
    and a malformed record (a ``ValueError``) to the sync engine, which leaves that ticket out of
    the page with a sentence."""


class MappedBackend(GenericBackend):
    """A shipped mapping: ``mapping_file`` names a file in ``sync/mappings/``; the subclass's
    name, label, options and capabilities are read from it when the class is made."""

    mapping_file: ClassVar[str] = ""
    spec: ClassVar[Mapping]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.mapping_file:
            return
        spec = load_mapping(MAPPINGS / cls.mapping_file, shown=cls.mapping_file)
        cls.spec = spec
        cls.name = spec.name or FilePath(cls.mapping_file).stem
        cls.label = spec.label
        cls.capabilities = spec.capabilities
        cls.options = (*spec.options, REQUESTS_PER_MINUTE)
        if spec.templates is not None and spec.templates.kind:
            cls.template_kind = spec.templates.kind

    def __init__(self, account: AccountSettings, client: HttpClient, *, mapping: Mapping | None = None) -> None:
        super().__init__(account, client, mapping=mapping or type(self).spec)

    @classmethod
    def mapping_for(cls, account: AccountSettings) -> Mapping:
        return cls.spec

    @classmethod
    def options_for(cls, given: MappingABC[str, str]) -> tuple[Option, ...]:
        return cls.options

    @classmethod
    def capabilities_for(cls, given: MappingABC[str, str]) -> Capabilities:
        return cls.capabilities

    @classmethod
    def label_for(cls, given: MappingABC[str, str]) -> str:
        return cls.label


def _count(number: int, what: str) -> str:
    return f"{number} {what}" if number == 1 or what.endswith("s") else f"{number} {what}s"


def base_context(account: AccountSettings) -> dict[str, Any]:
    """What every template may name: ``account`` (url without a trailing slash, user, token,
    name), ``options`` and ``origin`` (scheme://host[:port] of the account's URL)."""
    url = account.url.rstrip("/")
    parsed = httpx.URL(url)
    origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}" if parsed.scheme and parsed.host else url
    return {"account": {"url": url, "user": account.user or "", "token": account.token, "name": account.name},
            "options": dict(account.options), "origin": origin}


def build_auth(spec: Mapping, context: dict[str, Any]) -> httpx.Auth:
    """The ``auth:`` section as an ``httpx.Auth`` of ``sync/auth.py``."""
    auth = spec.auth.chosen(context)
    values = {key: "" if (v := template.render(context)) is None else str(v) for key, template in auth.values.items()}
    if auth.type == "none":
        return httpx.Auth()  # sends the request as it is
    if auth.type == "basic":
        return BasicAuth(values["user"], values["password"])
    if auth.type == "bearer":
        return TokenAuth(values["token"], scheme=values.get("scheme") or "Bearer")
    if auth.type == "header":
        return HeaderAuth(values["name"], values["value"])
    if auth.type == "query":
        return QueryKeyAuth(values["param"], values["value"])
    if auth.type == "oauth2_client_credentials":
        return ClientCredentials(values["token_url"], values["client_id"], values["client_secret"],
                                 scope=values.get("scope") or None)
    return RefreshToken(values["token_url"], values["client_id"], values["refresh_token"],
                        client_secret=values.get("client_secret") or None, scope=values.get("scope") or None)


def _join_source(lookups: Lookups, users: PeopleReader | None, name: str) -> NameLookup:
    """What a message's ``join`` names: a declared lookup, else the built-in ``users`` (the
    people this backend has read, or reads by id)."""
    if name == USERS_JOIN and name not in lookups.specs and users is not None:
        return users
    return lookups.for_reading(name)
