"""The inbox's free-text filter: walking the view's order and collecting the matches agree.

store.inbox_text has two SQL forms for the same condition; a first page of a common word
walks, everything else collects. Both must keep exactly the tickets the old single form
(an OR of two IN lists) kept, in the view's order, with any other filter beside them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from helpdesk_tui.domain.query import parse_filter
from helpdesk_tui.store import inbox, inbox_text
from helpdesk_tui.store.db import open_database
from helpdesk_tui.store.fts_text import match_query

# The condition as it was before the two forms: the reference the new ones must equal.
_OLD = ("(t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?) OR t.id IN "
        "(SELECT m.ticket_id FROM messages m WHERE m.id IN "
        "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)))")

FILTERS = ["refund", "password reset", "fattura", "返金", "status:open refund", "the", "pas",
           "priority:high password", "-status:closed refund", "xylophone", "tag:billing invoice",
           '"reset password"', "חשבונית", "パスワード"]


def _ids(conn, text: str, order: str, form: str, limit: int | None = None) -> list[int]:
    query = inbox.InboxQuery(filter=parse_filter(text, me="you"), order=order)
    if form == "old":
        where, params = inbox.where_clause(replace(query, filter=replace(query.filter, text="")))
        expr = match_query(query.filter.text)
        if expr is not None:  # nothing searchable in the words: no text condition, as before
            where += f" AND {_OLD}"
            params += [expr, expr]
    else:
        where, params = inbox.where_clause(query, text_walk=(form == "walk"))
    sql = f"SELECT t.id FROM tickets t WHERE {where} ORDER BY {inbox._order_sql(query)}"
    if limit is not None:
        sql += f" LIMIT {limit}"
    return [r[0] for r in conn.execute(sql, params)]


@pytest.fixture
def conn(demo_db):
    c = open_database(demo_db)
    yield c
    c.close()


@pytest.mark.parametrize("order", ["urgency", "updated"])
def test_walking_and_collecting_keep_the_tickets_the_old_filter_kept(conn, order):
    nonempty = 0
    for text in FILTERS:
        old = _ids(conn, text, order, "old")
        assert _ids(conn, text, order, "collect") == old, text
        assert _ids(conn, text, order, "walk") == old, text
        assert _ids(conn, text, order, "walk", limit=50) == old[:50], text
        nonempty += bool(old)
    assert nonempty >= len(FILTERS) - 2  # the demo holds these words: the check is not vacuous


def test_a_first_page_is_the_head_of_the_whole_view_whichever_form_is_used(conn, monkeypatch):
    for common in (False, True):
        monkeypatch.setattr(inbox_text, "is_common", lambda c, text, common=common: common)
        for text in FILTERS:
            query = inbox.InboxQuery(filter=parse_filter(text, me="you"))
            full = list(inbox.ordered_ids(conn, query))
            assert list(inbox.ordered_ids(conn, query, limit=30)) == full[:30], (text, common)
            assert inbox.count(conn, query) == len(full)


def test_only_a_word_matching_many_tickets_is_common(conn):
    tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    messages = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    assert tickets + messages > 1000  # else no word could reach the threshold
    assert inbox_text.is_common(conn, "the")  # in most messages of the demo
    assert not inbox_text.is_common(conn, "xylophone")
    assert not inbox_text.is_common(conn, "mysqldump")  # a handful of matches
    assert not inbox_text.is_common(conn, "!!!")  # nothing searchable


def test_a_first_page_of_a_common_word_walks_and_of_a_rare_word_collects(conn, monkeypatch):
    seen: list[bool] = []
    real = inbox_text.text_sql

    def spying(text, *, walk=False):
        seen.append(walk)
        return real(text, walk=walk)

    monkeypatch.setattr(inbox_text, "text_sql", spying)
    # Several values in a clause sort the matches ("+t.sla_key"): no index to walk down.
    # A collect may be written by whole_list_sql instead, without text_sql: only walks count.
    for text, limit, walks in [("the", 200, True), ("the", None, False), ("xylophone", 200, False),
                               ("status:open,pending the", 200, False)]:
        seen.clear()
        inbox.ordered_ids(conn, inbox.InboxQuery(filter=parse_filter(text, me="you")), limit=limit)
        assert any(seen) == walks, text


# Beside FILTERS: text a user may type that is hostile to FTS5's syntax, right-to-left or
# markup, and words with typed clauses of each kind that can drive the walk.
MORE_FILTERS = ["!!!", '"', "refund\u202e", "<b>refund</b>", "a OR b", "NEAR(refund", "pass*word", "סיסמה",
                "status:closed refund", "assignee:none the", "status:open,pending the", "tag:billing the",
                "tag:billing,refund the", "tag:billing -tag:refund the", "-tag:billing the",
                "priority:urgent 返金", "customer:johnson the", "group:billing the", "tag:billing status:closed the"]


@pytest.mark.parametrize("walk_the_clauses", [None, True, False])
def test_the_whole_list_of_a_text_filter_is_the_old_filter_s_list(conn, monkeypatch, walk_the_clauses):
    """Same ids, same order as the old single query, whichever way the whole list is found."""
    if walk_the_clauses is not None:  # force the choice between walking a clause's index and collecting
        monkeypatch.setattr(inbox_text, "_matches_at_least", lambda *a, w=walk_the_clauses: w)
    planned: list[bool] = []
    real = inbox_text.inbox_plan.planned_sql

    def spying(query, *, text=None):
        sql = real(query, text=text)
        planned.append(text is not None and sql is not None)
        return sql

    monkeypatch.setattr(inbox_text.inbox_plan, "planned_sql", spying)
    nonempty = 0
    for text in FILTERS + MORE_FILTERS:
        for order in ("urgency", "updated"):
            old = _ids(conn, text, order, "old")
            query = inbox.InboxQuery(filter=parse_filter(text, me="you"), order=order)
            assert list(inbox.ordered_ids(conn, query)) == old, (text, order)
            assert inbox.count(conn, query) == len(old), (text, order)
            nonempty += bool(old)
    assert nonempty >= len(FILTERS + MORE_FILTERS)  # not vacuous: most filters match something
    if walk_the_clauses is not None:
        assert any(planned) == walk_the_clauses  # the walk was taken when forced, and only then


def test_the_whole_list_walks_a_clause_s_index_only_when_the_words_match_many(conn):
    tickets = conn.execute("SELECT max(id) FROM tickets").fetchone()[0]
    common, rare = "the", "mysqldump"
    assert inbox_text._matches_at_least(conn, match_query(common), tickets // 4)
    assert not inbox_text._matches_at_least(conn, match_query(rare), 50)

    def walks(text: str) -> bool:
        sql = inbox_text.whole_list_sql(conn, inbox.InboxQuery(filter=parse_filter(text, me="you")))
        return sql is not None and "INDEXED BY ix_tickets_status" in sql[0]

    assert walks(f"status:open {common}")
    assert not walks(f"status:open {rare}")
    assert not walks(f"status:closed {rare}")


def test_each_text_form_reads_messages_through_the_index_meant_for_it(conn):
    """Offered the id-keyed message index, SQLite once took it for the walk's per-ticket probe
    (every matching message for every ticket walked: minutes at a million tickets)."""
    def plan(sql: str, params: list[object]) -> str:
        return " | ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))

    for text in ("the", "status:open the"):
        query = inbox.InboxQuery(filter=parse_filter(text, me="you"))
        where, params = inbox.where_clause(query, text_walk=True)
        walk = plan(f"SELECT t.id FROM tickets t WHERE {where} ORDER BY t.sla_key, t.id LIMIT 200", params)
        assert "ix_messages_ticket (ticket_id=?)" in walk and "ix_messages_ticket_of" not in walk, walk
        whole = inbox_text.whole_list_sql(conn, query)
        assert whole is not None
        collect = plan(*whole)
        assert "COVERING INDEX ix_messages_ticket_of (id=?)" in collect, collect
    whole = inbox_text.whole_list_sql(conn, inbox.InboxQuery(filter=parse_filter("the", me="you")))
    assert whole is not None
    assert "COVERING INDEX ix_tickets_sla_key_of (id=? AND sla_key<?)" in plan(*whole)


@pytest.mark.parametrize("walk_the_clauses", [True, False])
def test_a_view_s_time_window_keeps_the_old_list_too(conn, monkeypatch, walk_the_clauses):
    monkeypatch.setattr(inbox_text, "_matches_at_least", lambda *a, w=walk_the_clauses: w)
    clocked = [r[0] for r in conn.execute("SELECT sla_key FROM tickets WHERE sla_due_at IS NOT NULL ORDER BY 1")]
    updated = conn.execute("SELECT max(updated_at) FROM tickets").fetchone()[0]
    windows = [{"due_before": clocked[len(clocked) // 2]}, {"updated_since": updated - 30 * 86400}]
    sizes = []
    for window in windows:
        for text in ["the", "status:open the", "tag:billing the", "tag:billing status:open the", "refund"]:
            query = replace(inbox.InboxQuery(filter=parse_filter(text, me="you")), **window)
            where, params = inbox.where_clause(replace(query, filter=replace(query.filter, text="")))
            expr = match_query(query.filter.text)
            old = [r[0] for r in conn.execute(
                f"SELECT t.id FROM tickets t WHERE {where} AND {_OLD} ORDER BY t.sla_key, t.id", [*params, expr, expr])]
            assert list(inbox.ordered_ids(conn, query)) == old, (text, window)
            sizes.append(len(old))
    assert sum(map(bool, sizes)) >= len(sizes) - 2, sizes
