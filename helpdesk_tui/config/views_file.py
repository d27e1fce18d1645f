"""Add and remove ``[views.NAME]`` tables in the user's settings file.

Like ``accounts_file``: edits go through tomlkit, so the user's comments and order stay,
and the new file is checked by the app's own parser before it replaces the old one.
"""

from __future__ import annotations

from pathlib import Path

from helpdesk_tui.config.accounts_file import _parse, _write
from helpdesk_tui.config.custom_views import CustomView


def write_view(path: Path, view: CustomView) -> None:
    """Write ``[views.NAME]`` (replacing a view of that name); keep the rest of the file."""
    import tomlkit

    doc = _parse(path)
    views = doc.get("views")
    if views is None:
        doc["views"] = tomlkit.table(is_super_table=True)
        views = doc["views"]
    table = tomlkit.table()
    table["key"] = view.key
    table["filter"] = view.filter
    views[view.name] = table
    _write(path, tomlkit.dumps(doc))


def delete_view(path: Path, name: str) -> bool:
    """Delete ``[views.NAME]``; False when the file has no such view."""
    import tomlkit

    doc = _parse(path)
    views = doc.get("views")
    if not hasattr(views, "keys") or name not in views:
        return False
    del views[name]
    if not views:
        del doc["views"]
    _write(path, tomlkit.dumps(doc))
    return True
