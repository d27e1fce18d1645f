"""Macros on the open ticket (``m``, or the palette): pick one, see what it changes, apply it.

The work is ``services.macros``: here only the dialogs, the composer that receives the
reply text with its send options, and ``U``, which takes the last macro's queued changes
back while they wait out the undo window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.macros import Macro
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.services import macros as service
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.ui.screens.macros import MacroPicker, MacroPreviewScreen
from helpdesk_tui.ui.undo_send import refuse_while_held

if TYPE_CHECKING:  # the screen these handlers work on (it imports this module)
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


class MacroRunner:
    """The workstation's macros: the last one applied is what ``U`` takes back."""

    def __init__(self, screen: WorkstationScreen) -> None:
        self.screen = screen
        self.last: service.AppliedMacro | None = None

    def _backend(self) -> Any | None:
        options = self.screen.options
        return options.backend or service.backend_class(options.settings, self.screen.cache.account)

    def pick(self) -> None:
        """``m``: the picker over every macro, then the preview of the chosen one."""
        screen = self.screen
        ticket_id = screen.ticket_id
        if ticket_id is None:
            screen.notify("Open a ticket first (Enter in the inbox).", severity="warning")
            return
        if refuse_while_held(screen.holds, ticket_id, screen.notify):
            return
        templates = service.templates_for(screen.cache, screen.options.templates_dir)
        loaded = service.load_all(screen.cache, templates_dir=screen.options.templates_dir, backend=self._backend(),
                                  templates=templates)
        for name, sentence in loaded.failed:
            screen.notify(clean_line(f"Macro {name} was not loaded: {sentence}"), severity="warning", markup=False)

        def chosen(macro: Macro | None) -> None:
            if macro is not None and screen.ticket_id == ticket_id:
                self.show_preview(ticket_id, macro, templates)

        screen.app.push_screen(MacroPicker(loaded.macros), chosen)

    def show_preview(self, ticket_id: int, macro: Macro, templates: list) -> None:
        screen = self.screen
        try:
            preview = service.preview(screen.cache, ticket_id, macro, templates=templates, agent=screen.me,
                                      now=screen.now(), tz=screen.tz, backend=self._backend())
        except ServiceError as exc:
            screen.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        if preview.reply_text and self._other_draft(ticket_id):
            screen.notify("This ticket has an internal note being written: finish or close it, then apply the "
                          "macro (it writes a reply).", severity="warning")
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.apply(preview)

        screen.app.push_screen(MacroPreviewScreen(f"Macro: {macro.name}", service.describe(preview)), confirmed)

    def _other_draft(self, ticket_id: int) -> bool:
        composer = self.screen.composer
        draft = composer.draft if composer is not None and composer.draft.ticket_id == ticket_id \
            else self.screen.cache.draft(ticket_id)
        return draft is not None and draft.kind != MessageKind.PUBLIC_REPLY and bool(draft.body.strip())

    def apply(self, preview: service.MacroPreview) -> None:
        screen = self.screen
        ticket_id = preview.ticket.id or 0
        try:
            applied = service.apply(screen.cache, preview, agent=screen.me, now=screen.now(),
                                    hold_seconds=screen.options.settings.send.delay_seconds, backend=self._backend())
        except ServiceError as exc:
            screen.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        if preview.reply_text:
            composer = screen.open_composer(MessageKind.PUBLIC_REPLY)
            if composer is not None:
                # The reply's send options: the send dialog starts from them (kept with the draft).
                if preview.reply_status:
                    composer.draft.status = preview.reply_status
                if preview.reply_checkpoint is not None:
                    composer.draft.next_checkpoint = preview.reply_checkpoint
                composer.call_after_refresh(composer.insert, preview.reply_text)  # a new one mounts first
        screen.reload_ticket(ticket_id)
        screen.holds.watch()  # the held changes go out when their window ends
        if applied.batch is not None:
            self.last = applied
        screen.refresh_bindings()
        queued = len(applied.outbox_ids)
        said = f"Macro {clean_line(preview.macro.name)} applied"
        if queued:
            said += f": {queued} change{'s' if queued != 1 else ''} queued · U undoes {'them' if queued != 1 else 'it'}"
        if preview.reply_text:
            said += " · the reply is in the composer"
        if preview.unresolved:
            said += " · fill in: " + ", ".join(preview.unresolved)
        screen.notify(clean_line(said), markup=False)

    def forget_if_undone(self) -> None:
        """The inbox's ``U`` takes back whichever batch came last, this macro's too: then ``U``
        here has nothing left to take back and leaves the footer."""
        if self.last is not None and self.last.batch is not None \
                and not service.still_undoable(self.screen.cache, self.last.batch):
            self.last = None
            self.screen.refresh_bindings()

    def undo(self) -> None:
        """``U``: take the last macro's queued changes back (the text it inserted stays in the composer)."""
        screen = self.screen
        if self.last is None or self.last.batch is None:
            screen.notify("No macro to undo.")
            return
        try:
            done = service.undo(screen.cache, self.last.batch, screen.now())
        except ServiceError as exc:
            self.last = None
            screen.notify(clean_line(str(exc)), severity="warning", markup=False)
            screen.refresh_bindings()
            return
        self.last = None
        for number in done.numbers:
            ticket = screen.cache.find_ticket(str(number))
            if ticket is not None and ticket.id is not None:
                screen.reload_ticket(ticket.id)
        screen.holds.watch()
        screen.refresh_bindings()
        kept = f" ({', '.join(done.kept)} changed since: left as it is)" if done.kept else ""
        screen.notify(clean_line(f"Macro undone: {done.outbox_removed} queued change(s) taken back{kept}; "
                                 "the text it inserted stays in the composer."), markup=False)
