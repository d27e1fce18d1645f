"""Typed settings read from ``config.toml``.

An example file::

    default_account = "work"

    [agent]
    name = "Aiko"                  # the assignee name "me" stands for in filters

    [ui]
    theme = "helpdesk-dark"
    clock = true

    [inbox]
    page_size = 100
    default_view = "all"

    [views."Billing urgent"]       # your own inbox views (config/custom_views.py)
    key = "7"
    filter = "tag:billing priority:urgent"

    [keymap]                       # binding id = keys, see App.set_keymap
    "inbox.down" = "j,down,J"

    [accounts.work]
    backend = "zendesk"
    url = "https://example.zendesk.com"
    user = "aiko@example.com"      # secrets live in the system keyring, never here

Mistakes a user can make raise ``ConfigError`` with one sentence that names the file and
the key; every number and length of time has a range, so a value that would overflow a
clock later is refused here. Unknown sections and keys, and values that are ignored (an
unknown view), are listed in ``Settings.warnings``; the CLI prints them on stderr and the
app shows them once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn

from helpdesk_tui.config.paths import validate_account_name
from helpdesk_tui.config.secret_keys import KEYRING_ID_KEY, TOKEN_COMMAND_KEY, looks_like_secret, valid_keyring_id
from helpdesk_tui.config.token_command import TokenCommandError, split_token_command
from helpdesk_tui.config.toml_file import TomlError, parse_toml
from helpdesk_tui.domain.focus_limits import MAX_MINUTES
from helpdesk_tui.domain.sla_policy import DEFAULT_POLICY, SlaPolicy, SlaTargets
from helpdesk_tui.domain.vocab import Priority
from helpdesk_tui.records import field, record, replace

if TYPE_CHECKING:
    from helpdesk_tui.config.custom_views import CustomView

ENV_AGENT_NAME = "HELPDESK_TUI_AGENT_NAME"
ENV_THEME = "HELPDESK_TUI_THEME"

DEMO_ACCOUNT = "demo"
PAGE_SIZE_RANGE = (1, 10_000)
# What a whole number may be, per key: a value outside is a mistake the user hears about
# now, not an overflow when a clock adds it to the time (9223372036854775807 minutes).
NUMBER_RANGES: Mapping[str, tuple[int, int]] = MappingProxyType({
    "inbox.page_size": PAGE_SIZE_RANGE,
    "sync.interval_seconds": (0, 24 * 60 * 60),
    "sla.checkpoint_warning_minutes": (0, 7 * 24 * 60),
    "focus.default_minutes": (1, MAX_MINUTES),
    "focus.warning_minutes": (0, MAX_MINUTES - 1),
    "send.delay_seconds": (0, 600),  # a longer undo window would be a scheduled send
    "attachments.cache_mb": (1, 1024 * 1024),  # up to a terabyte; 0 would evict each file as it arrives
})
SLA_TARGET_RANGE = (timedelta(minutes=1), timedelta(days=365))
"""An SLA target shorter than a minute or longer than a year is a typo (``9999999d``)."""
VIEW_IDS = ("mine", "unassigned", "due", "waiting", "recent", "all")
"""The inbox views ``[inbox] default_view`` can name (``domain.query.builtin_views``)."""
_KEYMAP_DEPTH = 4  # binding ids are "area.action"; deeper nesting is a mistake, not a binding


class ConfigError(Exception):
    """The settings file cannot be used; ``str(error)`` is one sentence for the user."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.line = line


@record(frozen=True)
class AgentIdentity:
    """Who the signed-in agent is, as the helpdesk knows them: a backend's ``check`` learns it
    (``sync/contract.py`` calls it ``Identity``) and ``account test`` stores it in
    ``[accounts.NAME.agent]``."""

    name: str
    """As the backend writes it in a ticket's assignee, so ``assignee:me`` matches it."""
    email: str | None = None
    remote_id: str | None = None
    """The helpdesk's id for the agent."""


@record(frozen=True)
class AgentSettings:
    """The ``[agent]`` section, resolved for the account in use (``Settings.for_account``)."""

    name: str = ""
    """The name tickets are assigned to; ``assignee:me`` in filters means this name. ``[agent]
    name`` if set, else what the account's helpdesk said; empty when nobody said (templates then
    use a neutral form, never "you")."""
    email: str | None = None
    remote_id: str | None = None
    explicit: bool = False
    """True when ``[agent] name`` (or the environment) set the name: it wins over every account's."""


