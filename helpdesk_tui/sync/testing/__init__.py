"""The conformance suite every backend passes: what "works" means for a helpdesk backend.

Like vdirsyncer's ``StorageTests``: a backend's test module subclasses ``BackendTests`` and
gives it one fixture, ``server``, returning a ``ServerActions`` (how to build the backend
against a live server, and how to act on that server behind its back: open a ticket as a
customer, answer as the customer, write as another agent, edit, delete, read a ticket)::

    import pytest
    from helpdesk_tui.sync.testing import BackendTests, ServerActions

    class TestMyDesk(BackendTests):
        @pytest.fixture
        def server(self, my_desk_server) -> ServerActions:
            return MyDeskActions(my_desk_server)

The tests cover: a pull from scratch, an incremental pull, a thread (order, internal notes),
a reply, an internal note, a status/priority/assignee update, a conflict (when the backend
declares concurrency control), deletions (when declared), exactly-once delivery when a write's
answer is lost (``FaultProxy`` between the backend and its server), and hostile content.

Importing this package does not import pytest; ``BackendTests`` (in ``suite``) needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from helpdesk_tui.sync.testing.rig import Clock, Rig
from helpdesk_tui.sync.testing.server import Scoped, ServerActions, ServerTicket

if TYPE_CHECKING:
    from helpdesk_tui.sync.testing.suite import BackendTests

__all__ = ["BackendTests", "Clock", "Rig", "Scoped", "ServerActions", "ServerTicket"]


def __getattr__(name: str) -> Any:
    # The test class is built with pytest's decorators: load it (and pytest) only when asked.
    if name == "BackendTests":
        from helpdesk_tui.sync.testing.suite import BackendTests

        return BackendTests
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
