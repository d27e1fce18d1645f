"""The routes of the fake Help Scout: request checks and HAL answers over ``helpscout_state.py``.

Each handler runs under the server's lock and returns ``(status, headers, body)``. Shapes follow
developer.helpscout.com/mailbox-api (pages named in each docstring); an answer's body is None
for the documented "201 Created" / "204 No Content" writes, whose news is in the headers.
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any
from urllib.parse import urlencode

from tests.fakes.helpscout_state import STATUSES, ApiError, HelpScoutState, bad_field, parse_iso

Answer = tuple[int, dict[str, str], Any]
SORT_FIELDS = {"createdAt": "createdAt", "modifiedAt": "updatedAt", "number": "number", "status": "status",
               "subject": "subject", "waitingSince": "waitingSince", "mailboxid": "mailboxId",
               "customerEmail": "customer", "customerName": "customer", "score": "id"}
LIST_STATUSES = ("active", "all", "closed", "open", "pending", "spam")
THREAD_TYPES = ("customer", "reply", "note", "chat", "phone")


class Endpoints:
    state: HelpScoutState
    page_size: int

    # --- "List Conversations": GET /v2/conversations --------------------------------------

    def _list_conversations(self, *, query: dict[str, str], **_: Any) -> Answer:
        """``mailbox`` (ids, comma separated), ``status`` (default active), ``tag``, ``number``,
        ``assigned_to``, ``modifiedSince`` (ISO 8601 UTC), ``sortField``/``sortOrder`` (default
        createdAt desc), ``page`` (from 1; 25 a page), ``embed=threads``, ``query``."""
        state = self.state
        status = query.get("status", "active")
        if status not in LIST_STATUSES:
            raise bad_field("status", f"Invalid status: {status}", "QUERY_PARAM")
        found = [c for c in state.conversations.values() if c["state"] == "published"]
        if status != "all":
            found = [c for c in found if c["status"] == status or (status == "open" and c["status"] != "closed")]
        if "mailbox" in query:
            try:
                boxes = {int(m) for m in query["mailbox"].split(",") if m}
            except ValueError:
                raise bad_field("mailbox", "must be a number", "QUERY_PARAM") from None
            found = [c for c in found if c["mailboxId"] in boxes]
        if "modifiedSince" in query:
            since = parse_iso(query["modifiedSince"])
            if since is None:
                raise bad_field("modifiedSince", "Invalid date format, expected ISO 8601 (UTC)", "QUERY_PARAM")
            found = [c for c in found if c["updatedAt"] >= since]
        if query.get("tag"):
            wanted = {t.strip().lower() for t in query["tag"].split(",")}
            found = [c for c in found if wanted & set(c["tags"])]
        if query.get("number"):
            found = [c for c in found if str(c["number"]) == query["number"]]
        if query.get("assigned_to"):
            found = [c for c in found if str(c["assignee"]) == query["assigned_to"]]
        if query.get("query"):
            found = [c for c in found if _matches(state, c, query["query"])]
        field = query.get("sortField", "createdAt")
        if field not in SORT_FIELDS:
            raise bad_field("sortField", f"Invalid sort field: {field}", "QUERY_PARAM")
        order = query.get("sortOrder", "desc").lower()
        if order not in ("asc", "desc"):
            raise bad_field("sortOrder", f"Invalid sort order: {order}", "QUERY_PARAM")
        key = SORT_FIELDS[field]
        found.sort(key=lambda c: (c[key], c["id"]), reverse=order == "desc")
        embed = query.get("embed") == "threads"
        return self._page(query, "/v2/conversations", "conversations", found,
                          lambda c: state.conversation_json(c, embed_threads=embed))

    def _page(self, query: dict[str, str], path: str, name: str, records: list[Any], view: Any) -> Answer:
        """One HAL page: ``_embedded.{name}``, ``_links`` (self, first, last, next, previous,
        page template; each keeps the request's parameters) and ``page`` {size, totalElements,
        totalPages, number}. A page past the last is empty, not an error."""
        try:
            number = int(query.get("page", "1"))
        except ValueError:
            raise bad_field("page", "must be a number", "QUERY_PARAM") from None
        if number < 1:
            raise bad_field("page", "must be greater than or equal to 1", "QUERY_PARAM")
        size = self.page_size
        pages = max(1, math.ceil(len(records) / size)) if records else 0
        rows = [view(r) for r in records[(number - 1) * size:number * size]]
        rest = {k: v for k, v in query.items() if k != "page"}

        def link(page: int) -> dict[str, str]:
            return {"href": f"{self.state.base_url}{path}?{urlencode({**rest, 'page': page})}"}

        links: dict[str, Any] = {"self": link(number), "first": link(1), "last": link(max(pages, 1)),
                                 "page": {"href": f"{self.state.base_url}{path}?{urlencode(rest)}"
                                          f"{'&' if rest else ''}page={{page}}", "templated": True}}
        if number < pages:
            links["next"] = link(number + 1)
        if number > 1:
            links["previous"] = link(number - 1)
        return 200, {}, {"_embedded": {name: rows}, "_links": links,
                         "page": {"size": size, "totalElements": len(records), "totalPages": pages,
                                  "number": number}}

    # --- one conversation and its threads -----------------------------------------------

    def _get_conversation(self, cid: str, *, query: dict[str, str], **_: Any) -> Answer:
        """"Get Conversation": ``embed=threads`` embeds every thread."""
        conversation = self.state.conversation(int(cid))
        return 200, {}, self.state.conversation_json(conversation, embed_threads=query.get("embed") == "threads")

    def _list_threads(self, cid: str, *, query: dict[str, str], **_: Any) -> Answer:
        """"List Threads": newest first, paged like every list."""
        conversation = self.state.conversation(int(cid))
        return self._page(query, f"/v2/conversations/{cid}/threads", "threads",
                          list(reversed(conversation["threads"])),
                          lambda t: self.state.thread_json(self.state.threads[t]))

    def _attachment_data(self, cid: str, aid: str, **_: Any) -> Answer:
        """"Get Attachment Data": ``{"data": base64}``."""
        conversation = self.state.conversation(int(cid))
        found = self.state.files.get(int(aid))
        if found is None or not any(int(aid) in self.state.threads[t]["attachments"] for t in conversation["threads"]):
            raise ApiError(404, "Not Found")
        return 200, {}, {"data": base64.b64encode(found["data"]).decode()}

    # --- writes -------------------------------------------------------------------------

    def _reply(self, cid: str, *, payload: Any, **_: Any) -> Answer:
        """"Create Reply Thread": ``customer.id`` and ``text`` required; 201, ``Resource-ID``."""
        return self._thread(cid, payload, "reply")

    def _note(self, cid: str, *, payload: Any, **_: Any) -> Answer:
        """"Create Note": ``text`` required; 201, ``Resource-ID``."""
        return self._thread(cid, payload, "note")

    def _thread(self, cid: str, payload: Any, kind: str) -> Answer:
        state = self.state
        conversation = state.conversation(int(cid))
        body = _object(payload)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise bad_field("text", "may not be empty")
        if kind == "reply":
            customer = body.get("customer")
            if not isinstance(customer, dict) or customer.get("id") not in state.customers:
                raise bad_field("customer", "must name the customer (customer.id)")
        status = body.get("status")
        if status is not None and status not in STATUSES:
            raise bad_field("status", f"Invalid status: {status}")
        user = body.get("user", state.me)
        if user not in state.users:
            raise bad_field("user", "User not found")
        files = tuple(state.file_from_json(a) for a in _list(body.get("attachments"), "attachments"))
        if body.get("draft"):
            raise bad_field("draft", "drafts are not kept by this fake")
        tid = state.add_thread(conversation["id"], kind, text, author=("user", user), attachments=files,
                               status=status, html=True)
        if "assignTo" in body:
            state.assign(conversation, body["assignTo"])
        return 201, {"Resource-ID": str(tid), "Location": f"{state.base_url}/v2/conversations/{cid}/threads/{tid}"}, None

    def _update(self, cid: str, *, payload: Any, **_: Any) -> Answer:
        """"Update Conversation": JSON Patch, one ``op``/``path``/``value`` a request; 204."""
        state = self.state
        conversation = state.conversation(int(cid))
        body = _object(payload)
        op, path, value = body.get("op"), body.get("path"), body.get("value")
        if op not in ("replace", "remove", "move"):
            raise bad_field("op", "Invalid operation")
        if path == "/status" and op == "replace":
            state.set_status(conversation, str(value), author=("user", state.me))
        elif path == "/assignTo" and op == "replace":
            if not isinstance(value, int) or isinstance(value, bool):
                raise bad_field("value", "must be a user id")
            state.assign(conversation, value)
        elif path == "/assignTo" and op == "remove":
            state.assign(conversation, None)
        elif path == "/subject" and op == "replace":
            if not isinstance(value, str) or not value.strip():
                raise bad_field("value", "may not be empty")
            conversation["subject"] = value
            state.touch(conversation, by_user=True)
        elif path == "/mailboxId" and op == "move":
            if value not in state.mailboxes:
                raise bad_field("value", "Mailbox not found")
            conversation["mailboxId"] = value
            state.touch(conversation, by_user=True)
        else:
            raise bad_field("path", f"Invalid path for {op}: {path}")
        return 204, {}, None

    def _tags(self, cid: str, *, payload: Any, **_: Any) -> Answer:
        """"Update Tags": ``{"tags": [...]}`` replaces the whole list; 204."""
        conversation = self.state.conversation(int(cid))
        tags = _object(payload).get("tags")
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise bad_field("tags", "must be a list of strings")
        self.state.set_tags(conversation, tags)
        return 204, {}, None

    def _fields(self, cid: str, *, payload: Any, **_: Any) -> Answer:
        """"Update Custom Fields": ``{"fields": [{id, value}]}``; 204."""
        conversation = self.state.conversation(int(cid))
        self.state.set_fields(conversation, _list(_object(payload).get("fields"), "fields"))
        return 204, {}, None

    def _mailbox_fields(self, mid: str, *, query: dict[str, str], **_: Any) -> Answer:
        """"List Mailbox Custom Fields": ``_embedded.fields`` with each dropdown's ``options``."""
        if int(mid) not in self.state.mailboxes:
            raise ApiError(404, "Not Found")
        mine = [f for f in self.state.fields.values() if f["mailbox"] == int(mid)]
        return self._page(query, f"/v2/mailboxes/{mid}/fields", "fields", mine,
                          lambda f: {k: v for k, v in f.items() if k != "mailbox"})

    def _delete(self, cid: str, **_: Any) -> Answer:
        self.state.delete(int(cid))
        return 204, {}, None

    def _create(self, *, payload: Any, **_: Any) -> Answer:
        """"Create Conversation": subject, customer, mailboxId, type, status and threads are
        required; 201 with ``Resource-ID`` and ``Location``."""
        state = self.state
        body = _object(payload)
        for key in ("subject", "customer", "mailboxId", "type", "status", "threads"):
            if body.get(key) in (None, "", []):
                raise bad_field(key, "may not be null")
        if body["mailboxId"] not in state.mailboxes:
            raise bad_field("mailboxId", "Mailbox not found")
        if body["type"] not in ("email", "chat", "phone"):
            raise bad_field("type", "Invalid type")
        if body["status"] not in ("active", "pending", "closed"):
            raise bad_field("status", "Invalid status")
        customer = _customer(state, body["customer"])
        threads = _list(body["threads"], "threads")
        first = threads[-1]  # threads are given newest first, like every list
        if not isinstance(first, dict) or first.get("type") not in THREAD_TYPES or not first.get("text"):
            raise bad_field("threads[].type", "each thread needs a type and text")
        files = tuple(state.file_from_json(a) for a in _list(first.get("attachments"), "attachments"))
        cid = state.add_conversation(str(body["subject"]), str(first["text"]), customer=customer,
                                     mailbox=body["mailboxId"], attachments=files, html=True)
        conversation = state.conversations[cid]
        if first["type"] != "customer":  # an agent's first message: the conversation is the agent's
            origin = state.threads[conversation["threads"][0]]
            origin["type"], origin["author"] = first["type"], ("user", body.get("user", state.me))
            conversation["createdBy"] = ("user", body.get("user", state.me))
        for thread in reversed(threads[:-1]):
            if isinstance(thread, dict) and thread.get("type") in THREAD_TYPES and thread.get("text"):
                state.add_thread(cid, thread["type"], str(thread["text"]), html=True,
                                 author=("customer", customer) if thread["type"] == "customer"
                                 else ("user", state.me))
        if body.get("tags"):
            state.set_tags(conversation, [str(t) for t in _list(body["tags"], "tags")])
        if body.get("assignTo"):
            state.assign(conversation, body["assignTo"])
        if body["status"] != "active":
            state.set_status(conversation, body["status"], author=("user", state.me))
        return 201, {"Resource-ID": str(cid), "Location": f"{state.base_url}/v2/conversations/{cid}"}, None

    # --- people and mailboxes -----------------------------------------------------------

    def _me(self, *, who: int, **_: Any) -> Answer:
        """"Get Resource Owner": the user the token belongs to."""
        return 200, {}, self.state.user_json(who)

    def _users(self, *, query: dict[str, str], **_: Any) -> Answer:
        return self._page(query, "/v2/users", "users", sorted(self.state.users), self.state.user_json)

    def _user(self, uid: str, **_: Any) -> Answer:
        if int(uid) not in self.state.users:
            raise ApiError(404, "Not Found")
        return 200, {}, self.state.user_json(int(uid))

    def _mailboxes(self, *, query: dict[str, str], **_: Any) -> Answer:
        state = self.state
        return self._page(query, "/v2/mailboxes", "mailboxes", sorted(state.mailboxes),
                          lambda m: {**state.mailboxes[m], "_links": {"self": {"href": f"{state.base_url}/v2/mailboxes/{m}"}}})

    def _mailbox(self, mid: str, **_: Any) -> Answer:
        found = self.state.mailboxes.get(int(mid))
        if found is None:
            raise ApiError(404, "Not Found")
        return 200, {}, found


