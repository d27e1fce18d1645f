"""Customers, their organization, their earlier tickets and the notes agents keep on them."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from helpdesk_tui.domain.models import Customer, CustomerNote, Organization
from helpdesk_tui.domain.vocab import Status
from helpdesk_tui.records import record
from helpdesk_tui.store import rows
from helpdesk_tui.store.timeconv import from_epoch_not_null, to_epoch


@record(frozen=True, slots=True)
class HistoryItem:
    id: int
    number: int
    subject: str
    status: Status
    created_at: datetime


@record(frozen=True, slots=True)
class CustomerSummary:
    customer: Customer
    organization: Organization | None
    ticket_count: int
    open_count: int
    notes: list[CustomerNote]


def get_customer(conn: sqlite3.Connection, customer_id: int) -> Customer | None:
    r = conn.execute(f"SELECT {rows.CUSTOMER_COLUMNS} FROM customers WHERE id = ?", (customer_id,)).fetchone()
    return rows.customer_from_row(r) if r else None


def get_organization(conn: sqlite3.Connection, org_id: int | None) -> Organization | None:
    if org_id is None:
        return None
    r = conn.execute(f"SELECT {rows.ORGANIZATION_COLUMNS} FROM organizations WHERE id = ?", (org_id,)).fetchone()
    return rows.organization_from_row(r) if r else None


def summary(conn: sqlite3.Connection, customer_id: int) -> CustomerSummary | None:
    customer = get_customer(conn, customer_id)
    if customer is None:
        return None
    total, active = conn.execute(
        "SELECT count(*), coalesce(sum(status NOT IN ('solved', 'closed')), 0) FROM tickets "
        "WHERE requester_id = ? AND deleted_at IS NULL", (customer_id,),
    ).fetchone()
    return CustomerSummary(customer, get_organization(conn, customer.organization_id), total, active,
                           notes(conn, customer_id))


def history(conn: sqlite3.Connection, customer_id: int, *, exclude: int | None = None,
            limit: int = 200) -> list[HistoryItem]:
    """The customer's tickets, newest first (``exclude`` leaves out the one being read)."""
    cur = conn.execute(
        "SELECT id, number, subject, status, created_at FROM tickets "
        "WHERE requester_id = ? AND deleted_at IS NULL AND id IS NOT ? "
        "ORDER BY created_at DESC, id DESC LIMIT ?",
        (customer_id, exclude, limit),
    )
    return [HistoryItem(r[0], r[1], r[2], Status(r[3]), from_epoch_not_null(r[4])) for r in cur]


def notes(conn: sqlite3.Connection, customer_id: int) -> list[CustomerNote]:
    cur = conn.execute(
        f"SELECT {rows.NOTE_COLUMNS} FROM customer_notes WHERE customer_id = ? ORDER BY created_at, id",
        (customer_id,),
    )
    return [rows.note_from_row(r) for r in cur]


def add_note(conn: sqlite3.Connection, customer_id: int, body: str, author: str, now: datetime) -> CustomerNote:
    cur = conn.execute(
        "INSERT INTO customer_notes (customer_id, body, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        (customer_id, body, author, to_epoch(now), to_epoch(now)),
    )
    return CustomerNote(id=cur.lastrowid, customer_id=customer_id, body=body, author=author,
                        created_at=now, updated_at=now)


def update_note(conn: sqlite3.Connection, note_id: int, body: str, now: datetime) -> None:
    conn.execute("UPDATE customer_notes SET body = ?, updated_at = ? WHERE id = ?",
                 (body, to_epoch(now), note_id))


def delete_note(conn: sqlite3.Connection, note_id: int) -> None:
    conn.execute("DELETE FROM customer_notes WHERE id = ?", (note_id,))
