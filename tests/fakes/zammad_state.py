"""The helpdesk behind the fake Zammad: records kept in the API's own JSON shapes.

Plain data, driven under the server's lock by ``zammad.py``. The shapes and rules follow
Zammad's REST documentation (docs.zammad.org, "REST API": Introduction, Tickets, Articles,
States, Priorities, Users, Groups; read from the zammad/zammad-documentation repository,
``api/intro.rst``, ``api/ticket/*.rst``):

- ids are small consecutive numbers per object; a ticket's ``number`` is a string
  ("31001"), not its id; time stamps are ISO 8601 UTC with milliseconds ("…T14:17:41.994Z");
- states (ids 1–7: new, open, pending reminder, closed, merged, removed, pending close) and
  priorities (1 low, 2 normal, 3 high) as the documented default lists;
- user 1 is the system user "-" (login "-"): an unassigned ticket has ``owner_id`` 1;
- an article has ``sender`` Agent (id 1) / Customer (2) / System (3) and ``type`` by name
  (email 1, phone 5, note 10, web 11…), ``internal``, ``content_type`` text/plain or text/html;
  its attachments list ``id``, ``filename``, ``size`` (a string) and ``preferences`` with
  ``Mime-Type``; the bytes are at ``/api/v1/ticket_attachment/{ticket}/{article}/{attachment}``;
- a new article touches its ticket (``updated_at``, ``article_count``, ``last_contact_*``);
- a new ticket takes ``tags`` as one comma-separated text (zammad/zammad's tickets controller);
- writes name associations by name or id (``state``/``state_id``, ``priority``/``priority_id``,
  ``group``/``group_id``, ``owner`` login or email/``owner_id``, ``customer``/``customer_id``,
  ``customer_id: "guess:EMAIL"`` creating the customer); an unknown name is 422.

The clock is real time in milliseconds (``advance`` moves it on), never the same stamp twice:
a client compares what it sent with what it reads back by time.

Search reads an index, not the tickets: Zammad updates Elasticsearch from a background job
(``SearchIndexJob``, zammad/zammad), so a change reaches the search a moment after it is made.
``index_lag_ms`` (0 by default: at once) is that moment; matching and sorting use the indexed
copy, while the records a search returns are read fresh, as Zammad loads its hits from the
database by id.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import time
from typing import Any

STATES = ((1, "new", "new"), (2, "open", "open"), (3, "pending reminder", "pending reminder"),
          (4, "closed", "closed"), (5, "merged", "merged"), (6, "removed", "removed"),
          (7, "pending close", "pending action"))
PRIORITIES = ((1, "1 low"), (2, "2 normal"), (3, "3 high"))
ARTICLE_TYPES = {"email": 1, "sms": 2, "chat": 3, "fax": 4, "phone": 5, "twitter status": 6,
                 "twitter direct-message": 7, "facebook feed post": 8, "facebook feed comment": 9,
                 "note": 10, "web": 11, "telegram personal-message": 12}
SENDERS = {"Agent": 1, "Customer": 2, "System": 3}
ROLES = {1: "Admin", 2: "Agent", 3: "Customer"}
SYSTEM_USER = 1


class ApiError(Exception):
    """An answer other than success, in Zammad's error shape (``error`` and ``error_human``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.body = {"error": message, "error_human": message}