# The agent using the demo workspace: "My open" and the signatures are theirs (demo/generate.py).
DEMO_AGENT = AgentIdentity("Aiko Tanaka", "aiko.tanaka@example.com", "demo-agent")


@record(frozen=True)
class UISettings:
    """The ``[ui]`` section."""

    theme: str = "helpdesk-dark"
    """The theme to start with when the user has not picked one in the app."""
    clock: bool = True
    """Show live clocks (SLA countdowns, focus timer); tests turn them off."""


@record(frozen=True)
class InboxSettings:
    """The ``[inbox]`` section."""

    page_size: int = 100
    """How many tickets the inbox loads at a time."""
    default_view: str = "all"
    """The view the inbox opens with when no view is remembered for the account."""


@record(frozen=True)
class SyncSettings:
    """The ``[sync]`` section."""

    interval_seconds: int = 60
    """How often the app pulls changes in the background (0 turns background sync off)."""


@record(frozen=True)
class SendSettings:
    """The ``[send]`` section."""

    delay_seconds: int = 10
    """How long a reply or triage change waits before it goes out, so ``u`` can take it back
    (0 sends at once)."""


@record(frozen=True)
class AttachmentSettings:
    """The ``[attachments]`` section."""

    cache_mb: int = 500
    """Megabytes of downloaded attachment bytes kept per account; past it, the least recently
    used files are removed (they download again when opened)."""


@record(frozen=True)
class NotifySettings:
    """The ``[notify]`` section: how arrivals (new tickets, customer replies) are announced."""

    desktop: bool = False
    """Also a desktop notification (through the terminal, OSC 9/777, or ``notify-send``)."""
    bell: bool = False
    """Also ring the terminal bell."""


MAX_SEND_DELAY = NUMBER_RANGES["send.delay_seconds"][1]


@record(frozen=True)
class SlaSettings:
    """The ``[sla]`` section, with one ``[sla.PRIORITY]`` table per priority::

        [sla]
        business_hours = "09:00-17:30"     # clocks stand still outside; leave out for 24/7
        business_days = ["mon", "tue", "wed", "thu", "fri"]
        timezone = "Europe/Rome"           # of the business hours; default: the system's
        holidays = ["2026-12-25", "2026-12-26"]
        checkpoint_warning_minutes = 15

        [sla.urgent]
        acknowledge = "10m"
        first_update = "20m"
        update_interval = "1h"             # "off": no regular updates owed
        resolution = "8h"
    """

    policy: SlaPolicy = DEFAULT_POLICY
    """Targets per priority and the business calendar; due times the helpdesk supplies win."""
    checkpoint_warning_minutes: int = 15
    """How long before a promised update falls due the app raises a notification."""


@record(frozen=True)
class TriageSettings:
    """The ``[triage]`` section: who rotation triage can escalate to::

        [triage]
        experts = ["Dana", "Kenji"]        # offered first; then everyone seen owning a ticket
        groups = ["Tier 2", "Billing"]     # then the groups of recently updated tickets
    """

    experts: tuple[str, ...] = ()
    """Experienced colleagues, offered first when assigning or escalating."""
    groups: tuple[str, ...] = ()
    """Groups (queues) a ticket can be escalated to, offered first."""


@record(frozen=True)
class FocusSettings:
    """The ``[focus]`` section."""

    default_minutes: int = 50
    """The length a focus session is offered with."""
    warning_minutes: int = 5
    """How long before the end of a session a notification says so (0 turns it off)."""


