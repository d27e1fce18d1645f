"""The composer's attachments: the file picker over ``services.attaching`` (the private copy,
the helpdesk's limits), the draft keeping the result."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from helpdesk_tui.services import attaching
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.services.types import Cache
from helpdesk_tui.ui.screens.attach import AttachScreen
from helpdesk_tui.ui.widgets.composer import Composer


def describe(meta) -> str:
    return attaching.describe(meta)


class ComposerFiles:
    """Opens the file picker for a composer (each file added or taken off is saved with the
    draft) or for the new-ticket form (``picker``: the form keeps the files it is given)."""

    def __init__(self, cache: Cache, backend: Any | None, *, push_screen: Callable[..., Any]) -> None:
        self._cache = cache
        self._limits = attaching.backend_limits(backend)
        self._push_screen = push_screen

    def picker(self, attached: Sequence[Mapping[str, object]],
               changed: Callable[[tuple[dict[str, object], ...]], None], *, back_to: str = "the reply") -> AttachScreen:
        """The picker over ``attached``; ``changed`` hears the files after each one added or removed."""
        current = [tuple(dict(m) for m in attached)]

        def add(text: str):
            current[0] = attaching.add(self._cache.path, current[0], text, self._limits)
            changed(current[0])
            return current[0]

        def remove(index: int):
            current[0] = attaching.without(self._cache.path, current[0], index)
            changed(current[0])
            return current[0]

        return AttachScreen(current[0], attach=add, remove=remove, describe=describe,
                            complete=attaching.complete_path, errors=(ServiceError,), back_to=back_to)

    def discard(self, attached: Sequence[Mapping[str, object]]) -> None:
        """The private copies of files that will not be sent (a form closed without queueing)."""
        attaching.discard(self._cache.path, attached)

    def pick(self, composer: Composer) -> None:
        def back(_: object) -> None:
            if composer.is_attached and not composer.closing:
                composer.text_area.focus()

        self._push_screen(self.picker(composer.draft.attachments, composer.set_attachments), back)
