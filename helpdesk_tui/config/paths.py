"""Where helpdesk-tui keeps its files, so the app and ``helpdesk-tui locate`` agree.

Resolving is pure: it reads only the arguments and the environment mapping it is given
and never touches the disk. ``ensure_dirs`` is the one place that creates directories.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from helpdesk_tui.records import record

APP_NAME = "helpdesk-tui"
ENV_HOME = "HELPDESK_TUI_HOME"
"""Put everything under one directory: config in ``DIR/config``, data in ``DIR/data``."""
ENV_CONFIG = "HELPDESK_TUI_CONFIG"
"""Read settings from this file instead of ``config_dir/config.toml``."""

_ACCOUNT_NAME = re.compile(r"[A-Za-z0-9._-]+")
_ACCOUNT_NAME_MAX = 64


def validate_account_name(name: str) -> str:
    """Return ``name`` if it is safe to use in a file name, else raise ``ValueError``."""
    if not isinstance(name, str) or not name:
        raise ValueError("An account name cannot be empty.")
    if len(name) > _ACCOUNT_NAME_MAX or not _ACCOUNT_NAME.fullmatch(name):
        raise ValueError(
            f"Account name {name!r} is not allowed: use at most {_ACCOUNT_NAME_MAX} "
            "letters, digits, '-', '_' or '.'."
        )
    if name.startswith("."):
        raise ValueError(f"Account name {name!r} is not allowed: it cannot start with '.'.")
    return name


@record(frozen=True)
class Locations:
    """Every file and directory the app uses; build one with ``resolve_locations``."""

    config_dir: Path
    """Settings, user themes and user templates."""
    data_dir: Path
    """The per-account SQLite caches and the remembered UI state."""
    config_file: Path
    """The settings file: ``config_dir/config.toml`` unless ``HELPDESK_TUI_CONFIG`` names one."""

    @property
    def themes_dir(self) -> Path:
        """User theme files (``*.toml``); they override bundled themes of the same name."""
        return self.config_dir / "themes"

    @property
    def templates_dir(self) -> Path:
        """User reply templates."""
        return self.config_dir / "templates"

    @property
    def macros_dir(self) -> Path:
        """User macros, beside the templates."""
        return macros_beside(self.templates_dir)

    @property
    def accounts_dir(self) -> Path:
        """One SQLite cache per account."""
        return self.data_dir / "accounts"

    @property
    def state_file(self) -> Path:
        """What the app remembers between runs (chosen theme, last view per account)."""
        return self.data_dir / "state.json"

    def account_db(self, account: str) -> Path:
        """The SQLite cache of ``account``; raises ``ValueError`` for an unsafe name."""
        return self.accounts_dir / f"{validate_account_name(account)}.sqlite"

    def drafts_location(self, account: str) -> Path:
        """Where drafts of ``account`` are kept: they live in its cache database."""
        return self.account_db(account)

    def describe(self, account: str | None = None) -> dict[str, Path]:
        """Named locations for ``helpdesk-tui locate``, in the order to print them."""
        places = {
            "config": self.config_file,
            "config-dir": self.config_dir,
            "themes": self.themes_dir,
            "templates": self.templates_dir,
            "macros": self.macros_dir,
            "data": self.data_dir,
            "state": self.state_file,
        }
        if account is not None:
            places["account-db"] = self.account_db(account)
            places["drafts"] = self.drafts_location(account)
        return places


def macros_beside(templates_dir: Path) -> Path:
    """The user's macros folder: ``macros`` beside the templates folder."""
    return templates_dir.parent / "macros"


def resolve_locations(
    home: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    config_file: str | Path | None = None,
) -> Locations:
    """Work out the locations without creating anything.

    Precedence: an explicit ``home`` (``--home DIR``) wins and ignores the environment;
    then ``HELPDESK_TUI_HOME``; else the platform's user config and data directories.
    ``HELPDESK_TUI_CONFIG`` (or an explicit ``config_file``, which beats it) names
    another settings file; an explicit ``home`` ignores the variable too, so a
    ``--home`` run is isolated. ``env`` defaults to ``os.environ``, read at call time;
    the platform default itself comes from platformdirs, which reads ``XDG_*`` from the
    process environment.
    """
    env = os.environ if env is None else env
    if home is not None:
        root = _absolute(home)
        config_dir, data_dir = root / "config", root / "data"
        env_config = None
    else:
        env_config = env.get(ENV_CONFIG) or None
        env_home = env.get(ENV_HOME) or None
        if env_home:
            root = _absolute(env_home)
            config_dir, data_dir = root / "config", root / "data"
        else:
            # Imported here because platformdirs reads the environment on import.
            import platformdirs

            # appauthor=False keeps Windows from nesting "helpdesk-tui\helpdesk-tui".
            config_dir = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
            data_dir = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    chosen_config = config_file if config_file is not None else env_config
    settings_file = (
        _absolute(chosen_config) if chosen_config else config_dir / "config.toml"
    )
    return Locations(config_dir=config_dir, data_dir=data_dir, config_file=settings_file)


def ensure_dirs(locations: Locations) -> list[Path]:
    """Create the app's directories (mode 0700) and return the ones that were new.

    Directories that already exist keep their permissions: they are the user's.
    """
    created: list[Path] = []
    for directory in (
        locations.config_dir,
        locations.themes_dir,
        locations.templates_dir,
        locations.data_dir,
        locations.accounts_dir,
    ):
        created.extend(_make_private_dir(directory))
    return created


def _make_private_dir(directory: Path) -> list[Path]:
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    created: list[Path] = []
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made by someone else in the meantime
        # mkdir's mode is filtered by the umask; be exact.
        os.chmod(path, 0o700)
        created.append(path)
    return created


def _absolute(path: str | Path) -> Path:
    return Path(path).expanduser().absolute()


_USER_DIRS_LINE = re.compile(r'^\s*XDG_DOWNLOAD_DIR\s*=\s*"(.*)"\s*$')


def download_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where a saved attachment goes unless told: ``$XDG_DOWNLOAD_DIR`` when set, else the
    download folder named in ``user-dirs.dirs`` (xdg-user-dirs), else ``~/Downloads``. (It reads
    that one small file: unlike the locations above, it is asked only when a file is saved.)"""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home())
    if env.get("XDG_DOWNLOAD_DIR", "").strip():
        return _absolute(os.path.expanduser(env["XDG_DOWNLOAD_DIR"].strip()))
    config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    try:
        lines = (config_home / "user-dirs.dirs").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    for line in lines:
        match = _USER_DIRS_LINE.match(line)
        if match:
            value = match.group(1).replace("$HOME", str(home))
            if value and value.rstrip("/") != str(home).rstrip("/"):  # "$HOME/" means "no download folder" to xdg-user-dirs
                return _absolute(value)
    return home / "Downloads"