@record(frozen=True)
class AccountConfig:
    """One ``[accounts.NAME]`` section. Never holds a secret."""

    name: str
    """The account's name: the ``NAME`` in ``[accounts.NAME]``, also its cache file name."""
    backend: str
    """Which helpdesk backend talks to it, e.g. ``"demo"`` or ``"zendesk"``."""
    url: str | None = None
    """The helpdesk's base URL; not needed by the demo backend."""
    user: str | None = None
    """The login (usually an e-mail address); the secret is kept in the keyring."""
    keyring_id: str | None = None
    """Names this account's token in the keyring (``config/tokens.py``); not a secret.
    None for an account written before tokens were kept per home."""
    token_command: str | None = None
    """A command that prints the token (``pass show helpdesk/work``), run without a shell
    instead of reading the keyring (``config/token_sources.py``); not a secret."""
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """The ``[accounts.NAME.options]`` table: settings the backend declares (a project, a
    domain, a mapping file), checked against its declaration when it is built."""
    agent: AgentIdentity | None = None
    """The ``[accounts.NAME.agent]`` table: who the helpdesk said we are (``account test``)."""


def _demo_accounts() -> Mapping[str, AccountConfig]:
    return MappingProxyType({DEMO_ACCOUNT: AccountConfig(DEMO_ACCOUNT, backend="demo")})


@record(frozen=True)
class Settings:
    """Everything in the settings file, with defaults for what it leaves out."""

    agent: AgentSettings = field(default_factory=lambda: AgentSettings(DEMO_AGENT.name, DEMO_AGENT.email,
                                                                       DEMO_AGENT.remote_id))
    """Who is using the app (the default account is the demo's, so its agent)."""
    ui: UISettings = field(default_factory=UISettings)
    """Look and feel."""
    inbox: InboxSettings = field(default_factory=InboxSettings)
    """The ticket list."""
    sync: SyncSettings = field(default_factory=SyncSettings)
    """Background sync."""
    send: SendSettings = field(default_factory=SendSettings)
    """The undo window before anything is sent."""
    notify: NotifySettings = field(default_factory=NotifySettings)
    """How arrivals are announced."""
    attachments: AttachmentSettings = field(default_factory=AttachmentSettings)
    """The attachment bytes cache."""
    sla: SlaSettings = field(default_factory=SlaSettings)
    """SLA targets and business hours."""
    focus: FocusSettings = field(default_factory=FocusSettings)
    """Focus sessions."""
    triage: TriageSettings = field(default_factory=TriageSettings)
    """Rotation triage: experts and groups to escalate to."""
    views: tuple[CustomView, ...] = ()
    """The agent's own inbox views (``[views]``), after the built-ins, in the file's order."""
    keymap: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Binding id → comma-separated keys; pass it to ``App.set_keymap``."""
    accounts: Mapping[str, AccountConfig] = field(default_factory=_demo_accounts)
    """Configured accounts by name; without any, a single ``demo`` account."""
    default_account: str = DEMO_ACCOUNT
    """The account opened at start: the setting, else the first account configured."""
    warnings: tuple[str, ...] = ()
    """Sentences about ignored sections and keys, for the app to show once."""

    @property
    def account(self) -> AccountConfig:
        """The default account's configuration."""
        return self.accounts[self.default_account]

    def for_account(self, name: str) -> Settings:
        """These settings with ``agent`` resolved for account ``name``: ``[agent] name`` wins; else who
        the account's helpdesk said we are; else nobody (an empty name). The demo has its own agent."""
        if self.agent.explicit:
            return self
        config = self.accounts.get(name)
        identity = config.agent if config is not None else None
        if identity is None and (config.backend == "demo" if config is not None else name == DEMO_ACCOUNT):
            identity = DEMO_AGENT
        if identity is None:
            return replace(self, agent=AgentSettings())
        return replace(self, agent=AgentSettings(identity.name, identity.email, identity.remote_id))


