"""Product feedback for engineering and product: a customer message marked as feedback.

The store gathers the marks (``store.insights_data``); ``reports.insights`` groups and
writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """One mark with its ticket and the customer's words (raw text, ``said_at`` None without a message)."""

    mark_id: int
    number: int
    subject: str
    tags: tuple[str, ...]
    customer: str
    organization: str
    said_at: datetime | None
    message: str
    note: str
    marked_by: str
    marked_at: datetime
    message_format: str = "text"  # "markdown", "text" or "html": html is turned to text before export
