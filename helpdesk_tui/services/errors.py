"""The typed errors services raise: each carries one sentence that says what to do."""

from __future__ import annotations

from pathlib import Path

from helpdesk_tui.errors import UserError
from helpdesk_tui.store.failures import CacheFailure, explain

__all__ = ["CacheFailure", "InvalidRequest", "NotFound", "ServiceError", "cache_failure"]


class ServiceError(UserError):
    """Something the user can fix went wrong; ``str()`` is the sentence to show."""


class InvalidRequest(ServiceError):
    """A value the user gave is not valid (a CLI exits 2 for it, as for a wrong command line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 2)


class NotFound(ServiceError):
    """What the user named (a ticket, a session, an outbox item) is not in the cache."""


def cache_failure(exc: BaseException, path: Path) -> ServiceError:
    """A ``CacheFailure`` (or ``OSError``) while using the cache at ``path``, as the sentence to show."""
    return ServiceError(explain(exc, path))
