"""Full-text search over ticket subjects, messages and KB articles.

Ranking every match with bm25 costs 400 ms p99 over a million messages (a common word
matches tens of thousands). Agents mostly want recent conversations, so we let FTS5 walk
matches newest-first (rowids grow with time) and rank only the newest ``window`` of them
with bm25. Queries of rare words see every match; common words see the recent ones.
A query of stopwords only is not ranked: it lists the newest matches of those whole words.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime

from helpdesk_tui.records import record, replace
from helpdesk_tui.store.fts_text import match_query, only_common_words, prefix_word, query_terms
from helpdesk_tui.store.schema import format_sql
from helpdesk_tui.store.timeconv import from_epoch

DEFAULT_WINDOW = 2000


@record(frozen=True, slots=True)
class SearchHit:
    kind: str  # "ticket" (subject), "message" or "article"
    ticket_id: int | None
    number: int | None
    title: str  # the ticket subject or the article title
    snippet: str
    highlights: tuple[tuple[int, int], ...]  # (start, end) offsets of query words in snippet
    score: float
    at: datetime | None
    message_id: int | None = None
    article_id: int | None = None
    message_kind: str | None = None  # a message hit's kind: customer, public_reply, internal_note, system


def _ranked(conn: sqlite3.Connection, table: str, expr: str, window: int,
            weights: str = "", *, rank: bool = True) -> list[tuple[int, float]]:
    if not rank:
        # bm25 counts every row holding a term first: for "the" that is half the table.
        # Newest first is the useful order for such words anyway.
        sql = f"SELECT rowid, 0.0 FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC LIMIT ?"
        return conn.execute(sql, (expr, window)).fetchall()
    sql = (f"SELECT rowid, bm25({table}{weights}) FROM {table} WHERE {table} MATCH ? "
           f"ORDER BY rowid DESC LIMIT ?")
    found = conn.execute(sql, (expr, window)).fetchall()
    found.sort(key=lambda r: r[1])  # bm25: smaller is better
    return found


def search(conn: sqlite3.Connection, query: str, *, limit: int = 20,
           window: int = DEFAULT_WINDOW, kinds: tuple[str, ...] = ("ticket", "message", "article"),
           ) -> list[SearchHit]:
    """The best ``limit`` matches for ``query`` over the chosen kinds, best first."""
    rank = not only_common_words(query)
    # Only stopwords ("the", "thanks"): the last one is matched as a whole word, not as a
    # prefix. FTS5 builds the merged list of every word starting with "the" (there, these,
    # theme...) in full before it can give the newest 20: 25 ms of 30 on a 1M cache.
    expr = match_query(query, prefix_last=rank)
    if expr is None:
        return []
    word = prefix_word(query) if rank else None

    def expr_for(table: str) -> str:
        if word is None:
            return expr
        form = _only_form(conn, table, word)
        if form is None:
            return expr
        return _spelled_out(expr, word, form)

    terms = query_terms(query)
    # Unranked, only the newest ``limit`` of each kind are kept: reading more is wasted.
    window = window if rank else limit
    hits: list[_Pending] = []
    if "ticket" in kinds:
        hits += [(hit, None, "") for hit in _ticket_hits(conn, _ranked(
            conn, "tickets_fts", expr_for("tickets_fts"), window, ", 3.0, 1.0", rank=rank)[:limit], terms)]
    if "message" in kinds:
        hits += _message_hits(conn, _ranked(
            conn, "messages_fts", expr_for("messages_fts"), window, rank=rank)[:limit])
    if "article" in kinds:
        hits += _article_hits(conn, _ranked(conn, "kb_fts", expr, window, ", 4.0, 1.0", rank=rank)[:limit])
    hits.sort(key=lambda p: (p[0].score, -(p[0].at.timestamp() if p[0].at else 0)))
    # Snippets last, for the hits kept: a body's snippet renders its markdown (~0.5 ms), and
    # up to two thirds of the hits gathered above are dropped here.
    return [hit if body is None else _with_snippet(hit, body, body_format, terms)
            for hit, body, body_format in hits[:limit]]


def _only_form(conn: sqlite3.Connection, table: str, word: str) -> str | None:
    """The one word in ``table``'s index that starts with ``word``, when there is exactly one.

    Then "word"* and that word ("bou"* and "bounce", "pass"* and "password" among subjects,
    "password"* and "password") match the same rows, each with the same count of the word,
    so bm25 gives the same scores; and the whole word skips the merged list FTS5 builds
    for a prefix, twice (once more for bm25's counts): "password" on 1M messages 19 -> 9 ms.
    Two or more words starting so keep the prefix: spelled out as an OR they would match
    the same rows faster, but bm25 would weigh each word apart, and a rare form outranks a
    common one (at 1M "pass" listed Italian "passato" messages before any "password").
    The check reads at most the first two entries at or after ``word`` in the index
    (fts5vocab, a temp table of this connection, no schema change; "instance" stops at the
    first occurrence where "row" would count every row holding the word): about 0.05 ms.
    """
    vocab = f"temp.{table}_words"
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocab} USING fts5vocab(main, {table}, instance)")
    step = f"SELECT term FROM {vocab} WHERE term >= ? AND term <= ? LIMIT 1"
    # U+10FFFF sorts after any character that can follow ``word``; "\x00" sorts right after
    # a word and is in no indexed word, so word + "\x00" starts at the next word.
    last = word + "\U0010ffff"
    first = conn.execute(step, (word, last)).fetchone()
    if first is None:
        return None  # nothing starts so: the prefix finds nothing either, and costs nothing
    if conn.execute(step, (first[0] + "\x00", last)).fetchone() is not None:
        return None
    return str(first[0])


def _spelled_out(expr: str, word: str, form: str) -> str:
    """``expr`` (``match_query``'s, ending in ``word`` as a prefix: ``... "down"*``) with that
    last word written out whole as ``form``: ``... "download"``."""
    head = expr[: -2 - len(word)]
    if not expr.endswith('"*') or expr[len(head) : -2].lower() != word:
        return expr  # not the shape prefix_word read ``word`` from: keep the prefix
    return head + form.replace('"', '""') + '"'


# A hit whose snippet is still to be made: (hit, its body or None when done, the body's format)
_Pending = tuple[SearchHit, str | None, str]


def _with_snippet(hit: SearchHit, body: str, body_format: str, terms: list[str]) -> SearchHit:
    snippet, spans = make_snippet(readable(body, body_format, terms), terms)
    return replace(hit, snippet=snippet, highlights=spans)


def _marks(ids: list[int]) -> str:
    return ", ".join("?" * len(ids))


def _ticket_hits(conn, ranked, terms) -> list[SearchHit]:
    if not ranked:
        return []
    ids = [r[0] for r in ranked]
    info = {r[0]: r[1:] for r in conn.execute(
        f"SELECT id, number, subject, updated_at FROM tickets WHERE id IN ({_marks(ids)}) "
        "AND deleted_at IS NULL", ids)}
    out = []
    for rowid, score in ranked:
        if rowid not in info:
            continue
        number, subject, updated = info[rowid]
        snippet, spans = make_snippet(subject, terms)
        out.append(SearchHit("ticket", rowid, number, subject, snippet, spans, score, from_epoch(updated)))
    return out


def _message_hits(conn, ranked) -> list[_Pending]:
    if not ranked:
        return []
    ids = [r[0] for r in ranked]
    info = {r[0]: r[1:] for r in conn.execute(
        f"SELECT m.id, m.ticket_id, t.number, t.subject, message_body(m.body), {format_sql('m.body_format')}, m.created_at, m.kind FROM messages m "
        f"JOIN tickets t ON t.id = m.ticket_id WHERE m.id IN ({_marks(ids)}) AND t.deleted_at IS NULL", ids)}
    out: list[_Pending] = []
    for rowid, score in ranked:
        if rowid not in info:
            continue
        ticket_id, number, subject, body, body_format, created, kind = info[rowid]
        out.append((SearchHit("message", ticket_id, number, subject, "", (), score,
                              from_epoch(created), message_id=rowid, message_kind=kind), body, body_format))
    return out


def _article_hits(conn, ranked) -> list[_Pending]:
    if not ranked:
        return []
    ids = [r[0] for r in ranked]
    info = {r[0]: r[1:] for r in conn.execute(
        f"SELECT id, title, body, updated_at FROM kb_articles WHERE id IN ({_marks(ids)})", ids)}
    out: list[_Pending] = []
    for rowid, score in ranked:
        if rowid not in info:
            continue
        title, body, updated = info[rowid]
        out.append((SearchHit("article", None, None, title, "", (), score,
                              from_epoch(updated), article_id=rowid), body, "markdown"))
    return out


_SPACE = re.compile(r"\s+")
_RULES = re.compile(r"[─┼]{2,}")  # a table's header rule or a thematic break, as rendered
SNIPPET_SOURCE = 8_000  # characters of a body rendered for its snippet


def readable(body: str, body_format: str, terms: list[str]) -> str:
    """A body's text as the thread shows it (no "#", "**" or "|---|"), around the first query word.

    Only a window of a long body is rendered: a snippet is one line.
    """
    # Imported here: markdown-it (~15 ms) is for snippets, not for every importer of the cache; the
    # text alone (plain_body) needs no rich.
    from helpdesk_tui.content.body import plain_body

    if len(body) > SNIPPET_SOURCE:
        folded = body.casefold() if len(body) < 1_000_000 else body[:1_000_000].casefold()
        found = [p for p in (folded.find(t.casefold()) for t in terms if t) if p >= 0]
        start = max(0, min(found, default=0) - SNIPPET_SOURCE // 2)
        body = body[start : start + SNIPPET_SOURCE]
    if _is_plain(body, body_format):
        return body
    return _RULES.sub(" ", plain_body(body, body_format))


# ASCII that means something to markdown (with tables and strikethrough) or to the
# sanitizer: controls but the line break, "`*_[]<~#|\&".
_MARKUP = re.compile(r"[\x00-\x09\x0b-\x1f\x7f`*_\[\]<~#|\\&]")
# What starts a block even in text without those: a list item ("-" "+" "1." "2)"), a
# thematic break or setext underline ("-" "="), a quote (">") or an indented code block.
_BLOCK_START = re.compile(r"^(?: {0,3}(?:[-+=>]|\d+[.)])| {4})", re.MULTILINE)


def _is_plain(body: str, body_format: str) -> bool:
    """Whether ``body`` renders to its own characters, in order, with only whitespace changed
    (which a snippet folds into single spaces anyway).

    Then rendering it is skipped: markdown-it and rich cost ~0.15 ms for such a body, the
    largest part of a search after SQLite's. Checked against the full rendering over every
    body of a 20k and of a 1M demo workspace (tests/test_search_plain_snippets.py keeps a
    sample of the cases).
    """
    if body_format.strip().lower() in ("html", "text/html"):
        return False
    if _MARKUP.search(body) is not None or _BLOCK_START.search(body) is not None:
        return False
    if body.isascii():
        return True
    from helpdesk_tui.content.sanitize import clean_text

    # Outside ASCII nothing is markdown; the sanitizer drops a few invisible characters.
    return clean_text(body) == body


def make_snippet(text: str, terms: list[str], *, before: int = 40, width: int = 140,
                 ) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A one-line excerpt around the first query word, with the offsets of every query word in it.

    Offsets rather than markup: the caller styles those ranges, so nothing in the
    (untrusted) text is ever interpreted.
    """
    flat = _SPACE.sub(" ", text).strip()
    folded = flat.casefold()
    folded_terms = [t.casefold() for t in terms if t]
    first = min((p for p in (folded.find(t) for t in folded_terms) if p >= 0), default=0)
    start = max(0, first - before)
    excerpt = flat[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(flat) else ""
    snippet = prefix + excerpt + suffix
    low = snippet.casefold()
    spans: list[tuple[int, int]] = []
    if len(low) == len(snippet):  # casefold can change lengths (ß → ss); then skip highlights
        for term in folded_terms:
            pos = low.find(term)
            while pos >= 0:
                spans.append((pos, pos + len(term)))
                pos = low.find(term, pos + len(term))
    spans.sort()
    return snippet, tuple(spans)
