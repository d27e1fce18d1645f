"""A write the cache refused (locked by another process, disk full, read-only), said in one sentence.

The UI may not import sqlite3, yet must tell "try again shortly" from a bug: the Cache
turns SQLite's operational errors on a write into ``WriteFailed``, whose text says what
is wrong and what to do.
"""

from __future__ import annotations

import sqlite3

from helpdesk_tui.store.db import CacheError


class WriteFailed(CacheError):
    """The cache could not be written just now; the text is one sentence for the agent."""


def describe_write_error(exc: BaseException) -> str:
    """One sentence for a failed write; never advice that would throw data away."""
    # A failed ROLLBACK ("no transaction is active") can hide the real cause: look behind it.
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 5:
        chain.append(cause)
        cause = cause.__context__
    text = " ".join(str(e) for e in chain).lower()
    if "locked" in text or "busy" in text:
        return "another program is writing to the cache (a sync or a CLI command)"
    if "full" in text:
        return "the disk holding the cache is full: free some space"
    if "readonly" in text or "read-only" in text:
        return "the cache file is read-only: check its permissions"
    if isinstance(exc, OSError) and exc.strerror:
        return f"the cache could not be written ({exc.strerror})"
    return f"the cache could not be written ({type(exc).__name__})"


WRITE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.OperationalError, OSError)
