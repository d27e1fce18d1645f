"""The fake Freshdesk's endpoints: each takes the parsed request and answers (status, headers, body).

Rules from Freshdesk's API reference (developers.freshdesk.com/api: "Pagination", "List All
Tickets", "Create a Ticket", "Update a Ticket", "Reply to a ticket", "Create a Note", "Error
Handling") relied on here:

- lists take ``page`` (from 1) and ``per_page`` (default 30, at most 100); when more records
  follow, the answer carries ``Link: <next page URL>; rel="next"``, on the last page no Link;
- ``GET /tickets`` takes ``updated_since`` (ISO 8601), ``order_by`` (created_at, due_by,
  updated_at, status; default created_at), ``order_type`` (asc, desc; default desc),
  ``include`` (requester, stats, description: each costs 2 more credits), ``filter``
  (new_and_my_open, watching, spam, deleted; by default deleted and spam tickets are left
  out), ``requester_id``, ``email``, ``company_id``; without ``updated_since`` only tickets
  created in the last 30 days are listed; ``page`` beyond 300 is refused (400); the list has
  no ``description`` unless ``include=description``; (not documented either way, assumed here:
  ``filter=deleted``/``spam`` combine with ``updated_since`` like the other filters);
- errors: 400 ``{"description": "Validation failed", "errors": [{field, message, code}]}``
  (codes ``invalid_value``, ``missing_field``, ``invalid_field``, ``datatype_mismatch``), 404
  with no body, 415 for a body that is neither JSON nor multipart;
- writes take JSON, or multipart/form-data when they carry ``attachments[]`` files (20 MB in
  all); reply and note answer 201 with the new conversation, ticket create 201 with the ticket,
  update 200 with the ticket, delete 204.
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from operator import itemgetter
from typing import Any
from urllib.parse import urlencode

from tests.fakes.freshdesk_state import (
    DAY, OPEN, PRIORITIES, STATUSES, ApiError, FreshdeskState, html_of, invalid, iso, parse_iso, text_of,
)

MAX_PAGE = 300  # the tickets list's documented page cap
ATTACHMENTS_MAX = 20 * 1024 * 1024
TICKET_LIST_PARAMS = {"page", "per_page", "updated_since", "order_by", "order_type", "include", "filter",
                      "requester_id", "email", "company_id", "unique_external_id"}
UPDATABLE = {"name", "requester_id", "email", "phone", "subject", "type", "status", "priority", "description",
             "responder_id", "attachments", "custom_fields", "due_by", "fr_due_by", "email_config_id", "group_id",
             "product_id", "source", "tags", "company_id", "internal_agent_id", "internal_group_id"}
CREATABLE = UPDATABLE | {"cc_emails", "parent_id", "related_ticket_ids"}
INT_FIELDS = {"status", "priority", "source", "responder_id", "group_id", "requester_id", "user_id", "company_id",
              "email_config_id", "product_id"}


class Request:
    """One request, parsed: the path's groups, the query, the body as fields plus uploaded files."""

    def __init__(self, query: dict[str, str], headers: Any, raw: bytes, who: int) -> None:
        self.query, self.headers, self.raw, self.who = query, headers, raw, who
        self.fields: dict[str, Any] = {}
        self.files: list[tuple[str, bytes, str]] = []  # (file name, bytes, content type) of attachments[]

    def read_body(self) -> None:
        if not self.raw:
            return
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "application/json":
            try:
                body = json.loads(self.raw)
            except ValueError:
                raise ApiError(400, {"description": "Validation failed", "errors": [
                    {"code": "invalid_json", "message": "Request body has invalid json format"}]}) from None
            if not isinstance(body, dict):
                raise ApiError(400, {"description": "Validation failed", "errors": [
                    {"code": "invalid_json", "message": "Request body has invalid json format"}]})
            self.fields = body
        elif kind == "multipart/form-data":
            self._read_multipart()
        else:
            raise ApiError(415, {"code": "invalid_content_type",
                                 "message": f"Content-Type header is set to {kind or 'nothing'}. It should be set "
                                            "to application/json or multipart/form-data"})

    def _read_multipart(self) -> None:
        head = f"Content-Type: {self.headers.get('Content-Type')}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + self.raw)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if not isinstance(name, str):
                continue
            if name == "attachments[]":
                self.files.append((part.get_filename() or "attachment", data,
                                   part.get_content_type() or "application/octet-stream"))
            elif name.endswith("[]"):
                self.fields.setdefault(name[:-2], []).append(data.decode())
            else:
                text = data.decode()
                self.fields[name] = int(text) if name in INT_FIELDS and text.lstrip("-").isdigit() else text
        if not self.files and b"attachments[]" in self.raw:
            raise invalid("attachments", "It should be a valid file", "datatype_mismatch")


