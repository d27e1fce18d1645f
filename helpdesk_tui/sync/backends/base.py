"""The seam every backend fills. The full contract (pull, capabilities) grows with the sync work;
for now a backend delivers outbox items."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from helpdesk_tui.domain.models import OutboxItem


@dataclass(frozen=True, slots=True)
class Delivered:
    remote_id: str | None  # the server's id for the message, when it gives one


class DeliveryError(Exception):
    """The helpdesk refused the item; ``retry`` says whether trying again may help."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class Backend(Protocol):
    name: str

    def deliver(self, item: OutboxItem) -> Delivered:
        """Send one outbox item (reply, note or update) to the helpdesk."""
