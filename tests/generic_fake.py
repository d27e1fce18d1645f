"""A small helpdesk API for the generic engine's tests, shaped like Redmine's REST API.

It behaves like the documented API where the engine depends on it: the key in
``X-Api-Key`` or 401; ``offset``/``limit`` (with ``total_count``) or ``page``/``per_page``
(with a ``Link`` header) paging, a page size capped at 100; ``updated_on=>=STAMP`` filtering at
one-second resolution (so the boundary second comes back, as Redmine's does); ``sort`` by
``updated_on`` ascending; 404 for an unknown issue. Served through ``httpx.MockTransport``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

TOKEN = "k3y-for-tests"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeDesk:
    now: datetime = START
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    users: dict[int, dict[str, Any]] = field(default_factory=lambda: {
        1: {"id": 1, "name": "Aiko Agent", "login": "aiko", "mail": "aiko@example.com"},
        2: {"id": 2, "name": "Bo Customer", "mail": "bo@example.com"},
        3: {"id": 3, "name": "Cy Customer", "mail": "cy@example.com"},
        4: {"id": 4, "name": "Casey Colleague", "mail": "casey@example.com"},
    })
    members: tuple[int, ...] = (1, 4)
    lock: threading.RLock = field(default_factory=threading.RLock)
    next_id: int = 100
    real_time: bool = False  # stamps follow the wall clock (a conformance run queues with real times)
    uploads: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # token → (name, bytes)
    files: dict[int, bytes] = field(default_factory=dict)
    tombstones: dict[int, dict[str, Any]] = field(default_factory=dict)  # deleted issues, for the export

    # --- scripting ---------------------------------------------------------------------

    def tick(self, seconds: float = 1.0) -> datetime:
        self.now += timedelta(seconds=seconds)
        if self.real_time:
            self.now = max(self.now, datetime.now(UTC).replace(microsecond=0))
        return self.now

    def user_by_mail(self, mail: str, name: str | None = None) -> int:
        for uid, user in self.users.items():
            if user["mail"] == mail:
                return uid
        uid = max(self.users) + 1
        self.users[uid] = {"id": uid, "name": name or mail.split("@")[0], "mail": mail}
        return uid

    def add_file(self, name: str, data: bytes, media_type: str) -> dict[str, Any]:
        file_id = len(self.files) + 1
        self.files[file_id] = data
        return {"id": file_id, "filename": name, "filesize": len(data), "content_type": media_type,
                "content_url": f"/files/{file_id}/{name}"}

    def add_issue(self, subject: str, *, author: int = 2, status: int = 1, priority: int = 2,
                  description: str = "Help, please.", assignee: int | None = None, same_second: bool = False) -> int:
        if not same_second:
            self.tick()
        issue_id = self.next_id
        self.next_id += 1
        self.issues[issue_id] = {
            "id": issue_id, "subject": subject, "description": description,
            "status": {"id": status, "name": f"status {status}"}, "priority": {"id": priority},
            "author": {"id": author, "name": self.users[author]["name"], "mail": self.users[author]["mail"]},
            "assigned_to": {"id": assignee, "name": self.users[assignee]["name"]} if assignee else None,
            "created_on": stamp(self.now), "updated_on": stamp(self.now), "journals": [], "attachments": [],
            "custom_fields": [],
        }
        return issue_id

    def add_journal(self, issue_id: int, notes: str, *, user: int = 1, private: bool = False,
                    files: list[dict[str, Any]] | None = None, same_second: bool = False) -> int:
        if not same_second:
            self.tick()
        issue = self.issues[issue_id]
        journal_id = 1000 + sum(len(i["journals"]) for i in self.issues.values())
        issue["journals"].append({"id": journal_id, "user": {"id": user, "name": self.users[user]["name"]},
                                  "notes": notes, "private_notes": private, "created_on": stamp(self.now),
                                  "attachments": files or []})
        issue["updated_on"] = stamp(self.now)
        return journal_id

    def delete(self, issue_id: int) -> None:
        """The issue is gone: 404 from now on; the export lists it once more, as deleted."""
        self.tick()
        issue = self.issues.pop(issue_id)
        self.tombstones[issue_id] = {**_listed(issue), "status": {"id": 0, "name": "deleted"},
                                     "updated_on": stamp(self.now)}

    def touch(self, issue_id: int, *, same_second: bool = False, **changes: Any) -> None:
        if not same_second:
            self.tick()
        self.issues[issue_id].update(changes)
        self.issues[issue_id]["updated_on"] = stamp(self.now)

    # --- the API ------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            if request.headers.get("X-Api-Key") != TOKEN:
                return httpx.Response(401, json={"errors": ["unauthorized"]})
            path = request.url.path
            query = {k: v[-1] for k, v in parse_qs(request.url.query.decode(), keep_blank_values=True).items()}
            if path == "/users/current.json":
                return _json({"user": self.users[1]})
            if path == "/projects/desk/memberships.json":
                return _json({"memberships": [{"user": {"id": u, "name": self.users[u]["name"]}}
                                              for u in self.members], "total_count": len(self.members)})
            if path == "/issues.json" and request.method == "POST":
                return self._create(request)
            if path == "/issues.json":
                return self._list(request, query)
            if path == "/export.json":
                return self._export(query)
            if path == "/uploads.json" and request.method == "POST":
                token = f"up{len(self.uploads) + 1}"
                self.uploads[token] = (query.get("filename", "file"), request.content)
                return httpx.Response(201, json={"upload": {"token": token}})
            if path.startswith("/issues/") and path.endswith(".json"):
                ident = path[len("/issues/"):-len(".json")]
                issue = self.issues.get(int(ident)) if ident.isdigit() else None
                if issue is None:
                    return httpx.Response(404, json={"errors": ["not found"]})
                if request.method == "PUT":
                    return self._update(issue, request)
                return _json({"issue": issue})
            if path.startswith("/files/"):
                file_id = path.split("/")[2]
                if file_id.isdigit() and int(file_id) in self.files:
                    return httpx.Response(200, content=self.files[int(file_id)])
                return httpx.Response(200, content=b"file:" + path.encode())
            return httpx.Response(404, json={"errors": ["no such path"]})

    def _update(self, issue: dict[str, Any], request: httpx.Request) -> httpx.Response:
        """Redmine's ``PUT /issues/N.json``: notes become a journal; 204 without a body."""
        try:
            changes = json.loads(request.content)["issue"]
        except (ValueError, KeyError, TypeError):
            return httpx.Response(422, json={"errors": ["no issue"]})
        wanted = request.headers.get("If-Match")
        if wanted is not None and wanted != issue["updated_on"]:
            return httpx.Response(412, json={"errors": ["the issue changed since"]})
        self.tick()
        if "status_id" in changes:
            issue["status"] = {"id": int(changes["status_id"]), "name": "changed"}
        if "priority_id" in changes:
            issue["priority"] = {"id": int(changes["priority_id"])}
        if "assigned_to_id" in changes:
            uid = changes["assigned_to_id"]
            issue["assigned_to"] = {"id": uid, "name": self.users[int(uid)]["name"]} if uid else None
        files = []
        for upload in changes.get("uploads") or ():
            name, data = self.uploads[upload["token"]]
            files.append(self.add_file(upload.get("filename") or name, data,
                                       upload.get("content_type") or "application/octet-stream"))
        if changes.get("notes") or files:
            journal_id = 1000 + sum(len(i["journals"]) for i in self.issues.values())
            issue["journals"].append({"id": journal_id, "user": {"id": 1, "name": self.users[1]["name"]},
                                      "notes": changes.get("notes") or "",
                                      "private_notes": bool(changes.get("private_notes")),
                                      "created_on": stamp(self.now), "attachments": files})
        issue["updated_on"] = stamp(self.now)
        return httpx.Response(204)

    def _export(self, query: dict[str, str]) -> httpx.Response:
        """An incremental export with an opaque cursor (Zendesk's shape): ``start_time`` (epoch) the
        first time, then ``cursor``; ``after_cursor`` and ``end_of_stream``; deleted issues listed
        with status ``deleted``."""
        everything = sorted([*self.issues.values(), *self.tombstones.values()],
                            key=lambda i: (i["updated_on"], i["id"]))
        if "cursor" in query:
            try:
                after = tuple(json.loads(bytes.fromhex(query["cursor"])))
            except ValueError:
                return httpx.Response(400, json={"error": "InvalidCursor"})
            listed = [i for i in everything if (i["updated_on"], i["id"]) > after]
        elif "start_time" in query:
            start = stamp(datetime.fromtimestamp(int(query["start_time"]), UTC))
            listed = [i for i in everything if i["updated_on"] >= start]
        else:
            return httpx.Response(400, json={"error": "start_time or cursor is required"})
        size = min(int(query.get("per_page", 2)), 1000)
        chunk = listed[:size]
        last = chunk[-1] if chunk else None
        cursor = json.dumps([last["updated_on"], last["id"]]).encode().hex() if last else query.get("cursor")
        return _json({"issues": [_listed(i) for i in chunk], "after_cursor": cursor,
                      "end_of_stream": len(listed) <= size})

    def _create(self, request: httpx.Request) -> httpx.Response:
        """``POST /issues.json``: the issue's author by e-mail (made when unknown), its custom fields."""
        try:
            data = json.loads(request.content)["issue"]
            subject, description = str(data["subject"]), str(data.get("description") or "")
        except (ValueError, KeyError, TypeError):
            return httpx.Response(422, json={"errors": ["Subject cannot be blank"]})
        author = self.user_by_mail(str(data.get("author_mail") or self.users[1]["mail"]), data.get("author_name"))
        issue_id = self.add_issue(subject, author=author, description=description,
                                  status=int(data.get("status_id") or 1), priority=int(data.get("priority_id") or 2))
        issue = self.issues[issue_id]
        issue["custom_fields"] = list(data.get("custom_fields") or [])
        for upload in data.get("uploads") or ():
            name, payload = self.uploads[upload["token"]]
            issue["attachments"].append(self.add_file(upload.get("filename") or name, payload,
                                                      upload.get("content_type") or "application/octet-stream"))
        return httpx.Response(201, json={"issue": _listed(issue)})

    def _list(self, request: httpx.Request, query: dict[str, str]) -> httpx.Response:
        if query.get("project_id") != "desk":
            return httpx.Response(404, json={"errors": ["no project"]})
        issues = sorted(self.issues.values(), key=lambda i: (i["updated_on"], i["id"]))
        if "cf_1" in query:
            issues = [i for i in issues if any(f.get("id") == 1 and f.get("value") == query["cf_1"]
                                               for f in i.get("custom_fields") or ())]
        since = query.get("updated_on")
        if since:
            if not since.startswith(">="):
                return httpx.Response(422, json={"errors": ["bad filter"]})
            bound = datetime.fromisoformat(since[2:].replace("Z", "+00:00")).replace(microsecond=0)
            issues = [i for i in issues if datetime.fromisoformat(i["updated_on"].replace("Z", "+00:00")) >= bound]
        if "page" in query:
            size = min(int(query.get("per_page", 25)), 100)
            page = int(query["page"])
            chosen = issues[(page - 1) * size: page * size]
            headers = {"X-Total": str(len(issues))}
            if page * size < len(issues):
                nxt = request.url.copy_merge_params({"page": page + 1})
                headers["Link"] = f'<{nxt}>; rel="next", <{request.url}>; rel="self"'
            return _json({"issues": [_listed(i) for i in chosen]}, headers)
        offset = int(query.get("offset", 0))
        limit = min(int(query.get("limit", 25)), 100)
        return _json({"issues": [_listed(i) for i in issues[offset:offset + limit]], "total_count": len(issues),
                      "offset": offset, "limit": limit})


