"""The account behind the fake Zendesk: records kept in the API's own JSON shapes.

Plain data, driven under the server's lock by ``zendesk.py``. What it follows from the public
docs (developer.zendesk.com) and from probes others published:

- ticket ids are small consecutive numbers; users, comments and audits share one space of
  large ids, and a comment's id is the id of the ``Comment`` event of the audit that made it;
- ``updated_at`` has one-second resolution (the fake gives every change its own second);
  ``safe_update`` + ``updated_stamp`` older than ``updated_at`` answers 409 ``UpdateConflict``;
- an update may carry ``metadata`` (custom, up to 1 KB): it is stored on the audit it makes
  as ``metadata.custom``; an update that changes nothing makes no audit;
- an agent's update of a ``new`` ticket that sets no status opens it; an end user's comment
  reopens a pending or solved ticket; a closed ticket refuses updates (422);
- the cursor-based incremental export orders by ``generated_timestamp`` then id, and keeps
  deleted tickets with status ``deleted``.

Tickets made by ``add_bulk_tickets`` are synthesised from their id when read and only become
real records when something changes them, so a 100,000-ticket feed costs little memory.
"""

from __future__ import annotations

import base64
import calendar
import html
import itertools
import re
import time
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from typing import Any

START = 1_767_225_600  # 2026-01-01T00:00:00Z: the fake clock's default start
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
AGENT_ROLES = ("agent", "admin")
_BIG = 1 << 62
_BULK_PER_SECOND = 10  # bulk tickets share timestamps, so the export's id tie-break is exercised


