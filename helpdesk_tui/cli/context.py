"""What every command starts from: the workspace named on the command line, showing long work on stderr."""

from __future__ import annotations

import sys

from helpdesk_tui.services.workspace import DEMO, WorkProgress, Workspace

__all__ = ["DEMO", "Context"]

_LABELS = {"sla": "applying the SLA policy", "demo": "building demo workspace"}


def _show_progress(event: WorkProgress) -> None:
    if event.finished:
        print(file=sys.stderr)
        return
    print(f"\r{_LABELS[event.task]}: {event.done:,}/{event.total:,} tickets", end="", file=sys.stderr, flush=True)


class Context(Workspace):
    """The workspace of ``--home`` and ``--account``; on a terminal, long work shows on stderr."""

    @classmethod
    def from_args(cls, home: str | None, account: str | None) -> Context:
        workspace = Workspace.load(home, account)
        progress = _show_progress if sys.stderr.isatty() else None
        return cls(workspace.locations, workspace.settings, workspace.account, progress)
