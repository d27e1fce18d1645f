"""The account behind the fake Help Scout: users, customers, mailboxes, conversations, threads.

Plain data, driven under the server's lock by ``helpscout.py``; records come out in the Mailbox
API 2.0 JSON shapes (``helpscout_endpoints.py`` wraps them in HAL pages). Documented facts it
follows (developer.helpscout.com/mailbox-api, pages "Get Conversation", "List Threads",
"Create Reply Thread", "Create Note", "Update Conversation", "Update Tags"):

- a conversation has ``id`` and a separate human ``number``, ``status`` (active, pending,
  closed, spam), ``state`` (published, draft, deleted), ``mailboxId``, ``assignee`` and
  ``createdBy``/``primaryCustomer`` person objects (``id``, ``type``, ``first``, ``last``,
  ``email``), ``tags`` as ``{id, color, tag}``, ``createdAt``, ``closedAt``, ``userUpdatedAt``,
  ``customerWaitingSince {time, friendly}``, ``threads`` (the count);
- ``updatedAt``: every change of the conversation; Help Scout's Get Conversation example does
  not show it, but the Singer tap (singer-io/tap-helpscout, conversations stream, replication
  key ``updated_at`` read from the camelCase ``updatedAt``) relies on it, and it is what
  ``modifiedSince`` and ``sortField=modifiedAt`` compare (whole UTC seconds, ISO 8601 ``Z``);
- threads: ``type`` customer, reply, note, lineitem (a status change leaves a line item),
  chat, phone; ``createdBy`` with ``type`` user or customer; ``body`` is HTML; attachments
  are ``_embedded.attachments`` (``id``, ``filename``, ``mimeType``, ``size``, ``width``,
  ``height``, ``_links.data``); a conversation takes at most 100 threads (412 after that);
- a reply reactivates the conversation unless it names a ``status``; a customer's message
  reactivates a pending or closed one; a reply or note may assign (``assignTo``).
"""

from __future__ import annotations

import base64
import calendar
import html
import itertools
import re
import time
from typing import Any

STATUSES = ("active", "pending", "closed", "spam")
THREAD_LIMIT = 100  # "A single conversation can contain up to 100 threads" (then 412)


