"""Saving drafts so that a cache that cannot be written never costs the agent their text.

A save can fail: another process holds the write lock (a long sync, a CLI command), the
disk is full, the file turned read-only. The text then stays in memory (the composer
and a copy here), the agent reads one line saying so, a timer tries again every few
seconds, and a second line says when it is saved again. Saves wait at most SAVE_WAIT
for another writer, so the keyboard never freezes for SQLite's usual 10 s.
"""

from __future__ import annotations

from dataclasses import replace

from textual.timer import Timer

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.store.write_errors import WriteFailed

SAVE_WAIT = 1.0  # seconds a save (on the UI thread) waits for another writer
RETRY_EVERY = 3.0  # seconds between attempts once a save failed


class DraftSavingMixin:
    """For the App: ``keep_draft`` saves or keeps in memory; ``unsaved_draft`` reads it back."""

    @property
    def unsaved_drafts(self) -> dict[int, Draft]:
        """Drafts not yet in the cache, by ticket (empty when every save went through)."""
        unsaved: dict[int, Draft] | None = self.__dict__.get("_unsaved_drafts")
        if unsaved is None:
            unsaved = self.__dict__["_unsaved_drafts"] = {}
        return unsaved

    def unsaved_draft(self, ticket_id: int) -> Draft | None:
        """The newest text of the ticket's draft when the cache does not have it yet."""
        draft = self.unsaved_drafts.get(ticket_id)
        return replace(draft) if draft is not None else None

    def forget_unsaved_draft(self, ticket_id: int) -> None:
        """The draft was sent or discarded: its unsaved copy must not come back."""
        self.unsaved_drafts.pop(ticket_id, None)
        if not self.unsaved_drafts:
            self._stop_retrying()

    def keep_draft(self, draft: Draft) -> bool:
        """Save ``draft``; True when it is in the cache, False when kept in memory for later."""
        copy = replace(draft)
        if self.unsaved_drafts:
            # Already failing: no wait on each keystroke; the timer writes the newest text.
            self.unsaved_drafts[draft.ticket_id] = copy
            return False
        try:
            self.cache.save_draft(copy, wait=SAVE_WAIT)  # type: ignore[attr-defined]
        except WriteFailed as exc:
            self.unsaved_drafts[draft.ticket_id] = copy
            self._say_unsaved(str(exc))
            self._retry_timer: Timer | None = self.set_interval(  # type: ignore[attr-defined]
                RETRY_EVERY, self.retry_unsaved_drafts)
            return False
        return True

    def retry_unsaved_drafts(self, *, wait: float = SAVE_WAIT) -> bool:
        """Try again to save every unsaved draft; True when none is left."""
        for ticket_id, draft in list(self.unsaved_drafts.items()):
            try:
                self.cache.save_draft(draft, wait=wait)  # type: ignore[attr-defined]
            except WriteFailed as exc:
                self._say_unsaved(str(exc), again=True)
                return False
            if self.unsaved_drafts.get(ticket_id) is draft:  # no newer text came meanwhile
                del self.unsaved_drafts[ticket_id]
        self._stop_retrying()
        self.notify("Draft saved again.")  # type: ignore[attr-defined]
        self._show_draft_status(None)
        return True

    def _stop_retrying(self) -> None:
        timer: Timer | None = self.__dict__.pop("_retry_timer", None)
        if timer is not None:
            timer.stop()

    def draft_status_line(self) -> str | None:
        """The composer's status line while a draft is not saved (None: all saved)."""
        if not self.unsaved_drafts:
            return None
        reason = self.__dict__.get("_unsaved_reason", "the cache could not be written")
        return f"⚠ not saved yet: {reason} · retrying every {RETRY_EVERY:g} s"

    def _say_unsaved(self, reason: str, *, again: bool = False) -> None:
        self.__dict__["_unsaved_reason"] = reason
        line = f"Draft not saved: {reason}. Your text is kept here; saving again every {RETRY_EVERY:g} s."
        if not again:
            self.notify(line, severity="warning", timeout=8, markup=False)  # type: ignore[attr-defined]
        self._show_draft_status(self.draft_status_line())

    def _show_draft_status(self, sentence: str | None) -> None:
        composer = getattr(self, "composer", None)
        if composer is not None:
            composer.show_status(sentence)
