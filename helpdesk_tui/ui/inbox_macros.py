"""A macro on the inbox's marked tickets (or the one under the cursor): ``m`` in the inbox, or
the palette's "Inbox: Apply macro…".

The same picker and preview as on one ticket (``ui.macros``), over ``services.macros``'
``preview_many`` and ``apply_to_many``: one transaction, one undo. Macros that write a reply
are greyed out (each reply is the agent's to write). With nothing marked and the cursor on
the open ticket, ``m`` is the ticket's own flow, so every macro, reply and all, still works
from the inbox. The batch runs through the inbox's runner (a worker for many tickets) and is
logged like the inbox's other actions: the inbox's ``U`` takes back whichever came last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.macros import Macro
from helpdesk_tui.services import macros as service
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.ui.screens.macros import MacroPicker, MacroPreviewScreen

if TYPE_CHECKING:  # the screen these handlers work on (it imports this module)
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


class InboxMacros:
    def __init__(self, screen: WorkstationScreen) -> None:
        self.screen = screen

    def _backend(self) -> Any | None:
        options = self.screen.options
        return options.backend or service.backend_class(options.settings, self.screen.cache.account)

    def start(self) -> None:
        screen = self.screen
        inbox = screen.inbox
        targets = inbox.targets()
        if not targets:
            screen.notify("Nothing to act on: the inbox is empty.", severity="warning")
            return
        if not inbox.marked and targets == [screen.ticket_id]:
            screen.macros.pick()  # the open ticket's own flow: a reply goes into its composer
            return
        if screen.inbox_actions.runner.busy:
            screen.notify("Still applying the last action to the marked tickets: one moment.", severity="warning")
            return
        options = screen.options
        templates = service.templates_for(screen.cache, options.templates_dir)
        loaded = service.load_all(screen.cache, templates_dir=options.templates_dir, backend=self._backend(),
                                  templates=templates)
        for name, sentence in loaded.failed:
            screen.notify(clean_line(f"Macro {name} was not loaded: {sentence}"), severity="warning", markup=False)
        title = screen.inbox_actions.title("macro", targets)

        def chosen(macro: Macro | None) -> None:
            if macro is not None:
                self._preview(macro, targets, templates, title)

        screen.app.push_screen(MacroPicker(loaded.macros, title=title, unusable=lambda m: m.writes_reply,
                                           why=service.REPLY_MACROS_ON_MANY), chosen)

    def _preview(self, macro: Macro, targets: list[int], templates: list, title: str) -> None:
        screen = self.screen
        try:
            previews = service.preview_many(screen.cache, targets, macro, templates=templates, agent=screen.me,
                                            now=screen.now(), tz=screen.tz, backend=self._backend())
        except ServiceError as exc:
            screen.notify(clean_line(str(exc)), severity="error", markup=False)
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self._apply(macro, targets, templates)

        screen.app.push_screen(MacroPreviewScreen(f"{title}: {macro.name}", service.describe_many(previews)),
                               confirmed)

    def _apply(self, macro: Macro, targets: list[int], templates: list) -> None:
        screen = self.screen
        backend = self._backend()
        hold = screen.options.settings.send.delay_seconds

        def act(ids: list[int]) -> service.AppliedToMany:
            return service.apply_to_many(screen.cache, ids, macro, templates=templates, agent=screen.me,
                                         now=screen.now(), tz=screen.tz, hold_seconds=hold, backend=backend)

        def done(applied: service.AppliedToMany, _what: str, ids: list[int]) -> None:
            screen.inbox_actions.after_macro(service.many_sentence(macro, applied), applied.skipped, ids)
            screen.holds.watch()  # the held changes go out when their window ends

        screen.inbox_actions.runner.run(act, f"macro {macro.name}", targets, done=done)


__all__ = ["InboxMacros"]
