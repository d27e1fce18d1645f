"""The types and errors a client of the services handles, under one name.

A screen holds an open ``Cache``, shows a ``SearchHit`` or a ``SyncReport`` and catches a
``WriteFailed``: it needs these names, not the store or the sync engine they come from. Only
types and errors are here; the work on them is done by the service functions.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.customers import CustomerSummary, HistoryItem
from helpdesk_tui.store.held import HeldSend, HoldError
from helpdesk_tui.store.inbox import InboxQuery
from helpdesk_tui.store.outbox import TicketGone
from helpdesk_tui.store.ratings import HELPDESK, LOCAL, Rating, RatingError
from helpdesk_tui.store.search import SearchHit
from helpdesk_tui.store.triage import ActionResult, LoggedAction, TriageError, Undone
from helpdesk_tui.store.triage_desk import ActionDesk, TriageDesk
from helpdesk_tui.store.write_errors import WriteFailed

if TYPE_CHECKING:
    from helpdesk_tui.sync.engine import Progress, SyncReport
    from helpdesk_tui.sync.outbox_sender import DrainResult

# The sync engine's types are imported when first used (PEP 562): with them come the engine,
# the outbox sender and the store's sync writers, which the first frame does not need.
_LATER = {"Progress": "helpdesk_tui.sync.engine", "SyncReport": "helpdesk_tui.sync.engine",
          "DrainResult": "helpdesk_tui.sync.outbox_sender"}


def __getattr__(name: str) -> Any:
    home = _LATER.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value

__all__ = ["ActionDesk", "ActionResult", "Cache", "CustomerSummary", "DrainResult", "HELPDESK", "HeldSend", "HistoryItem",
           "HoldError", "InboxQuery", "LOCAL", "LoggedAction", "Progress", "Rating", "RatingError", "SearchHit",
           "SyncReport", "TicketGone", "TriageDesk", "TriageError", "Undone", "WriteFailed"]