class ApiError(Exception):
    """An answer other than success, in Help Scout's error shape (vnd.error with field errors)."""

    def __init__(self, status: int, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(status, message)
        self.status = status
        self.body: dict[str, Any] = {"logRef": f"fake#{status}", "message": message}
        if errors:
            self.body["_embedded"] = {"errors": errors}


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def bad_field(path: str, message: str, source: str = "JSON") -> ApiError:
    return ApiError(400, "Bad request", [{"path": path, "message": message, "source": source}])


def iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def parse_iso(text: str) -> int | None:
    """Epoch seconds of an ISO 8601 UTC stamp (``…Z``, fractions allowed), None when unreadable."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(?:Z|[+-]00:?00)", text.strip())
    if not match:
        return None
    return calendar.timegm(time.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S"))


def html_of(text: str) -> str:
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))


class HelpScoutState:
    def __init__(self, *, agent_email: str, agent_name: str) -> None:
        self.base_url = "http://127.0.0.1"
        self.offset = 0  # seconds added to the wall clock (``advance``)
        self._last = 0
        self._conversation_ids = itertools.count(2_391_938_101, 7)
        self._numbers = itertools.count(340)
        self._ids = itertools.count(88_171_001)  # people, threads, attachments, tags
        self.users: dict[int, dict[str, Any]] = {}
        self.customers: dict[int, dict[str, Any]] = {}
        self.mailboxes: dict[int, dict[str, Any]] = {}
        self.conversations: dict[int, dict[str, Any]] = {}
        self.threads: dict[int, dict[str, Any]] = {}
        self.files: dict[int, dict[str, Any]] = {}
        self.tag_ids: dict[str, int] = {}
        self.fields: dict[int, dict[str, Any]] = {}  # custom fields (mailbox fields), by id
        self.me = self.add_user(agent_name, email=agent_email, role="owner")
        self.mailbox = self.add_mailbox("Support", email="support@example.com")

    # --- clock: wall-clock seconds (find-after-unknown-outcome compares with the queue time) ---

    def rewind(self) -> None:
        """Let the clock go back to the (moved) wall clock: seeding history."""
        self._last = int(time.time()) + self.offset

    def stamp(self) -> int:
        """The second of a change; never earlier than the last one."""
        self._last = max(int(time.time()) + self.offset, self._last)
        return self._last

    # --- people and mailboxes ------------------------------------------------------------

    def add_user(self, name: str, *, email: str, role: str = "user") -> int:
        first, _, last = name.partition(" ")
        uid = next(self._ids)
        now = iso(self.stamp())
        self.users[uid] = {"id": uid, "firstName": first, "lastName": last, "email": email, "role": role,
                           "timezone": "UTC", "type": "user", "createdAt": now, "updatedAt": now,
                           "photoUrl": "", "mention": first.lower(), "initials": (first[:1] + last[:1]).upper()}
        return uid

    def add_customer(self, name: str, *, email: str) -> int:
        for cid, customer in self.customers.items():
            if customer["email"] == email:
                return cid
        first, _, last = name.partition(" ")
        cid = next(self._ids)
        self.customers[cid] = {"id": cid, "firstName": first, "lastName": last, "email": email}
        return cid

    def add_mailbox(self, name: str, *, email: str) -> int:
        mid = len(self.mailboxes) + 51
        now = iso(self.stamp())
        self.mailboxes[mid] = {"id": mid, "name": name, "slug": f"{mid:x}slug", "email": email,
                               "createdAt": now, "updatedAt": now}
        return mid

    def person(self, kind: str, pid: int | None) -> dict[str, Any] | None:
        record = (self.users if kind == "user" else self.customers).get(pid or -1)
        if record is None:
            return None
        return {"id": pid, "type": kind, "first": record["firstName"], "last": record["lastName"],
                "email": record["email"]}

    # --- conversations -------------------------------------------------------------------

    def add_conversation(self, subject: str, body: str, *, customer: int, mailbox: int | None = None,
                         status: str = "active", attachments: tuple[int, ...] = (), html: bool = False) -> int:
        """A customer writes in (an e-mail): a conversation with one customer thread."""
        cid = next(self._conversation_ids)
        ts = self.stamp()
        self.conversations[cid] = {
            "id": cid, "number": next(self._numbers), "type": "email", "status": "active", "state": "published",
            "subject": subject, "mailboxId": mailbox or self.mailbox, "assignee": None, "customer": customer,
            "createdBy": ("customer", customer), "createdAt": ts, "updatedAt": ts, "closedAt": None,
            "closedBy": None, "userUpdatedAt": ts, "waitingSince": ts, "tags": [], "threads": [], "custom": {},
        }
        self.add_thread(cid, "customer", body, author=("customer", customer), attachments=attachments, html=html)
        if status not in STATUSES:
            raise bad_field("status", f"Invalid status: {status}")
        self.conversations[cid]["status"] = status  # how it was filed (an import), no line item
        return cid

    def conversation(self, cid: int) -> dict[str, Any]:
        found = self.conversations.get(cid)
        if found is None or found["state"] == "deleted":
            raise not_found()
        return found

    def touch(self, conversation: dict[str, Any], *, by_user: bool) -> int:
        ts = conversation["updatedAt"] = self.stamp()
        if by_user:
            conversation["userUpdatedAt"] = ts
        return ts

    def add_thread(self, cid: int, kind: str, text: str, *, author: tuple[str, int],
                   attachments: tuple[int, ...] = (), status: str | None = None, html: bool = False) -> int:
        """A thread; ``text`` is plain text made HTML (a test's), or HTML kept as it is (``html``:
        what the API takes, since a thread's ``text`` is its HTML body)."""
        conversation = self.conversation(cid)
        if len(conversation["threads"]) >= THREAD_LIMIT:
            raise ApiError(412, "Conversation has reached the maximum number of threads")
        tid = next(self._ids)
        ts = self.touch(conversation, by_user=author[0] == "user")
        if kind == "customer":
            conversation["waitingSince"] = ts
            if conversation["status"] in ("pending", "closed"):
                self.set_status(conversation, "active", author=None)
        elif kind == "reply" and status is None:
            status = "active"  # "If not explicitly set, a reply thread will reactivate the conversation"
        self.threads[tid] = {"id": tid, "conversation": cid, "type": kind, "body": text if html else html_of(text), "author": author, "createdAt": ts, "attachments": list(attachments),
                             "status": conversation["status"], "action": None}
        conversation["threads"].append(tid)
        if status:
            self.set_status(conversation, status, author=author if author[0] == "user" else None)
            self.threads[tid]["status"] = status
        return tid

    def set_status(self, conversation: dict[str, Any], status: str, *, author: tuple[str, int] | None) -> None:
        if status not in STATUSES:
            raise bad_field("value" if author is None else "status", f"Invalid status: {status}")
        if status == conversation["status"]:
            return
        conversation["status"] = status
        ts = self.touch(conversation, by_user=author is not None)
        if status == "closed":
            conversation["closedAt"], conversation["closedBy"] = ts, author[1] if author else None
        # A status change shows in the thread as a line item (the web app's "marked as …").
        tid = next(self._ids)
        self.threads[tid] = {"id": tid, "conversation": conversation["id"], "type": "lineitem", "body": "",
                             "author": author or ("user", self.me), "createdAt": ts, "attachments": [],
                             "status": status, "action": {"type": "changed-ticket-status",
                                                          "text": f"marked as {status}"}}
        conversation["threads"].append(tid)

    def assign(self, conversation: dict[str, Any], user: int | None) -> None:
        if user is not None and user not in self.users:
            raise bad_field("assignTo", "User not found")
        if conversation["assignee"] != user:
            conversation["assignee"] = user
            self.touch(conversation, by_user=True)

    def set_tags(self, conversation: dict[str, Any], tags: list[str]) -> None:
        wanted = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))  # Help Scout keeps tags lower case
        for tag in wanted:
            self.tag_ids.setdefault(tag, next(self._ids))
        if wanted != conversation["tags"]:
            conversation["tags"] = wanted
            self.touch(conversation, by_user=True)

    def delete(self, cid: int) -> None:
        conversation = self.conversation(cid)
        conversation["state"] = "deleted"
        self.touch(conversation, by_user=True)

    # --- custom fields ("List Mailbox Custom Fields", "Update Custom Fields") ----------

    def add_field(self, name: str, options: tuple[str, ...], *, mailbox: int | None = None) -> int:
        """A dropdown custom field of a mailbox (what teams use for a priority: Help Scout has none)."""
        fid = next(self._ids)
        self.fields[fid] = {"id": fid, "name": name, "type": "dropdown", "order": len(self.fields) + 1,
                            "required": False, "mailbox": mailbox or self.mailbox,
                            "options": [{"id": next(self._ids), "order": i + 1, "label": label}
                                        for i, label in enumerate(options)]}
        return fid

    def set_fields(self, conversation: dict[str, Any], given: list[Any]) -> None:
        """Each ``{id, value}``; a dropdown's value is one of its option ids (as text or number)."""
        changes: dict[int, str] = {}
        for item in given:
            field = self.fields.get(item.get("id") if isinstance(item, dict) else -1)
            if field is None or field["mailbox"] != conversation["mailboxId"]:
                raise bad_field("fields[].id", "Custom field not found for this mailbox")
            value = str(item.get("value", ""))
            if value and value not in {str(o["id"]) for o in field["options"]}:
                raise bad_field("fields[].value", f"Invalid option for {field['name']}: {value}")
            changes[field["id"]] = value
        if any(conversation["custom"].get(f) != v for f, v in changes.items()):
            conversation["custom"].update(changes)
            self.touch(conversation, by_user=True)

    def field_text(self, fid: int, value: str) -> str:
        return next((o["label"] for o in self.fields[fid]["options"] if str(o["id"]) == value), "")

    # --- attachments ---------------------------------------------------------------------

    def add_file(self, name: str, data: bytes, mime_type: str) -> int:
        aid = next(self._ids)
        self.files[aid] = {"id": aid, "filename": name, "mimeType": mime_type, "size": len(data), "data": data}
        return aid

    def file_from_json(self, item: Any) -> int:
        """An attachment of a write: ``fileName``, ``mimeType`` and base64 ``data`` (all required)."""
        if not isinstance(item, dict):
            raise bad_field("attachments", "must be an object")
        for key in ("fileName", "mimeType", "data"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise bad_field(f"attachments[].{key}", "may not be empty")
        try:
            data = base64.b64decode(item["data"], validate=True)
        except ValueError:
            raise bad_field("attachments[].data", "must be base64") from None
        return self.add_file(item["fileName"], data, item["mimeType"])

    # --- JSON views ----------------------------------------------------------------------

    def conversation_json(self, c: dict[str, Any], *, embed_threads: bool = False) -> dict[str, Any]:
        kind, who = c["createdBy"]
        base = f"{self.base_url}/v2/conversations/{c['id']}"
        published = [t for t in c["threads"] if self.threads[t]["type"] != "lineitem"]
        last_text = self.threads[published[-1]]["body"] if published else ""
        body: dict[str, Any] = {
            "id": c["id"], "number": c["number"], "threads": len(published), "type": c["type"], "folderId": 1,
            "status": c["status"], "state": c["state"], "subject": c["subject"],
            "preview": re.sub(r"<[^>]+>", "", last_text)[:185], "mailboxId": c["mailboxId"],
            "assignee": self.person("user", c["assignee"]), "createdBy": self.person(kind, who),
            "createdAt": iso(c["createdAt"]), "updatedAt": iso(c["updatedAt"]),
            "closedBy": c["closedBy"], "closedByUser": self.person("user", c["closedBy"]),
            "closedAt": iso(c["closedAt"]) if c["closedAt"] else None, "userUpdatedAt": iso(c["userUpdatedAt"]),
            "customerWaitingSince": {"time": iso(c["waitingSince"]), "friendly": "moments ago"},
            "source": {"type": "email", "via": kind}, "cc": [], "bcc": [],
            "tags": [{"id": self.tag_ids[t], "color": "#929499", "tag": t} for t in c["tags"]],
            "primaryCustomer": self.person("customer", c["customer"]),
            "customFields": [{"id": f, "name": self.fields[f]["name"], "value": v, "text": self.field_text(f, v)}
                             for f, v in c["custom"].items() if v],
            "_links": {"self": {"href": base}, "mailbox": {"href": f"{self.base_url}/v2/mailboxes/{c['mailboxId']}"},
                       "threads": {"href": f"{base}/threads"}},
        }
        if embed_threads:
            body["_embedded"] = {"threads": self.threads_json(c)}
        return body

    def threads_json(self, c: dict[str, Any]) -> list[dict[str, Any]]:
        """Newest first, as List Threads sorts them by default."""
        return [self.thread_json(self.threads[t]) for t in reversed(c["threads"])]

    def thread_json(self, t: dict[str, Any]) -> dict[str, Any]:
        kind, who = t["author"]
        c = self.conversations[t["conversation"]]
        return {
            "id": t["id"], "type": t["type"], "status": t["status"], "state": "published", "action": t["action"],
            "body": t["body"], "source": {"type": "email" if kind == "customer" else "web", "via": kind},
            "customer": self.person("customer", c["customer"]), "createdBy": self.person(kind, who),
            "assignedTo": self.person("user", c["assignee"]), "savedReplyId": None, "to": [], "cc": [], "bcc": [],
            "createdAt": iso(t["createdAt"]), "openedAt": None,
            "_embedded": {"attachments": [self.attachment_json(c["id"], self.files[a]) for a in t["attachments"]]},
            "_links": {"createdByCustomer" if kind == "customer" else "createdByUser":
                       {"href": f"{self.base_url}/v2/{'customers' if kind == 'customer' else 'users'}/{who}"}},
        }

    def attachment_json(self, cid: int, f: dict[str, Any]) -> dict[str, Any]:
        data = f"{self.base_url}/v2/conversations/{cid}/attachments/{f['id']}/data"
        return {"id": f["id"], "filename": f["filename"], "mimeType": f["mimeType"], "width": 0, "height": 0,
                "size": f["size"], "state": "valid",
                "_links": {"self": {"href": data.removesuffix("/data")}, "data": {"href": data},
                           "web": {"href": f"{self.base_url}/attachments/{f['id']}/{f['filename']}"}}}

    def user_json(self, uid: int) -> dict[str, Any]:
        return {**self.users[uid], "_links": {"self": {"href": f"{self.base_url}/v2/users/{uid}"}}}
