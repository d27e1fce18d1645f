"""The account behind the fake Freshdesk: records kept in the API v2's own JSON shapes.

Plain data, driven under the server's lock by ``freshdesk.py``. The shapes and rules follow
Freshdesk's public API reference (developers.freshdesk.com/api, sections "Tickets",
"Conversations", "Contacts", "Agents", "Groups", "Solutions", "Canned Responses") and the
field lists of Airbyte's public Freshdesk connector schemas (tickets, conversations,
canned_responses, solution_*):

- contacts and agents share one id space (an agent's ``id`` is its contact id, which is what a
  conversation's ``user_id`` names); tickets are numbered from 1 in their own space;
- a ticket's status is 2 Open, 3 Pending, 4 Resolved, 5 Closed; priority 1 Low … 4 Urgent;
  source 1 Email, 2 Portal, 3 Phone, 7 Chat, 10 Outbound Email;
- the first message of a ticket is its ``description`` (HTML) / ``description_text``, not a
  conversation; conversations carry ``incoming`` (from the customer) and ``private`` (a note);
- ``updated_at`` has one-second resolution (the fake gives each live change a second of its
  own, so a change right after a sync is newer than it; seeding may share seconds); a customer's reply reopens a pending, resolved or
  closed ticket; a deleted ticket goes to the trash (``deleted: true``), a spam one is flagged
  (``spam: true``): both leave the default listing;
- an attachment is ``{id, name, content_type, size, attachment_url, created_at, updated_at}``
  where ``attachment_url`` is a pre-signed storage URL on another host, valid without the API key.
"""

from __future__ import annotations

import calendar
import html
import itertools
import re
import secrets
import time
from typing import Any

STATUSES = (2, 3, 4, 5)
PRIORITIES = (1, 2, 3, 4)
OPEN, PENDING, RESOLVED, CLOSED = STATUSES
DAY = 86_400


class ApiError(Exception):
    """An answer other than success, in the body shape Freshdesk uses for it."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def invalid(field: str, message: str, code: str = "invalid_value") -> ApiError:
    """Freshdesk's 400: ``{"description": "Validation failed", "errors": [{field, message, code}]}``."""
    return ApiError(400, {"description": "Validation failed",
                          "errors": [{"field": field, "message": message, "code": code}]})


def not_found() -> ApiError:
    return ApiError(404, None)  # Freshdesk answers a missing record with an empty 404


def iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def parse_iso(text: str) -> int | None:
    """Epoch seconds of an ISO 8601 stamp (``Z``, an offset, or a bare date), None when unreadable."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\d)(?:T(\d\d:\d\d(?::\d\d)?)(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?", text.strip())
    if not match:
        return None
    day, clock, zone = match.group(1), match.group(2) or "00:00:00", match.group(3) or "Z"
    if clock.count(":") == 1:
        clock += ":00"
    try:
        base = calendar.timegm(time.strptime(f"{day}T{clock}", "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        base -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return base


def html_of(text: str) -> str:
    paragraphs = (html.escape(p).replace("\n", "<br>") for p in text.split("\n\n"))
    return "<div>" + "".join(f"<div>{p}</div>" for p in paragraphs) + "</div>"


def text_of(markup: str) -> str:
    spaced = re.sub(r"<br\s*/?>|</div>|</p>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", spaced)).strip()


class FreshdeskState:
    def __init__(self, *, agent_email: str, agent_name: str, clock: Any = time.time) -> None:
        self.clock = clock
        self.base_url = "http://127.0.0.1"  # the API's own origin (set by the server once it listens)
        self.storage_url = "http://localhost"  # where attachment_url points: another host, as S3 is
        self._last = 0
        self._user_ids = itertools.count(43_000_000_001)
        self._ticket_ids = itertools.count(1)
        self._conversation_ids = itertools.count(44_000_000_001)
        self._attachment_ids = itertools.count(45_000_000_001)
        self._kb_ids = itertools.count(46_000_000_001)
        self.contacts: dict[int, dict[str, Any]] = {}
        self.agents: dict[int, dict[str, Any]] = {}  # id → the agent's own fields (its contact is in contacts)
        self.groups: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.conversations: dict[int, list[dict[str, Any]]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}  # storage key → (bytes, content type)
        self.categories: dict[int, dict[str, Any]] = {}
        self.folders: dict[int, dict[str, Any]] = {}
        self.articles: dict[int, dict[str, Any]] = {}
        self.canned_folders: dict[int, dict[str, Any]] = {}
        self.canned: dict[int, dict[str, Any]] = {}
        self.me = self.add_agent(agent_name, agent_email)

    # --- clock ---------------------------------------------------------------------------

    def stamp(self) -> int:
        """The time of a live change: the wall clock, but never a second already used, so a
        change made right after a sync is always newer than what that sync saw."""
        ts = max(int(self.clock()), self._last + 1)
        self._last = ts
        return ts

    def now(self) -> int:
        """The time of a record that is not in the tickets feed (a contact, a file, an article)."""
        return int(self.clock())

    # --- people --------------------------------------------------------------------------

    def add_contact(self, name: str, email: str | None = None, *, phone: str | None = None) -> int:
        ts = self.now()
        contact_id = next(self._user_ids)
        self.contacts[contact_id] = {
            "id": contact_id, "name": name, "email": email, "phone": phone, "mobile": None, "active": True,
            "address": None, "company_id": None, "language": "en", "time_zone": "UTC", "job_title": None,
            "created_at": iso(ts), "updated_at": iso(ts),
        }
        return contact_id

    def contact_by_email(self, email: str) -> int | None:
        wanted = email.strip().lower()
        return next((c["id"] for c in self.contacts.values() if (c["email"] or "").lower() == wanted), None)

    def add_agent(self, name: str, email: str) -> int:
        agent_id = self.add_contact(name, email)
        contact = self.contacts[agent_id]
        self.agents[agent_id] = {"id": agent_id, "available": True, "occasional": False, "ticket_scope": 1,
                                 "signature": None, "group_ids": [], "role_ids": [], "type": "support_agent",
                                 "created_at": contact["created_at"], "updated_at": contact["updated_at"]}
        return agent_id

    def agent_json(self, agent_id: int) -> dict[str, Any]:
        contact = self.contacts[agent_id]
        keep = ("active", "email", "job_title", "language", "mobile", "name", "phone", "time_zone",
                "created_at", "updated_at")
        return {**self.agents[agent_id], "contact": {k: contact[k] for k in keep}}

    def add_group(self, name: str, agent_ids: tuple[int, ...] = ()) -> int:
        ts = iso(self.now())
        group_id = next(self._user_ids)
        self.groups[group_id] = {"id": group_id, "name": name, "description": None, "agent_ids": list(agent_ids),
                                 "created_at": ts, "updated_at": ts}
        return group_id

    # --- files ---------------------------------------------------------------------------

    def add_attachment(self, name: str, data: bytes, content_type: str = "application/octet-stream") -> dict[str, Any]:
        ts = iso(self.now())
        key = secrets.token_hex(12)
        self.files[key] = (data, content_type)
        return {"id": next(self._attachment_ids), "name": name, "content_type": content_type, "size": len(data),
                "attachment_url": f"{self.storage_url}/storage/{key}?X-Amz-Expires=300&X-Amz-Signature={key[:8]}",
                "created_at": ts, "updated_at": ts}

    # --- tickets -------------------------------------------------------------------------

    def add_ticket(self, subject: str, *, requester_id: int, description: str = "", status: int = OPEN,
                   priority: int = 1, source: int = 1, responder_id: int | None = None, group_id: int | None = None,
                   tags: tuple[str, ...] = (), attachments: tuple[dict[str, Any], ...] = (), html: bool = False,
                   created: int | None = None) -> int:
        """A ticket as a customer opens it (``created``: an epoch second in the past, for seeding)."""
        ts = created if created is not None else self.stamp()
        ticket_id = next(self._ticket_ids)
        body = description if html else html_of(description)
        self.tickets[ticket_id] = {
            "id": ticket_id, "subject": subject, "description": body, "description_text": text_of(body),
            "status": status, "priority": priority, "source": source, "type": None,
            "requester_id": requester_id, "responder_id": responder_id, "group_id": group_id, "company_id": None,
            "email_config_id": None, "product_id": None, "tags": list(tags), "cc_emails": [], "fwd_emails": [],
            "reply_cc_emails": [], "to_emails": None, "fr_escalated": False, "is_escalated": False, "spam": False,
            "deleted": False, "due_by": iso(ts + 3 * DAY), "fr_due_by": iso(ts + DAY), "custom_fields": {},
            "attachments": list(attachments), "created_at": iso(ts), "updated_at": iso(ts),
        }
        self.conversations[ticket_id] = []
        return ticket_id

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        found = self.tickets.get(ticket_id)
        if found is None:
            raise not_found()
        return found

    def touch(self, ticket: dict[str, Any]) -> int:
        ts = self.stamp()
        ticket["updated_at"] = iso(ts)
        return ts

    def add_conversation(self, ticket_id: int, body: str, *, user_id: int | None = None, incoming: bool | None = None,
                         private: bool = False, attachments: tuple[dict[str, Any], ...] = (),
                         html: bool = False) -> dict[str, Any]:
        """A reply or note on the ticket; by default the requester writes in (``incoming``)."""
        ticket = self.ticket(ticket_id)
        author = user_id if user_id is not None else ticket["requester_id"]
        from_customer = author not in self.agents if incoming is None else incoming
        ts = self.touch(ticket)
        markup = body if html else html_of(body)
        email = self.contacts.get(author, {}).get("email")
        record = {
            "id": next(self._conversation_ids), "ticket_id": ticket_id, "user_id": author,
            "body": markup, "body_text": text_of(markup), "incoming": from_customer, "private": private,
            "source": 2 if private else 0, "category": 2 if private else 3, "support_email": None,
            "from_email": email, "to_emails": [], "cc_emails": [], "bcc_emails": [],
            "attachments": list(attachments), "source_additional_info": None,
            "created_at": iso(ts), "updated_at": iso(ts),
        }
        self.conversations[ticket_id].append(record)
        if from_customer and not private and ticket["status"] in (PENDING, RESOLVED, CLOSED):
            ticket["status"] = OPEN  # a customer's answer reopens the ticket
        return record

    def update_ticket(self, ticket_id: int, **fields: Any) -> dict[str, Any]:
        """Change fields as an agent elsewhere would (``subject``, ``status``, ``tags``…)."""
        ticket = self.ticket(ticket_id)
        ticket.update(fields)
        self.touch(ticket)
        return ticket

    def delete_ticket(self, ticket_id: int) -> None:
        self.update_ticket(ticket_id, deleted=True)

    def mark_spam(self, ticket_id: int) -> None:
        self.update_ticket(ticket_id, spam=True)

    def ticket_json(self, ticket_id: int, *, description: bool = True, include: tuple[str, ...] = ()) -> dict[str, Any]:
        ticket = dict(self.ticket(ticket_id))
        if not description:
            del ticket["description"], ticket["description_text"]
        if "requester" in include:
            contact = self.contacts.get(ticket["requester_id"], {})
            ticket["requester"] = {k: contact.get(k) for k in ("id", "name", "email", "mobile", "phone")}
        if "stats" in include:
            ticket["stats"] = {"agent_responded_at": None, "requester_responded_at": None, "first_responded_at": None,
                               "status_updated_at": ticket["updated_at"], "reopened_at": None,
                               "resolved_at": None, "closed_at": None, "pending_since": None}
        return ticket

    # --- knowledge base and canned responses -------------------------------------------

    def add_category(self, name: str) -> int:
        ts = iso(self.now())
        category_id = next(self._kb_ids)
        self.categories[category_id] = {"id": category_id, "name": name, "description": None,
                                        "visible_in_portals": [], "created_at": ts, "updated_at": ts}
        return category_id

    def add_folder(self, category_id: int, name: str) -> int:
        ts = iso(self.now())
        folder_id = next(self._kb_ids)
        self.folders[folder_id] = {"id": folder_id, "name": name, "description": None, "visibility": 1,
                                   "category_id": category_id, "created_at": ts, "updated_at": ts}
        return folder_id

    def add_article(self, folder_id: int, title: str, body: str, *, status: int = 2,
                    tags: tuple[str, ...] = ()) -> int:
        ts = iso(self.now())
        article_id = next(self._kb_ids)
        markup = html_of(body)
        self.articles[article_id] = {
            "id": article_id, "type": 1, "category_id": self.folders[folder_id]["category_id"], "folder_id": folder_id,
            "title": title, "description": markup, "description_text": text_of(markup), "status": status,
            "agent_id": self.me, "tags": list(tags), "seo_data": {}, "hits": 0, "thumbs_up": 0, "thumbs_down": 0,
            "created_at": ts, "updated_at": ts,
        }
        return article_id

    def add_canned_folder(self, name: str, *, personal: bool = False) -> int:
        ts = iso(self.now())
        folder_id = next(self._kb_ids)
        self.canned_folders[folder_id] = {"id": folder_id, "name": name, "personal": personal, "responses_count": 0,
                                          "created_at": ts, "updated_at": ts}
        return folder_id

    def add_canned_response(self, folder_id: int, title: str, content_html: str) -> int:
        ts = iso(self.now())
        response_id = next(self._kb_ids)
        self.canned[response_id] = {"id": response_id, "title": title, "folder_id": folder_id,
                                    "content": text_of(content_html), "content_html": content_html,
                                    "attachments": [], "created_at": ts, "updated_at": ts}
        self.canned_folders[folder_id]["responses_count"] += 1
        return response_id
