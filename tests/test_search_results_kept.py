"""Search and the inbox's text filter keep their results while they get faster.

tests/data/search_golden.json holds what the code before issue 13's search work returned
on the test demo workspace (seed 7, 1200 tickets): every hit of Cache.search (kind, ids,
score, and a digest of snippet, highlights and title) and the inbox ids and counts of free-text filters.
It was written by ``write_golden`` run against that older code; the only change since is
documented and tested below: a query of stopwords only matches its last word whole.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from helpdesk_tui.domain.query import parse_filter
from helpdesk_tui.store import search
from helpdesk_tui.store.db import open_database
from helpdesk_tui.store.inbox import InboxQuery, count, ordered_ids

from tests.factories import Builder
from tests.test_store import put

GOLDEN = Path(__file__).parent / "data" / "search_golden.json"

# benchmarks/bench_store.py's SEARCH_QUERIES and a few more: half-typed words, phrases,
# lone CJK characters, accents, operators typed as words.
QUERIES = [
    "password", "domain", "email", "invoice", "refund", "server", "website down",
    "ssl certificate", "dns propagation", "backup restore", "error 502", "reset password",
    "two factor", "mysql", "php version", "charged twice", "renewal", "pass", "dom", "re",
    "cert", "email bou", "mysqldump", "openssl", "nginx", "dkim", "sftp", "Outlook",
    "recognise", "xylophone", "fattura", "rimborso", "disdetta", "password dimenticata",
    "lentissimo", "partita IVA", "חשבונית", "סיסמה", "הדומיין", "החזר", "האתר", "返金",
    "パスワード", "解約", "請求書", "ドメイン", "証明書", "メール", "バックアップ", "website",
    "web", "pas", "the password", '"reset password"', '"password reset"', "パ", "返", "re: refund",
    "café", "NEAR( OR", "ssl*",
]
# Stopwords only: their last word is no longer a prefix (see test_a_query_of_stopwords_...).
STOPWORD_QUERIES = ["the", "thanks", "please"]
FILTERS = ["refund", "password reset", "fattura", "返金", "status:open refund", "pas",
           "priority:high password", "-status:closed refund", "tag:billing invoice", "the",
           "xylophone", "パスワード"]


def results(conn) -> dict[str, object]:
    out: dict[str, object] = {}
    for q in QUERIES + STOPWORD_QUERIES:
        out["search " + q] = [[h.kind, h.ticket_id, h.message_id, h.article_id, round(h.score, 6),
                               _digest(h.snippet, h.highlights, h.title)] for h in search.search(conn, q)]
    for f in FILTERS:
        query = InboxQuery(filter=parse_filter(f, me="you"))
        out["inbox " + f] = list(ordered_ids(conn, query))
        out["first page " + f] = list(ordered_ids(conn, query, limit=40))
        out["count " + f] = count(conn, query)
    return out


def _digest(*parts: object) -> str:
    """The text shown for a hit, as a short digest: the file stays small, a change still shows."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()


def write_golden(db_path: str) -> None:
    """Run with the code to keep (``python -c 'from tests.test_search_results_kept import
    write_golden; write_golden(PATH)'`` where PATH is the test demo workspace)."""
    conn = open_database(db_path)
    try:
        GOLDEN.write_text(json.dumps(results(conn), ensure_ascii=False, indent=0, separators=(",", ":")) + "\n")
    finally:
        conn.close()


@pytest.fixture
def conn(demo_db):
    c = open_database(demo_db)
    yield c
    c.close()


def _expressions(monkeypatch) -> list[tuple[str, str]]:
    """Record the (table, MATCH expression) pairs search runs."""
    seen: list[tuple[str, str]] = []
    real = search._ranked

    def spy(conn, table, expr, *args, **kwargs):
        seen.append((table, expr))
        return real(conn, table, expr, *args, **kwargs)

    monkeypatch.setattr(search, "_ranked", spy)
    return seen


