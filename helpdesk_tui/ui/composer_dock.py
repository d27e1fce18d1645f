"""The composer under the open ticket's thread: opening, showing a saved draft, closing, discarding.

One composer at a time, in the ticket pane. A draft shown for a ticket is read-only until
``r``, ``n`` or enter continue it; closing keeps the text (saved, or kept in memory by the
``DraftKeeper`` while the cache cannot be written).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual.widget import Widget

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.services import attaching
from helpdesk_tui.services.types import Cache, WriteFailed
from helpdesk_tui.ui.draft_saving import DraftKeeper
from helpdesk_tui.ui.screens.confirm import ConfirmScreen
from helpdesk_tui.ui.widgets.composer import TITLES, Composer
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.ticket_pane import TicketPane


class ComposerDock:
    """Keeps the composer of the ticket pane; the inbox marks the tickets with a draft."""

    def __init__(self, cache: Cache, drafts: DraftKeeper, *, now: Callable[[], datetime], screen: Widget,
                 notify: Callable[..., object], push_screen: Callable[..., Any],
                 discard_agreed: Callable[[int], object]) -> None:
        self._cache = cache
        self._drafts = drafts
        self._now = now
        self._screen = screen  # where the ticket pane and the inbox are
        self._notify = notify
        self._push_screen = push_screen
        self._discard_agreed = discard_agreed  # the agent said yes to throwing a draft away
        self._marked: dict[int, bool] = {}  # tickets whose inbox row already shows the draft mark

    @property
    def composer(self) -> Composer | None:
        # A composer being removed (removal takes a refresh) is no longer "the" composer: a
        # new one for the next ticket may already be on its way in.
        return next((c for c in self._screen.query(Composer) if not c.closing), None)

    def _inbox(self) -> InboxList:
        return self._screen.query_one(InboxList)

    def open(self, ticket_id: int, kind: MessageKind) -> Composer:
        """The ticket's composer for writing: the one shown, its draft, or a new one."""
        current = self.composer
        if current is not None and current.draft.ticket_id == ticket_id:
            current.activate()  # r or n on a shown draft: now the agent writes in it
            if current.kind != kind:
                self._notify(f"Finish or close the {TITLES[current.kind].lower()} first.")
            return current
        self.close()
        draft = self._drafts.unsaved_draft(ticket_id) or self._cache.draft(ticket_id)
        if draft is None:
            thread = self._cache.thread(ticket_id)
            now = self._now()
            draft = Draft(ticket_id, kind, "", now, now, seen_message_id=max((m.id for m in thread if m.id is not None), default=None))
        elif draft.kind != kind:
            self._notify(f"Reopened your draft {'note' if draft.kind == MessageKind.INTERNAL_NOTE else 'reply'}.")
        composer = Composer(draft, save=self._save, now=self._now, describe=attaching.describe)
        composer.status_line = self._drafts.status_line()
        self._screen.query_one(TicketPane).mount(composer)
        return composer

    def show_draft(self, ticket_id: int) -> Composer | None:
        """Show the ticket's saved draft under the thread, read-only and without the keyboard
        (the keys the agent is typing are meant for the inbox); r, n or enter continue it."""
        draft = self._drafts.unsaved_draft(ticket_id) or self._cache.draft(ticket_id)
        if draft is None:
            return None
        composer = Composer(draft, save=self._save, now=self._now, active=False, describe=attaching.describe)
        composer.status_line = self._drafts.status_line()
        self._screen.query_one(TicketPane).mount(composer)
        return composer

    def show_status(self, sentence: str | None) -> None:
        """The open composer's status line (how its draft's saves go)."""
        composer = self.composer
        if composer is not None:
            composer.show_status(sentence)

    def save_open_draft(self) -> None:
        """Save the composer's text now (the error guard calls it before anything else)."""
        composer = self.composer
        if composer is not None and composer.active and composer.changed:
            composer.save_now()

    def _save(self, draft: Draft) -> None:
        had = self._marked.get(draft.ticket_id)
        if not self._drafts.keep(draft):
            return  # kept in memory; the retry timer saves it and says so
        if not had:
            self._marked[draft.ticket_id] = True
            self._inbox().forget_rows([draft.ticket_id])

    def close(self, *, discard: bool = False) -> bool:
        """Close the composer, keeping (or with ``discard`` deleting) its draft; False when the
        cache refused the deletion (the agent was told)."""
        composer = self.composer
        if composer is None:
            return True
        ticket_id = composer.draft.ticket_id
        done = True
        try:
            if discard:
                self._drafts.forget_unsaved_draft(ticket_id)
                self._cache.discard_draft(ticket_id)
                attaching.discard(self._cache.path, composer.draft.attachments)
            elif not composer.active:
                pass  # shown, never continued: the saved draft is exactly as it was
            elif composer.text.strip() or composer.draft.attachments:  # files alone are a draft worth keeping
                if composer.changed or self._drafts.unsaved_draft(ticket_id) is not None:
                    composer.save_now()
            elif self._drafts.unsaved_draft(ticket_id) is None:
                self._cache.discard_draft(ticket_id)  # an empty draft is no draft
        except WriteFailed as exc:
            done = False
            self._notify(f"The draft was not discarded: {exc}. Try again in a moment.", severity="warning",
                         markup=False)
        if composer.has_focus_within:
            # Never let focus fall to whatever Textual picks next (a text field, maybe).
            self._inbox().focus()
        self._marked.pop(ticket_id, None)
        composer.closing = True
        composer.remove()
        self._inbox().forget_rows([ticket_id])
        return done

    def sent(self, composer: Composer) -> None:
        """The composer's text went to the outbox: it closes without saving a draft again."""
        ticket_id = composer.draft.ticket_id
        self._drafts.forget_unsaved_draft(ticket_id)  # queued: an older unsaved copy must not return
        self._marked.pop(ticket_id, None)
        composer.closing = True
        composer.remove()

    def discard(self, ticket_id: int | None) -> None:
        """Ask, then throw away the draft of the ticket shown (the composer need not be open)."""
        composer = self.composer
        ticket_id = composer.draft.ticket_id if composer is not None else ticket_id
        if ticket_id is None or not (
                (composer is not None and composer.text.strip()) or self._drafts.unsaved_draft(ticket_id) is not None
                or self._cache.draft(ticket_id) is not None):
            self._notify("There is no draft on this ticket to discard.")
            return
        ticket = self._cache.ticket(ticket_id)
        where = f" on #{ticket.number}" if ticket is not None else ""
        chosen: int = ticket_id
        self._push_screen(ConfirmScreen("Discard draft", f"Throw away the draft{where}? It cannot be brought back.",
                                        "Discard"),
                          lambda yes: self._discard_confirmed(chosen, bool(yes)))

    def _discard_confirmed(self, ticket_id: int, yes: bool) -> None:
        if not yes:
            return
        self._discard_agreed(ticket_id)
        composer = self.composer
        if composer is not None and composer.draft.ticket_id == ticket_id:
            if not self.close(discard=True):
                return
        else:
            self._drafts.forget_unsaved_draft(ticket_id)
            try:
                draft = self._cache.draft(ticket_id)
                self._cache.discard_draft(ticket_id)
                if draft is not None:
                    attaching.discard(self._cache.path, draft.attachments)
            except WriteFailed as exc:
                self._notify(f"The draft was not discarded: {exc}. Try again in a moment.", severity="warning",
                             markup=False)
                return
            self._marked.pop(ticket_id, None)
            self._inbox().forget_rows([ticket_id])
        self._notify("Draft discarded.")
