"""Putting a template into the composer: placeholders filled from the ticket, its customer
and the agent; a promise or a status the template carries goes with the draft."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.render import apply_template
from helpdesk_tui.compose.templates import Template
from helpdesk_tui.content import clean_line
from helpdesk_tui.services.types import Cache
from helpdesk_tui.ui.widgets.composer import Composer
from typing import TYPE_CHECKING

from helpdesk_tui.ui.screens.template_picker import TemplatePicker
from pathlib import Path
from typing import cast
from helpdesk_tui.compose.templates import SyncedRecord, TemplateLoadResult, load_templates

if TYPE_CHECKING:  # the screen these handlers work on (it imports this module)
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


def insert_template(composer: Composer, template: Template, cache: Cache, *, me: str, now: datetime, tz: tzinfo,
                    notify: Callable[..., object]) -> None:
    """Render ``template`` for the composer's ticket and insert it at the cursor."""
    ticket = cache.ticket(composer.draft.ticket_id)
    if ticket is None:
        notify("That ticket is no longer in the cache; your draft is kept.", severity="error")
        return
    summary = cache.customer_summary(ticket.requester_id) if ticket.requester_id else None
    try:
        result = apply_template(template, ticket=ticket, customer=summary.customer if summary else None,
                                organization=summary.organization if summary else None,
                                agent_name=me, now=now, tz=tz)
    except TemplateError as exc:  # a broken template is the template's fault, not a crash
        notify(clean_line(f"Template {template.name} cannot be used: {exc}"), severity="error", markup=False)
        return
    # Kept with the draft (saved by insert), so esc, reopening or a restart keep them too.
    if result.status is not None:
        composer.draft.status = result.status
    if result.next_checkpoint is not None:
        # The promise written into the text; the send dialog starts from the same moment.
        composer.draft.next_checkpoint = result.next_checkpoint
    composer.insert(result.text)
    for note in result.notes:
        notify(clean_line(note), severity="warning", markup=False)
    if result.unresolved:
        names = ", ".join(sorted({name for name, _ in result.unresolved}))
        notify(clean_line(f"Fill in before sending: {names}"), severity="warning", markup=False)


def pick_template(screen: WorkstationScreen) -> None:
    """ctrl+t in the composer: the picker over the templates, the chosen one inserted."""
    result = screen.templates()
    for name, sentence in result.failed:
        # A file name such as "[/].md" is text, never markup.
        screen.notify(clean_line(f"Template {name} was not loaded: {sentence}"), severity="warning", markup=False)

    def chosen(template: Template | None) -> None:
        composer = screen.composer
        if template is not None and composer is not None:
            insert_template(composer, template, screen.cache, me=screen.me, now=screen.now(), tz=screen.tz,
                            notify=screen.notify)

    screen.app.push_screen(TemplatePicker(result.templates, screen.customer_language()), chosen)


def workstation_templates(cache: Cache, templates_dir: Path | None) -> TemplateLoadResult:
    """The agent's template files and the helpdesk's synced macros."""
    # compose.templates.SyncedRecord declares settable fields; the cache's records are frozen.
    synced = cast("list[SyncedRecord]", cache.synced_templates())
    return load_templates(templates_dir, synced)
