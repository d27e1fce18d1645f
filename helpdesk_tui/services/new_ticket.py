"""Opening a ticket on a customer's behalf (``helpdesk-tui new``, ``N`` in the app).

The checks turn what the agent typed into a ``NewTicketPlan`` (the customer found in the cache
by e-mail or name, or a new one with a valid address), a template can write the first message,
and queueing writes the provisional "queued" row and its outbox item in one transaction. The
outbox then delivers it exactly once (``sync/outbox_sender.py``) and the row takes the
helpdesk's number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from helpdesk_tui.compose.checks import check_reply
from helpdesk_tui.compose.render import apply_template
from helpdesk_tui.compose.templates import Template, TemplateError, resolve_template
from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.models import Customer, Ticket
from helpdesk_tui.domain.new_ticket import NewTicketPlan, valid_email
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.services.attaching import attach_all
from helpdesk_tui.services.errors import InvalidRequest, ServiceError
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.write_errors import WriteFailed

MAX_SUBJECT = 250  # what the helpdesks take in a subject line (RT and Zendesk: 255; django-helpdesk: 200+)


@dataclass(frozen=True)
class Recipient:
    """Who the ticket is for: a customer of the cache, or a new one known by their address."""

    email: str
    name: str
    known: bool  # in the cache already


@dataclass(frozen=True)
class QueuedTicket:
    ticket_id: int  # the provisional row's id in the cache
    item_id: str  # the outbox item's id


def find_recipient(cache: Cache, to: str) -> Recipient:
    """The customer ``to`` names (an e-mail address, or a name the cache knows), or ``InvalidRequest``."""
    text = to.strip()
    if not text:
        raise InvalidRequest("Say who the ticket is for: the customer's e-mail address or their name.")
    known = cache.find_customer(text)
    if known is not None and known.email:
        return Recipient(known.email, known.name, True)
    if valid_email(text):
        return Recipient(text, "", False)
    if "@" in text:
        raise InvalidRequest(f"'{clean_line(text)[:80]}' is not a valid e-mail address: write it as name@example.com.")
    raise InvalidRequest(f"No customer named '{clean_line(text)[:80]}' is in the cache: give their e-mail address "
                         "instead (name@example.com).")


def _status(text: str | None) -> Status | None:
    if not text:
        return None
    try:
        return Status(text.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        raise InvalidRequest(f"Unknown status '{clean_line(text)[:40]}': use one of "
                             f"{', '.join(s.value for s in Status)}.") from None


def _priority(text: str | None) -> Priority | None:
    if not text:
        return None
    try:
        return Priority(text.strip().lower())
    except ValueError:
        raise InvalidRequest(f"Unknown priority '{clean_line(text)[:40]}': use one of "
                             f"{', '.join(p.value for p in Priority)}.") from None


def check_new_ticket(cache: Cache, *, to: str, subject: str, body: str, author: str, cc: tuple[str, ...] = (),
                     status: str | None = None, priority: str | None = None,
                     assignee: str | None = None,
                     attachments: tuple[dict[str, object], ...] = ()) -> NewTicketPlan:
    """The new ticket as it will be queued, or ``InvalidRequest`` naming the first thing wrong.

    ``attachments`` are private copies already checked against the helpdesk's limits
    (``services.attaching.attach_all``, as for a reply); they go with the first message."""
    recipient = find_recipient(cache, to)
    addresses: list[str] = []
    for address in (a.strip() for a in cc):
        if not address:
            continue
        if not valid_email(address):
            raise InvalidRequest(f"The Cc '{clean_line(address)[:80]}' is not a valid e-mail address: "
                                 "write it as name@example.com.")
        if address.casefold() not in {a.casefold() for a in (*addresses, recipient.email)}:
            addresses.append(address)
    line = " ".join(subject.split())
    if not line:
        raise InvalidRequest("The new ticket needs a subject.")
    if len(line) > MAX_SUBJECT:
        raise InvalidRequest(f"The subject is {len(line)} characters long: keep it under {MAX_SUBJECT}.")
    if not body.strip():
        raise InvalidRequest("The new ticket's message is empty: write something to the customer first.")
    # The reply checks that block a reply block this first message too (a placeholder left in,
    # an unfilled [[section]]); their warnings are for the composer's send dialog.
    blocking = [f for f in check_reply(body, kind="public_reply", new_status=None, next_checkpoint=None)
                if f.level == "blocking"]
    if blocking:
        raise InvalidRequest(clean_line(blocking[0].message))
    return NewTicketPlan(subject=line, body=body, requester_email=recipient.email, requester_name=recipient.name,
                         author=author, cc=tuple(addresses), status=_status(status), priority=_priority(priority),
                         assignee=(assignee or "").strip() or None, attachments=tuple(attachments))


def render_template(templates: list[Template], name: str, cache: Cache, *, to: str, subject: str,
                    agent_name: str, now: datetime) -> str:
    """The template ``name`` written for the new ticket's customer; ``InvalidRequest`` when it does
    not exist or leaves a placeholder without a value (an unresolved placeholder blocks sending)."""
    recipient = find_recipient(cache, to)
    customer = cache.find_customer(recipient.email) if recipient.known else None
    customer = customer or Customer(name=recipient.name or recipient.email.split("@")[0], email=recipient.email)
    try:
        template = resolve_template(templates, name, customer.language)
    except (TemplateError, LookupError, ValueError) as exc:
        raise InvalidRequest(clean_line(str(exc))) from None
    draft = Ticket(number=0, subject=" ".join(subject.split()), status=Status.OPEN, priority=Priority.NORMAL,
                   requester_id=customer.id, created_at=now, updated_at=now)
    try:
        applied = apply_template(template, ticket=draft, customer=customer, organization=None, agent_name=agent_name,
                                 now=now, tz=now.astimezone().tzinfo or UTC)
    except TemplateError as exc:
        raise ServiceError(f"Template {template.id} cannot be rendered: {exc}") from None
    if applied.unresolved:
        names = ", ".join(sorted({n for n, _ in applied.unresolved}))
        raise InvalidRequest(f"Template {template.id} needs {names}, which a new ticket does not have yet: "
                             "pick another template or write the message yourself.")
    return applied.text


def with_files(workspace, plan: NewTicketPlan, paths: Sequence[str]) -> NewTicketPlan:
    """``plan`` carrying the files at ``paths``, copied for sending after each is checked against
    the helpdesk's limits (``services.attaching.attach_all``, as ``reply --attach`` does); one
    sentence and nothing copied when one cannot go. Call it once the plan is checked, so a
    refused ticket leaves no copy behind."""
    return dataclasses.replace(plan, attachments=(*plan.attachments, *attach_all(workspace, paths)))


def queue_new_ticket(cache: Cache, plan: NewTicketPlan, now: datetime) -> QueuedTicket:
    """Record the provisional ticket and queue it for the next drain. When it cannot be queued
    the copies of its files stay the caller's: the form keeps them for another try, the
    command drops them (``services.attaching.discard``)."""
    from helpdesk_tui.store.failures import explain

    try:
        ticket_id, item_id = cache.queue_new_ticket(plan, now)
    except WriteFailed as exc:
        raise ServiceError(f"The new ticket was not queued and nothing was sent. "
                           f"{explain(exc.__cause__ or exc, cache.path)}") from None
    return QueuedTicket(ticket_id, item_id)


def delivered_number(cache: Cache, ticket_id: int, item_id: str) -> int | None:
    """The helpdesk's number of a ticket opened here once it is delivered (None while it is queued)."""
    row_id = next((i.ticket_id for i in cache.outbox_items() if i.id == item_id), ticket_id)
    ticket = cache.ticket(row_id)
    return ticket.number if ticket is not None and ticket.number > 0 else None


def compose_body(templates: list[Template], template: str | None, text: str, cache: Cache, *, to: str,
                 subject: str, agent_name: str, now: datetime) -> str:
    """The first message: the template written for the customer (when one is named), then ``text``."""
    if not template:
        return text
    rendered = render_template(templates, template, cache, to=to, subject=subject, agent_name=agent_name, now=now)
    return rendered if not text.strip() else f"{rendered.rstrip()}\n\n{text.lstrip()}"
