"""What is wrong with the user's ``[keymap]``: ids that name no binding, keys taken from another.

Textual's ``set_keymap`` ignores an id it does not know, and a key given to a widget's
binding silently shadows an app binding with the same key while that widget has focus
(``"inbox.down" = "j,down,n"`` turns off ``n`` for a note in the inbox). Both are said
once, at start, as one sentence each.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping

from textual.binding import Binding
from textual.dom import DOMNode

from helpdesk_tui.ui.screens.help import APP_SECTIONS

EVERYWHERE = frozenset({"Everywhere", *(title for _, title in APP_SECTIONS)})
"""The help sections of the app's own bindings: they are active beside every other section."""


def keymap_warnings(keymap: Mapping[str, str], sections: Iterable[tuple[str, list]]) -> list[str]:
    """One sentence per unknown binding id and per key the keymap gives to two bindings at once."""
    if not keymap:
        return []
    sections = [(name, [b for b in bindings if isinstance(b, Binding)]) for name, bindings in sections]
    known = known_binding_ids() | {b.id for _, bindings in sections for b in bindings if b.id}
    warnings = [
        f'In [keymap], "{binding_id}" is not a binding id, so it was ignored: press ? in the app for the ids.'
        for binding_id in keymap if binding_id not in known
    ]
    reported: set[frozenset[str]] = set()
    for section, bindings in sections:
        for binding in bindings:
            if binding.id not in keymap:
                continue
            for key in _keys(keymap[binding.id]):
                for other_section, other in _overlapping(section, sections):
                    if other.id == binding.id or key not in _keys(keymap.get(other.id or "", other.key)):
                        continue
                    pair = frozenset({binding.id, other.id or other.action})
                    if pair in reported:
                        continue
                    reported.add(pair)
                    what = f'"{other.id}"' if other.id else f"the {other_section.lower()} key"
                    warnings.append(
                        f'In [keymap], "{binding.id}" takes {key}, which {what} ({other.description or other.action}) '
                        "also uses, so one of them stops working: give one of them another key."
                    )
    return warnings


def _keys(keys: str) -> set[str]:
    return {key.strip() for key in keys.split(",") if key.strip()}


def _overlapping(section: str, sections: list[tuple[str, list[Binding]]]) -> Iterable[tuple[str, Binding]]:
    """Bindings that can be active together with those of ``section``."""
    for name, bindings in sections:
        if name == section or name in EVERYWHERE or section in EVERYWHERE:
            for binding in bindings:
                yield name, binding


def known_binding_ids() -> set[str]:
    """The id of every binding of every screen and widget, ours and Textual's."""
    import helpdesk_tui.ui as ui_package

    for module in pkgutil.walk_packages(ui_package.__path__, f"{ui_package.__name__}."):
        importlib.import_module(module.name)
    ids: set[str] = set()
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        for binding in getattr(cls, "BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids
