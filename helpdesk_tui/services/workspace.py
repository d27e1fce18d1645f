"""A workspace: one account's settings, locations and cache, opened the same way by the app and
every command (the demo workspace is built on first use)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpdesk_tui.config.paths import Locations, ensure_dirs, resolve_locations, validate_account_name
from helpdesk_tui.config.settings import ConfigError, Settings, load_settings
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.records import record
from helpdesk_tui.services.errors import InvalidRequest, NotFound, ServiceError

if TYPE_CHECKING:  # the store is imported when a cache is opened: `locate` never pays for it
    from helpdesk_tui.store.cache import Cache

DEMO = "demo"
DEMO_SEED, DEMO_TICKETS = 7, 1200


@record(frozen=True)
class WorkProgress:
    """How far a long piece of work is; ``finished`` comes once at its end (after any progress).

    ``task`` is "sla" (applying the SLA policy to every ticket) or "demo" (building the demo)."""

    task: str
    done: int = 0
    total: int = 0
    finished: bool = False


ProgressListener = Callable[[WorkProgress], None]


@contextmanager
def _reporting(listener: ProgressListener | None, task: str) -> Iterator[Callable[[int, int], None] | None]:
    """A ``(done, total)`` callback for the store; the listener hears ``finished`` if it heard anything."""
    if listener is None:
        yield None
        return
    heard = False

    def progress(done: int, total: int) -> None:
        nonlocal heard
        heard = True
        listener(WorkProgress(task, done, total))

    try:
        yield progress
    finally:
        if heard:
            listener(WorkProgress(task, finished=True))


@record
class Workspace:
    """One account's locations, settings and cache, as every command and the app open them."""

    locations: Locations
    settings: Settings
    account: str
    progress: ProgressListener | None = None  # hears long work: the SLA policy, the demo build

    @classmethod
    def load(cls, home: str | None, account: str | None, *, progress: ProgressListener | None = None) -> Workspace:
        """The settings under ``home`` (or the default places) and the account named, or the default one."""
        locations = resolve_locations(home)
        try:
            settings = load_settings(locations.config_file)
        except ConfigError as exc:
            raise ServiceError(str(exc)) from None
        name = account or settings.default_account
        try:
            validate_account_name(name)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        if name != DEMO and name not in settings.accounts:
            known = ", ".join(sorted(set(settings.accounts) | {DEMO}))
            raise InvalidRequest(f"There is no account named '{name}': use one of {known}, "
                                 f"or add it to {locations.config_file}.")
        return cls(locations, settings.for_account(name), name, progress)  # "me" is this account's agent

    @property
    def db_path(self) -> Path:
        return self.locations.account_db(self.account)

    @property
    def is_demo(self) -> bool:
        return self.account == DEMO

    def open_cache(self, *, create: bool = False) -> Cache:
        """The account's cache; ``create`` makes an empty one (the first sync fills it)."""
        from helpdesk_tui.store.cache import Cache
        from helpdesk_tui.store.db import CacheError
        from helpdesk_tui.store.failures import explain
        from helpdesk_tui.store.schema import SchemaTooNew

        try:
            if self.is_demo and not self.db_path.exists():
                self.build_demo(seed=DEMO_SEED, tickets=DEMO_TICKETS, quiet=True)
            if create:
                ensure_dirs(self.locations)
        except OSError as exc:  # a full disk, a read-only mount, a file where a folder should be
            raise ServiceError(explain(exc, self.db_path)) from None
        if not create and not self.db_path.exists():
            raise ServiceError(f"There is no local cache for account '{self.account}' yet: run "
                               f"'helpdesk-tui sync --account {self.account}' first.")
        try:
            cache = Cache(self.db_path, self.account)
        except (CacheError, SchemaTooNew) as exc:
            raise ServiceError(str(exc)) from None
        with _reporting(self.progress, "sla") as progress:
            cache.ensure_sla_policy(self.settings.sla.policy, progress)
        return cache

    @contextmanager
    def cache(self, *, create: bool = False) -> Iterator[Cache]:
        """``with workspace.cache() as cache:`` the account's cache, closed after."""
        cache = self.open_cache(create=create)
        try:
            yield cache
        finally:
            cache.close()

    def build_demo(self, *, seed: int, tickets: int, rebuild: bool = False, quiet: bool = False) -> bool:
        """Generate the demo workspace's cache unless it is there (``rebuild``: again); True if built."""
        from helpdesk_tui.demo.workspace_db import ensure_demo_workspace
        from helpdesk_tui.store.db import CacheError
        from helpdesk_tui.store.schema import SchemaTooNew

        if tickets < 1:
            raise InvalidRequest("--tickets must be at least 1.")
        ensure_dirs(self.locations)
        with _reporting(None if quiet else self.progress, "demo") as progress:
            try:
                return ensure_demo_workspace(self.locations.account_db(DEMO), seed=seed, tickets=tickets,
                                             now=datetime.now(UTC), rebuild=rebuild, progress=progress)
            except (CacheError, SchemaTooNew) as exc:  # open in the app: not replaced under it; or
                raise ServiceError(str(exc)) from None  # opened by a newer release: kept, as the app does

    def backend(self) -> Any:
        """The account's backend with its token (``config/token_sources.py``; the demo has its own);
        a sentence if it cannot be made."""
        if self.is_demo:
            from helpdesk_tui.sync.backends.demo import DemoBackend

            return DemoBackend()
        from helpdesk_tui.config.secrets import SecretsError
        from helpdesk_tui.config.token_sources import load_token
        from helpdesk_tui.sync.registry import BackendUnavailable, make_backend

        config = self.settings.accounts[self.account]
        try:
            return make_backend(config, load_token(self.locations.config_file, config))
        except (SecretsError, BackendUnavailable) as exc:
            raise ServiceError(str(exc)) from None


def local_id(ticket: Ticket) -> int:
    """The id of a ticket read from the cache (only a ticket not stored yet has none)."""
    if ticket.id is None:
        raise ValueError(f"ticket #{ticket.number} has no local id: it was not read from the cache")
    return ticket.id


def find_ticket(cache: Cache, reference: str) -> Ticket:
    """The ticket numbered ``reference`` (``10042`` or ``#10042``), or one sentence saying it is not there."""
    ticket = cache.find_ticket(reference)
    if ticket is None:
        raise NotFound(f"No ticket {reference} in the '{cache.account}' cache: "
                       "check the number with 'helpdesk-tui list'.")
    return ticket
