"""The knowledge base as the sidebar uses it: articles, past answers, suggestions."""

from __future__ import annotations

import re
import sqlite3

from helpdesk_tui.domain.models import Article
from helpdesk_tui.store import rows
from helpdesk_tui.store.fts_text import any_of_query, match_query, only_common_words, query_terms
from helpdesk_tui.store.search import DEFAULT_WINDOW, SearchHit, make_snippet, readable
from helpdesk_tui.store.schema import format_sql
from helpdesk_tui.store.timeconv import from_epoch


def get_article(conn: sqlite3.Connection, article_id: int) -> Article | None:
    r = conn.execute(f"SELECT {rows.ARTICLE_COLUMNS} FROM kb_articles WHERE id = ?", (article_id,)).fetchone()
    return rows.article_from_row(r) if r else None


def _article_hits(conn, expr: str, terms: list[str], limit: int) -> list[SearchHit]:
    ranked = conn.execute(
        "SELECT rowid, bm25(kb_fts, 4.0, 1.0) AS score FROM kb_fts WHERE kb_fts MATCH ? "
        "ORDER BY score LIMIT ?", (expr, limit)).fetchall()
    if not ranked:
        return []
    ids = [r[0] for r in ranked]
    info = {r[0]: r[1:] for r in conn.execute(
        f"SELECT id, title, body, updated_at FROM kb_articles WHERE id IN ({', '.join('?' * len(ids))})", ids)}
    hits = []
    for rowid, score in ranked:
        if rowid in info:
            title, body, updated = info[rowid]
            snippet, spans = make_snippet(readable(body, "markdown", terms), terms)
            hits.append(SearchHit("article", None, None, title, snippet, spans, score, from_epoch(updated),
                                  article_id=rowid))
    return hits


def search_articles(conn: sqlite3.Connection, query: str, *, limit: int = 20) -> list[SearchHit]:
    """Articles ranked by bm25 (the KB is small enough to rank every match)."""
    expr = match_query(query)
    return _article_hits(conn, expr, query_terms(query), limit) if expr else []


def search_past_replies(conn: sqlite3.Connection, query: str, *, limit: int = 10,
                        window: int = DEFAULT_WINDOW) -> list[SearchHit]:
    """Public replies on solved or closed tickets: how we answered this before."""
    expr = match_query(query)
    if expr is None:
        return []
    # bm25 first reads every row holding each word: for "the" that is half the messages.
    score_sql = "0.0" if only_common_words(query) else "bm25(messages_fts)"
    ranked = conn.execute(
        f"SELECT rowid, {score_sql} FROM messages_fts WHERE messages_fts MATCH ? "
        "ORDER BY rowid DESC LIMIT ?", (expr, window)).fetchall()
    if not ranked:
        return []
    score = dict(ranked)
    ids = list(score)
    # Which of the matches are public answers on finished tickets: ids only, no bodies yet.
    answers: list[int] = []
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        answers += [r[0] for r in conn.execute(
            "SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.id IN "
            f"({', '.join('?' * len(chunk))}) AND m.kind = 'public_reply' "
            "AND t.status IN ('solved', 'closed') AND t.deleted_at IS NULL", chunk)]
    # Several candidates a hit: the same answer sent twice on one ticket, or pasted on many, is one.
    best = sorted(answers, key=lambda mid: score[mid])[: limit * 4]
    if not best:
        return []
    terms = query_terms(query)
    rows = {r[0]: r[1:] for r in conn.execute(
        f"SELECT m.id, m.ticket_id, t.number, t.subject, message_body(m.body), {format_sql('m.body_format')}, "
        "m.created_at FROM messages m "
        f"JOIN tickets t ON t.id = m.ticket_id WHERE m.id IN ({', '.join('?' * len(best))})", best)}
    hits: list[SearchHit] = []
    seen_tickets: set[int] = set()
    seen_answers: set[str] = set()
    for mid in best:
        tid, number, subject, body, body_format, created = rows[mid]
        answer = _answer_key(body)
        if tid in seen_tickets or answer in seen_answers:
            continue
        snippet, spans = make_snippet(readable(body, body_format, terms), terms)
        if snippet in seen_answers:  # reads the same in the list: a duplicate to the agent
            continue
        seen_tickets.add(tid)
        seen_answers.update((answer, snippet))
        hits.append(SearchHit("reply", tid, number, subject, snippet, spans, score[mid],
                              from_epoch(created), message_id=mid))
        if len(hits) == limit:
            break
    return hits


_GREETING = re.compile(r"\A[^\n]{0,40}[,!]\s*\n")


def _answer_key(body: str) -> str:
    """The answer without its greeting line, whitespace and case folded: "Hi Frank," and
    "Hi Bella," before the same text are the same answer."""
    text = _GREETING.sub("", body.lstrip()[:4000], count=1)
    return " ".join(text.split()).casefold()


def suggest_articles(conn: sqlite3.Connection, text: str, *, limit: int = 8) -> list[SearchHit]:
    """Articles for a ticket, from its subject and latest customer message."""
    expr = any_of_query(text)
    return _article_hits(conn, expr, query_terms(text), limit) if expr else []
