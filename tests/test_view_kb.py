"""KB results read as text (no markdown syntax), list each past answer once, preview like the thread."""

from __future__ import annotations

from helpdesk_tui.domain.models import Article
from helpdesk_tui.store import writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.kb import search_articles, search_past_replies
from helpdesk_tui.store.tickets import thread
from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar

from tests.ui_support import make_app, screen_text, settle

MARKDOWN_ARTICLE = """# Zebrafish hosting limits

**Zebrafish** plans have these limits:

| Plan | Zebrafish quota |
|---|---|
| Small | 10 |

- one *zebrafish* per account
"""


def test_article_snippets_show_text_not_markdown_syntax(db):
    with transaction(db):
        writer.save_articles(db, [Article(title="Zebrafish limits", body=MARKDOWN_ARTICLE, remote_id="z1")])
    for query in ("zebrafish", "quota"):
        hits = search_articles(db, query)
        assert hits, query
        snippet = hits[0].snippet
        for syntax in ("#", "**", "|---|", "|", "─┼─", "*zebrafish*"):
            assert syntax not in snippet, (query, syntax, snippet)
        assert "Zebrafish plans have these limits" in snippet or "Zebrafish quota" in snippet


def test_past_answers_are_listed_once_each(demo_db):
    conn = open_database(demo_db)
    try:
        for query in ("refund", "password", "invoice", "renewal"):
            hits = search_past_replies(conn, query)
            assert hits, query
            tickets = [h.ticket_id for h in hits]
            snippets = [h.snippet for h in hits]
            assert len(set(tickets)) == len(tickets), query  # one answer per ticket
            assert len(set(snippets)) == len(snippets), query  # no two rows that read the same
    finally:
        conn.close()


def _answer_with(demo_db, body: str, body_format: str) -> int:
    """Make a public reply on a solved ticket ``body``; return its ticket's number."""
    conn = open_database(demo_db)
    tid = conn.execute("SELECT m.ticket_id FROM messages m JOIN tickets t ON t.id = m.ticket_id "
                       "WHERE m.kind = 'public_reply' AND t.status IN ('solved', 'closed') LIMIT 1").fetchone()[0]
    message = next(m for m in thread(conn, tid) if m.kind == "public_reply")
    message.body, message.body_format = body, body_format
    with transaction(conn):
        writer.save_messages(conn, [message])
    number = conn.execute("SELECT number FROM tickets WHERE id = ?", (tid,)).fetchone()[0]
    conn.close()
    return number


async def test_an_html_past_answer_previews_and_inserts_as_text_not_tags(demo_db, tmp_path):
    _answer_with(demo_db, "<div class='zd-comment'><p>Hello,</p><p>the <b>quokka</b> setting is under "
                          "<i>Account</i>.</p></div>", "html")
    hit = Cache(demo_db, "demo").search_past_replies("quokka")[0]
    assert "<" not in hit.snippet and "quokka setting is under Account" in hit.snippet
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+g", *"quokka")
        await settle(pilot, app)
        sidebar = app.query_one(KbSidebar)
        assert [h.kind for h in sidebar.hits] == ["reply"]
        await pilot.press("down", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "the quokka setting is under Account." in text
        assert "<p>" not in text and "zd-comment" not in text
        assert sidebar.insertion(sidebar.hits[0], "full") == "Hello,\n\nthe quokka setting is under Account.\n"


async def test_a_huge_past_answer_previews_its_start_at_once(demo_db, tmp_path):
    body = "wombat answer\n" + "\n".join(f"line {i} of the pasted log" for i in range(200_000))
    _answer_with(demo_db, body, "text")
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+g", *"wombat")
        await settle(pilot, app)
        await pilot.press("down", "enter")
        await pilot.pause()
        preview = app.query_one("#kb-preview-text").render()
        assert "wombat answer" in str(preview)
        assert "open the ticket to read it all" in str(preview)
        assert len(str(preview)) < 40_000  # not the 5 MB


async def test_a_past_answer_with_terminal_escapes_is_inserted_clean(demo_db, tmp_path):
    _answer_with(demo_db, "Hello,\n\x1b]0;PWNED\x07the \x1b[2J wombat setting \x9b31m is under Account.", "text")
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+g", *"wombat")
        await settle(pilot, app)
        sidebar = app.query_one(KbSidebar)
        inserted = sidebar.insertion(sidebar.hits[0], "full")
        assert "wombat setting" in inserted and "under Account." in inserted
        assert not any(ch in inserted for ch in "\x1b\x07\x9b")
