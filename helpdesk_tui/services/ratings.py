"""Satisfaction ratings a customer gave outside the helpdesk (phone, chat), recorded locally."""

from __future__ import annotations

from datetime import datetime

from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.services.errors import InvalidRequest
from helpdesk_tui.services.workspace import find_ticket, local_id
from helpdesk_tui.store.cache import Cache


def rate_ticket(cache: Cache, reference: str, score: str, now: datetime, *, comment: str = "") -> Ticket:
    """Record ``score`` ("good" or "bad") on the ticket numbered ``reference``; the ticket."""
    from helpdesk_tui.store.db import transaction
    from helpdesk_tui.store.ratings import RatingError, record_local_rating

    ticket = find_ticket(cache, reference)
    with cache.connection() as conn, transaction(conn):
        try:
            record_local_rating(conn, local_id(ticket), score, now, comment=comment)
        except RatingError as exc:
            raise InvalidRequest(str(exc)) from None
    return ticket