def _listed(issue: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in issue.items() if k != "journals"}


def _json(data: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(200, content=json.dumps(data).encode(), headers={"Content-Type": "application/json",
                                                                            **(headers or {})})


MAPPING = """\
format: 1
name: fakedesk
label: FakeDesk
options:
  project: {help: "the project's identifier", required: true}
base_url: "{account.url}"
auth: {type: header, name: X-Api-Key, value: "{account.token}"}
capabilities:
  attachments: {max_bytes: 5MB, max_count: 3}
check:
  request: {path: /users/current.json}
  id: user.id
  name: user.login
  email: user.mail
lookups:
  agents:
    request: {path: "/projects/{options.project}/memberships.json"}
    records: memberships
    id: user.id
    name: user.name
tickets:
  request: {path: /issues.json, query: {project_id: "{options.project}", sort: "updated_on:asc", status_id: "*"}}
  records: issues
  paging: {type: offset, offset_param: offset, limit_param: limit, limit: 2, total: total_count}
  incremental: {type: updated_since, param: updated_on, value: ">={since}", format: iso8601z, field: updated_on}
  one: {request: {path: "/issues/{number}.json"}, record: issue}
  fields:
    remote_id: id
    number: id
    subject: subject
    status: {path: status.id, map: {1: new, 2: open, 3: solved, 5: closed}, default: open}
    priority: {path: priority.id, map: {1: low, 2: normal, 3: high, 4: urgent}, default: normal}
    created_at: created_on
    updated_at: {path: updated_on, date: iso8601}
    requester: author.id
    assignee: {path: assigned_to.id, join: agents}
    version: updated_on
users:
  in_ticket: author
  fields: {remote_id: id, name: name, email: mail}
messages:
  - request: {path: "/issues/{ticket.remote_id}.json", query: {include: "journals,attachments"}}
    records: "[issue]"
    fields: {remote_id: {template: "issue-{id}"}, kind: customer, author: author.name, body: description,
             created_at: created_on,
             attachments: {records: attachments, fields: {remote_id: id, name: filename, size: filesize,
                                                          media_type: content_type, url: content_url}}}
  - request: {path: "/issues/{ticket.remote_id}.json", query: {include: "journals,attachments"}}
    records: issue.journals
    skip: {path: notes, empty: true}
    fields:
      remote_id: id
      author: user.name
      body: notes
      created_at: created_on
      kind:
        - {when: {path: private_notes, equals: true}, kind: internal_note}
        - {when: {path: user.id, equals: "{ticket.requester}"}, kind: customer}
        - {kind: public_reply}
      attachments:
        records: attachments
        fields: {remote_id: id, name: filename, size: filesize, media_type: content_type, url: content_url}
writes:
  reply:
    steps:
      - request: {method: PUT, path: "/issues/{ticket.remote_id}.json",
                  json: {issue: {notes: "{command.body}", status_id: "{status}", uploads: "{uploads}"}}}
    new_id: null
  note:
    steps:
      - request: {method: PUT, path: "/issues/{ticket.remote_id}.json",
                  json: {issue: {notes: "{command.body}", private_notes: true, uploads: "{uploads}"}}}
    new_id: null
  update:
    steps:
      - request: {method: PUT, path: "/issues/{ticket.remote_id}.json",
                  json: {issue: {status_id: "{status}", priority_id: "{priority}", assigned_to_id: "{assignee}"}}}
    values:
      status: {new: 1, open: 2, solved: 3, closed: 5}
      priority: {low: 1, normal: 2, high: 3, urgent: 4}
      assignee: {lookup: agents}
  new_ticket:
    steps:
      - request:
          method: POST
          path: /issues.json
          json: {issue: {project_id: "{options.project}", subject: "{command.subject}", description: "{command.body}",
                         author_mail: "{command.requester_email}", author_name: "{command.requester_name}",
                         status_id: "{status}", priority_id: "{priority}", assigned_to_id: "{assignee}",
                         uploads: "{uploads}", custom_fields: [{id: 1, value: "{command.id}"}]}}
    new_id: issue.id
    number: issue.id
    delivered:
      type: marker
      request: {path: /issues.json, query: {project_id: "{options.project}", cf_1: "{command.id}", status_id: "*"}}
      records: issues
      where: custom_fields
      id: id
  attachments:
    type: upload_token
    upload: {request: {method: POST, path: /uploads.json, query: {filename: "{file.name}"}}, token: upload.token}
    item: {token: "{token}", filename: "{file.name}", content_type: "{file.media_type}"}
"""


class Served:
    """``FakeDesk`` over real HTTP on loopback (for the fault proxy of the conformance suite)."""

    def __init__(self, desk: FakeDesk) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        fake = desk

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = httpx.Request(self.command, f"http://{self.headers.get('Host')}{self.path}",
                                        headers=dict(self.headers.items()), content=body)
                response = fake.handle(request)
                content = response.read()
                self.send_response(response.status_code)
                for name, value in response.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        self.desk = desk
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
