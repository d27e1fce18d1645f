"""The composer's attachments: the file picker over ``services.attaching`` (the private copy,
the helpdesk's limits), the draft keeping the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpdesk_tui.services import attaching
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.services.types import Cache
from helpdesk_tui.ui.screens.attach import AttachScreen
from helpdesk_tui.ui.widgets.composer import Composer


def describe(meta) -> str:
    return attaching.describe(meta)


class ComposerFiles:
    """Opens the picker for a composer; each file added or taken off is saved with the draft."""

    def __init__(self, cache: Cache, backend: Any | None, *, push_screen: Callable[..., Any]) -> None:
        self._cache = cache
        self._limits = attaching.backend_limits(backend)
        self._push_screen = push_screen

    def pick(self, composer: Composer) -> None:
        def add(text: str):
            composer.set_attachments(attaching.add(self._cache.path, composer.draft.attachments, text, self._limits))
            return composer.draft.attachments

        def remove(index: int):
            composer.set_attachments(attaching.without(self._cache.path, composer.draft.attachments, index))
            return composer.draft.attachments

        def back(_: object) -> None:
            if composer.is_attached and not composer.closing:
                composer.text_area.focus()

        self._push_screen(AttachScreen(composer.draft.attachments, attach=add, remove=remove, describe=describe,
                                       complete=attaching.complete_path, errors=(ServiceError,)), back)
