"""Escalating from rotation triage: pick the expert or group, complete the note the
template drafts from the ticket, then queue the note and the reassignment together.

The triage screen owns one ``Escalation`` and hands it what it needs by name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text

from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.render import apply_template
from helpdesk_tui.content import clean_line, clean_text, html_to_text, safe_line
from helpdesk_tui.compose.templates import Template
from helpdesk_tui.domain.models import InboxRow, Message
from helpdesk_tui.domain.triage import ESCALATION_TEMPLATE_ID, escalation_facts, plain_escalation_note
from helpdesk_tui.services.types import ActionResult, TriageDesk
from helpdesk_tui.ui.screens.triage_pickers import ChoicePicker, EscalationEditor

if TYPE_CHECKING:
    from helpdesk_tui.ui.screens.triage import TriageLinks

Run = Callable[[Callable[[list[int]], list[ActionResult]], str, list[int]], None]


def _plain(message: Message) -> str:
    body = message.body
    return html_to_text(body) if (message.body_format or "").lower() in ("html", "text/html") else clean_text(body)


class Escalation:
    """Escalating the triage screen's targets: pick who, write each note, queue them together."""

    def __init__(self, desk: TriageDesk, links: TriageLinks, *, now: Callable[[], datetime],
                 experts: tuple[str, ...], groups: tuple[str, ...], notify: Callable[..., object],
                 push_screen: Callable[..., Any], targets: Callable[[], list[int]],
                 person_label: Callable[[str], Text], row: Callable[[int], InboxRow | None], run: Run) -> None:
        self.desk = desk
        self.links = links
        self.now = now
        self.experts = experts
        self.groups = groups
        self.notify = notify
        self._push_screen = push_screen
        self._targets = targets  # the marked tickets, or the one under the cursor
        self._person_label = person_label
        self._row = row
        self._run = run  # applies an action to the targets (in a worker for a big batch)

    def start(self) -> None:
        if not self._targets():
            return
        choices = [(("person", name), self._person_label(name)) for name in self.desk.people(self.experts)]
        # A helpdesk that cannot move tickets between groups is offered none: the escalation
        # would change the group here only.
        for group in self.desk.groups(self.groups) if self.desk.sends_groups else ():
            label = safe_line(group)
            label.append("  group", "dim")
            choices.append((("group", group), label))
        placeholder = ("a colleague or a group" if self.desk.sends_groups
                       else "a colleague (this helpdesk has no groups)")
        self._push_screen(ChoicePicker("Escalate to…", choices, typed=lambda name: ("person", name),
                                       placeholder=placeholder),
                          lambda choice: self._escalate_to(self._targets(), choice))

    def _escalate_to(self, targets: list[int], choice: tuple[str, str] | None) -> None:
        if choice is None or not targets:
            return
        template = next((t for t in self.links.templates().templates if t.id == ESCALATION_TEMPLATE_ID), None)
        self._write_note(targets, 0, choice, template, {})

    def _write_note(self, targets: list[int], index: int, choice: tuple[str, str], template: Template | None,
                    notes: dict[int, str]) -> None:
        if index == len(targets):
            self._queue_escalation(targets, choice, template, notes)
            return
        ticket_id = targets[index]
        row = self._row(ticket_id)
        title = f"Escalation note for #{row.number if row else ticket_id} to {choice[1]}"
        if len(targets) > 1:
            title += f" ({index + 1} of {len(targets)})"

        def written(note: str | None) -> None:
            if note is None:
                self.notify("Escalation cancelled; nothing was queued.")
                return
            notes[ticket_id] = note
            self._write_note(targets, index + 1, choice, template, notes)

        # Names, subjects and quoted messages from the server go into both: never their escapes.
        note = clean_text(self._draft_note(ticket_id, choice[1], template))
        self._push_screen(EscalationEditor(clean_line(title), note), written)

    def _draft_note(self, ticket_id: int, to: str, template: Template | None) -> str:
        cache = self.links.cache
        ticket = cache.ticket(ticket_id)
        if ticket is None:  # gone from the cache since the queue was drawn: nothing to quote
            return ""
        summary = cache.customer_summary(ticket.requester_id) if ticket.requester_id else None
        customer = summary.customer if summary else None
        organization = summary.organization if summary else None
        now = self.now()
        facts = escalation_facts(ticket, cache.thread(ticket_id), to=to, customer=customer.name if customer else "",
                                 organization=organization.name if organization else "", now=now, plain=_plain)
        if template is not None:
            try:
                return apply_template(template, ticket=ticket, customer=customer, organization=organization,
                                      agent_name=self.desk.agent, now=now, tz=self.links.tz,
                                      extra=facts.template_values()).text
            except TemplateError as exc:  # the user's own version of the template is broken
                self.notify(clean_line(f"The escalation template cannot be used: {exc}"), severity="warning",
                            markup=False)
        return plain_escalation_note(facts, ticket, self.desk.agent)

    def _queue_escalation(self, targets: list[int], choice: tuple[str, str], template: Template | None,
                          notes: dict[int, str]) -> None:
        kind, name = choice
        status = template.default_status if template is not None else None
        person, group = (name, None) if kind == "person" else (None, name)
        self._run(lambda ids: self.desk.escalate(ids, notes, self.now(), assignee=person, group=group, status=status),
                  f"escalated to {name}", targets)
