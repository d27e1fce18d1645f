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

Bulk tickets live in ``zendesk_bulk.py``, articles and macros in ``zendesk_guide.py``.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right, insort
from typing import Any
from urllib.parse import quote

from tests.fakes.zendesk_base import (
    AGENT_ROLES,
    PRIORITIES,
    START,
    STATUSES,
    ApiError,
    RawTicket,
    decode_cursor,
    encode_cursor,
    html_of,
    invalid,
    iso,
    not_found,
    parse_stamp,
    text_of,
)
from tests.fakes.zendesk_bulk import BulkTickets
from tests.fakes.zendesk_guide import Guide
from tests.fakes.zendesk_uploads import Uploads

_BIG = 1 << 62


class ZendeskState(BulkTickets, Guide):
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
        self._bulk = None
        self.files: dict[str, tuple[bytes, str]] = {}  # an attachment's token → (bytes, content type)
        self.uploads = Uploads(self._ids, self.files)  # uploaded files are served from the same store
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

    def add_group(self, name: str, *, is_public: bool = True) -> int:
        gid, ts = next(self._ids), iso(self.now)
        self.groups[gid] = {"id": gid, "url": self._url(f"groups/{gid}.json"), "name": name,
                            "description": "", "default": not self.groups, "deleted": False,
                            "is_public": is_public, "created_at": ts, "updated_at": ts}
        return gid

    def delete_group(self, group_id: int) -> None:
        """Zendesk keeps a deleted group, marked ``deleted``; tickets can no longer go to it."""
        self.groups[group_id].update(deleted=True, updated_at=iso(self.now))

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
                   channel: str = "web", attachments: tuple[dict[str, Any], ...] = ()) -> int:
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
        self._record(ticket, requester_id, {"body": description, "public": True, "attachments": list(attachments)},
                     {}, {}, channel, ts)
        self._place(tid, ts)
        return tid

    def add_comment(self, ticket_id: int, body: str, *, author_id: int | None = None, public: bool = True,
                    html_body: bool = False, channel: str = "email",
                    attachments: tuple[dict[str, Any], ...] = ()) -> int:
        """Someone writes on the ticket outside our client (a customer's email, another agent)."""
        ticket = self.live_ticket(ticket_id)
        author_id = author_id or ticket["requester_id"]
        changes = {}
        if self.users[author_id]["role"] == "end-user" and ticket["status"] in ("pending", "solved"):
            changes["status"] = "open"
        comment = {"html_body": body, "public": public} if html_body else {"body": body, "public": public}
        comment["attachments"] = list(attachments)
        audit = self._apply(ticket, author_id, comment, changes, {}, channel)
        return audit["events"][0]["id"]

    def add_attachment(self, file_name: str, data: bytes, content_type: str = "application/binary") -> dict[str, Any]:
        """An uploaded file, as a comment's ``attachments`` item lists it (Zendesk's Attachments
        API: id, file_name, content_url, content_type, size…). ``content_url`` answers with a
        redirect to the file's storage (``zendesk.py`` serves both)."""
        attachment_id = next(self._ids)
        token = f"tok{attachment_id}"
        self.files[token] = (bytes(data), content_type)
        return {
            "id": attachment_id, "url": self._url(f"attachments/{attachment_id}.json"), "file_name": file_name,
            "content_url": f"{self.base_url}/attachments/token/{token}/?name={quote(file_name)}",
            "mapped_content_url": f"{self.base_url}/attachments/token/{token}/?name={quote(file_name)}",
            "content_type": content_type, "size": len(data), "width": None, "height": None, "inline": False,
            "deleted": False, "malware_access_override": False, "malware_scan_result": "malware_not_found",
            "thumbnails": [],
        }

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

    def rate_ticket(self, ticket_id: int, score: str, comment: str = "") -> int:
        """The requester answers the satisfaction survey (legacy CSAT: solved tickets only);
        rating again changes the same rating. Returns the rating's id."""
        ticket = self.live_ticket(ticket_id)
        if ticket["status"] not in ("solved", "closed"):
            raise invalid("satisfaction_rating", "Ticket must be solved to be rated")
        previous = ticket["satisfaction_rating"] or {}
        rating = {"id": previous.get("id") or next(self._ids), "score": score, "comment": comment}
        self._apply(ticket, ticket["requester_id"], None, {"satisfaction_rating": rating}, {}, "web")
        return rating["id"]

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
            self.uploads.check(comment.get("uploads"), self.now)
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
        self.uploads.check(comment.get("uploads"), self.now)
        requester = body.get("requester_id")
        if isinstance(body.get("requester"), dict):
            found = self.user_named(str(body["requester"].get("email") or ""))
            requester = found[0]["id"] if found else self.add_user(
                str(body["requester"].get("name") or "Customer"), email=body["requester"].get("email"))
        if requester is not None and requester not in self.users:
            raise invalid("requester", "Requester is invalid")
        text = str(comment.get("body") or text_of(str(comment.get("html_body"))))
        assignee = body.get("assignee_id")
        if "assignee_email" in body:  # as on an update: the agent with that address
            agents = [u for u in self.user_named(str(body["assignee_email"])) if u["role"] in AGENT_ROLES]
            if not agents:
                raise invalid("assignee", "Assignee is invalid")
            assignee = agents[0]["id"]
        ccs = []
        # email_ccs: [{"user_email": …, "action": "put"}]; collaborators (creation only): addresses,
        # user ids or {name, email}. Users are made as needed.
        wanted = [cc for cc in body.get("email_ccs") or ()]
        wanted += [{"user_email": c.get("email")} if isinstance(c, dict) else {"user_email": c}
                   for c in body.get("collaborators") or () if not isinstance(c, int)]
        for cc in wanted:
            email = str((cc or {}).get("user_email") or "") if isinstance(cc, dict) else ""
            if "@" not in email:
                raise invalid("email_ccs", "Email CCs: user_email is invalid")
            found = self.user_named(email)
            ccs.append(found[0]["id"] if found else self.add_user(email.split("@")[0], email=email))
        tid = self.add_ticket(str(body.get("subject") or text[:50]), requester_id=requester or author_id,
                              description=text, status=str(body.get("status") or "new"),
                              priority=body.get("priority"), assignee_id=assignee,
                              group_id=body.get("group_id"), tags=tuple(body.get("tags") or ()), channel="api",
                              attachments=tuple(self.uploads.attachments_of(comment.get("uploads"))))
        ticket = self.tickets[tid]
        ticket["external_id"] = body.get("external_id")
        ticket["email_cc_ids"] = ccs
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
            if body["group_id"] is not None and (body["group_id"] not in self.groups
                                                 or self.groups[body["group_id"]]["deleted"]):
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
                text = text_of(markup)
            else:
                text = str(comment.get("body") or "")
                markup = html_of(text)
            record = {
                "id": next(self._ids), "type": "Comment", "author_id": comment.get("author_id") or author_id,
                "body": text, "html_body": markup, "plain_body": text, "public": bool(comment.get("public", True)),
                "attachments": self.uploads.attachments_of(comment.get("uploads"))
                + list(comment.get("attachments") or []), "audit_id": audit_id,
                "via": {"channel": channel, "source": {}},
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
        tickets = [self.tickets.get(tid) or self._bulk_ticket_text(tid) for _, tid in keys]
        page: dict[str, Any] = {
            "tickets": tickets,
            "after_url": f"{self.base_url}/api/v2/incremental/tickets/cursor.json?cursor={next_cursor}",
            "after_cursor": next_cursor, "before_url": None, "before_cursor": None,
            "end_of_stream": end >= limit,
        }
        page.update(self.sideloads(tickets, include))
        return page

    def sideloads(self, tickets: list[Any], include: set[str]) -> dict[str, list[dict]]:
        tickets = [t.refs if isinstance(t, RawTicket) else t for t in tickets]
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
