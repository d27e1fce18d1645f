"""Two shortcuts in search keep its results exactly.

1. A last word typed as a prefix ("bou") that only one indexed word starts with ("bounce")
   is searched as that word: same rows, same bm25. Two or more words keep the prefix.
2. A body with no markdown and nothing for the sanitizer to drop is not rendered for its
   snippet: the snippet folds whitespace, and the rendering only changes whitespace there.
"""

from __future__ import annotations

import pytest

from helpdesk_tui.content.body import render_body
from helpdesk_tui.store import search as search_module
from helpdesk_tui.store.db import open_database

from tests.factories import Builder
from tests.test_search_results_kept import QUERIES, STOPWORD_QUERIES, _expressions
from tests.test_store import put


def _rows(hits):
    return [(h.kind, h.ticket_id, h.message_id, h.article_id, h.score, h.snippet, h.highlights, h.title)
            for h in hits]


@pytest.fixture
def small(db):
    b = Builder()
    t = b.ticket("Mail bounces")
    put(db, [t], messages=[
        b.message(t, "the bounce came back twice"),
        b.message(t, "reset your password here"),
        b.message(t, "il caso è stato passato al team"),
        b.message(t, "bounce bounce, then a password"),
    ])
    return db


def test_a_prefix_only_one_indexed_word_starts_with_is_searched_as_that_word(small, monkeypatch):
    before = _rows(search_module.search(small, "email bou", kinds=("message",)))
    seen = _expressions(monkeypatch)
    after = _rows(search_module.search(small, "email bou", kinds=("message",)))
    assert seen == [("messages_fts", '"email" AND "bounce"')]
    assert after == before == []  # no message holds "email"
    seen.clear()
    hits = search_module.search(small, "bou", kinds=("message",))
    assert seen == [("messages_fts", '"bounce"')]
    assert [h.snippet for h in hits] == ["bounce bounce, then a password", "the bounce came back twice"]


def test_a_prefix_two_indexed_words_start_with_stays_a_prefix(small, monkeypatch):
    seen = _expressions(monkeypatch)
    hits = search_module.search(small, "pass", kinds=("message",))
    assert seen == [("messages_fts", '"pass"*')]  # password, passato: bm25 must weigh them as one
    assert len(hits) == 3


def test_searched_as_the_word_or_as_the_prefix_every_demo_query_gives_the_same_hits(demo_db, monkeypatch):
    conn = open_database(demo_db)
    try:
        queries = QUERIES + STOPWORD_QUERIES + ["bou", "serv", "inv", "down", "web site", '"reset pass"',
                                                "passw", "certif", "ＰＡＳＳ", "Pass", "domain)"]
        fast = {q: _rows(search_module.search(conn, q)) for q in queries}
        monkeypatch.setattr(search_module, "_only_form", lambda *args: None)
        slow = {q: _rows(search_module.search(conn, q)) for q in queries}
    finally:
        conn.close()
    assert fast == slow
    assert sum(1 for q in queries if fast[q]) >= len(queries) - 5


@pytest.mark.parametrize(("expr", "word", "form", "out"), [
    ('"website" AND "down"*', "down", "download", '"website" AND "download"'),
    ('"reset pass"*', "pass", "password", '"reset password"'),
    ('"PASS"*', "pass", "password", '"password"'),
    ('"pass"', "pass", "password", '"pass"'),  # not a prefix: left alone
    ('"pas"*', "pass", "password", '"pas"*'),  # not the word it was read from: left alone
])
def test_spelled_out_writes_the_last_word_whole(expr, word, form, out):
    assert search_module._spelled_out(expr, word, form) == out


def _flat(text: str) -> str:
    return search_module._SPACE.sub(" ", text).strip()


def _rendered(body: str, body_format: str) -> str:
    return search_module._RULES.sub(" ", render_body(body, body_format).plain)


PLAIN = [
    "Hello Anna,\n\nthe server is back up. Thanks!\n\nRegards,\nMarco",
    "Costs 5 = 3 + 2, see (a) and {b}; 100% done: ok? yes/no - fine -> next",
    "שלום משה,\n\nההחזר יופיע בתוך 5-10 ימי עסקים.",
    "パスワードを忘れました。「至急」お願いします〜 → 返金",
    "line one  \nline two\n   indented by three",
    "emoji 👍 and a ZWJ family 👨\u200d👩\u200d👧 stay",
]
NOT_PLAIN = [
    "- a list item", "+ another", "1. first step", "2) second", "    code block", "Title\n=====",
    "Title\n-----", "> a quote", "**bold**", "_em_", "`code`", "[link](http://x)", "<b>html</b>",
    "a &amp; b", "\\*escaped", "~~gone~~", "# heading", "a | table", "tab\there", "cr\rlf",
    "hangul\u3164filler", "bidi\u202eoverride", "zero\u200bwidth", "esc\x1b[31m", "soft\u00adhyphen",
]


@pytest.mark.parametrize("body", PLAIN)
def test_plain_bodies_are_not_rendered_and_read_the_same(body):
    assert search_module._is_plain(body, "markdown")
    assert _flat(search_module.readable(body, "markdown", ["x"])) == _flat(_rendered(body, "markdown"))


@pytest.mark.parametrize("body", NOT_PLAIN)
def test_bodies_with_markup_or_characters_the_sanitizer_drops_are_rendered(body):
    assert not search_module._is_plain(body, "markdown")
    assert search_module.readable(body, "markdown", ["x"]) == _rendered(body, "markdown")


def test_html_bodies_are_always_rendered():
    assert not search_module._is_plain("plain words", "html")


def test_every_plain_body_of_the_demo_workspace_reads_as_its_rendering(demo_db):
    conn = open_database(demo_db)
    try:
        bodies = conn.execute("SELECT message_body(body), body_format FROM messages").fetchall()
        bodies += [(b, "markdown") for (b,) in conn.execute("SELECT body FROM kb_articles")]
    finally:
        conn.close()
    plain = [(b, f) for b, f in bodies if search_module._is_plain(b, f)]
    assert len(plain) > len(bodies) // 5  # the shortcut is taken often...
    assert len(plain) < len(bodies)  # ...but not for everything
    assert [b for b, f in plain if _flat(b) != _flat(_rendered(b, f))] == []
