"""Recording a customer's satisfaction rating of the open ticket (the command palette's entry)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from helpdesk_tui.services.types import Cache, RatingError

if TYPE_CHECKING:
    from helpdesk_tui.ui.screens.rating import RatingChoice


def record_rating(cache: Cache, ticket_id: int | None, now: Callable[[], datetime], *,
                  notify: Callable[..., object], push_screen: Callable[..., Any]) -> None:
    """Ask for good or bad and a comment, then record it locally on the open ticket."""
    # Imported when asked for, not on the way to the first frame (its radio buttons: ~4 ms).
    from helpdesk_tui.ui.screens.rating import RatingScreen

    ticket = cache.ticket(ticket_id) if ticket_id is not None else None
    if ticket_id is None or ticket is None:
        notify("Open a ticket first: the rating is recorded on it.", severity="warning")
        return

    rated: int = ticket_id

    def saved(choice: RatingChoice | None) -> None:
        if choice is None:
            return
        # One small indexed write: fine on the UI thread, as customer notes are.
        try:
            cache.record_rating(rated, choice.score, now(), comment=choice.comment)
        except RatingError as exc:
            notify(str(exc), severity="error", markup=False)
            return
        notify(f"Rating recorded for #{ticket.number}", markup=False)

    push_screen(RatingScreen(ticket.number, cache.ticket_ratings(rated), now()), saved)
