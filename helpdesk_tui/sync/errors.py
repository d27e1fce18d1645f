"""What can go wrong talking to a helpdesk, one class per thing the user can act on.

Each message is one sentence saying what to do. Tokens never appear in messages.
"""

from __future__ import annotations

from helpdesk_tui.content.sanitize import clean_line

MAX_MESSAGE = 600  # characters: a server's whole error page is not a sentence


class SyncError(Exception):
    """Base class; ``retry`` says whether trying the same request later may succeed.

    The message often quotes the server (an error body, a field's description): it is made
    safe here, once, for every way out (terminal, toast, outbox list): escape sequences and
    control characters go, and it is one line.
    """

    retry = False

    def __init__(self, message: str = "", *args: object) -> None:
        super().__init__(clean_line(message)[:MAX_MESSAGE], *args)


class NotSupported(SyncError):
    """The helpdesk has no API for this."""


class Unreachable(SyncError):
    """No connection (DNS, refused, network down): the request never left."""

    retry = True


class TLSFailure(SyncError):
    """The server's certificate was not trusted."""


class AuthFailed(SyncError):
    """401: the token or password is wrong or expired."""


class Forbidden(SyncError):
    """403: signed in, but not allowed."""


class NotFound(SyncError):
    """404: wrong URL, or the record is gone."""


class Conflict(SyncError):
    """409/412: the ticket changed on the server since we read it."""


class RateLimited(SyncError):
    """429 after the retries ran out; ``retry_after`` seconds from the server."""

    retry = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(SyncError):
    """5xx on a request that is safe to repeat, after the retries ran out."""

    retry = True


class UnknownOutcome(SyncError):
    """A write whose answer never came (timeout, dropped connection, 5xx): it may have been applied."""

    retry = True


class BadResponse(SyncError):
    """The server answered with something that is not what its API documents."""
