"""Small builders for store and domain tests: explicit, readable rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from helpdesk_tui.domain.models import Customer, Message, Organization, Ticket
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


class Builder:
    def __init__(self) -> None:
        self._ids = count(1)
        self._numbers = count(1001)
        self._msg_ids = count(1)

    def org(self, name: str = "ACME Hosting") -> Organization:
        return Organization(name=name, domain="acme.example", id=next(self._ids))

    def customer(self, name: str = "Aiko Tanaka", org: Organization | None = None, **kw) -> Customer:
        return Customer(name=name, email=kw.pop("email", f"{name.split()[0].lower()}@example.com"),
                        organization_id=org.id if org else None, id=next(self._ids), **kw)

    def ticket(self, subject: str = "Site down", *, customer: Customer | None = None,
               status: Status = Status.OPEN, priority: Priority = Priority.NORMAL,
               age: timedelta = timedelta(hours=2), **kw) -> Ticket:
        created = kw.pop("created_at", NOW - age)
        return Ticket(number=next(self._numbers), subject=subject, status=status, priority=priority,
                      requester_id=customer.id if customer else None, created_at=created,
                      updated_at=kw.pop("updated_at", created), id=next(self._ids), **kw)

    def message(self, ticket: Ticket, body: str, kind: MessageKind = MessageKind.CUSTOMER,
                at: datetime | None = None) -> Message:
        return Message(ticket_id=ticket.id, kind=kind, author="someone", body=body,
                       created_at=at or ticket.created_at, id=next(self._msg_ids))