class Endpoints:
    state: FreshdeskState

    # --- paging ---------------------------------------------------------------------------

    def page_of(self, records: list[Any], req: Request, path: str, *, cap: int | None = None
                ) -> tuple[list[Any], dict[str, str]]:
        page = _positive(req.query.get("page", "1"), "page")
        per_page = _positive(req.query.get("per_page", "30"), "per_page")
        if per_page > 100:
            raise invalid("per_page", "Must be a number less than or equal to 100")
        if cap is not None and page > cap:
            raise invalid("page", f"Must be a number less than or equal to {cap}")
        start = (page - 1) * per_page
        chunk = records[start:start + per_page]
        headers = {}
        if start + per_page < len(records):
            query = {**req.query, "page": str(page + 1)}
            headers["Link"] = f'<{self.state.base_url}{path}?{urlencode(query)}>; rel="next"'
        return chunk, headers

    # --- who ----------------------------------------------------------------------------

    def get_me(self, req: Request) -> Any:
        return 200, {}, self.state.agent_json(req.who)

    def agents(self, req: Request) -> Any:
        email = req.query.get("email")
        agents = [self.state.agent_json(i) for i in sorted(self.state.agents)]
        if email:
            agents = [a for a in agents if (a["contact"]["email"] or "").lower() == email.lower()]
        chunk, headers = self.page_of(agents, req, "/api/v2/agents")
        return 200, headers, chunk

    def agent(self, agent_id: str, req: Request) -> Any:
        if int(agent_id) not in self.state.agents:
            raise ApiError(404, None)
        return 200, {}, self.state.agent_json(int(agent_id))

    def groups(self, req: Request) -> Any:
        chunk, headers = self.page_of([self.state.groups[i] for i in sorted(self.state.groups)], req,
                                      "/api/v2/groups")
        return 200, headers, chunk

    def contact(self, contact_id: str, req: Request) -> Any:
        found = self.state.contacts.get(int(contact_id))
        if found is None:
            raise ApiError(404, None)
        return 200, {}, found

    # --- tickets ------------------------------------------------------------------------

    def list_tickets(self, req: Request) -> Any:
        q = req.query
        unknown = sorted(set(q) - TICKET_LIST_PARAMS)
        if unknown:
            raise invalid(unknown[0], "Unexpected/invalid field in request", "invalid_field")
        order_by = q.get("order_by", "created_at")
        if order_by not in ("created_at", "due_by", "updated_at", "status"):
            raise invalid("order_by", "It should be one of these values: 'created_at,due_by,updated_at,status'")
        order_type = q.get("order_type", "desc")
        if order_type not in ("asc", "desc"):
            raise invalid("order_type", "It should be one of these values: 'asc,desc'")
        include = tuple(i for i in q.get("include", "").split(",") if i)
        if any(i not in ("requester", "stats", "description") for i in include):
            raise invalid("include", "It should be one of these values: 'requester,stats,description'")
        listed = q.get("filter")
        if listed not in (None, "new_and_my_open", "watching", "spam", "deleted"):
            raise invalid("filter", "It should be one of these values: 'new_and_my_open,watching,spam,deleted'")
        since = None
        if "updated_since" in q:
            since = parse_iso(q["updated_since"])
            if since is None:
                raise invalid("updated_since", "It should be in the 'valid date' format")
        tickets = list(self.state.tickets.values())
        if listed == "deleted":
            tickets = [t for t in tickets if t["deleted"]]
        elif listed == "spam":
            tickets = [t for t in tickets if t["spam"] and not t["deleted"]]
        else:
            tickets = [t for t in tickets if not t["deleted"] and not t["spam"]]
            if listed == "new_and_my_open":
                tickets = [t for t in tickets if t["status"] == OPEN and t["responder_id"] in (None, req.who)]
        # Stamps are all "YYYY-MM-DDTHH:MM:SSZ": as text they sort as the times they name.
        if since is not None:
            bound = iso(since)
            tickets = [t for t in tickets if t["updated_at"] >= bound]
        else:  # the documented default window: created in the last 30 days
            floor = iso(int(self.state.clock()) - 30 * DAY)
            tickets = [t for t in tickets if t["created_at"] >= floor]
        for key in ("requester_id", "company_id"):
            if key in q:
                tickets = [t for t in tickets if str(t[key]) == q[key]]
        if "email" in q:
            who = self.state.contact_by_email(q["email"])
            tickets = [t for t in tickets if t["requester_id"] == who]
        tickets.sort(key=itemgetter(order_by, "id") if order_by != "due_by" else lambda t: (t["due_by"] or "", t["id"]),
                     reverse=order_type == "desc")
        chunk, headers = self.page_of(tickets, req, "/api/v2/tickets", cap=MAX_PAGE)
        body = [self.state.ticket_json(t["id"], description="description" in include, include=include)
                for t in chunk]
        return 200, headers, body

    def show_ticket(self, ticket_id: str, req: Request) -> Any:
        include = tuple(i for i in req.query.get("include", "").split(",") if i)
        if any(i not in ("conversations", "requester", "company", "stats") for i in include):
            raise invalid("include", "It should be one of these values: 'conversations,requester,company,stats'")
        body = self.state.ticket_json(int(ticket_id), include=include)
        if "conversations" in include:  # the first ten, as documented
            body["conversations"] = self.state.conversations[int(ticket_id)][:10]
        return 200, {}, body

    def conversations(self, ticket_id: str, req: Request) -> Any:
        self.state.ticket(int(ticket_id))
        chunk, headers = self.page_of(self.state.conversations[int(ticket_id)], req,
                                      f"/api/v2/tickets/{ticket_id}/conversations")
        return 200, headers, chunk

    def post_ticket(self, req: Request) -> Any:
        req.read_body()
        fields = req.fields
        _no_unknown(fields, CREATABLE)
        requester = fields.get("requester_id")
        if requester is None and not fields.get("email"):
            raise invalid("requester_id", "Please fill at least 1 of requester_id, email, phone, twitter_id, "
                          "unique_external_id, facebook_id fields", "missing_field")
        if requester is not None and requester not in self.state.contacts:
            raise invalid("requester_id", "There is no contact matching the given requester_id")
        if requester is None:
            email = str(fields["email"])
            requester = self.state.contact_by_email(email) or self.state.add_contact(
                str(fields.get("name") or email.split("@")[0]), email)
        if not isinstance(fields.get("subject"), str) or not fields["subject"]:
            raise invalid("subject", "It should be a/an String", "missing_field")
        status, priority = fields.get("status", OPEN), fields.get("priority", 1)
        self._check_fields({**fields, "status": status, "priority": priority})
        attachments = self._store_files(req)
        ticket_id = self.state.add_ticket(
            fields["subject"], requester_id=requester, description=str(fields.get("description") or ""), html=True,
            status=status, priority=priority, source=fields.get("source", 2), responder_id=fields.get("responder_id"),
            group_id=fields.get("group_id"), tags=tuple(fields.get("tags") or ()), attachments=attachments)
        return 201, {"Location": f"{self.state.base_url}/api/v2/tickets/{ticket_id}"}, self.state.ticket_json(ticket_id)

    def put_ticket(self, ticket_id: str, req: Request) -> Any:
        ticket = self.state.ticket(int(ticket_id))
        req.read_body()
        _no_unknown(req.fields, UPDATABLE)
        self._check_fields(req.fields)
        changes = {k: v for k, v in req.fields.items() if k != "attachments"}
        if "description" in changes:
            changes["description_text"] = text_of(str(changes["description"]))
        attachments = self._store_files(req)
        if attachments:
            changes["attachments"] = ticket["attachments"] + attachments
        self.state.update_ticket(int(ticket_id), **changes)
        return 200, {}, self.state.ticket_json(int(ticket_id))

    def remove_ticket(self, ticket_id: str, req: Request) -> Any:
        ticket = self.state.ticket(int(ticket_id))
        if ticket["deleted"]:
            raise ApiError(404, None)
        self.state.delete_ticket(int(ticket_id))
        return 204, {}, None

    def reply(self, ticket_id: str, req: Request) -> Any:
        return self._write(ticket_id, req, note=False)

    def note(self, ticket_id: str, req: Request) -> Any:
        return self._write(ticket_id, req, note=True)

    def _write(self, ticket_id: str, req: Request, *, note: bool) -> Any:
        self.state.ticket(int(ticket_id))
        req.read_body()
        allowed = ({"body", "incoming", "notify_emails", "private", "user_id", "attachments"} if note else
                   {"body", "from_email", "user_id", "cc_emails", "bcc_emails", "attachments"})
        _no_unknown(req.fields, allowed)
        body = req.fields.get("body")
        if not isinstance(body, str) or not body.strip():
            raise invalid("body", "It should be a/an String", "missing_field")
        user_id = req.fields.get("user_id", req.who)
        if user_id not in self.state.contacts:
            raise invalid("user_id", "There is no contact matching the given user_id")
        private = _flag(req.fields.get("private", True)) if note else False
        incoming = _flag(req.fields.get("incoming", False)) if note else False
        attachments = self._store_files(req)
        record = self.state.add_conversation(int(ticket_id), body, user_id=user_id, incoming=incoming,
                                             private=private, attachments=tuple(attachments), html=True)
        return 201, {}, {k: record[k] for k in ("id", "body", "body_text", "ticket_id", "user_id", "from_email",
                                                "cc_emails", "bcc_emails", "private", "incoming", "attachments",
                                                "created_at", "updated_at")}

    def _check_fields(self, fields: dict[str, Any]) -> None:
        for key in INT_FIELDS & set(fields):
            if fields[key] is not None and (not isinstance(fields[key], int) or isinstance(fields[key], bool)):
                raise invalid(key, "It should be a/an Positive Integer", "datatype_mismatch")
        if "status" in fields and fields["status"] not in STATUSES:
            raise invalid("status", "It should be one of these values: '2,3,4,5'")
        if "priority" in fields and fields["priority"] not in PRIORITIES:
            raise invalid("priority", "It should be one of these values: '1,2,3,4'")
        if fields.get("responder_id") is not None and fields["responder_id"] not in self.state.agents:
            raise invalid("responder_id", "There is no agent matching the given responder_id")
        if fields.get("group_id") is not None and fields["group_id"] not in self.state.groups:
            raise invalid("group_id", "There is no group matching the given group_id")
        tags = fields.get("tags")
        if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
            raise invalid("tags", "It should be a/an Array", "datatype_mismatch")

    def _store_files(self, req: Request) -> list[dict[str, Any]]:
        if sum(len(data) for _, data, _ in req.files) > ATTACHMENTS_MAX:
            raise invalid("attachments", "The cumulative size of all attachments must not exceed 20 MB")
        return [self.state.add_attachment(name, data, kind) for name, data, kind in req.files]

    # --- knowledge base and canned responses -------------------------------------------

    def categories(self, req: Request) -> Any:
        chunk, headers = self.page_of(list(self.state.categories.values()), req, "/api/v2/solutions/categories")
        return 200, headers, chunk

    def folders(self, category_id: str, req: Request) -> Any:
        if int(category_id) not in self.state.categories:
            raise ApiError(404, None)
        found = [f for f in self.state.folders.values() if f["category_id"] == int(category_id)]
        chunk, headers = self.page_of(found, req, f"/api/v2/solutions/categories/{category_id}/folders")
        return 200, headers, chunk

    def articles(self, folder_id: str, req: Request) -> Any:
        if int(folder_id) not in self.state.folders:
            raise ApiError(404, None)
        found = [a for a in self.state.articles.values() if a["folder_id"] == int(folder_id)]
        chunk, headers = self.page_of(found, req, f"/api/v2/solutions/folders/{folder_id}/articles")
        return 200, headers, chunk

    def canned_folders(self, req: Request) -> Any:
        return 200, {}, list(self.state.canned_folders.values())  # documented without paging

    def canned_responses(self, folder_id: str, req: Request) -> Any:
        if int(folder_id) not in self.state.canned_folders:
            raise ApiError(404, None)
        found = [c for c in self.state.canned.values() if c["folder_id"] == int(folder_id)]
        chunk, headers = self.page_of(found, req, f"/api/v2/canned_response_folders/{folder_id}/responses")
        return 200, headers, chunk

    def canned_response(self, response_id: str, req: Request) -> Any:
        found = self.state.canned.get(int(response_id))
        if found is None:
            raise ApiError(404, None)
        return 200, {}, found


def _positive(text: str, name: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise invalid(name, "It should be a/an Positive Integer", "datatype_mismatch")
    return int(text)


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _no_unknown(fields: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise invalid(unknown[0], "Unexpected/invalid field in request", "invalid_field")


__all__ = ["MAX_PAGE", "Endpoints", "Request", "html_of"]
