"""Tickets that exist without being stored: a 100,000-ticket feed for the fake Zendesk.

A bulk ticket is synthesised from its id each time it is read and becomes a real record, with
one comment and its audit, the first time something changes it. The feed holds only
(timestamp, id) pairs, so 100,000 tickets cost a few megabytes. The export serves bulk tickets
from a JSON template (``RawTicket``) rather than through ``json.dumps``: a page of 1,000
costs a few milliseconds, so the fake is not what a sync benchmark measures.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tests.fakes.zendesk_base import STATUSES, RawTicket, html_of, iso, not_found

PER_SECOND = 10  # bulk tickets share timestamps, so the export's tie-break on id is exercised
_PRIORITIES = (None, "low", "normal", "high", "urgent")
_iso = lru_cache(maxsize=8192)(iso)


@dataclass
class _Bulk:
    first: int
    last: int
    base_ts: int
    users: list[int]
    agents: list[int]
    groups: list[int]
    org_of: dict[int, int | None]
    template: str = ""


def _shape(v: dict[str, Any]) -> dict[str, Any]:
    """A bulk ticket in the API's shape, from its variable values ``v``."""
    return {
        "id": v["id"], "url": v["url"], "external_id": None,
        "via": {"channel": "email", "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": v["created_at"], "updated_at": v["updated_at"], "generated_timestamp": v["ts"],
        "type": "question", "subject": v["subject"], "raw_subject": v["subject"], "description": v["description"],
        "priority": v["priority"], "status": v["status"], "recipient": "support@example.com",
        "requester_id": v["requester_id"], "submitter_id": v["requester_id"], "assignee_id": v["assignee_id"],
        "organization_id": v["organization_id"], "group_id": v["group_id"], "collaborator_ids": [],
        "follower_ids": [], "email_cc_ids": [], "forum_topic_id": None, "problem_id": None,
        "has_incidents": False, "is_public": True, "due_at": None, "tags": ["printer", v["floor_tag"]],
        "custom_fields": [{"id": 360_001, "value": v["site"]}], "satisfaction_rating": None,
        "sharing_agreement_ids": [], "custom_status_id": None, "followup_ids": [], "ticket_form_id": None,
        "brand_id": None, "allow_channelback": False, "allow_attachments": True, "from_messaging_channel": False,
    }


def _json_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return '"' + value + '"'  # our generated strings hold no quote, backslash or control character


class BulkTickets:
    """Mixed into ``ZendeskState``: uses its ids, clock, users and feed."""

    _bulk: _Bulk | None = None

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
        self._feed.extend((base + i // PER_SECOND, first + i) for i in range(count))
        self._feed.sort()
        self._feed_key.update({first + i: (base + i // PER_SECOND, first + i) for i in range(count)})
        self._last_stamp = self.now = max(self.now, base + (count - 1) // PER_SECOND)
        return first, last

    def _in_bulk(self, ticket_id: int) -> bool:
        return self._bulk is not None and self._bulk.first <= ticket_id <= self._bulk.last

    def _bulk_values(self, tid: int) -> dict[str, Any]:
        b = self._bulk
        if b is None or not self._in_bulk(tid):
            raise not_found()
        i = tid - b.first
        ts = b.base_ts + i // PER_SECOND
        requester = b.users[i % len(b.users)]
        return {
            "id": tid, "url": f"{self.base_url}/api/v2/tickets/{tid}.json", "ts": ts,
            "created_at": _iso(ts - 3600 - i % 86_400), "updated_at": _iso(ts),
            "subject": f"Printer {i % 97} offline on floor {i % 13} (ticket {tid})",
            "description": f"Hello, since this morning printer {i % 97} shows 'offline'. " * 3,
            "priority": _PRIORITIES[i % 5], "status": STATUSES[i % 6], "requester_id": requester,
            "assignee_id": b.agents[i % len(b.agents)] if b.agents and i % 3 else None,
            "organization_id": b.org_of.get(requester), "group_id": b.groups[i % len(b.groups)],
            "floor_tag": f"floor_{i % 13}", "site": f"site_{i % 7}",
        }

    def _bulk_ticket(self, tid: int) -> dict[str, Any]:
        return _shape(self._bulk_values(tid))

    def _bulk_ticket_text(self, tid: int) -> RawTicket:
        """The same ticket as ``_bulk_ticket``, serialised from a template."""
        values = self._bulk_values(tid)
        b = self._bulk
        assert b is not None
        if not b.template:
            names = list(values)
            text = json.dumps(_shape({k: f"\x00{k}\x00" for k in names}),
                              separators=(",", ":")).replace("%", "%%")
            for name in names:
                text = text.replace(f'"\\u0000{name}\\u0000"', f"%({name})s")
            b.template = text
        raw = RawTicket(b.template % {k: _json_value(v) for k, v in values.items()})
        raw.refs = {"requester_id": values["requester_id"], "submitter_id": values["requester_id"],
                    "assignee_id": values["assignee_id"], "organization_id": values["organization_id"],
                    "group_id": values["group_id"]}
        return raw

    def _bulk_comments(self, ticket: dict[str, Any]) -> list[dict[str, Any]]:
        tid = ticket["id"]
        first = {"id": 80_000_000_000 + tid * 4, "type": "Comment", "author_id": ticket["requester_id"],
                 "body": ticket["description"], "html_body": html_of(ticket["description"]),
                 "plain_body": ticket["description"], "public": True, "attachments": [],
                 "audit_id": 80_000_000_000 + tid * 4 + 1, "via": {"channel": "email", "source": {}},
                 "metadata": {"system": {}, "custom": {}}, "created_at": ticket["created_at"]}
        return [first]

    def _bulk_audit(self, comment: dict[str, Any], ticket_id: int) -> dict[str, Any]:
        return {"id": comment["audit_id"], "ticket_id": ticket_id, "created_at": comment["created_at"],
                "author_id": comment["author_id"], "metadata": {"system": {}, "custom": {}},
                "via": comment["via"], "events": [{k: comment[k] for k in ("id", "type", "author_id", "body",
                                                                            "public", "audit_id")}]}
