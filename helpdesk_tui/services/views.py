"""Inbox views: the six built-ins and the agent's own (``[views]``), listed, saved and removed."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from helpdesk_tui.config.settings import ConfigError, Settings
from helpdesk_tui.domain.query import View, builtin_views, parse_filter
from helpdesk_tui.services.errors import InvalidRequest, ServiceError

# The [views] checks are imported by save_view: listing views (every `list`) needs none of them.
if TYPE_CHECKING:
    from helpdesk_tui.config.custom_views import CustomView

__all__ = ["as_view", "list_views", "own_views", "remove_view", "save_view"]


def as_view(custom: CustomView, me: str) -> View:
    """The inbox view of a ``[views]`` entry (its name is its id and its title)."""
    return View(custom.name, custom.key, custom.name, parse_filter(custom.filter, me=me))


def own_views(settings: Settings) -> list[View]:
    """The agent's own views (``[views]``), in the file's order."""
    return [as_view(custom, settings.agent.name) for custom in settings.views]


def list_views(settings: Settings) -> list[View]:
    """The built-in views, then the agent's own."""
    return [*builtin_views(settings.agent.name), *own_views(settings)]


def save_view(config_file: Path, settings: Settings, name: str, key: str, filter_text: str, *,
              taken_keys: Collection[str] = ()) -> View:
    """Check and write ``[views.NAME]``; a view of that name is replaced. Returns the view to show.

    ``taken_keys`` are the keys the caller's screen already uses (the workstation's bindings).
    """
    from helpdesk_tui.config.custom_views import CustomView, filter_problem, key_problem, name_problem

    name, key, filter_text = name.strip(), key.strip(), filter_text.strip()
    problem = name_problem(name) or key_problem(name, key)
    if problem is None and key in taken_keys:
        problem = f"view {name!r} takes key {key}, which the workstation already uses: give it another letter"
    other = next((v for v in settings.views if v.key == key and v.name != name), None)
    if problem is None and other is not None:
        problem = f"view {name!r} takes key {key}, which view {other.name!r} already has"
    problem = problem or filter_problem(name, filter_text)
    if problem:
        raise InvalidRequest(f"The view was not saved: {problem}.")
    # Imported here: the file writer (and the account checks it shares) is not needed to list views.
    from helpdesk_tui.config.views_file import write_view

    custom = CustomView(name, key, filter_text)
    try:
        write_view(config_file, custom)
    except ConfigError as error:
        raise ServiceError(str(error)) from None
    except OSError as error:
        raise ServiceError(f"Cannot write {config_file}: {error.strerror or error}.") from None
    return as_view(custom, settings.agent.name)


def remove_view(config_file: Path, name: str) -> None:
    """Delete ``[views.NAME]`` from the settings file."""
    from helpdesk_tui.config.views_file import delete_view

    try:
        found = delete_view(config_file, name)
    except ConfigError as error:
        raise ServiceError(str(error)) from None
    if not found:
        raise InvalidRequest(f"There is no view named {name!r} in {config_file}.")