def load_settings(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``path`` (defaults if it does not exist), then apply env overrides.

    ``env`` defaults to ``os.environ``, read at call time.
    """
    env = os.environ if env is None else env
    data = _read_toml(Path(path))
    settings = _Parser(Path(path)).settings(data) if data is not None else Settings()
    settings = _apply_env(settings, env)
    return settings.for_account(settings.default_account)


def _read_toml(path: Path) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigError(f"Cannot read settings from {path}: it is a directory.", path) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(f"Cannot read settings from {path}: {reason}.", path) from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"Settings file {path} is not UTF-8 text.", path) from error
    try:
        return parse_toml(text, f"Settings file {path}")
    except TomlError as error:
        raise ConfigError(str(error), path, error.line) from None


@record
class _Parser:
    """Reads the settings file's tables into Settings, collecting a warning per value it cannot use."""

    path: Path
    warnings: list[str] = field(default_factory=list)

    def settings(self, data: dict[str, Any]) -> Settings:
        known = {"agent", "ui", "inbox", "sync", "sla", "focus", "triage", "keymap", "accounts", "default_account",
                 "send", "views", "notify", "attachments"}
        for key, value in data.items():
            if key in known:
                continue
            if isinstance(value, dict):
                self.warnings.append(f"Unknown section [{key}] in {self.path} was ignored.")
            else:
                self._warn_unknown(key)
        agent = self._section(data, "agent", AgentSettings, {"name": str})
        if agent.name.strip():
            agent = replace(agent, name=agent.name.strip(), explicit=True)
        ui = self._section(data, "ui", UISettings, {"theme": str, "clock": bool})
        inbox = self._section(
            data, "inbox", InboxSettings, {"page_size": int, "default_view": str}
        )
        if inbox.default_view not in VIEW_IDS:
            self.warnings.append(f"In {self.path}, inbox.default_view {inbox.default_view!r} is not a view, so "
                                 f"the inbox opens on all: use one of {', '.join(VIEW_IDS)}.")
            inbox = replace(inbox, default_view="all")
        sync = self._section(data, "sync", SyncSettings, {"interval_seconds": int})
        send = self._section(data, "send", SendSettings, {"delay_seconds": int})
        notify = self._section(data, "notify", NotifySettings, {"desktop": bool, "bell": bool})
        attachments = self._section(data, "attachments", AttachmentSettings, {"cache_mb": int})
        sla = self._sla(self._table(data.get("sla", {}), "sla"))
        focus = self._section(data, "focus", FocusSettings, {"default_minutes": int, "warning_minutes": int})
        triage = self._triage(self._table(data.get("triage", {}), "triage"))
        keymap = self._keymap(data.get("keymap", {}))
        # Only a settings file is parsed with these: a command run without one (every demo
        # workspace, each script's call) does not import them, nor domain.query through them.
        from helpdesk_tui.config.custom_views import parse_views

        views = parse_views(data.get("views", {}), self.path, self.warnings.append)
        accounts = self._accounts(data.get("accounts"))
        default_account = self._default_account(data, accounts)
        return Settings(
            agent=agent,
            ui=ui,
            inbox=inbox,
            sync=sync,
            send=send,
            notify=notify,
            attachments=attachments,
            sla=sla,
            focus=focus,
            triage=triage,
            views=views,
            keymap=MappingProxyType(keymap),
            accounts=MappingProxyType(accounts),
            default_account=default_account,
            warnings=tuple(self.warnings),
        )

    def _warn_unknown(self, dotted: str) -> None:
        if looks_like_secret(dotted.rsplit(".", 1)[-1]):
            self.warnings.append(f"Setting '{dotted}' in {self.path} looks like a secret and was ignored: "
                                 "remove it, since secrets are kept in the system keyring, never in this file.")
            return
        self.warnings.append(f"Unknown setting '{dotted}' in {self.path} was ignored.")

    def _fail(self, problem: str) -> NoReturn:
        raise ConfigError(f"In {self.path}, {problem}.", self.path)

    def _table(self, value: Any, name: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self._fail(f"{name} must be a table (a [{name}] section)")
        return value

    def _section(self, data: dict[str, Any], name: str, cls: type, fields: dict[str, type]):
        table = self._table(data.get(name, {}), name)
        values: dict[str, Any] = {}
        for key, value in table.items():
            expected = fields.get(key)
            if expected is None:
                self._warn_unknown(f"{name}.{key}")
                continue
            self._check_type(f"{name}.{key}", value, expected)
            values[key] = value
        return cls(**values)

    def _check_type(self, dotted: str, value: Any, expected: type) -> None:
        # bool is an int in Python, but `page_size = true` is a mistake.
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if expected is str and ok and not value.strip():
            self._fail(f"{dotted} cannot be empty")
        if not ok:
            article = {str: "a string", bool: "true or false", int: "a whole number"}[expected]
            self._fail(f"{dotted} must be {article}")
        if expected is int and dotted in NUMBER_RANGES:
            low, high = NUMBER_RANGES[dotted]
            if not low <= value <= high:
                off = " (0 turns it off)" if low == 0 else ""
                self._fail(f"{dotted} must be between {low} and {high}{off}")

    def _sla(self, table: dict[str, Any]) -> SlaSettings:
        targets = dict(DEFAULT_POLICY.targets)
        scalars = {"business_hours": str, "business_days": list, "timezone": str, "holidays": list,
                   "checkpoint_warning_minutes": int}
        for key, value in table.items():
            if key in {str(p) for p in Priority}:
                targets[Priority(key)] = self._sla_targets(key, self._table(value, f"sla.{key}"), targets[Priority(key)])
            elif key not in scalars:
                self._warn_unknown(f"sla.{key}")
            elif scalars[key] is list:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    self._fail(f"sla.{key} must be a list of strings")
            else:
                self._check_type(f"sla.{key}", value, scalars[key])
        warning = table.get("checkpoint_warning_minutes", 15)
        from helpdesk_tui.config.business_hours import parse_business_hours  # a file's [sla] only, see _Parser.settings

        return SlaSettings(SlaPolicy(targets, parse_business_hours(table, self._fail, self.warnings.append, self.path)),
                           warning)

    def _sla_targets(self, priority: str, table: dict[str, Any], default: SlaTargets) -> SlaTargets:
        from helpdesk_tui.domain.durations import DurationError, DurationTooLong, parse_duration  # a file's only

        values: dict[str, Any] = {}  # timedelta, or None for "off"
        for key, value in table.items():
            dotted = f"sla.{priority}.{key}"
            if key not in ("acknowledge", "first_update", "update_interval", "resolution"):
                self._warn_unknown(dotted)
                continue
            self._check_type(dotted, value, str)
            if key == "update_interval" and value.strip().lower() == "off":
                values[key] = None
                continue
            shortest, longest = SLA_TARGET_RANGE
            try:
                span = parse_duration(value)
            except DurationTooLong:  # more days than a timedelta holds
                span = longest + longest
            except DurationError as error:
                self._fail(f"{dotted} is {error}".rstrip("."))
            if not shortest <= span <= longest:
                self._fail(f"{dotted} is {value!r}, but a target must be between 1m and 365d")
            values[key] = span
        return replace(default, **values)

    def _triage(self, table: dict[str, Any]) -> TriageSettings:
        lists: dict[str, tuple[str, ...]] = {}
        for key, value in table.items():
            if key not in ("experts", "groups"):
                self._warn_unknown(f"triage.{key}")
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                self._fail(f'triage.{key} must be a list of names, such as ["Dana", "Kenji"]')
            lists[key] = tuple(dict.fromkeys(v.strip() for v in value))
        return TriageSettings(**lists)

    def _keymap(self, value: Any) -> dict[str, str]:
        keymap: dict[str, str] = {}
        # An unquoted `inbox.next = "j"` is a nested table in TOML: flatten it back, without
        # recursion, since `a.a.a.… = "j"` five thousand deep is one line of TOML.
        pending: list[tuple[str, Any, int]] = [
            (str(key), keys, 1) for key, keys in self._table(value, "keymap").items()
        ]
        while pending:
            binding_id, keys, depth = pending.pop(0)
            if isinstance(keys, dict) and depth < _KEYMAP_DEPTH:
                pending[:0] = [(f"{binding_id}.{key}", inner, depth + 1) for key, inner in keys.items()]
            elif isinstance(keys, str) and keys.strip():
                keymap[binding_id] = keys
            else:
                shown = binding_id if len(binding_id) <= 60 else binding_id[:59] + "…"
                self._fail(f'keymap "{shown}" must be a string of keys such as "j,down"')
        return keymap

    def _accounts(self, value: Any) -> dict[str, AccountConfig]:
        if value is None:
            return dict(_demo_accounts())
        accounts: dict[str, AccountConfig] = {}
        for name, table in self._table(value, "accounts").items():
            try:
                validate_account_name(name)
            except ValueError as error:
                reason = str(error).rstrip(".")
                self._fail(reason[:1].lower() + reason[1:])
            self._table(table, f"accounts.{name}")
            accounts[name] = self._account(name, table)
        if not accounts:
            return dict(_demo_accounts())
        return accounts

    def _account(self, name: str, table: dict[str, Any]) -> AccountConfig:
        prefix = f"accounts.{name}"
        for key in table:
            if looks_like_secret(key):
                self._fail(
                    f"{prefix}.{key} looks like a secret: secrets are kept in the system "
                    "keyring, never in the settings file, so remove it"
                )
            if key not in {"backend", "url", "user", KEYRING_ID_KEY, TOKEN_COMMAND_KEY, "options", "agent"}:
                self._warn_unknown(f"{prefix}.{key}")
        if "backend" not in table:
            self._fail(f'{prefix} needs a backend, e.g. backend = "zendesk"')
        for key in ("backend", "url", "user", KEYRING_ID_KEY, TOKEN_COMMAND_KEY):
            if key in table:
                self._check_type(f"{prefix}.{key}", table[key], str)
        url = table.get("url")
        if url is not None and not url.startswith(("https://", "http://")):
            self._fail(f"{prefix}.url must start with https:// or http://")
        keyring_id = table.get(KEYRING_ID_KEY)
        if keyring_id is not None and not valid_keyring_id(keyring_id):
            self._fail(f"{prefix}.{KEYRING_ID_KEY} must be the letters and digits 'account add' wrote: "
                       "remove the line and run 'helpdesk-tui account add' again")
        token_command = table.get(TOKEN_COMMAND_KEY)
        if token_command is not None:
            try:
                split_token_command(token_command)
            except TokenCommandError as error:
                self._fail(f"{prefix}.{TOKEN_COMMAND_KEY} {str(error).rstrip('.')}")
        return AccountConfig(name=name, backend=table["backend"], url=url, user=table.get("user"),
                             keyring_id=keyring_id, token_command=token_command,
                             options=self._account_options(prefix, table.get("options")),
                             agent=self._account_agent(prefix, table.get("agent")))

    def _account_agent(self, prefix: str, value: Any) -> AgentIdentity | None:
        """``[accounts.NAME.agent]``: name, email, id, as ``account test`` wrote them."""
        if value is None:
            return None
        table = self._table(value, f"{prefix}.agent")
        for key in table:
            if key not in {"name", "email", "id"}:
                self._warn_unknown(f"{prefix}.agent.{key}")
            else:
                self._check_type(f"{prefix}.agent.{key}", table[key], str)
        name = str(table.get("name") or "").strip()
        if not name:
            return None
        return AgentIdentity(name, table.get("email") or None, table.get("id") or None)

    def _account_options(self, prefix: str, value: Any) -> Mapping[str, str]:
        """The account's options as strings (a number or a switch is written as TOML likes it)."""
        if value is None:
            return MappingProxyType({})
        options: dict[str, str] = {}
        for key, item in self._table(value, f"{prefix}.options").items():
            if looks_like_secret(key):
                self._fail(f"{prefix}.options.{key} looks like a secret: secrets are kept in the system "
                           "keyring, never in the settings file, so remove it")
            if isinstance(item, bool):
                options[key] = "true" if item else "false"
            elif isinstance(item, (str, int, float)):
                options[key] = str(item)
            else:
                self._fail(f"{prefix}.options.{key} must be a text, a number or true/false")
        return MappingProxyType(options)

    def _default_account(self, data: dict[str, Any], accounts: dict[str, AccountConfig]) -> str:
        if "default_account" not in data:
            return next(iter(accounts))
        name = data["default_account"]
        self._check_type("default_account", name, str)
        if name not in accounts:
            known = ", ".join(accounts)
            self._fail(
                f"default_account is {name!r} but there is no [accounts.{name}] section "
                f"(configured: {known})"
            )
        return name


def _apply_env(settings: Settings, env: Mapping[str, str]) -> Settings:
    agent_name = env.get(ENV_AGENT_NAME, "").strip()
    theme = env.get(ENV_THEME, "").strip()
    if agent_name:
        settings = replace(settings, agent=replace(settings.agent, name=agent_name, explicit=True))
    if theme:
        settings = replace(settings, ui=replace(settings.ui, theme=theme))
    return settings
