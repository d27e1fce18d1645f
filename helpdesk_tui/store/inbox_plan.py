"""How the inbox's typed filters run: one index walked in SLA order, the rest checked on its entries.

SQLite left to itself picks the index whose *average* value is rarest (``sqlite_stat1``, when
there is one): for ``status:open,pending priority:high`` on a million tickets it walked the
270,000 high-priority tickets and read each one's table row for its status (160 ms). Here the
clause expected to match fewest tickets drives the query through its own index, named with
``INDEXED BY``, and every other structured condition is answered from that index entry
(schema v10 makes the status, priority and assignee indexes carry the other two) or by one
primary-key probe of ``ticket_tags``, whose rows carry their ticket's ``sla_key``. A driver
with one value yields the rows already in inbox order, so a first page stops after 200.

Only when a tag drives and other columns are asked about is each ticket's row read.

Queries in another order than SLA urgency keep SQLite's own plan (``store/inbox.py``), and so do
queries with free text unless ``store/inbox_text.py`` finds the driving index the shorter walk;
both paths write the conditions with ``clause_sql``, a tag as a key probe here and as the list of
its tickets there (read once, right when SQLite walks many tickets).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from helpdesk_tui.domain.query import Clause, status_values
from helpdesk_tui.domain.sla import DELETED_FLOOR

if TYPE_CHECKING:
    from helpdesk_tui.store.inbox import InboxQuery

# What share of a cache one value of a clause is expected to match, to pick the driving
# clause. Guesses that hold for a helpdesk of any size: most tickets are closed, few are
# waiting on anyone; one agent holds a fraction of all tickets; urgent and high are rarer
# than normal and low. A poor guess costs a longer walk of a covering index, not table reads.
_STATUS_SHARE = {"new": 0.01, "open": 0.04, "pending": 0.04, "on_hold": 0.02, "solved": 0.06, "closed": 0.8}
_PRIORITY_SHARE = {"urgent": 0.1, "high": 0.25, "normal": 0.5, "low": 0.15}
_ONE_AGENT_SHARE = 0.1
_UNASSIGNED_SHARE = 0.05
_ONE_TAG_SHARE = 0.15
_CUSTOMER_SHARE = 0.02  # a person or an organization among thousands
_ROW_READ = 3  # a table row read against an index probe

_INDEX = {"status": "ix_tickets_status", "priority": "ix_tickets_priority",
          "assignee": "ix_tickets_assignee", "customer": "ix_tickets_requester"}


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _tag_probe(values: tuple[str, ...], key: str, ticket: str) -> tuple[str, list[object]]:
    """The ticket whose ``sla_key`` and id are these columns has one of these tags: a key probe."""
    sql = (f"EXISTS (SELECT 1 FROM ticket_tags x WHERE x.tag IN ({_marks(len(values))}) "
           f"AND x.sla_key = {key} AND x.ticket_id = {ticket})")
    return sql, list(values)


def _customer_ids(values: tuple[str, ...]) -> tuple[str, list[object]]:
    """Customers whose name, e-mail or organization's name contains one of ``values``.

    The organizations matching are found once (a few thousand rows) rather than joined to
    every customer, which halves the scan of the customers table.
    """
    ors: list[str] = []
    params: list[object] = []
    for value in values:
        like = f"%{value}%"
        ors.append("(c.name LIKE ? OR c.email LIKE ? OR c.organization_id IN "
                   "(SELECT o.id FROM organizations o WHERE o.name LIKE ?))")
        params += [like, like, like]
    return f"SELECT c.id FROM customers c WHERE {' OR '.join(ors)}", params


def clause_sql(clause: Clause, *, probe: bool = False) -> tuple[str, list[object]]:
    """One clause as a condition on ``tickets t``.

    ``probe``: a tag is looked up ticket by ticket (a key probe each), right when the query walks
    a narrow index; otherwise the tag's tickets are listed once, right when SQLite walks many.
    """
    key = clause.key
    if key == "status":
        values = status_values(clause)
        sql = f"t.status IN ({_marks(len(values))})"
        params: list[object] = list(values)
    elif key == "priority":
        sql = f"t.priority IN ({_marks(len(clause.values))})"
        params = list(clause.values)
    elif key == "assignee":
        named = [v for v in clause.values if v]
        parts = []
        if named:
            parts.append(f"t.assignee IN ({_marks(len(named))})")
        if len(named) < len(clause.values):
            parts.append("t.assignee IS NULL")
        sql = "(" + " OR ".join(parts) + ")"
        params = list(named)
    elif key == "group":
        sql = f"lower(t.grp) IN ({_marks(len(clause.values))})"
        params = list(clause.values)
    elif key == "tag" and probe:
        sql, params = _tag_probe(clause.values, "t.sla_key", "t.id")
    elif key == "tag":
        sql = f"t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag IN ({_marks(len(clause.values))}))"
        params = list(clause.values)
    elif key == "customer":
        ids, params = _customer_ids(clause.values)
        sql = f"t.requester_id IN ({ids})"
    else:  # parse_filter only produces known keys
        raise ValueError(key)
    if clause.negated:
        sql = f"NOT ({sql})" if key != "assignee" else f"NOT coalesce({sql}, 0)"
    return sql, params


def _share(clause: Clause) -> float | None:
    """Expected share of tickets ``clause`` matches, or None if it cannot drive the query."""
    if clause.negated:
        return None
    if clause.key == "status":
        return sum(_STATUS_SHARE.get(v, 0.05) for v in status_values(clause))
    if clause.key == "priority":
        return sum(_PRIORITY_SHARE.get(v, 0.25) for v in clause.values)
    if clause.key == "assignee":
        if all(clause.values):
            return _ONE_AGENT_SHARE * len(clause.values)
        # "none" alone walks the NULL range; "none" mixed with names is an OR no single range answers
        return _UNASSIGNED_SHARE if not any(clause.values) and len(clause.values) == 1 else None
    if clause.key == "tag":
        return _ONE_TAG_SHARE * len(clause.values)
    if clause.key == "customer":
        return _CUSTOMER_SHARE * len(clause.values)
    return None  # group: lower(grp) has no index


def _driver_sql(clause: Clause) -> tuple[str, list[object]]:
    """The driving clause written so its index answers it (a range per value)."""
    if clause.key == "assignee" and not any(clause.values):
        return "t.assignee IS NULL", []
    return clause_sql(clause, probe=True)


# A free-text condition over a ticket id column: (sql, params) for that column's name.
TextCondition = Callable[[str], tuple[str, list[object]]]


def driver_share(query: InboxQuery) -> float | None:
    """The expected share of tickets the driving clause walks, or None if no clause can drive."""
    picked = _driver(query)
    return None if picked is None else picked[1]


def _driver(query: InboxQuery) -> tuple[Clause, float] | None:
    flt = query.filter
    if query.order != "urgency" or flt.number is not None or not flt.clauses:
        return None
    shares = [(share, i) for i, c in enumerate(flt.clauses) if (share := _share(c)) is not None]
    if not shares:
        return None
    if any(c.key != "tag" for c in flt.clauses):
        # Driven by a tag, every other condition costs a read of the ticket's row, about three
        # index probes (tag:billing priority:low on 1M: 174 ms CPU that way, 72 ms by priority).
        shares = [(share * _ROW_READ if flt.clauses[i].key == "tag" else share, i) for share, i in shares]
    share, at = min(shares)
    return flt.clauses[at], share


def planned_sql(query: InboxQuery, *, text: TextCondition | None = None) -> tuple[str, list[object]] | None:
    """``SELECT`` of the view's ticket ids in inbox order, or None to let SQLite plan it.

    A query with free text is planned only when ``text`` writes its condition (the caller
    decides that walking the driving index beats collecting the matches: store/inbox_text.py);
    it is then checked on each entry walked, like the other clauses.
    """
    if query.filter.text and text is None:
        return None
    picked = _driver(query)
    if picked is None:
        return None
    driver = picked[0]
    others = [c for c in query.filter.clauses if c is not driver]
    views = query.due_before is not None or query.updated_since is not None
    if driver.key == "tag" and not views and all(c.key == "tag" for c in others):
        return _tags_only(driver, others, text)
    parts: list[str] = []
    params: list[object] = []
    if text is not None:
        sql, p = text("t.id")
        parts.append(sql)
        params += p
    for clause in others:
        sql, p = clause_sql(clause, probe=True)
        parts.append(sql)
        params += p
    add_window(query, parts, params)
    if driver.key == "tag":
        return _tag_driven(driver, parts, params)
    sql, p = _driver_sql(driver)
    where = " AND ".join(["t.sla_key < ?", sql, *parts])  # sla_key: not deleted (domain.sla.urgency_key)
    return (f"SELECT t.id FROM tickets t INDEXED BY {_INDEX[driver.key]} WHERE {where} "
            "ORDER BY t.sla_key, t.id", [DELETED_FLOOR, *p, *params])


def _one_row_per_ticket(driver: Clause) -> str:
    # A ticket with two of the driver's tags has a row for each: keep one (same sla_key).
    return "GROUP BY g.sla_key, g.ticket_id " if len(driver.values) > 1 else ""


def _tag_driven(driver: Clause, parts: list[str], params: list[object]) -> tuple[str, list[object]]:
    """Tag rows in inbox order, joined to their ticket for the conditions on its columns."""
    sql = (f"SELECT g.ticket_id FROM ticket_tags g CROSS JOIN tickets t ON t.id = g.ticket_id "
           f"WHERE g.tag IN ({_marks(len(driver.values))}) AND g.sla_key < ? AND {' AND '.join(parts)} "
           f"{_one_row_per_ticket(driver)}ORDER BY g.sla_key, g.ticket_id")
    return sql, [*driver.values, DELETED_FLOOR, *params]


def _tags_only(driver: Clause, others: list[Clause], text: TextCondition | None) -> tuple[str, list[object]]:
    """Only tag clauses (and perhaps free text): ticket_tags alone answers, without reading a ticket."""
    parts = [f"g.tag IN ({_marks(len(driver.values))})", "g.sla_key < ?"]
    params: list[object] = [*driver.values, DELETED_FLOOR]
    for clause in others:
        sql, p = _tag_probe(clause.values, "g.sla_key", "g.ticket_id")
        parts.append(f"NOT ({sql})" if clause.negated else sql)
        params += p
    if text is not None:
        sql, p = text("g.ticket_id")
        parts.append(sql)
        params += p
    sql = (f"SELECT g.ticket_id FROM ticket_tags g WHERE {' AND '.join(parts)} "
           f"{_one_row_per_ticket(driver)}ORDER BY g.sla_key, g.ticket_id")
    return sql, params


def add_window(query: InboxQuery, parts: list[str], params: list[object]) -> None:
    """The view's own limits (due before, updated since), in planned and unplanned queries alike."""
    if query.due_before is not None:
        parts.append("t.sla_due_at IS NOT NULL AND t.sla_key <= ?")
        params.append(query.due_before)
    if query.updated_since is not None:
        parts.append("t.updated_at >= ?")  # a range on ix_tickets_updated, which also gives the order
        params.append(query.updated_since)