class ApiError(Exception):
    """An answer other than success, in the body shape Zendesk uses for it."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def not_found() -> ApiError:
    return ApiError(404, {"error": "RecordNotFound", "description": "Not found"})


def invalid(field: str, description: str) -> ApiError:
    return ApiError(422, {"error": "RecordInvalid", "description": "Record validation errors",
                          "details": {field: [{"description": description}]}})


def iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def parse_stamp(text: object) -> int | None:
    """Epoch seconds of an ISO 8601 UTC stamp (``…Z`` or ``…+00:00``), None when unreadable."""
    if not isinstance(text, str):
        return None
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]00:?00)?", text.strip())
    if not match:
        return None
    return calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S"))


def encode_cursor(*parts: int) -> str:
    return base64.urlsafe_b64encode(".".join(map(str, parts)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> tuple[int, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = tuple(int(p) for p in raw.split("."))
    except (ValueError, UnicodeDecodeError):
        parts = ()
    if len(parts) != size:
        raise ApiError(400, {"error": "InvalidPaginationParameter", "description": "Invalid cursor"})
    return parts


def _html_of(text: str) -> str:
    paragraphs = (html.escape(p).replace("\n", "<br>") for p in text.split("\n\n"))
    return '<div class="zd-comment" dir="auto">' + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>"


def _text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"</p>|<br\s*/?>", "\n", markup))).strip()


@dataclass
class _Bulk:
    first: int
    last: int
    base_ts: int
    users: list[int]
    agents: list[int]
    groups: list[int]
    org_of: dict[int, int | None]


class ZendeskState:
    def __init__(self, *, agent_email: str, agent_name: str = "Alex Agent", now: int = START,
                 export_lag: int = 0) -> None:
        self.base_url = "http://127.0.0.1"
        self.now = now
        self.export_lag = export_lag  # Zendesk leaves out the last minute of changes; 0 here by default
        self._last_stamp = now - 1
        self._ids = itertools.count(90_000_001)
        self._ticket_ids = itertools.count(1)
        self.users: dict[int, dict[str, Any]] = {}
        self.organizations: dict[int, dict[str, Any]] = {}
        self.groups: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}  # real records (bulk ones once changed)
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.audits: dict[int, list[dict[str, Any]]] = {}
        self.articles: dict[int, dict[str, Any]] = {}
        self.macros: dict[int, dict[str, Any]] = {}
        self._feed: list[tuple[int, int]] = []  # (generated_timestamp, ticket id), sorted
        self._feed_key: dict[int, tuple[int, int]] = {}
        self._bulk: _Bulk | None = None
        self.me = self.add_user(agent_name, email=agent_email, role="admin")

    # --- clock ---------------------------------------------------------------------------

    def stamp(self) -> int:
        """The time of a change: never the same second twice, so every change is visible."""
        ts = max(self.now, self._last_stamp + 1)
        self._last_stamp = self.now = ts
        return ts

    def _url(self, path: str) -> str:
        return f"{self.base_url}/api/v2/{path}"

    # --- people --------------------------------------------------------------------------

    def add_organization(self, name: str, *, domain_names: tuple[str, ...] = ()) -> int:
        oid, ts = next(self._ids), iso(self.now)
        self.organizations[oid] = {
            "id": oid, "url": self._url(f"organizations/{oid}.json"), "name": name,
            "domain_names": list(domain_names), "details": "", "notes": "", "group_id": None,
            "shared_tickets": False, "shared_comments": False, "tags": [], "organization_fields": {},
            "external_id": None, "created_at": ts, "updated_at": ts,
        }
        return oid

    def add_group(self, name: str) -> int:
        gid, ts = next(self._ids), iso(self.now)
        self.groups[gid] = {"id": gid, "url": self._url(f"groups/{gid}.json"), "name": name,
                            "description": "", "default": False, "deleted": False,
                            "created_at": ts, "updated_at": ts}
        return gid

    def add_user(self, name: str, *, email: str | None = None, role: str = "end-user",
                 organization_id: int | None = None, locale: str = "en-US", phone: str | None = None) -> int:
        uid, ts = next(self._ids), iso(self.now)
        email = email or f"{'.'.join(name.lower().split()) or 'user'}.{uid}@example.com"
        self.users[uid] = {
            "id": uid, "url": self._url(f"users/{uid}.json"), "name": name, "email": email,
            "role": role, "organization_id": organization_id, "locale": locale,
            "locale_id": 1 if locale.lower().startswith("en") else 2, "phone": phone,
            "time_zone": "UTC", "active": True, "verified": True, "suspended": False,
            "tags": [], "user_fields": {}, "external_id": None, "created_at": ts, "updated_at": ts,
        }
        return uid

    def user_named(self, text: str) -> list[dict[str, Any]]:
        wanted = text.casefold().strip()
        return [u for u in self.users.values()
                if wanted and (wanted in u["name"].casefold() or wanted == (u["email"] or "").casefold())]

    # --- tickets -------------------------------------------------------------------------

    def add_ticket(self, subject: str, *, requester_id: int | None = None, description: str = "Please help.",
                   status: str = "new", priority: str | None = None, assignee_id: int | None = None,
                   group_id: int | None = None, tags: tuple[str, ...] | list[str] = (),
                   custom_fields: dict[int, Any] | None = None, organization_id: int | None = None,
                   channel: str = "web") -> int:
        if requester_id is None:
            requester_id = self.add_user(f"Customer {len(self.users)}")
        tid, ts = next(self._ticket_ids), self.stamp()
        org = organization_id if organization_id is not None else self.users[requester_id]["organization_id"]
        ticket = {
            "id": tid, "url": self._url(f"tickets/{tid}.json"), "external_id": None,
            "via": {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": iso(ts), "updated_at": iso(ts), "generated_timestamp": ts, "type": None,
            "subject": subject, "raw_subject": subject, "description": description, "priority": priority,
            "status": status, "recipient": None, "requester_id": requester_id, "submitter_id": requester_id,
            "assignee_id": assignee_id, "organization_id": org, "group_id": group_id,
            "collaborator_ids": [], "follower_ids": [], "email_cc_ids": [], "forum_topic_id": None,
            "problem_id": None, "has_incidents": False, "is_public": True, "due_at": None,
            "tags": list(tags), "custom_fields": [{"id": k, "value": v} for k, v in (custom_fields or {}).items()],
            "satisfaction_rating": None, "sharing_agreement_ids": [], "custom_status_id": None,
            "followup_ids": [], "ticket_form_id": None, "brand_id": None, "allow_channelback": False,
            "allow_attachments": True, "from_messaging_channel": False,
        }
        self.tickets[tid] = ticket
        self.comments[tid], self.audits[tid] = [], []
        self._record(ticket, requester_id, {"body": description, "public": True}, {}, {}, channel, ts)
        self._place(tid, ts)
        return tid

    def add_comment(self, ticket_id: int, body: str, *, author_id: int | None = None, public: bool = True,
                    html_body: bool = False, channel: str = "email") -> int:
        """Someone writes on the ticket outside our client (a customer's email, another agent)."""
        ticket = self.live_ticket(ticket_id)
        author_id = author_id or ticket["requester_id"]
        changes = {}
        if self.users[author_id]["role"] == "end-user" and ticket["status"] in ("pending", "solved"):
            changes["status"] = "open"
        comment = {"html_body": body, "public": public} if html_body else {"body": body, "public": public}
        audit = self._apply(ticket, author_id, comment, changes, {}, channel)
        return audit["events"][0]["id"]

    def update_ticket(self, ticket_id: int, **fields: Any) -> str:
        """A change made elsewhere (a trigger, another agent): the new ``updated_at``."""
        ticket = self.live_ticket(ticket_id)
        changes = {k: v for k, v in fields.items() if ticket.get(k) != v}
        self._apply(ticket, self.me, None, changes, {}, "web", force=True)
        return ticket["updated_at"]

    def delete_ticket(self, ticket_id: int) -> None:
        ticket = self.live_ticket(ticket_id)
        ticket["status"] = "deleted"
        self._touch(ticket)

    def live_ticket(self, ticket_id: int) -> dict[str, Any]:
        """The ticket as a real record (materialising a bulk one); 404 when absent or deleted."""
        ticket = self.tickets.get(ticket_id)
        if ticket is None and self._in_bulk(ticket_id):
            ticket = self.tickets[ticket_id] = self._bulk_ticket(ticket_id)
            self.comments[ticket_id] = self._bulk_comments(ticket)
            self.audits[ticket_id] = [self._bulk_audit(c, ticket_id) for c in self.comments[ticket_id]]
        if ticket is None or ticket["status"] == "deleted":
            raise not_found()
        return ticket

    def ticket_json(self, ticket_id: int) -> dict[str, Any]:
        ticket = self.tickets.get(ticket_id)
        return ticket if ticket is not None else self._bulk_ticket(ticket_id)

    def ticket_comments(self, ticket_id: int) -> list[dict[str, Any]]:
        self.live_ticket(ticket_id)
        return self.comments[ticket_id]

    def ticket_audits(self, ticket_id: int) -> list[dict[str, Any]]:
        self.live_ticket(ticket_id)
        return self.audits[ticket_id]

    # --- the API's writes ----------------------------------------------------------------

    def api_update(self, ticket_id: int, payload: Any, author_id: int) -> dict[str, Any]:
        body = payload.get("ticket") if isinstance(payload, dict) else None
        if not isinstance(body, dict):
            raise ApiError(400, {"error": "ParameterMissing", "description": "ticket parameter is missing"})
        ticket = self.live_ticket(ticket_id)
        if ticket["status"] == "closed":
            raise invalid("status", "Status: closed prevents ticket update")
        if body.get("safe_update"):
            stamp = parse_stamp(body.get("updated_stamp"))
            if stamp is None:
                raise invalid("updated_stamp", "Updated stamp is required for a safe update")
            if stamp != parse_stamp(ticket["updated_at"]):
                raise ApiError(409, {"error": "UpdateConflict", "description": (
                    "Safe Update prevented the update due to outdated ticket data. "
                    "Please fetch the latest ticket data and try again.")})
        changes = self._validated_changes(ticket, body)
        comment = body.get("comment")
        if comment is not None:
            if not isinstance(comment, dict) or not str(comment.get("body") or comment.get("html_body") or "").strip():
                raise invalid("comment", "Comment: body cannot be blank")
        if ticket["status"] == "new" and "status" not in changes and self.users[author_id]["role"] in AGENT_ROLES:
            changes["status"] = "open"
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        if not changes and comment is None:
            return {"ticket": ticket}  # nothing changed: no audit, and the metadata is not kept
        audit = self._apply(ticket, author_id, comment, changes, metadata, "api")
        return {"ticket": ticket, "audit": audit}

    def api_create(self, payload: Any, author_id: int) -> dict[str, Any]:
        body = payload.get("ticket") if isinstance(payload, dict) else None
        comment = body.get("comment") if isinstance(body, dict) else None
        if not isinstance(comment, dict) or not str(comment.get("body") or comment.get("html_body") or "").strip():
            raise invalid("comment", "Comment: body cannot be blank")
        requester = body.get("requester_id")
        if isinstance(body.get("requester"), dict):
            found = self.user_named(str(body["requester"].get("email") or ""))
            requester = found[0]["id"] if found else self.add_user(
                str(body["requester"].get("name") or "Customer"), email=body["requester"].get("email"))
        if requester is not None and requester not in self.users:
            raise invalid("requester", "Requester is invalid")
        text = str(comment.get("body") or _text_of(str(comment.get("html_body"))))
        tid = self.add_ticket(str(body.get("subject") or text[:50]), requester_id=requester or author_id,
                              description=text, status=str(body.get("status") or "new"),
                              priority=body.get("priority"), assignee_id=body.get("assignee_id"),
                              group_id=body.get("group_id"), tags=tuple(body.get("tags") or ()), channel="api")
        ticket = self.tickets[tid]
        ticket["external_id"] = body.get("external_id")
        return {"ticket": ticket, "audit": self.audits[tid][-1]}

    def _validated_changes(self, ticket: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if "status" in body:
            status = body["status"]
            if status not in STATUSES or (status == "new" and ticket["status"] != "new"):
                raise invalid("status", f"Status: {status} is not valid")
            changes["status"] = status
        if "priority" in body:
            if body["priority"] not in (*PRIORITIES, None, ""):
                raise invalid("priority", f"Priority: {body['priority']} is not valid")
            changes["priority"] = body["priority"] or None
        if "assignee_email" in body:
            found = [u for u in self.user_named(str(body["assignee_email"])) if u["role"] in AGENT_ROLES]
            if not found:
                raise invalid("assignee", "Assignee is invalid")
            changes["assignee_id"] = found[0]["id"]
        if "assignee_id" in body:
            assignee = body["assignee_id"]
            if assignee is not None and self.users.get(assignee, {}).get("role") not in AGENT_ROLES:
                raise invalid("assignee", "Assignee is not an agent")
            changes["assignee_id"] = assignee
        if "group_id" in body:
            if body["group_id"] is not None and body["group_id"] not in self.groups:
                raise invalid("group", "Group is invalid")
            changes["group_id"] = body["group_id"]
        if "subject" in body:
            changes["subject"] = str(body["subject"])
        if "tags" in body:
            changes["tags"] = sorted({str(t).strip().lower().replace(" ", "_") for t in body["tags"] or ()} - {""})
        if "custom_fields" in body:
            merged = {f["id"]: f["value"] for f in ticket["custom_fields"]}
            merged.update({f["id"]: f.get("value") for f in body["custom_fields"] or () if "id" in f})
            changes["custom_fields"] = [{"id": k, "value": v} for k, v in merged.items()]
        return {k: v for k, v in changes.items() if ticket.get(k) != v}

    def _apply(self, ticket: dict[str, Any], author_id: int, comment: dict[str, Any] | None,
               changes: dict[str, Any], metadata: dict[str, Any], channel: str, force: bool = False) -> dict:
        ts = self._touch(ticket) if (changes or comment or force) else self.now
        previous = {field: ticket.get(field) for field in changes}
        for field, value in changes.items():
            ticket[field] = value
        return self._record(ticket, author_id, comment, changes, metadata, channel, ts, previous)

    def _record(self, ticket: dict[str, Any], author_id: int, comment: dict[str, Any] | None,
                changes: dict[str, Any], metadata: dict[str, Any], channel: str, ts: int,
                previous: dict[str, Any] | None = None) -> dict[str, Any]:
        """The audit of one change, with the comment it adds (same id as its event)."""
        tid, audit_id = ticket["id"], next(self._ids)
        events: list[dict[str, Any]] = []
        if comment is not None:
            if comment.get("html_body"):
                markup = str(comment["html_body"])
                text = _text_of(markup)
            else:
                text = str(comment.get("body") or "")
                markup = _html_of(text)
            record = {
                "id": next(self._ids), "type": "Comment", "author_id": comment.get("author_id") or author_id,
                "body": text, "html_body": markup, "plain_body": text, "public": bool(comment.get("public", True)),
                "attachments": [], "audit_id": audit_id, "via": {"channel": channel, "source": {}},
                "metadata": {"system": {"client": "fake"}, "custom": {}}, "created_at": iso(ts),
            }
            self.comments[tid].append(record)
            ticket["is_public"] = ticket["is_public"] or record["public"]
            events.append({k: record[k] for k in ("id", "type", "author_id", "body", "html_body",
                                                  "plain_body", "public", "attachments", "audit_id")})
        for field, value in changes.items():
            events.append({"id": next(self._ids), "type": "Change", "field_name": field, "value": value,
                           "previous_value": (previous or {}).get(field)})
        audit = {"id": audit_id, "ticket_id": tid, "created_at": iso(ts), "author_id": author_id,
                 "metadata": {"system": {"client": "fake", "ip_address": "127.0.0.1"}, "custom": dict(metadata)},
                 "via": {"channel": channel, "source": {}}, "events": events}
        self.audits[tid].append(audit)
        return audit

    def _touch(self, ticket: dict[str, Any]) -> int:
        ts = self.stamp()
        ticket["updated_at"], ticket["generated_timestamp"] = iso(ts), ts
        self._place(ticket["id"], ts)
        return ts

    def _place(self, ticket_id: int, ts: int) -> None:
        old = self._feed_key.get(ticket_id)
        if old is not None:
            del self._feed[bisect_left(self._feed, old)]
        key = (ts, ticket_id)
        if not self._feed or self._feed[-1] < key:
            self._feed.append(key)
        else:
            insort(self._feed, key)
        self._feed_key[ticket_id] = key

    # --- the incremental export ----------------------------------------------------------

    def export_page(self, *, start_time: int | None, cursor: str | None, per_page: int,
                    include: set[str]) -> dict[str, Any]:
        """One page of ``GET /api/v2/incremental/tickets/cursor.json``, with its sideloads."""
        after = decode_cursor(cursor, 2) if cursor else (int(start_time or 0) - 1, _BIG)
        limit = bisect_right(self._feed, (self.now - self.export_lag, _BIG))
        first = bisect_right(self._feed, after)
        end = min(first + per_page, max(first, limit))
        keys = self._feed[first:end]
        next_cursor = encode_cursor(*(keys[-1] if keys else after))
        tickets = [self.ticket_json(tid) for _, tid in keys]
        page: dict[str, Any] = {
            "tickets": tickets,
            "after_url": f"{self.base_url}/api/v2/incremental/tickets/cursor.json?cursor={next_cursor}",
            "after_cursor": next_cursor, "before_url": None, "before_cursor": None,
            "end_of_stream": end >= limit,
        }
        page.update(self.sideloads(tickets, include))
        return page

    def sideloads(self, tickets: list[dict[str, Any]], include: set[str]) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        if "users" in include:
            ids = dict.fromkeys(u for t in tickets for u in (t["requester_id"], t["submitter_id"], t["assignee_id"]))
            out["users"] = [self.users[u] for u in ids if u in self.users]
        if "organizations" in include:
            ids = dict.fromkeys(t["organization_id"] for t in tickets)
            out["organizations"] = [self.organizations[o] for o in ids if o in self.organizations]
        if "groups" in include:
            ids = dict.fromkeys(t["group_id"] for t in tickets)
            out["groups"] = [self.groups[g] for g in ids if g in self.groups]
        return out

    # --- bulk tickets, synthesised from their id ------------------------------------------

    def add_bulk_tickets(self, count: int, *, users: int = 1000, organizations: int = 100,
                         agents: int = 10) -> tuple[int, int]:
        """``count`` tickets that exist without being stored; returns (first id, last id)."""
        if self._bulk is not None:
            raise RuntimeError("one bulk range per fake")
        orgs = [self.add_organization(f"Org {i}", domain_names=(f"org{i}.example",)) for i in range(organizations)]
        people = [self.add_user(f"Bulk Customer {i}", organization_id=orgs[i % len(orgs)] if orgs and i % 5 else None)
                  for i in range(users)]
        staff = [self.add_user(f"Bulk Agent {i}", role="agent") for i in range(agents)]
        groups = [self.add_group(name) for name in ("Support", "Billing", "Network")]
        first = next(self._ticket_ids)
        last = first + count - 1
        self._ticket_ids = itertools.count(last + 1)
        base = self.stamp()
        self._bulk = _Bulk(first, last, base, people, staff, groups,
                           {u: self.users[u]["organization_id"] for u in people})
        self._feed.extend((base + i // _BULK_PER_SECOND, first + i) for i in range(count))
        self._feed.sort()
        self._feed_key.update({first + i: (base + i // _BULK_PER_SECOND, first + i) for i in range(count)})
        self._last_stamp = self.now = max(self.now, base + (count - 1) // _BULK_PER_SECOND)
        return first, last

    def _in_bulk(self, ticket_id: int) -> bool:
        return self._bulk is not None and self._bulk.first <= ticket_id <= self._bulk.last

    def _bulk_ticket(self, tid: int) -> dict[str, Any]:
        b = self._bulk
        if b is None or not self._in_bulk(tid):
            raise not_found()
        i = tid - b.first
        ts = b.base_ts + i // _BULK_PER_SECOND
        created = iso(ts - 3600 - i % 86_400)
        requester = b.users[i % len(b.users)]
        subject = f"Printer {i % 97} offline on floor {i % 13} (ticket {tid})"
        return {
            "id": tid, "url": f"{self.base_url}/api/v2/tickets/{tid}.json", "external_id": None,
            "via": {"channel": "email", "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": created, "updated_at": iso(ts), "generated_timestamp": ts, "type": "question",
            "subject": subject, "raw_subject": subject,
            "description": f"Hello, since this morning printer {i % 97} shows 'offline'. " * 3,
            "priority": (None, "low", "normal", "high", "urgent")[i % 5], "status": STATUSES[i % 6],
            "recipient": "support@example.com", "requester_id": requester, "submitter_id": requester,
            "assignee_id": b.agents[i % len(b.agents)] if b.agents and i % 3 else None,
            "organization_id": b.org_of.get(requester), "group_id": b.groups[i % len(b.groups)],
            "collaborator_ids": [], "follower_ids": [], "email_cc_ids": [], "forum_topic_id": None,
            "problem_id": None, "has_incidents": False, "is_public": True, "due_at": None,
            "tags": ["printer", f"floor_{i % 13}"], "custom_fields": [{"id": 360_001, "value": f"site_{i % 7}"}],
            "satisfaction_rating": None, "sharing_agreement_ids": [], "custom_status_id": None,
            "followup_ids": [], "ticket_form_id": None, "brand_id": None, "allow_channelback": False,
            "allow_attachments": True, "from_messaging_channel": False,
        }

    def _bulk_comments(self, ticket: dict[str, Any]) -> list[dict[str, Any]]:
        tid = ticket["id"]
        first = {"id": 80_000_000_000 + tid * 4, "type": "Comment", "author_id": ticket["requester_id"],
                 "body": ticket["description"], "html_body": _html_of(ticket["description"]),
                 "plain_body": ticket["description"], "public": True, "attachments": [],
                 "audit_id": 80_000_000_000 + tid * 4 + 1, "via": {"channel": "email", "source": {}},
                 "metadata": {"system": {}, "custom": {}}, "created_at": ticket["created_at"]}
        return [first]

    def _bulk_audit(self, comment: dict[str, Any], ticket_id: int) -> dict[str, Any]:
        return {"id": comment["audit_id"], "ticket_id": ticket_id, "created_at": comment["created_at"],
                "author_id": comment["author_id"], "metadata": {"system": {}, "custom": {}},
                "via": comment["via"], "events": [{k: comment[k] for k in ("id", "type", "author_id", "body",
                                                                            "public", "audit_id")}]}

    # --- Help Center and macros ----------------------------------------------------------

    def add_article(self, title: str, body: str, *, locale: str = "en-us", labels: tuple[str, ...] = (),
                    draft: bool = False) -> int:
        aid, ts = next(self._ids), self.stamp()
        self.articles[aid] = {
            "id": aid, "url": self._url(f"help_center/{locale}/articles/{aid}.json"),
            "html_url": f"{self.base_url}/hc/{locale}/articles/{aid}", "author_id": self.me,
            "comments_disabled": False, "draft": draft, "promoted": False, "position": 0, "vote_sum": 0,
            "vote_count": 0, "section_id": 1, "created_at": iso(ts), "updated_at": iso(ts),
            "edited_at": iso(ts), "name": title, "title": title, "source_locale": locale, "locale": locale,
            "outdated": False, "outdated_locales": [], "permission_group_id": 1, "user_segment_id": None,
            "content_tag_ids": [], "label_names": list(labels), "body": body,
        }
        return aid

    def update_article(self, article_id: int, **fields: Any) -> None:
        article = self.articles[article_id]
        article.update(fields)
        if "title" in fields:
            article["name"] = fields["title"]
        article["updated_at"] = article["edited_at"] = iso(self.stamp())

    def add_macro(self, title: str, comment: str | list[str] | None = None, *, html_body: bool = False,
                  public: bool | None = None, actions: list[dict[str, Any]] | None = None,
                  active: bool = True, description: str | None = None) -> int:
        mid, ts = next(self._ids), iso(self.stamp())
        all_actions = list(actions or [])
        if comment is not None:
            all_actions.insert(0, {"field": "comment_value_html" if html_body else "comment_value", "value": comment})
        if public is not None:
            all_actions.append({"field": "comment_mode_is_public", "value": "true" if public else "false"})
        self.macros[mid] = {"id": mid, "url": self._url(f"macros/{mid}.json"), "title": title, "raw_title": title,
                            "description": description, "active": active, "position": len(self.macros),
                            "restriction": None, "actions": all_actions, "created_at": ts, "updated_at": ts}
        return mid

    def articles_since(self, start_time: int, per_page: int) -> dict[str, Any]:
        """``GET /api/v2/help_center/incremental/articles``: changed strictly after ``start_time``."""
        changed = sorted((parse_stamp(a["updated_at"]) or 0, aid) for aid, a in self.articles.items())
        page = [key for key in changed if key[0] > start_time][:per_page]
        end_time = page[-1][0] if page else start_time
        more = len(page) == per_page
        return {"articles": [self.articles[aid] for _, aid in page],
                "next_page": self._url(f"help_center/incremental/articles.json?start_time={end_time}") if more else None,
                "end_time": end_time, "count": len(page)}
