"""Saving drafts so that a cache that cannot be written never costs the agent their text.

A save can fail: another process holds the write lock (a long sync, a CLI command), the
disk is full, the file turned read-only. The text then stays in memory (the composer
and a copy here), the agent reads one line saying so, a timer tries again every few
seconds, and a second line says when it is saved again. Saves wait at most SAVE_WAIT
for another writer, so the keyboard never freezes for SQLite's usual 10 s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from textual.timer import Timer

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.services.types import Cache, WriteFailed

SAVE_WAIT = 1.0  # seconds a save (on the UI thread) waits for another writer
RETRY_EVERY = 3.0  # seconds between attempts once a save failed


class DraftKeeper:
    """``keep`` saves a draft or keeps it in memory; ``unsaved_draft`` reads it back."""

    def __init__(self, cache: Cache, *, notify: Callable[..., object],
                 set_interval: Callable[[float, Callable[[], object]], Timer],
                 show_status: Callable[[str | None], None]) -> None:
        self._cache = cache
        self._notify = notify
        self._set_interval = set_interval
        self._show_status = show_status  # the open composer's status line
        self.unsaved_drafts: dict[int, Draft] = {}  # not yet in the cache, by ticket
        self._reason = "the cache could not be written"
        self._retry_timer: Timer | None = None
        self._quit_anyway = False  # the agent was told a draft is only in memory, and quits again

    def ready_to_quit(self) -> bool:
        """False (and a sentence) while a draft is still only in memory: asked again, it is True
        (ctrl+q twice quits)."""
        if self.unsaved_drafts and not self.retry_unsaved_drafts(wait=2.0) and not self._quit_anyway:
            self._quit_anyway = True
            self._notify("A draft is not saved yet (see the composer's status line): ctrl+q again quits "
                         "and loses it.", severity="error", timeout=10)
            return False
        return True

    def unsaved_draft(self, ticket_id: int) -> Draft | None:
        """The newest text of the ticket's draft when the cache does not have it yet."""
        draft = self.unsaved_drafts.get(ticket_id)
        return replace(draft) if draft is not None else None

    def forget_unsaved_draft(self, ticket_id: int) -> None:
        """The draft was sent or discarded: its unsaved copy must not come back."""
        self.unsaved_drafts.pop(ticket_id, None)
        if not self.unsaved_drafts:
            self._stop_retrying()

    def keep(self, draft: Draft) -> bool:
        """Save ``draft``; True when it is in the cache, False when kept in memory for later."""
        copy = replace(draft)
        if self.unsaved_drafts:
            # Already failing: no wait on each keystroke; the timer writes the newest text.
            self.unsaved_drafts[draft.ticket_id] = copy
            return False
        try:
            self._cache.save_draft(copy, wait=SAVE_WAIT)
        except WriteFailed as exc:
            self.unsaved_drafts[draft.ticket_id] = copy
            self._say_unsaved(str(exc))
            self._retry_timer = self._set_interval(RETRY_EVERY, self.retry_unsaved_drafts)
            return False
        return True

    def retry_unsaved_drafts(self, *, wait: float = SAVE_WAIT) -> bool:
        """Try again to save every unsaved draft; True when none is left."""
        for ticket_id, draft in list(self.unsaved_drafts.items()):
            try:
                self._cache.save_draft(draft, wait=wait)
            except WriteFailed as exc:
                self._say_unsaved(str(exc), again=True)
                return False
            if self.unsaved_drafts.get(ticket_id) is draft:  # no newer text came meanwhile
                del self.unsaved_drafts[ticket_id]
        self._stop_retrying()
        self._notify("Draft saved again.")
        self._show_status(None)
        return True

    def _stop_retrying(self) -> None:
        timer, self._retry_timer = self._retry_timer, None
        if timer is not None:
            timer.stop()

    def status_line(self) -> str | None:
        """The composer's status line while a draft is not saved (None: all saved)."""
        if not self.unsaved_drafts:
            return None
        return f"⚠ not saved yet: {self._reason} · retrying every {RETRY_EVERY:g} s"

    def _say_unsaved(self, reason: str, *, again: bool = False) -> None:
        self._reason = reason
        line = f"Draft not saved: {reason}. Your text is kept here; saving again every {RETRY_EVERY:g} s."
        if not again:
            self._notify(line, severity="warning", timeout=8, markup=False)
        self._show_status(self.status_line())
