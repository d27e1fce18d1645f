"""A bug in one widget must not close the workstation and lose what the agent typed.

Textual ends the app on any unhandled exception (``App._handle_exception``) and stops the
message loop of the widget that raised. Key bindings run in the App's own loop, so an
action that raises (``ctrl+z`` in a TextArea, say) would stop the whole app. The App and
the composer's text area catch what their handlers raise (``dispatch_contained``); anything
that still reaches ``_handle_exception`` once the app is running (timers, workers, other
widgets) is contained too: the drafts are saved, the agent reads one sentence, the
traceback goes to the error log, and the app carries on.
"""

from __future__ import annotations

import logging
import traceback
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from pathlib import Path
from time import monotonic

from textual.message import Message
from textual.message_pump import MessagePump

BURST = 20  # contained errors within BURST_SECONDS: something loops, let Textual end the app
BURST_SECONDS = 10.0

log = logging.getLogger(__name__)

Notify = Callable[..., object]


class ErrorGuard:
    """The app's guard: ``contain_error`` saves the drafts, says one sentence, logs the traceback."""

    def __init__(self, *, notify: Notify, save_drafts: Callable[[], object], closing: Callable[[], bool]) -> None:
        self._notify = notify
        self._save_drafts = save_drafts
        self._closing = closing
        self.error_log: Path | None = None
        self.contained_errors: list[BaseException] = []  # tests check the monkey found none
        self._stamps: list[float] = []
        self._ready = False

    def arm(self, error_log: Path | None) -> None:
        """Start containing errors (after mount: a failure while starting still ends the app)."""
        self.error_log = error_log
        self._ready = True

    def contain_error(self, error: BaseException) -> bool:
        """Save the drafts, say one sentence, log the traceback; False: let Textual handle it."""
        if not self._ready or self._closing():
            return False
        now = monotonic()
        self._stamps[:] = [t for t in self._stamps if now - t < BURST_SECONDS] + [now]
        self.contained_errors.append(error)
        log.error("contained an error", exc_info=error)
        self._log_error(error)
        try:
            self._save_drafts()
        except Exception:  # the error may be in the saving itself: the text stays in memory
            log.exception("saving the drafts after a contained error failed")
        if len(self._stamps) > BURST:
            return False
        where = f" (see {self.error_log})" if self.error_log is not None else ""
        self._notify(f"Something went wrong ({type(error).__name__}); your drafts are kept and you can carry "
                     f"on{where}.", severity="error", timeout=8, markup=False)
        return True

    def _log_error(self, error: BaseException) -> None:
        if self.error_log is None:
            return
        try:
            self.error_log.parent.mkdir(parents=True, exist_ok=True)
            with self.error_log.open("a", encoding="utf-8") as file:
                file.write("".join(traceback.format_exception(error)) + "\n")
        except OSError:
            pass  # a full disk must not turn one contained error into a crash


async def dispatch_contained(node: MessagePump, dispatch: Callable[[Message], Awaitable[None]],
                             message: Message) -> None:
    """Run ``dispatch(message)``; an exception in a handler goes to the app's guard, if it has one.

    A widget or screen whose handlers must never end the app overrides ``_dispatch_message``
    with this (Textual stops the message loop of a widget whose handler raised).
    """
    try:
        await dispatch(message)
    except CancelledError:
        raise
    except Exception as error:
        guard = getattr(node.app, "error_guard", None)  # a bare App (a widget test) has none
        if not isinstance(guard, ErrorGuard) or not guard.contain_error(error):
            raise
