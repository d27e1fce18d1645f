"""Theme files: parse and validate them into Textual ``Theme`` objects.

The format is documented at the top of every file in the top-level ``themes/`` folder.
Registering the themes is the app's job (``App.register_theme``); nothing here touches
Textual's shared ``BUILTIN_THEMES``.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.css.styles import Styles
from textual.theme import Theme

from helpdesk_tui.config.toml_file import TomlError, parse_toml

_log = logging.getLogger(__name__)

BUNDLED_THEMES_PACKAGE = "helpdesk_tui.bundled_themes"
"""Where a wheel installs the top-level ``themes/`` folder (see pyproject.toml)."""

APP_THEME_VARIABLE_DEFAULTS: dict[str, str] = {
    "sla-breached": "#E5484D",
    "sla-soon": "#E08A00",
    "msg-customer": "#1AA3A3",
    "msg-reply": "#3B82F6",
    "msg-note": "#C99A00",
    "draft-marker": "#A467E6",
}
"""Fallbacks for our variables, readable on light and dark backgrounds alike, so that
themes which do not define them (Textual's own, older user themes) still work. Return
this, or ``theme_variable_defaults(theme)``, from ``App.get_theme_variable_defaults``."""

_COLOUR_KEYS = (
    "primary", "secondary", "accent", "foreground", "background",
    "surface", "panel", "warning", "error", "success", "boost",
)  # fmt: skip
_NUMBER_KEYS = ("luminosity_spread", "text_alpha")
_TEXT_KEYS = ("author", "description")
_KNOWN_KEYS = frozenset({"name", "dark", "variables", *_COLOUR_KEYS, *_NUMBER_KEYS, *_TEXT_KEYS})
_VARIABLE_NAME = re.compile(r"[a-z][a-z0-9-]*")


class ThemeError(ValueError):
    """A theme file cannot be used; ``str(error)`` is one sentence that names the file."""


@dataclass
class ThemeLoadResult:
    loaded: list[Theme] = field(default_factory=list)
    """Good themes, bundled first, in file-name order; register each with the app."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(file name, sentence) for every file that was skipped; show each to the user."""


def bundled_themes_dir() -> Traversable | Path:
    """The themes shipped with the app, in a wheel or in a source checkout alike.

    A real ``Path`` whenever the themes are files on disk; a ``Traversable`` only when
    the package is imported from an archive (``load_themes`` takes either).
    """
    try:
        spec = importlib.util.find_spec(BUNDLED_THEMES_PACKAGE)
    except ModuleNotFoundError:
        spec = None
    if spec is not None:
        # The wheel's folder has no __init__.py; its search locations are plain paths.
        for location in spec.submodule_search_locations or ():
            if Path(location).is_dir():
                return Path(location)
        try:
            bundled = resources.files(BUNDLED_THEMES_PACKAGE)
        except (OSError, TypeError, ValueError):
            bundled = None  # 3.11 cannot read a namespace package inside a zip
        if bundled is not None and bundled.is_dir():
            return bundled
    # Source checkout (or an editable install that does not map the package).
    return Path(__file__).resolve().parents[2] / "themes"


def parse_theme_file(
    path_or_text: str | Path | Traversable, source_name: str | None = None
) -> Theme:
    """Build a Theme from a file (a ``Path`` or ``Traversable``) or from TOML text (a ``str``).

    Raises ``ThemeError`` for unreadable files, bad TOML, a missing name or primary
    colour, unknown keys and values Textual cannot use.
    """
    if isinstance(path_or_text, str):
        text, source = path_or_text, source_name or "<theme>"
    else:
        source = source_name or path_or_text.name
        try:
            text = path_or_text.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ThemeError(f"Theme file {source} is not UTF-8 text.") from None
        except OSError as error:
            reason = error.strerror or str(error)
            raise ThemeError(f"Theme file {source} cannot be read: {reason}.") from None
    try:
        data = parse_toml(text, f"Theme file {source}")
    except TomlError as error:
        raise ThemeError(str(error)) from None
    return _theme_from_table(data, source)


def _theme_from_table(data: dict[str, Any], source: str) -> Theme:
    def fail(problem: str) -> ThemeError:
        return ThemeError(f"Theme file {source} {problem}.")

    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise fail(f"has an unknown key {unknown[0]!r} (check the spelling)")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail('needs a name, e.g. name = "my-theme"')
    if "," in name or name != name.strip() or not name.isprintable() or len(name) > 64:
        raise fail(f"has a bad name {name[:64]!r}: at most 64 printable characters, no commas or surrounding "
                   "spaces")
    if "primary" not in data:
        raise fail('needs a primary colour, e.g. primary = "#4C8DF6"')
    colours = {key: _colour(data[key], key, fail) for key in _COLOUR_KEYS if key in data}
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise fail("has dark set to something other than true or false")
    numbers: dict[str, float] = {}
    for key in _NUMBER_KEYS:
        if key in data:
            value = data[key]
            is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not is_number or not 0 <= value <= 1:
                raise fail(f"has {key} = {value!r}, which is not a number from 0 to 1")
            numbers[key] = float(value)
    for key in _TEXT_KEYS:
        if key in data and not isinstance(data[key], str):
            raise fail(f"has {key} set to something other than text")
    variables = _variables(data.get("variables", {}), fail)
    # Theme's keyword arguments mix colours (text) and numbers: built from one mapping of both.
    fields: dict[str, Any] = {**colours, **numbers}
    return Theme(name=name, dark=dark, variables=variables, **fields)


def _colour(value: Any, key: str, fail) -> str:
    if not isinstance(value, str):
        raise fail(f'has {key} = {value!r}, but colours are written as text, e.g. "#4C8DF6"')
    try:
        Color.parse(value)
    except ColorParseError:
        raise fail(
            f"has {key} = {value!r}, which is not a colour: use \"#rrggbb\", "
            "\"rgb(r, g, b)\", \"hsl(h, s%, l%)\" or a colour name"
        ) from None
    return value


def _variables(table: Any, fail) -> dict[str, str]:
    if not isinstance(table, dict):
        raise fail("has variables that are not a [variables] table")
    variables: dict[str, str] = {}
    for name, value in table.items():
        if not _VARIABLE_NAME.fullmatch(name):
            raise fail(f"has a bad variable name {name!r}: use lower-case letters, digits and '-'")
        if name in APP_THEME_VARIABLE_DEFAULTS:
            variables[name] = _colour(value, f"variables.{name}", fail)
            continue
        if not isinstance(value, str) or not value.strip():
            raise fail(f"has variables.{name} = {value!r}, but variables are written as text")
        # A bad value for one of Textual's own variables would only fail when the theme
        # is switched on, taking the app down: accept only values shaped like Textual's
        # own default, which its widget CSS is known to take.
        default = _textual_variable_defaults().get(name)
        if default is not None and value != default and not _fits_like(value, default, name):
            kind = "text style" if _is_text_style(name) else "colour"
            raise fail(
                f"has variables.{name} = {value!r}, which is not a {kind} Textual can use there"
            )
        variables[name] = value
    return variables


@cache
def _textual_variable_defaults() -> dict[str, str]:
    return Theme(name="probe", primary="#000000").to_color_system().generate()


def _is_text_style(name: str) -> bool:
    return name.endswith("text-style") or name.startswith("link-style")


_PERCENT = re.compile(r"(?P<base>\S+)\s+\d+(\.\d+)?%")


def _fits_like(value: str, default: str, name: str) -> bool:
    """Whether ``value`` may stand where Textual's CSS uses ``default``."""
    if _is_text_style(name):
        if any(char in value for char in ";{}\n\r$"):
            return False
        try:
            Styles.parse(f"text-style: {value};", ("theme", ""))
        except Exception:  # Textual raises several error types for bad declarations
            return False
        return True
    if _is_colour(value):
        return True
    if not default.startswith("auto"):
        return False  # a plain colour slot: CSS may add "50%" or use it in a border
    if value.strip() == "auto":
        return True
    match = _PERCENT.fullmatch(value.strip())
    return match is not None and (match["base"] == "auto" or _is_colour(match["base"]))


def load_themes(
    bundled_dir: Traversable | Path, user_dir: Traversable | Path | None
) -> ThemeLoadResult:
    """Load every ``*.toml`` theme from the bundled folder, then from the user's.

    A user theme with the same name as a bundled (or Textual built-in) theme wins: it
    replaces that theme, so users can retune a shipped theme by copying its file. Two
    user files with the same theme name: the first in file-name order is kept and the
    other is reported in ``failed``. A missing user folder is not an error.
    """
    result = ThemeLoadResult()
    bundled = _load_folder(bundled_dir, result, missing_is_error=True)
    user = _load_folder(user_dir, result, missing_is_error=False) if user_dir else {}
    merged = {**bundled, **user}
    result.loaded = list(merged.values())
    return result


def _load_folder(
    folder: Traversable | Path, result: ThemeLoadResult, *, missing_is_error: bool
) -> dict[str, Theme]:
    themes: dict[str, Theme] = {}
    sources: dict[str, str] = {}
    if not folder.is_dir():
        if missing_is_error:
            sentence = f"The bundled themes folder {folder} is missing; reinstall helpdesk-tui."
            result.failed.append((folder.name, sentence))
        return themes
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".toml") and entry.is_file()),
        key=lambda entry: entry.name,
    )
    for entry in files:
        try:
            theme = parse_theme_file(entry, entry.name)
        except ThemeError as error:
            result.failed.append((entry.name, str(error)))
            continue
        if theme.name in themes:
            result.failed.append(
                (
                    entry.name,
                    f"Theme file {entry.name} was skipped: {sources[theme.name]} already "
                    f"defines a theme named {theme.name!r}.",
                )
            )
            continue
        themes[theme.name] = theme
        sources[theme.name] = entry.name
    return themes


