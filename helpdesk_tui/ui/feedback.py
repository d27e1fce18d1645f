"""Marking the open ticket's latest customer message as product feedback (the palette's entry)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from helpdesk_tui.services.types import Cache
from helpdesk_tui.ui.screens.note_editor import NoteEditor


def mark_feedback(cache: Cache, ticket_id: int | None, now: Callable[[], datetime], *, me: str,
                  notify: Callable[..., object], push_screen: Callable[..., Any]) -> None:
    """Ask for an optional note, then mark the ticket's latest customer message for product."""
    if ticket_id is None:
        notify("Open a ticket first: the mark goes on its latest customer message.", severity="warning")
        return
    marked: int = ticket_id

    def saved(note: str | None) -> None:
        if note is None:
            return
        cache.mark_feedback(marked, now(), note=note, author=me)
        ticket = cache.ticket(marked)
        number = f"#{ticket.number}" if ticket else "the ticket"
        notify(f"Marked {number} as product feedback: 'helpdesk-tui insights export' lists it.", markup=False)

    push_screen(NoteEditor("Product feedback: a note for product (optional)"), saved)
