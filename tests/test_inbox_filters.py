"""Typed inbox filters (store/inbox_plan.py, schema v10): the same tickets in the same order as
a plain reading of the filter, a query plan that walks an index, and tag rows that follow
their ticket's sla_key whatever writes it."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from helpdesk_tui.domain.query import Clause, Filter, builtin_views, parse_filter, status_values
from helpdesk_tui.domain.sla import DELETED_FLOOR
from helpdesk_tui.store import inbox, inbox_plan, writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.inbox import InboxQuery, view_query
from helpdesk_tui.store.schema import MIGRATIONS, migrate
from helpdesk_tui.store.tickets import get_ticket


def _ascii_lower(text: str) -> str:
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def _like(pattern: str, text: str | None) -> bool:
    """SQLite's LIKE without ESCAPE: % and _ are wildcards, only ASCII letters fold case."""
    if text is None:
        return False
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, text, re.DOTALL | re.IGNORECASE | re.ASCII) is not None


class Oracle:
    """The filter read plainly, ticket by ticket, in Python."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.tickets = conn.execute(
            "SELECT id, status, priority, assignee, grp, tags, requester_id, sla_key, sla_due_at, updated_at "
            "FROM tickets").fetchall()
        orgs = dict(conn.execute("SELECT id, name FROM organizations").fetchall())
        self.customers = {cid: (name, email, orgs.get(org))
                          for cid, name, email, org in conn.execute(
                              "SELECT id, name, email, organization_id FROM customers")}

    def _customer(self, values: tuple[str, ...], requester: int | None) -> bool | None:
        if requester is None:
            return None  # NULL IN (...) is NULL: neither the clause nor its negation holds
        fields = self.customers.get(requester)
        return fields is not None and any(_like(f"%{v}%", f) for v in values for f in fields)

    def _holds(self, clause: Clause, row: tuple) -> bool | None:
        _id, status, priority, assignee, grp, tags, requester = row[:7]
        if clause.key == "status":
            return status in status_values(clause)
        if clause.key == "priority":
            return priority in clause.values
        if clause.key == "assignee":
            return assignee in clause.values or (assignee is None and "" in clause.values)
        if clause.key == "group":
            return None if grp is None else _ascii_lower(grp) in clause.values
        if clause.key == "tag":
            return bool({t.lower() for t in json.loads(tags)} & set(clause.values))
        return self._customer(clause.values, requester)

    def ids(self, query: InboxQuery) -> list[int]:
        out = []
        for row in self.tickets:
            if row[7] >= DELETED_FLOOR:
                continue
            if query.due_before is not None and (row[8] is None or row[7] > query.due_before):
                continue
            if query.updated_since is not None and row[9] < query.updated_since:
                continue
            verdicts = [self._holds(c, row) for c in query.filter.clauses]
            if all(v is not None and v != c.negated for v, c in zip(verdicts, query.filter.clauses, strict=True)):
                out.append((row[7], row[0]))
        return [tid for _key, tid in sorted(out)]


@pytest.fixture
def demo(demo_db):
    conn = open_database(demo_db)
    yield conn
    conn.close()


def _filters(conn: sqlite3.Connection) -> list[str]:
    """Filters of every kind, on the names and tags this workspace holds."""
    name = conn.execute("SELECT c.name FROM tickets t JOIN customers c ON c.id = t.requester_id "
                        "GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1").fetchone()[0]
    org = conn.execute("SELECT o.name FROM tickets t JOIN customers c ON c.id = t.requester_id "
                       "JOIN organizations o ON o.id = c.organization_id "
                       "GROUP BY o.id ORDER BY count(*) DESC, o.id LIMIT 1").fetchone()[0]
    agent, other = (r[0] for r in conn.execute(
        "SELECT assignee FROM tickets WHERE assignee IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2"))
    tag, tag2, tag3 = (r[0] for r in conn.execute(
        "SELECT tag FROM ticket_tags GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3"))
    surname = name.split()[-1].lower()
    quoted = f'"{agent}"' if " " in agent else agent
    quoted_other = f'"{other}"' if " " in other else other
    return [
        "status:open", "status:open,pending priority:high", "priority:high assignee:me", "assignee:none",
        f"tag:{tag}", f"tag:{tag2} status:open", f'customer:"{name}"', f"customer:{surname}", f'customer:"{org}"',
        "-status:solved,closed priority:urgent",
        f"priority:high assignee:{quoted}", f"status:open assignee:{quoted}", f"assignee:{quoted},none",
        f"assignee:none,{quoted} status:open", "-assignee:none status:pending", f"-assignee:{quoted} priority:urgent",
        f"assignee:{quoted},{quoted_other} priority:urgent", "status:active", "status:active priority:urgent",
        "status:closed", "status:solved,closed", "priority:low", f"priority:normal assignee:{quoted_other}",
        f"tag:{tag} priority:urgent", f"tag:{tag},{tag2}", f"tag:{tag} tag:{tag3}", f"tag:{tag} -tag:{tag3}",
        f"-tag:{tag} status:open", f"tag:{tag3} status:closed", f"tag:{tag2} priority:low assignee:{quoted}",
        "tag:no-such-tag", f"tag:{tag},{tag3} status:pending", f"tag:{tag},{tag2} -tag:{tag3}",
        f"customer:{surname} status:open", f"-customer:{surname} status:open", f"customer:{surname},{org.split()[0]}",
        "customer:example", "customer:a_b", "customer:%", "group:billing", "group:billing status:open",
        "-status:closed", f"-tag:{tag}", f"customer:{surname} tag:{tag}", f"customer:{surname} -tag:{tag}",
        "priority:urgent,high status:new", "status:hold", "assignee:nobody priority:urgent",
        "-priority:normal,low status:open", "status:pending -group:billing", f"-customer:{surname}",
    ]


def _queries(conn: sqlite3.Connection) -> list[tuple[str, InboxQuery]]:
    now = datetime.fromtimestamp(conn.execute("SELECT max(updated_at) FROM tickets").fetchone()[0], UTC)
    out = [(text, InboxQuery(filter=parse_filter(text, me="you"))) for text in _filters(conn)]
    agent = conn.execute("SELECT assignee FROM tickets WHERE assignee IS NOT NULL "
                         "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    tag = conn.execute("SELECT tag FROM ticket_tags GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    for me in ("you", agent):
        for view in builtin_views(me):
            base = view_query(view, now + timedelta(hours=1))
            for extra in ("", f"tag:{tag}", "priority:urgent", "-status:pending"):
                flt = view.filter.merged(parse_filter(extra, me=me)) if extra else view.filter
                out.append((f"view {view.id} as {me} + {extra!r}",
                            InboxQuery(filter=flt, order=base.order, due_before=base.due_before,
                                       updated_since=base.updated_since)))
    return out


def test_every_filter_gives_the_tickets_a_plain_reading_gives_in_inbox_order(demo):
    oracle = Oracle(demo)
    checked = 0
    for text, query in _queries(demo):
        expected = oracle.ids(query)
        if query.order != "urgency":
            assert sorted(inbox.ordered_ids(demo, query)) == sorted(expected), text
            continue
        assert list(inbox.ordered_ids(demo, query)) == expected, text
        assert list(inbox.ordered_ids(demo, query, limit=200)) == expected[:200], text
        assert list(inbox.ordered_ids(demo, query, limit=3)) == expected[:3], text
        assert inbox.count(demo, query) == len(expected), text
        checked += bool(expected)
    assert checked > 60  # the filters match something: the comparison is not between empty lists


def test_the_planned_path_and_sqlites_own_plan_agree(demo):
    """The conditions are the same on both paths (inbox_plan.clause_sql): only the plan differs."""
    for text, query in _queries(demo):
        if inbox_plan.planned_sql(query) is None:
            continue
        where, params = inbox.where_clause(query)
        plain = [r[0] for r in demo.execute(
            f"SELECT t.id FROM tickets t WHERE {where} ORDER BY t.sla_key, t.id", params)]
        assert list(inbox.ordered_ids(demo, query)) == plain, text


def _plan(conn: sqlite3.Connection, sql: str, params: list[object]) -> list[str]:
    return [r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


@pytest.mark.parametrize(("text", "index", "sorted_from_index"), [
    ("status:open", "ix_tickets_status", True),
    ("status:open,pending priority:high", "ix_tickets_status", False),
    ("priority:high assignee:me", "ix_tickets_assignee", True),
    ("assignee:none", "ix_tickets_assignee", True),
    ("tag:billing", "PRIMARY KEY", True),
    ("tag:refund status:open", "ix_tickets_status", True),
    ('customer:"Isla Johnson"', "ix_tickets_requester", False),
    ("customer:johnson", "ix_tickets_requester", False),
    ('customer:"Pioneer Consulting"', "ix_tickets_requester", False),
    ("-status:solved,closed priority:urgent", "ix_tickets_priority", True),
    ("tag:billing -tag:invoice", "PRIMARY KEY", True),
    ("tag:dns status:closed", "PRIMARY KEY", True),
])
def test_each_typed_filter_walks_an_index_and_never_scans_the_tickets(db, text, index, sorted_from_index):
    query = InboxQuery(filter=parse_filter(text, me="you"))
    planned = inbox_plan.planned_sql(query)
    assert planned is not None
    plan = _plan(db, *planned)
    assert any(index in line for line in plan), plan
    assert not any(line.startswith(("SCAN t", "SCAN g", "SCAN ticket")) for line in plan), plan
    # Status, priority and assignee are read from the index entry: the table row is never needed.
    assert not any(line.startswith("SEARCH t USING INDEX") for line in plan), plan
    assert any("TEMP B-TREE" in line for line in plan) != sorted_from_index, plan


def test_free_text_and_the_updated_order_keep_sqlites_plan():
    assert inbox_plan.planned_sql(InboxQuery(filter=parse_filter("status:open refund", me="you"))) is None
    assert inbox_plan.planned_sql(InboxQuery(filter=parse_filter("status:open", me="you"), order="updated")) is None
    assert inbox_plan.planned_sql(InboxQuery(filter=parse_filter("-status:closed", me="you"))) is None
    assert inbox_plan.planned_sql(InboxQuery(filter=Filter(number=5))) is None


def _tags_in_step(conn: sqlite3.Connection) -> None:
    stale = conn.execute("SELECT count(*) FROM ticket_tags g JOIN tickets t ON t.id = g.ticket_id "
                         "WHERE g.sla_key IS NOT t.sla_key").fetchone()[0]
    assert stale == 0
    expected = sorted((tag.lower(), tid) for tid, tags in conn.execute("SELECT id, tags FROM tickets")
                      for tag in set(json.loads(tags)))
    assert sorted(conn.execute("SELECT tag, ticket_id FROM ticket_tags").fetchall()) == sorted(set(expected))


def test_tag_rows_follow_their_tickets_sla_key_whatever_writes_it(demo):
    _tags_in_step(demo)
    tid = demo.execute("SELECT ticket_id FROM ticket_tags LIMIT 1").fetchone()[0]
    with transaction(demo):  # a statement of its own, as the SLA refresh or the demo's clock shift write it
        demo.execute("UPDATE tickets SET sla_key = sla_key + 7 WHERE id = ?", (tid,))
    _tags_in_step(demo)
    ticket = get_ticket(demo, tid)
    assert ticket is not None
    moved = ticket.__class__(**{**{f: getattr(ticket, f) for f in ticket.__dataclass_fields__},
                                "tags": ("Renamed", "billing"), "status": "solved",
                                "solved_at": ticket.updated_at})
    with transaction(demo):
        writer.save_tickets(demo, [moved])
    _tags_in_step(demo)
    assert {r[0] for r in demo.execute("SELECT tag FROM ticket_tags WHERE ticket_id = ?", (tid,))} == {
        "renamed", "billing"}
    with transaction(demo):
        writer.save_clocks(demo, [get_ticket(demo, tid)])
        demo.execute("UPDATE tickets SET sla_key = ? WHERE id = ?", (DELETED_FLOOR + 1, tid))
    _tags_in_step(demo)
    assert tid not in inbox.ordered_ids(demo, InboxQuery(filter=parse_filter("tag:renamed", me="you")))


def test_a_v9_cache_gains_tag_rows_in_inbox_order(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, script in enumerate(MIGRATIONS[:9], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.execute("BEGIN")
    for tid, key, tags in ((1, 300, ["Billing", "vip"]), (2, 100, ["billing"]), (3, DELETED_FLOOR + 5, ["billing"]),
                           (4, 200, [])):
        conn.execute("INSERT INTO tickets (id, number, subject, status, priority, tags, created_at, updated_at, "
                     "sla_key) VALUES (?, ?, 's', 'open', 'normal', ?, 0, 0, ?)", (tid, tid, json.dumps(tags), key))
        conn.executemany("INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)", ((tid, t.lower()) for t in tags))
    conn.execute("COMMIT")
    assert migrate(conn) == len(MIGRATIONS)
    assert conn.execute("SELECT tag, sla_key, ticket_id FROM ticket_tags ORDER BY 1, 2, 3").fetchall() == [
        ("billing", 100, 2), ("billing", 300, 1), ("billing", DELETED_FLOOR + 5, 3), ("vip", 300, 1)]
    assert list(inbox.ordered_ids(conn, InboxQuery(filter=parse_filter("tag:billing", me="you")))) == [2, 1]
    conn.execute("UPDATE tickets SET sla_key = 50 WHERE id = 1")
    assert list(inbox.ordered_ids(conn, InboxQuery(filter=parse_filter("tag:billing", me="you")))) == [1, 2]
    assert list(inbox.ordered_ids(conn, InboxQuery(filter=parse_filter("tag:vip status:open", me="you")))) == [1]
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert {"ix_ticket_tags_unfolded", "ticket_tags_follow_sla_key", "ticket_tags"} <= names
    assert "ticket_tags_by_urgency" not in names
    conn.close()