def iso_ms(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


class ZammadState:
    def __init__(self, *, agent_email: str, agent_name: str = "Alex Agent") -> None:
        self.offset_ms = 0
        self._last_ms = 0
        self._ids = {kind: itertools.count(1) for kind in ("user", "org", "group", "ticket", "article",
                                                           "attachment")}
        self._numbers = itertools.count(31001)
        self.users: dict[int, dict[str, Any]] = {}
        self.organizations: dict[int, dict[str, Any]] = {}
        self.groups: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.articles: dict[int, list[dict[str, Any]]] = {}  # by ticket id, oldest first
        self.files: dict[int, tuple[bytes, str]] = {}  # attachment id → (bytes, media type)
        self.file_places: dict[int, tuple[int, int]] = {}  # attachment id → (ticket id, article id)
        self.index_lag_ms = 0
        self.indexed: dict[int, dict[str, Any]] = {}  # ticket id → its copy as the search index has it
        self._reindex: list[tuple[int, int]] = []  # (due ms, ticket id)
        self.slow_index: dict[int, int] = {}  # ticket id → extra ms its next index job takes
        self.states = [{"id": i, "name": n, "state_type_id": i, "active": i != 6, "default_create": i == 1,
                        "default_follow_up": i == 2, "ignore_escalation": i > 2, "next_state_id": 4 if i == 7 else None,
                        "note": None, "created_at": "2026-01-01T00:00:00.000Z",
                        "updated_at": "2026-01-01T00:00:00.000Z"} for i, n, _ in STATES]
        self.priorities = [{"id": i, "name": n, "default_create": i == 2, "active": True, "note": None,
                            "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z"}
                           for i, n in PRIORITIES]
        system = self.add_user("-", login="-", email="", roles=())
        self.users[system]["active"] = False
        self.default_group = self.add_group("Users")
        first, _, last = agent_name.partition(" ")
        self.me = self.add_user(first, lastname=last, email=agent_email, roles=(1, 2))

    # --- clock ---------------------------------------------------------------------------

    def now_ms(self) -> int:
        """The time of a change: real time (plus ``offset_ms``), never the same millisecond twice."""
        ms = max(int(time.time() * 1000) + self.offset_ms, self._last_ms + 1)
        self._last_ms = ms
        return ms

    # --- people and groups ---------------------------------------------------------------

    def add_organization(self, name: str) -> int:
        oid, ts = next(self._ids["org"]), iso_ms(self.now_ms())
        self.organizations[oid] = {"id": oid, "name": name, "shared": True, "domain": "", "domain_assignment": False,
                                   "active": True, "vip": False, "note": "", "member_ids": [],
                                   "created_at": ts, "updated_at": ts}
        return oid

    def add_group(self, name: str) -> int:
        gid, ts = next(self._ids["group"]), iso_ms(self.now_ms())
        self.groups[gid] = {"id": gid, "name": name, "name_last": name.split("::")[-1], "parent_id": None,
                            "signature_id": None, "email_address_id": None, "assignment_timeout": None,
                            "follow_up_possible": "yes", "follow_up_assignment": True, "active": True,
                            "note": None, "created_at": ts, "updated_at": ts, "user_ids": []}
        return gid

    def add_user(self, firstname: str, *, lastname: str = "", email: str | None = None, login: str | None = None,
                 roles: tuple[int, ...] = (3,), organization_id: int | None = None) -> int:
        uid, ts = next(self._ids["user"]), iso_ms(self.now_ms())
        email = (email if email is not None else f"{firstname.lower() or 'user'}.{uid}@example.com").lower()
        self.users[uid] = {
            "id": uid, "organization_id": organization_id, "login": login or email, "firstname": firstname,
            "lastname": lastname, "email": email, "image": None, "image_source": None, "web": "", "phone": "",
            "fax": "", "mobile": "", "department": None, "street": "", "zip": "", "city": "", "country": "",
            "address": None, "vip": False, "verified": False, "active": True, "note": "", "last_login": None,
            "source": None, "login_failed": 0, "out_of_office": False, "preferences": {"locale": "en-us"},
            "updated_by_id": SYSTEM_USER, "created_by_id": SYSTEM_USER, "created_at": ts, "updated_at": ts,
            "role_ids": list(roles), "organization_ids": [], "authorization_ids": [],
            "group_ids": {str(g): ["full"] for g in self.groups} if 2 in roles else {},
        }
        return uid

    def is_agent(self, user_id: int) -> bool:
        return 2 in self.users[user_id]["role_ids"]

    def user_by_name(self, name: object) -> int | None:
        """A user named by login or email (case-insensitive), as association names are."""
        wanted = str(name).strip().lower()
        return next((u["id"] for u in self.users.values() if wanted and wanted in (u["login"], u["email"])), None)

    def user_json(self, user_id: int, expand: bool = False) -> dict[str, Any]:
        user = dict(self.users[user_id])
        if expand:
            org = self.organizations.get(user["organization_id"] or 0)
            user.update(roles=[ROLES[r] for r in user["role_ids"]], organization=org["name"] if org else None,
                        groups={self.groups[int(g)]["name"]: v for g, v in user["group_ids"].items()},
                        created_by="-", updated_by="-")
        return user

    # --- tickets -------------------------------------------------------------------------

    def add_ticket(self, title: str, *, customer_id: int | None = None, body: str = "Please help.",
                   content_type: str = "text/plain", state: str = "new", priority: str = "2 normal",
                   group_id: int | None = None, owner_id: int = SYSTEM_USER, article_type: str = "email",
                   attachments: tuple[tuple[str, bytes, str], ...] = (), created_by_id: int | None = None,
                   note: str | None = None) -> int:
        """A ticket as a customer's e-mail opens it (the first article is theirs)."""
        if customer_id is None:
            customer_id = self.add_user("Customer")
        tid, ms = next(self._ids["ticket"]), self.now_ms()
        ts, creator = iso_ms(ms), created_by_id or customer_id
        self.tickets[tid] = {
            "id": tid, "group_id": group_id or self.default_group, "priority_id": self.priority_id(priority),
            "state_id": self.state_id(state), "organization_id": self.users[customer_id]["organization_id"],
            "number": str(next(self._numbers)), "title": title, "owner_id": owner_id, "customer_id": customer_id,
            "note": note, "first_response_at": None, "first_response_escalation_at": None, "close_at": None,
            "close_escalation_at": None, "update_escalation_at": None, "last_close_at": None,
            "last_contact_at": None, "last_contact_agent_at": None, "last_contact_customer_at": None,
            "last_owner_update_at": None, "create_article_type_id": ARTICLE_TYPES.get(article_type, 1),
            "create_article_sender_id": SENDERS["Agent" if self.is_agent(creator) else "Customer"],
            "article_count": 0, "escalation_at": None, "pending_time": None, "type": None, "time_unit": None,
            "preferences": {}, "updated_by_id": creator, "created_by_id": creator, "created_at": ts, "updated_at": ts,
            "checklist_id": None, "tags": [], "_ms": ms,
        }
        self.articles[tid] = []
        self._reindex.append((ms + self.index_lag_ms, tid))
        self.add_article(tid, body, author_id=creator, content_type=content_type, article_type=article_type,
                         attachments=attachments)
        return tid

    def live_ticket(self, ticket_id: int) -> dict[str, Any]:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise ApiError(404, f"Couldn't find Ticket with 'id'={ticket_id}")
        return ticket

    def state_id(self, name: object) -> int:
        found = next((s["id"] for s in self.states if s["name"] == name), None)
        if found is None:
            raise ApiError(422, f"No lookup value found for 'state': {name!r}")
        return found

    def priority_id(self, name: object) -> int:
        found = next((p["id"] for p in self.priorities if p["name"] == name), None)
        if found is None:
            raise ApiError(422, f"No lookup value found for 'priority': {name!r}")
        return found

    def touch(self, ticket: dict[str, Any], by: int) -> None:
        ms = self.now_ms()
        ticket.update(updated_at=iso_ms(ms), updated_by_id=by, _ms=ms)
        extra = self.slow_index.pop(ticket["id"], 0)
        self._reindex.append((ms + self.index_lag_ms + extra, ticket["id"]))
        self._reindex.sort()

    def refresh_index(self) -> None:
        """Index what the background jobs have reached by now (everything, without a lag). A job
        loads the ticket as it is when it runs, as Zammad's does."""
        # Every stamp so far is at most _last_ms (two changes in one real millisecond are spread).
        now = max(int(time.time() * 1000) + self.offset_ms, self._last_ms)
        while self._reindex and self._reindex[0][0] <= now:
            _, tid = self._reindex.pop(0)
            if tid in self.tickets:
                self.indexed[tid] = {**self.tickets[tid], "tags": list(self.tickets[tid]["tags"])}

    def ticket_json(self, ticket_id: int, expand: bool = False) -> dict[str, Any]:
        ticket = {k: v for k, v in self.live_ticket(ticket_id).items() if not k.startswith("_") and k != "tags"}
        if expand:
            names = {s["id"]: s["name"] for s in self.states}
            prios = {p["id"]: p["name"] for p in self.priorities}
            org = self.organizations.get(ticket["organization_id"] or 0)
            ticket.update(
                article_ids=[a["id"] for a in self.articles[ticket_id]], ticket_time_accounting_ids=[],
                group=self.groups[ticket["group_id"]]["name"], organization=org["name"] if org else None,
                state=names[ticket["state_id"]], priority=prios[ticket["priority_id"]],
                owner=self.users[ticket["owner_id"]]["login"], customer=self.users[ticket["customer_id"]]["login"],
                created_by=self.users[ticket["created_by_id"]]["login"],
                updated_by=self.users[ticket["updated_by_id"]]["login"],
                create_article_type=next(k for k, v in ARTICLE_TYPES.items() if v == ticket["create_article_type_id"]),
                create_article_sender=next(k for k, v in SENDERS.items() if v == ticket["create_article_sender_id"]))
        return ticket

    def update_ticket(self, ticket_id: int, changes: dict[str, Any], by: int) -> dict[str, Any]:
        """Apply ``changes`` (names or ids, as the API takes them); 422 for an unknown name."""
        ticket = self.live_ticket(ticket_id)
        fields = dict(ticket)
        for key, value in changes.items():
            if key == "state":
                fields["state_id"] = self.state_id(value)
            elif key == "priority":
                fields["priority_id"] = self.priority_id(value)
            elif key == "group":
                fields["group_id"] = self._group_id(value)
            elif key in ("owner", "customer"):
                found = self.user_by_name(value)
                if found is None:
                    raise ApiError(422, f"No lookup value found for '{key}': {value!r}")
                fields[f"{key}_id"] = found
            elif key in ("state_id", "priority_id", "group_id", "owner_id", "customer_id"):
                fields[key] = self._known_id(key, value)
            elif key in ("title", "note", "pending_time"):
                fields[key] = value
        if fields["owner_id"] != SYSTEM_USER and not self.is_agent(fields["owner_id"]):
            raise ApiError(422, "Invalid value for param 'owner_id': the user is no agent")
        if fields["state_id"] == 4 and ticket["state_id"] != 4:
            fields["close_at"] = fields["close_at"] or iso_ms(self.now_ms())
        if fields != ticket:
            ticket.update(fields)
            self.touch(ticket, by)
        return ticket

    def _group_id(self, name: object) -> int:
        found = next((g["id"] for g in self.groups.values() if g["name"] == name), None)
        if found is None:
            raise ApiError(422, f"No lookup value found for 'group': {name!r}")
        return found

    def _known_id(self, key: str, value: object) -> int:
        table = {"state_id": {s["id"] for s in self.states}, "priority_id": {p["id"] for p in self.priorities},
                 "group_id": set(self.groups), "owner_id": set(self.users), "customer_id": set(self.users)}[key]
        try:
            number = int(str(value))
        except ValueError:
            raise ApiError(422, f"Invalid value for param '{key}': {value!r}") from None
        if number not in table:
            raise ApiError(422, f"Invalid value for param '{key}': {value!r}")
        return number

    def delete_ticket(self, ticket_id: int) -> None:
        self.live_ticket(ticket_id)
        del self.tickets[ticket_id]
        self.indexed.pop(ticket_id, None)
        for article in self.articles.pop(ticket_id):
            for attachment in article["attachments"]:
                self.files.pop(attachment["id"], None)

    # --- articles ------------------------------------------------------------------------

    def add_article(self, ticket_id: int, body: str, *, author_id: int | None = None, internal: bool = False,
                    content_type: str = "text/plain", article_type: str = "email", sender: str | None = None,
                    subject: str | None = None, to: str | None = None,
                    attachments: tuple[tuple[str, bytes, str], ...] = ()) -> dict[str, Any]:
        """An article on the ticket (a customer's e-mail by default); ``attachments`` are (name, bytes, type)."""
        ticket = self.live_ticket(ticket_id)
        author_id = author_id or ticket["customer_id"]
        author = self.users[author_id]
        sender = sender or ("Agent" if self.is_agent(author_id) else "Customer")
        if sender not in SENDERS:
            raise ApiError(422, f"No lookup value found for 'sender': {sender!r}")
        if article_type not in ARTICLE_TYPES:
            raise ApiError(422, f"No lookup value found for 'type': {article_type!r}")
        aid, ms = next(self._ids["article"]), self.now_ms()
        ts = iso_ms(ms)
        name = f"{author['firstname']} {author['lastname']}".strip()
        article = {
            "id": aid, "ticket_id": ticket_id, "type_id": ARTICLE_TYPES[article_type], "sender_id": SENDERS[sender],
            "from": f"{name} <{author['email']}>" if sender == "Customer" else name, "to": to, "cc": None,
            "subject": subject, "reply_to": None, "message_id": None, "message_id_md5": None, "in_reply_to": None,
            "content_type": content_type, "references": None, "body": body, "internal": internal,
            "preferences": {}, "updated_by_id": author_id, "created_by_id": author_id, "origin_by_id": None,
            "created_at": ts, "updated_at": ts, "attachments": [], "type": article_type, "sender": sender,
            "created_by": author["login"], "updated_by": author["login"], "time_unit": None,
        }
        for filename, data, media_type in attachments:
            att_id = next(self._ids["attachment"])
            self.files[att_id] = (bytes(data), media_type)
            self.file_places[att_id] = (ticket_id, aid)
            article["attachments"].append({"id": att_id, "filename": filename, "size": str(len(data)),
                                           "preferences": {"Content-Type": media_type, "Mime-Type": media_type}})
        self.articles[ticket_id].append(article)
        ticket["article_count"] += 1
        ticket["last_contact_at"] = ts
        ticket[f"last_contact_{'customer' if sender == 'Customer' else 'agent'}_at"] = ts
        if sender == "Agent" and not internal and ticket["first_response_at"] is None:
            ticket["first_response_at"] = ts
        self.touch(ticket, author_id)
        return article

    def article_files(self, payload: dict[str, Any]) -> tuple[tuple[str, bytes, str], ...]:
        """The files of an article write (base64 ``data``, ``filename``, ``mime-type``); 422 for a
        write Zammad refuses (no body and no file, an unknown type or sender, bad base64)."""
        if not str(payload.get("body") or "").strip() and not payload.get("attachments"):
            raise ApiError(422, "Need at least an 'article body' field.")
        if str(payload.get("type") or "note") not in ARTICLE_TYPES:
            raise ApiError(422, f"No lookup value found for 'type': {payload.get('type')!r}")
        if payload.get("sender") is not None and payload["sender"] not in SENDERS:
            raise ApiError(422, f"No lookup value found for 'sender': {payload.get('sender')!r}")
        files = []
        for item in payload.get("attachments") or []:
            if not isinstance(item, dict) or not item.get("filename") or "data" not in item:
                raise ApiError(422, "Attachment needs 'filename', 'data' and 'mime-type'.")
            try:
                data = base64.b64decode(str(item["data"]), validate=True)
            except (binascii.Error, ValueError):
                raise ApiError(422, "Invalid base64 for attachment.") from None
            files.append((str(item["filename"]), data, str(item.get("mime-type") or "application/octet-stream")))
        return tuple(files)

    def api_article(self, payload: dict[str, Any], by: int) -> dict[str, Any]:
        """``POST /api/v1/ticket_articles`` (or the ``article`` of a ticket write): the new article."""
        files = self.article_files(payload)
        return self.add_article(
            int(payload["ticket_id"]), str(payload.get("body") or ""), author_id=by,
            internal=payload.get("internal") in (True, "true"),
            content_type=str(payload.get("content_type") or "text/plain"),
            article_type=str(payload.get("type") or "note"), sender=payload.get("sender"),
            subject=payload.get("subject"), to=payload.get("to"), attachments=files)

    def api_create_ticket(self, payload: dict[str, Any], by: int) -> dict[str, Any]:
        """``POST /api/v1/tickets``: title, group, customer (or ``customer_id``, ``guess:EMAIL``), article."""
        if not str(payload.get("title") or "").strip():
            raise ApiError(422, "Title can't be blank")
        if "group" not in payload and "group_id" not in payload:
            raise ApiError(422, "Group can't be blank")
        group_id = self._group_id(payload["group"]) if "group" in payload else self._known_id(
            "group_id", payload["group_id"])
        customer_id = self._customer(payload.get("customer_id", payload.get("customer")))
        article = payload.get("article")
        tid, ms = next(self._ids["ticket"]), self.now_ms()
        ts = iso_ms(ms)
        self.tickets[tid] = {**self._blank(tid, ts, ms, by), "title": str(payload["title"]), "group_id": group_id,
                             "customer_id": customer_id,
                             "organization_id": self.users[customer_id]["organization_id"]}
        self.articles[tid] = []
        self._reindex.append((ms + self.index_lag_ms, tid))
        changes = {k: payload[k] for k in ("state", "state_id", "priority", "priority_id", "owner", "owner_id", "note")
                   if k in payload}
        if payload.get("tags"):  # a comma-separated text, as the create takes it
            self.tickets[tid]["tags"] = [t.strip() for t in str(payload["tags"]).split(",") if t.strip()]
        try:
            self.update_ticket(tid, changes, by)
            if isinstance(article, dict):
                self.api_article({**article, "ticket_id": tid}, by)
        except ApiError:
            self.delete_ticket(tid)  # Zammad creates the ticket in one transaction
            raise
        return self.tickets[tid]

    def _customer(self, value: object) -> int:
        text = str(value or "").strip()
        if not text:
            raise ApiError(422, "Customer can't be blank")
        if text.startswith("guess:"):
            email = text[6:].strip().lower()
            if "@" not in email:
                raise ApiError(422, f"Invalid email '{email}' of customer")
            return self.user_by_name(email) or self.add_user("", email=email)
        if text.isdigit():
            return self._known_id("customer_id", text)
        found = self.user_by_name(text)
        if found is None:
            raise ApiError(422, f"No lookup value found for 'customer': {text!r}")
        return found

    def _blank(self, tid: int, ts: str, ms: int, by: int) -> dict[str, Any]:
        return {"id": tid, "group_id": self.default_group, "priority_id": 2, "state_id": 1, "organization_id": None,
                "number": str(next(self._numbers)), "title": "", "owner_id": SYSTEM_USER, "customer_id": by,
                "note": None, "first_response_at": None, "first_response_escalation_at": None, "close_at": None,
                "close_escalation_at": None, "update_escalation_at": None, "last_close_at": None,
                "last_contact_at": None, "last_contact_agent_at": None, "last_contact_customer_at": None,
                "last_owner_update_at": None, "create_article_type_id": 10, "create_article_sender_id": 1,
                "article_count": 0, "escalation_at": None, "pending_time": None, "type": None, "time_unit": None,
                "preferences": {}, "updated_by_id": by, "created_by_id": by, "created_at": ts, "updated_at": ts,
                "checklist_id": None, "tags": [], "_ms": ms}