def test_every_query_returns_what_it_returned_before(conn):
    golden = json.loads(GOLDEN.read_text())
    now = json.loads(json.dumps(results(conn), ensure_ascii=False))  # tuples → lists, as stored
    changed = [k for k in golden if golden[k] != now[k]
               and k.removeprefix("search ") not in STOPWORD_QUERIES]
    assert changed == []
    assert sum(1 for k in golden if k.startswith("search ") and golden[k]) >= len(QUERIES) - 3


def test_a_query_of_stopwords_only_matches_its_last_word_whole_and_lists_newest_first(conn):
    golden = json.loads(GOLDEN.read_text())
    for q in STOPWORD_QUERIES:
        before = golden["search " + q]
        now = [[h.kind, h.ticket_id, h.message_id, h.article_id] for h in search.search(conn, q)]
        # What is left of the old list is still there, in the same order: only hits that held
        # a longer word starting with the query ("there", "thanksgiving") can drop out.
        kept = [h[:4] for h in before if h[:4] in now]
        assert kept == [h for h in now if h in [b[:4] for b in before]], q
        assert len(kept) >= len(before) // 2, q


def test_stopwords_only_no_longer_match_as_a_prefix_but_other_words_still_do(db):
    b = Builder()
    t = b.ticket("x")
    put(db, [t], messages=[b.message(t, "their theme settings"), b.message(t, "see the log")])
    assert [h.snippet for h in search.search(db, "the", kinds=("message",))] == ["see the log"]
    assert [h.snippet for h in search.search(db, "them", kinds=("message",))] == []  # a stopword
    assert [h.snippet for h in search.search(db, "theme", kinds=("message",))] == ["their theme settings"]
    assert [h.snippet for h in search.search(db, "log the", kinds=("message",))] == ["see the log"]
    # Not only stopwords: the last word is still a prefix, "the" included.
    assert {h.snippet for h in search.search(db, "settings the", kinds=("message",))} == {"their theme settings"}


if __name__ == "__main__":
    write_golden(sys.argv[1])


def _hits(db, query, kinds=("ticket", "message")):
    return [(h.kind, h.ticket_id, h.message_id, round(h.score, 9)) for h in search.search(db, query, kinds=kinds)]


def test_a_last_word_no_longer_word_starts_with_is_matched_exactly_with_the_same_hits_and_scores(db, monkeypatch):
    b = Builder()
    t1, t2 = b.ticket("Password expired"), b.ticket("Passwords for the team")
    m1, m2 = b.message(t1, "my password expired"), b.message(t2, "the password manager")
    put(db, [t1, t2], messages=[m1, m2, b.message(t2, "a passport photo")])
    asked = _expressions(monkeypatch)
    got = _hits(db, "password")
    # Subjects hold "passwords" too: a prefix there; messages hold only "password": exact.
    assert asked == [("tickets_fts", '"password"*'), ("messages_fts", '"password"')]
    assert {h[:3] for h in got} == {("ticket", t1.id, None), ("ticket", t2.id, None),
                                   ("message", t1.id, m1.id), ("message", t2.id, m2.id)}
    monkeypatch.setattr(search, "prefix_word", lambda q: None)  # the prefix query everywhere
    assert _hits(db, "password") == got
    monkeypatch.undo()
    assert len(_hits(db, "pass")) == 5  # "passport" too: still a prefix


def test_only_plain_ascii_last_words_are_checked(db):
    from helpdesk_tui.store.fts_text import prefix_word

    assert prefix_word("Website DOWN") == "down"
    assert prefix_word('"reset password"') == "password"
    assert prefix_word("re") is None  # too short to be a prefix at all
    assert [prefix_word(q) for q in ("café", "foo_bar", "パスワード", "パ")] == [None] * 4
    b = Builder()
    t = b.ticket("x")
    put(db, [t], messages=[b.message(t, "le café cafés"), b.message(t, "foo_barre")])
    assert len(search.search(db, "café", kinds=("message",))) == 1
    assert len(search.search(db, "foo_bar", kinds=("message",))) == 1
