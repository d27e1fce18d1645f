"""What every command starts from: the resolved locations, settings and account."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from helpdesk_tui.config.paths import Locations, ensure_dirs, resolve_locations, validate_account_name
from helpdesk_tui.config.settings import ConfigError, Settings, load_settings
from helpdesk_tui.errors import UserError

DEMO = "demo"


@dataclass
class Context:
    locations: Locations
    settings: Settings
    account: str

    @classmethod
    def from_args(cls, home: str | None, account: str | None) -> Context:
        locations = resolve_locations(home)
        try:
            settings = load_settings(locations.config_file)
        except ConfigError as exc:
            raise UserError(str(exc)) from None
        name = account or settings.default_account
        try:
            validate_account_name(name)
        except ValueError as exc:
            raise UserError(str(exc), 2) from None
        if name != DEMO and name not in settings.accounts:
            known = ", ".join(sorted(set(settings.accounts) | {DEMO}))
            raise UserError(f"There is no account named '{name}': use one of {known}, "
                            f"or add it to {locations.config_file}.", 2)
        return cls(locations, settings, name)

    @property
    def db_path(self) -> Path:
        return self.locations.account_db(self.account)

    def open_cache(self, *, create: bool = False):
        """The account's cache; ``create`` makes an empty one (the first sync fills it)."""
        from helpdesk_tui.store.cache import Cache
        from helpdesk_tui.store.db import CacheError
        from helpdesk_tui.store.schema import SchemaTooNew

        from helpdesk_tui.store.failures import explain

        try:
            if self.account == DEMO and not self.db_path.exists():
                build_demo(self, seed=7, tickets=1200, quiet=True)
            if create:
                ensure_dirs(self.locations)
        except OSError as exc:  # a full disk, a read-only mount, a file where a folder should be
            raise UserError(explain(exc, self.db_path)) from None
        if not create and not self.db_path.exists():
            raise UserError(f"There is no local cache for account '{self.account}' yet: run "
                            f"'helpdesk-tui sync --account {self.account}' first.")
        try:
            cache = Cache(self.db_path, self.account)
        except (CacheError, SchemaTooNew) as exc:
            raise UserError(str(exc)) from None
        progress = None
        if sys.stderr.isatty():
            def progress(done: int, total: int) -> None:
                print(f"\rapplying the SLA policy: {done:,}/{total:,} tickets", end="", file=sys.stderr, flush=True)
        if cache.ensure_sla_policy(self.settings.sla.policy, progress) and progress is not None:
            print(file=sys.stderr)
        return cache


def find_ticket_or_fail(ctx: Context, cache, reference: str):
    """The ticket numbered ``reference``, or one sentence saying it is not in the cache."""
    ticket = cache.find_ticket(reference)
    if ticket is None:
        raise UserError(f"No ticket {reference} in the '{ctx.account}' cache: "
                        "check the number with 'helpdesk-tui list'.")
    return ticket


def build_demo(ctx: Context, *, seed: int, tickets: int, rebuild: bool = False, quiet: bool = False) -> None:
    from helpdesk_tui.demo.workspace_db import ensure_demo_workspace
    from helpdesk_tui.store.db import CacheError

    ensure_dirs(ctx.locations)
    progress = None
    if not quiet and sys.stderr.isatty():
        def progress(done: int, total: int) -> None:
            print(f"\rbuilding demo workspace: {done:,}/{total:,} tickets", end="", file=sys.stderr, flush=True)
    try:
        built = ensure_demo_workspace(ctx.locations.account_db(DEMO), seed=seed, tickets=tickets,
                                      now=datetime.now(UTC), rebuild=rebuild, progress=progress)
    except CacheError as exc:  # e.g. open in the app: it is not replaced under it
        if progress is not None:
            print(file=sys.stderr)
        raise UserError(str(exc)) from None
    if built and progress is not None:
        print(file=sys.stderr)


def backend_for(ctx: Context):
    """The account's backend with its token (``config/token_sources.py``; the demo has its own)."""
    if ctx.account == DEMO:
        from helpdesk_tui.sync.backends.demo import DemoBackend

        return DemoBackend()
    from helpdesk_tui.config.secrets import SecretsError
    from helpdesk_tui.config.token_sources import load_token
    from helpdesk_tui.sync.registry import BackendUnavailable, make_backend

    config = ctx.settings.accounts[ctx.account]
    try:
        return make_backend(config, load_token(ctx.locations.config_file, config))
    except (SecretsError, BackendUnavailable) as exc:
        raise UserError(str(exc)) from None
