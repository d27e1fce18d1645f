"""The ``[views]`` section: the agent's own inbox views, after the six built-ins::

    [views."Billing urgent"]
    key = "7"                          # 7, 8, 9 or a letter the workstation does not use
    filter = "tag:billing priority:urgent status:active"

A view that cannot be used (a key taken or malformed, a filter that does not read) is
left out with one sentence naming it, so one mistake never keeps the app from starting.
Whether a letter is free depends on the workstation's keys, which only the UI knows:
``ui/inbox_views.py`` checks that part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpdesk_tui.domain.query import FilterError, builtin_views, parse_filter

VIEW_KEYS_HELP = "7, 8, 9 or a letter"
MAX_NAME = 30  # the view bar shows every view's title on one line at 100 columns
BUILTIN_IDS = frozenset(v.id for v in builtin_views(""))
BUILTIN_KEYS = frozenset(v.key for v in builtin_views(""))


@dataclass(frozen=True)
class CustomView:
    """One ``[views.NAME]`` table, as written (the filter is checked, kept as text)."""

    name: str
    """What the view bar shows; ``helpdesk-tui list --view NAME`` takes it too."""
    key: str
    """The key that switches to the view."""
    filter: str
    """The view's filter in the inbox filter language (``domain/query.py``)."""


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a view (a sentence without its end), or None."""
    shown = repr(name[:MAX_NAME] + ("…" if len(name) > MAX_NAME else ""))
    if not name.strip():
        return "a view needs a name"
    if len(name) > MAX_NAME:
        return f"view {shown} has a name longer than {MAX_NAME} characters, which the view bar cannot show"
    if not name.isprintable():
        return f"view {shown} has control characters in its name"
    if name.lower() in BUILTIN_IDS:
        return f"view {shown} has the name of a built-in view ({', '.join(sorted(BUILTIN_IDS))})"
    return None


def key_problem(name: str, key: str) -> str | None:
    """Why ``key`` cannot switch to a view (before the workstation's own keys are checked)."""
    if key in BUILTIN_KEYS:
        return f"view {name!r} takes key {key}, which a built-in view uses: give it {VIEW_KEYS_HELP}"
    if len(key) != 1 or not (key in "789" or (key.isascii() and key.isalpha())):
        return f"view {name!r} has key {key!r}: give it {VIEW_KEYS_HELP}"
    return None


def filter_problem(name: str, source: str) -> str | None:
    try:
        parse_filter(source, me="me")
    except FilterError as error:
        return f"view {name!r} has a filter that cannot be read: {str(error).rstrip('.')}"
    if not source.strip():
        return f"view {name!r} has an empty filter: give it one such as \"status:open tag:billing\""
    return None


def parse_views(value: Any, path: Path, warn: Callable[[str], None]) -> tuple[CustomView, ...]:
    """The usable views of a ``[views]`` table; each unusable one is one ``warn`` sentence."""
    if not isinstance(value, dict):
        warn(f'In {path}, [views] must be tables such as [views."Billing"] with a key and a filter, so it was '
             "ignored.")
        return ()
    views: list[CustomView] = []
    for name, table in value.items():
        problem = _problem(name, table, views)
        if problem:
            warn(f"In {path}, {problem}, so it was left out.")
            continue
        views.append(CustomView(name, table["key"], table["filter"].strip()))
    return tuple(views)


def _problem(name: str, table: Any, earlier: Iterable[CustomView]) -> str | None:
    problem = name_problem(name)
    if problem:
        return problem
    if not isinstance(table, dict) or not isinstance(table.get("key"), str) or not isinstance(
            table.get("filter"), str):
        return f'view {name!r} needs key = "7" and filter = "…" (both strings)'
    problem = key_problem(name, table["key"])
    if problem:
        return problem
    taken = next((view for view in earlier if view.key == table["key"]), None)
    if taken is not None:
        return f"view {name!r} takes key {table['key']}, which view {taken.name!r} already has"
    return filter_problem(name, table["filter"])
