"""A background worker that fails tells the agent in one sentence and logs its traceback.

Workers run with ``exit_on_error=False`` (a failed count or search must not end the app),
which on its own makes Textual drop the error silently. Every node that runs workers hands
its ``Worker.StateChanged`` events to ``report_failed_worker``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from textual.worker import Worker, WorkerState

log = logging.getLogger(__name__)

SENTENCES = {
    "inbox-ids": "The inbox list could not be loaded from the cache: choose the view again (1–6) to retry.",
    "sync": "The sync stopped on an unexpected error: your work is kept; press F5 to try again.",
    "outbox": "The outbox could not be sent: your replies stay queued; press F5 to try again.",
    "refresh-thread": "The ticket could not be re-read from the helpdesk: the send goes on from the cache.",
    "checkpoint-alerts": "Promised updates could not be checked: they are checked again in a moment.",
    "templates": "The templates could not be loaded: ctrl+t in the composer tries again.",
    "triage-queue": "The triage queue could not be loaded: press escape and t to open it again.",
    "triage-batch": "The triage action stopped on an unexpected error: press u to see what was queued.",
    "kb-replies": "Past answers could not be searched: the articles are shown.",
    "search": "The search stopped on an unexpected error: type again to retry.",
}
DEFAULT = "A background task failed: your work is kept; try again, and report it if it happens again."


def sentence_for(worker: Worker[object]) -> str:
    return SENTENCES.get(worker.group, DEFAULT)


def log_failure(worker: Worker[object]) -> None:
    """The worker's traceback, to the log (the agent reads a sentence, never this)."""
    log.exception("background worker %r (group %r) failed", worker.name, worker.group, exc_info=worker.error)


def report_failed_worker(event: Worker.StateChanged, notify: Callable[..., object]) -> bool:
    """For a worker that ended in an error: one sentence to the agent, the traceback to the log.
    True when it was one."""
    if event.state != WorkerState.ERROR:
        return False
    log_failure(event.worker)
    notify(sentence_for(event.worker), severity="error", timeout=8, markup=False)
    return True
