"""A ``Writer`` wired to the Deskly fake (``tests/fakes/write_desk.py``) from mapping text, as
the generic backend wires it: one HttpClient (the shared retry rules), a Requester with the
account's context, lookups by name, and the thread read back through the same client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from helpdesk_tui.domain.remote import RemoteMessage
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.sync.auth import HeaderAuth
from helpdesk_tui.sync.contract import Capabilities
from helpdesk_tui.sync.generic.node import loads
from helpdesk_tui.sync.generic.requests import Requester
from helpdesk_tui.sync.generic.writes import Writer, parse_writes
from helpdesk_tui.sync.http import HttpClient, RetryPolicy
from tests.fakes.write_desk import AGENTS, GROUPS, KEY, Deskly

BASE = "http://desk.test/api"
FAST = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=5)
AGENT = {"id": 7, "name": "Ana Agent", "email": "ana@example.com"}

REPLY_JSON = """
  reply:
    steps:
      - request:
          method: POST
          path: "/tickets/{ticket.remote_id}/messages"
          json: {message: {body: "{command.body}", private: false, status_id: "{status}",
                           attachments: "{attachments}", uploads: "{uploads}"}}
    new_id: message.id
"""
NOTE_JSON = """
  note:
    steps:
      - request:
          method: POST
          path: "/tickets/{ticket.remote_id}/messages"
          json: {message: {body: "{command.body}", private: true, attachments: "{attachments}"}}
    new_id: null
"""
UPDATE_JSON = """
  update:
    steps:
      - request:
          method: PUT
          path: "/tickets/{ticket.remote_id}"
          json: {ticket: {status_id: "{status}", priority_id: "{priority}", assigned_to_id: "{assignee}",
                          group_id: "{group}", tags: "{tags}"}}
    values:
      status: {new: 1, open: 2, pending: 3, solved: 4, closed: 5}
      priority: {low: 1, normal: 2, high: 3, urgent: 4}
      assignee: {lookup: agents, none: null}
      group: {lookup: groups}
"""
BASE64 = """
  attachments:
    type: base64
    item: {filename: "{file.name}", content_type: "{file.media_type}", data: "{file.data|base64}"}
"""
WRITES = "writes:\n" + REPLY_JSON + NOTE_JSON + UPDATE_JSON + BASE64


class DictLookup:
    def __init__(self, by_id: dict[int, str]) -> None:
        self.by_id = by_id

    def id_for(self, name: str) -> Any | None:
        return next((i for i, n in self.by_id.items() if n.casefold() == name.casefold()), None)

    def name_for(self, id: Any) -> str | None:
        return self.by_id.get(int(id))

    def names(self) -> list[str]:
        return sorted(self.by_id.values())


LOOKUPS = {"agents": DictLookup(AGENTS), "groups": DictLookup(GROUPS)}


@dataclass
class Rig:
    fake: Deskly
    writer: Writer
    client: HttpClient

    def thread(self, remote_id: str) -> list[RemoteMessage]:
        data = self.client.get_json(f"/tickets/{remote_id}/messages")
        out = []
        for m in data["messages"]:
            kind = MessageKind.INTERNAL_NOTE if m["private"] else (
                MessageKind.CUSTOMER if m["author"] == "customer" else MessageKind.PUBLIC_REPLY)
            out.append(RemoteMessage(str(m["id"]), kind, m["author"], m["body"],
                                     datetime.fromisoformat(m["created_at"]), attachments=tuple(m["attachments"])))
        return out


def rig(writes: str = WRITES, *, fake: Deskly | None = None, capabilities: Capabilities | None = None,
        file: str = "deskly.yaml") -> Rig:
    fake = fake or Deskly()
    client = HttpClient(BASE, auth=HeaderAuth("X-Api-Key", KEY), policy=FAST, sleep=lambda s: None,
                        transport=fake.transport())
    requester = Requester(client, {"account": {"url": BASE, "user": None, "token": KEY}, "options": {},
                                   "origin": "http://desk.test"})
    root = loads(writes, file)
    spec = parse_writes(root.get("writes"), lookups=set(LOOKUPS))
    holder: dict[str, Rig] = {}
    writer = Writer(spec, requester, lookup=LOOKUPS.__getitem__,
                    fetch_thread=lambda remote_id: holder["rig"].thread(remote_id),
                    capabilities=capabilities or Capabilities(change_feed="timestamp"), label="Deskly")
    holder["rig"] = Rig(fake, writer, client)
    return holder["rig"]
