"""What the agent learned about a customer: notes added, edited and deleted from the customer pane."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from helpdesk_tui.domain.models import CustomerNote
from helpdesk_tui.services.types import Cache
from helpdesk_tui.ui.screens.note_editor import NoteEditor


class CustomerNotes:
    def __init__(self, cache: Cache, *, me: str, now: Callable[[], datetime], notify: Callable[..., object],
                 push_screen: Callable[..., Any], show: Callable[[list[CustomerNote]], None]) -> None:
        self._cache = cache
        self._me = me
        self._now = now
        self._notify = notify
        self._push_screen = push_screen
        self._show = show  # the customer pane's list of notes

    def edit(self, customer_id: int, note: CustomerNote | None) -> None:
        """Write a new note (``note`` None) or change one, in the note editor."""
        title = "Edit note" if note else "New note about this customer"

        def saved(text: str | None) -> None:
            if not text:
                return
            if note is None or note.id is None:
                self._cache.add_customer_note(customer_id, text, self._me, self._now())
            else:
                self._cache.update_customer_note(note.id, text, self._now())
            self._reload(customer_id)
            self._notify("Note saved.")

        self._push_screen(NoteEditor(title, note.body if note else ""), saved)

    def delete(self, note: CustomerNote) -> None:
        if note.id is not None:
            self._cache.delete_customer_note(note.id)
        self._reload(note.customer_id)
        self._notify("Note deleted.")

    def _reload(self, customer_id: int) -> None:
        summary = self._cache.customer_summary(customer_id)
        if summary is not None:
            self._show(summary.notes)
