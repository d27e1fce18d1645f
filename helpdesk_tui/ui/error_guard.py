"""A bug in one widget must not close the workstation and lose what the agent typed.

Textual ends the app on any unhandled exception (``App._handle_exception``) and stops the
message loop of the widget that raised. Key bindings run in the App's own loop, so an
action that raises (``ctrl+z`` in a TextArea, say) would stop the whole app. The App and
the composer's text area catch what their handlers raise (``ContainErrors``); anything
that still reaches ``_handle_exception`` once the app is running (timers, workers, other
widgets) is contained too: the drafts are saved, the agent reads one sentence, the
traceback goes to the error log, and the app carries on.
"""

from __future__ import annotations

import traceback
from asyncio import CancelledError
from collections.abc import Callable
from pathlib import Path
from time import monotonic

from textual.message import Message

BURST = 20  # contained errors within BURST_SECONDS: something loops, let Textual end the app
BURST_SECONDS = 10.0


class ContainErrors:
    """Mixin for a MessagePump: an exception in one of its handlers is reported, not fatal."""

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except CancelledError:
            raise
        except Exception as error:
            contain = getattr(getattr(self, "app", None), "contain_error", None)
            if contain is None or not contain(error):
                raise


class ErrorGuardMixin:
    """For the App: ``contain_error`` and a ``_handle_exception`` that uses it once running."""

    error_log: Path | None = None
    _guard_ready = False

    @property
    def contained_errors(self) -> list[BaseException]:
        """Every exception contained so far (tests check the monkey found none)."""
        errors: list[BaseException] | None = self.__dict__.get("_contained_errors")
        if errors is None:
            errors = self.__dict__["_contained_errors"] = []
        return errors

    def arm_error_guard(self, error_log: Path | None) -> None:
        """Start containing errors (after mount: a failure while starting still ends the app)."""
        self.error_log = error_log
        self._guard_ready = True

    def contain_error(self, error: BaseException) -> bool:
        """Save the drafts, say one sentence, log the traceback; False: let Textual handle it."""
        if not self._guard_ready or getattr(self, "_closing", False):
            return False
        errors = self.contained_errors
        now = monotonic()
        stamps: list[float] = self.__dict__.setdefault("_contained_at", [])
        stamps[:] = [t for t in stamps if now - t < BURST_SECONDS] + [now]
        errors.append(error)
        self._log_error(error)
        save_all: Callable[[], object] | None = getattr(self, "save_open_draft", None)
        try:
            if save_all is not None:
                save_all()
        except Exception:  # the error may be in the saving itself: the text stays in memory
            pass
        if len(stamps) > BURST:
            return False
        notify = getattr(self, "notify")
        where = f" (see {self.error_log})" if self.error_log is not None else ""
        notify(f"Something went wrong ({type(error).__name__}); your drafts are kept and you can carry "
               f"on{where}.", severity="error", timeout=8, markup=False)
        return True

    def _log_error(self, error: BaseException) -> None:
        if self.error_log is None:
            return
        try:
            self.error_log.parent.mkdir(parents=True, exist_ok=True)
            with self.error_log.open("a", encoding="utf-8") as log:
                log.write("".join(traceback.format_exception(error)) + "\n")
        except OSError:
            pass  # a full disk must not turn one contained error into a crash

    def _handle_exception(self, error: Exception) -> None:
        if self.contain_error(error):
            return
        super()._handle_exception(error)  # type: ignore[misc]
