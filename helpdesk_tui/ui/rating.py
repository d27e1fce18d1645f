"""Recording a customer's satisfaction rating of the open ticket (the command palette's entry).

A function of the app rather than a mixin: it needs only the cache, the clock, the open
ticket and notifications, and keeps the app's class line out of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpdesk_tui.store.ratings import RatingError
from helpdesk_tui.ui.screens.rating import RatingChoice, RatingScreen

if TYPE_CHECKING:
    from helpdesk_tui.ui.app import HelpdeskApp


def record_rating(app: HelpdeskApp) -> None:
    """Ask for good or bad and a comment, then record it locally on the open ticket."""
    ticket_id = app.ticket_id
    ticket = app.cache.ticket(ticket_id) if ticket_id is not None else None
    if ticket is None:
        app.notify("Open a ticket first: the rating is recorded on it.", severity="warning")
        return

    def saved(choice: RatingChoice | None) -> None:
        if choice is None:
            return
        # One small indexed write: fine on the UI thread, as customer notes are.
        try:
            app.cache.record_rating(ticket.id, choice.score, app.now(), comment=choice.comment)
        except RatingError as exc:
            app.notify(str(exc), severity="error", markup=False)
            return
        app.notify(f"Rating recorded for #{ticket.number}", markup=False)

    app.push_screen(RatingScreen(ticket.number, app.cache.ticket_ratings(ticket.id), app.now()), saved)
