"""Rendering a template for one ticket: the context it sees, the text it makes.

The context holds plain dicts, strings and numbers only, never domain objects, so a
template can read the values we chose and nothing else. Empty fields are left out, so
``| default(...)`` applies to them and a missing value is reported rather than printed
as nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.templates import BUILTIN, Template
from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.checkpoint import CheckpointError, format_checkpoint_for_customer, parse_checkpoint
from helpdesk_tui.domain.models import Customer, Organization, Ticket
from helpdesk_tui.domain.new_ticket import is_provisional

_SCALARS = (str, int, float, bool)


@dataclass
class RenderResult:
    text: str
    unresolved: list[tuple[str, int]] = field(default_factory=list)
    """Placeholders that had no value: (name as written, line in the template), in order."""


def _value(raw: Any) -> Any:
    return getattr(raw, "value", raw)  # StrEnum members become their plain string


def _group(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None and value != "" and value != ()}


def build_context(*, ticket: Ticket, customer: Customer | None, organization: Organization | None,
                  agent_name: str, now: datetime, tz: tzinfo, extra: Mapping[str, str] | None = None,
                  next_checkpoint: datetime | None = None, language: str | None = None) -> dict[str, Any]:
    """The values a template may use for ``ticket``, as plain data.

    ``next_checkpoint`` is the promise this reply makes (it wins over the ticket's stored
    one; a promise already due is left out). It is written for the customer as an
    absolute date with its zone, in ``language`` (default: the customer's). ``extra`` adds
    values such as ``survey_url``; a dotted key (``ticket.survey_url``) lands inside its group.
    """
    language = language or (customer.language if customer else "en")
    checkpoint = next_checkpoint or ticket.next_checkpoint_at
    if checkpoint is not None and checkpoint <= now:
        checkpoint = None  # a promise already due is not one to restate
    # Names, subjects and tags are the server's text: a reply quoting them must not carry
    # their escape sequences into the composer, the terminal or the customer's mailbox.
    org_name = clean_line(organization.name) if organization else None
    context: dict[str, Any] = {
        "customer": _group(
            name=clean_line(customer.name) if customer else None,
            first_name=clean_line(customer.first_name) if customer else None,
            email=clean_line(customer.email) if customer else None,
            language=clean_line(customer.language) if customer else None,
            organization=org_name,
        ),
        "ticket": _group(
            # A new ticket not yet on the helpdesk has no number: the placeholder stays unresolved.
            number=None if is_provisional(ticket.number) else ticket.number,
            subject=clean_line(ticket.subject),
            status=str(_value(ticket.status)),
            priority=str(_value(ticket.priority)),
            tags=tuple(clean_line(tag) for tag in ticket.tags),
            next_checkpoint=format_checkpoint_for_customer(checkpoint, tz, language) if checkpoint else None,
        ),
        "agent": _group(name=agent_name.strip(), first_name=(agent_name.split() or [""])[0]),
        "organization": _group(name=org_name),
        "today": now.astimezone(tz).date().isoformat(),
    }
    for key, value in (extra or {}).items():
        *groups, name = key.split(".")
        target = context
        for group in groups:
            target = target.setdefault(group, {})
            if not isinstance(target, dict):
                raise ValueError(f"extra value {key!r} cannot go inside the plain value {group!r}")
        target[name] = value
    return context


def _plain(value: Any, where: str) -> Any:
    """A deep copy made of dicts, tuples and scalars only; anything else is a programming error."""
    if value is None or isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str) or not key or key.startswith("_"):
                raise TypeError(f"template context key {key!r} in {where} must be a name not starting with '_'")
            out[key] = _plain(item, f"{where}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return tuple(_plain(item, where) for item in value)
    raise TypeError(f"template context value {where} is a {type(value).__name__}; pass plain data only")


def render_template(body: str, context: Mapping[str, Any]) -> RenderResult:
    """Render ``body`` in the sandbox; unresolved placeholders stay in the text as ``{{ name }}``.

    Raises ``TemplateError`` (one sentence, with the line) for syntax errors, anything the
    sandbox refuses, and output that would pass the size caps.
    """
    from helpdesk_tui.compose.sandbox import compile_template, run  # Jinja: on the first render

    template = compile_template(body)
    text, unresolved = run(template, _plain(dict(context), "context"))
    return RenderResult(text, unresolved)


@dataclass(frozen=True)
class AppliedTemplate:
    """A template rendered for a ticket, with what it proposes for the send form."""

    template_id: str
    text: str
    unresolved: list[tuple[str, int]]
    status: str | None
    """The status the template suggests setting on send (None: leave it)."""
    next_checkpoint: datetime | None
    """The promise the text states, to prefill the composer's next-update field."""
    notes: tuple[str, ...] = ()
    """Sentences for the agent, e.g. a template's default checkpoint that could not be read."""


def apply_template(template: Template, *, ticket: Ticket, customer: Customer | None,
                   organization: Organization | None, agent_name: str, now: datetime, tz: tzinfo,
                   extra: Mapping[str, str] | None = None,
                   next_checkpoint: datetime | None = None) -> AppliedTemplate:
    """Render ``template`` for a reply on ``ticket``: the one call the composer and the CLI make.

    The promised next update is, in order: ``next_checkpoint`` (what the agent typed), the
    ticket's stored promise if still ahead, the template's default checkpoint (``+4h``).
    """
    notes: list[str] = []
    promise = next_checkpoint
    if promise is None and ticket.next_checkpoint_at is not None and ticket.next_checkpoint_at > now:
        promise = ticket.next_checkpoint_at
    if promise is None and template.default_checkpoint:
        try:
            promise = parse_checkpoint(template.default_checkpoint, now, tz)
        except CheckpointError as exc:
            notes.append(f"Template {template.id} has a default checkpoint that cannot be used: {exc}")
    context = build_context(ticket=ticket, customer=customer, organization=organization,
                            agent_name=agent_name, now=now, tz=tz, extra=extra,
                            next_checkpoint=promise, language=template.language)
    try:
        result = render_template(template.body, context)
    except TemplateError as exc:
        where = template.id if template.source == BUILTIN else template.source
        raise exc.located(where, template.body_line - 1) from None
    return AppliedTemplate(template.id, result.text, result.unresolved, template.default_status,
                           promise, tuple(notes))