def _object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise bad_field("body", "must be a JSON object")
    return payload


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_field(name, "must be an array")
    return value


def _customer(state: HelpScoutState, given: Any) -> int:
    if not isinstance(given, dict):
        raise bad_field("customer", "must be an object")
    if given.get("id") is not None:
        if given["id"] not in state.customers:
            raise bad_field("customer.id", "Customer not found")
        return int(given["id"])
    email = given.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise bad_field("customer.email", "must be an e-mail address")
    name = " ".join(str(given.get(k) or "") for k in ("firstName", "lastName")).strip()
    return state.add_customer(name or email.split("@")[0], email=email)


def _matches(state: HelpScoutState, conversation: dict[str, Any], query: str) -> bool:
    """The search syntax's simple forms: ``(subject:"x")``, ``(body:"x")``, ``(tag:"x")``, or words."""
    match = re.fullmatch(r'\(?\s*(subject|body|tag)\s*:\s*"([^"]*)"\s*\)?', query.strip())
    field, text = (match.group(1), match.group(2)) if match else ("any", query.strip())
    text = text.lower()
    subject = conversation["subject"].lower()
    bodies = " ".join(state.threads[t]["body"].lower() for t in conversation["threads"])
    if field == "subject":
        return text in subject
    if field == "tag":
        return text in conversation["tags"]
    if field == "body":
        return text in bodies
    return text in subject or text in bodies