def theme_variable_defaults(theme: Theme) -> dict[str, str]:
    """Our variables derived from ``theme``'s own colours, for themes that do not set them.

    Suits Textual's built-in themes better than the fixed ``APP_THEME_VARIABLE_DEFAULTS``:
    SLA clocks take the theme's error and warning colours, replies its primary colour,
    each in the variant Textual made readable on the theme's background.
    """
    try:
        colours = theme.to_color_system().generate()
    except Exception:  # a theme Textual cannot use keeps the fixed fallbacks
        _log.exception("theme %r: Textual could not derive its colours; the fixed ones are used", theme.name)
        return dict(APP_THEME_VARIABLE_DEFAULTS)
    # The text-* variants are adjusted by Textual to stay readable on the background.
    derived = {
        "sla-breached": colours.get("text-error"),
        "sla-soon": colours.get("text-warning"),
        "msg-customer": colours.get("text-secondary"),
        "msg-reply": colours.get("text-primary"),
        "msg-note": colours.get("text-warning"),
        "draft-marker": colours.get("text-accent"),
    }
    return {
        name: value if value is not None and _is_colour(value) else APP_THEME_VARIABLE_DEFAULTS[name]
        for name, value in derived.items()
    }


def _is_colour(value: str | None) -> bool:
    if not value:
        return False
    try:
        Color.parse(value)
    except ColorParseError:
        return False
    return True
