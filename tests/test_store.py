"""The SQLite cache: schema, permissions, inbox order and filters, full-text search per script."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest

from helpdesk_tui.domain.query import builtin_views, parse_filter
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import customers, inbox, search, tickets, writer
from helpdesk_tui.store.db import CacheError, open_database, transaction
from helpdesk_tui.store.schema import MIGRATIONS, SchemaTooNew

from tests.factories import NOW, Builder


def put(conn, tickets_=(), messages=(), customers_=(), orgs=()):
    with transaction(conn):
        writer.save_organizations(conn, orgs)
        writer.save_customers(conn, customers_)
        writer.save_tickets(conn, list(tickets_))
        writer.save_messages(conn, list(messages))


def test_cache_file_is_private_and_in_wal_mode(tmp_path):
    path = tmp_path / "sub" / "acct.sqlite"
    conn = open_database(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_reopening_does_not_migrate_twice(tmp_path):
    path = tmp_path / "a.sqlite"
    open_database(path).close()
    conn = open_database(path)  # would fail with "table exists" if migrations re-ran
    assert conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0


def test_a_cache_from_a_newer_version_is_refused_with_a_sentence(tmp_path):
    path = tmp_path / "a.sqlite"
    conn = open_database(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="upgrade helpdesk-tui"):
        open_database(path)


def test_a_file_that_is_not_a_database_gives_a_cache_error(tmp_path):
    path = tmp_path / "a.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CacheError, match="move it aside"):
        open_database(path)


def test_default_order_puts_the_next_breach_first_and_finished_tickets_last(db):
    b = Builder()
    breached = b.ticket("breached", first_response_due_at=NOW - timedelta(minutes=5))
    soon = b.ticket("soon", first_response_due_at=NOW + timedelta(minutes=10))
    later = b.ticket("later", resolution_due_at=NOW + timedelta(days=2))
    promised = b.ticket("promise", status=Status.PENDING, next_checkpoint_at=NOW + timedelta(minutes=30),
                        resolution_due_at=NOW - timedelta(days=1))  # paused while pending
    idle = b.ticket("no clock")
    done = b.ticket("solved", status=Status.SOLVED, first_response_due_at=NOW - timedelta(days=3))
    put(db, [done, idle, later, promised, soon, breached])
    ids = inbox.ordered_ids(db, inbox.InboxQuery())
    subjects = [r.subject for r in inbox.fetch_rows(db, ids)]
    assert subjects == ["breached", "soon", "promise", "later", "no clock", "solved"]


def test_answered_ticket_no_longer_counts_its_first_response_clock(db):
    b = Builder()
    answered = b.ticket("answered", first_response_due_at=NOW - timedelta(hours=1),
                        first_response_at=NOW - timedelta(hours=2), resolution_due_at=NOW + timedelta(days=1))
    put(db, [answered])
    row = inbox.fetch_rows(db, inbox.ordered_ids(db, inbox.InboxQuery()))[0]
    assert row.sla_kind == "resolution"
    assert row.sla_due_at == NOW + timedelta(days=1)


def test_filters_by_status_priority_assignee_tag_and_customer(db):
    b = Builder()
    acme = b.org("ACME Hosting")
    aiko = b.customer("Aiko Tanaka", acme)
    luca = b.customer("Luca Bianchi")
    t1 = b.ticket("one", customer=aiko, priority=Priority.HIGH, assignee="you", tags=("billing",))
    t2 = b.ticket("two", customer=luca, status=Status.PENDING, assignee="dana")
    t3 = b.ticket("three", customer=luca, status=Status.NEW)
    put(db, [t1, t2, t3], customers_=[aiko, luca], orgs=[acme])

    def subjects(text):
        q = inbox.InboxQuery(filter=parse_filter(text, me="you"))
        return sorted(r.subject for r in inbox.fetch_rows(db, inbox.ordered_ids(db, q)))

    assert subjects("status:open priority:high assignee:me tag:billing customer:acme") == ["one"]
    assert subjects("status:open,pending") == ["one", "two"]
    assert subjects("-status:pending") == ["one", "three"]
    assert subjects("assignee:none") == ["three"]
    assert subjects("-assignee:none") == ["one", "two"]
    assert subjects("customer:luca") == ["three", "two"]
    assert subjects("priority:2") == ["one"]
    assert inbox.count(db, inbox.InboxQuery(filter=parse_filter("customer:luca", me="you"))) == 2


def test_free_text_in_a_filter_finds_tickets_by_subject_or_message(db):
    b = Builder()
    t1 = b.ticket("Mail not arriving")
    t2 = b.ticket("Question")
    put(db, [t1, t2], messages=[b.message(t2, "our MX record looks wrong")])
    q = inbox.InboxQuery(filter=parse_filter("status:open mx", me="you"))
    assert [r.subject for r in inbox.fetch_rows(db, inbox.ordered_ids(db, q))] == ["Question"]
    q = inbox.InboxQuery(filter=parse_filter("mail", me="you"))
    assert [r.subject for r in inbox.fetch_rows(db, inbox.ordered_ids(db, q))] == ["Mail not arriving"]


def test_builtin_views_select_what_their_names_say(db):
    b = Builder()
    mine = b.ticket("mine", assignee="you", first_response_due_at=NOW + timedelta(hours=5))
    unassigned = b.ticket("unassigned", first_response_due_at=NOW + timedelta(minutes=30))
    waiting = b.ticket("waiting", status=Status.PENDING, assignee="dana")
    solved_mine = b.ticket("solved", status=Status.SOLVED, assignee="you", updated_at=NOW)
    put(db, [mine, unassigned, waiting, solved_mine])
    views = {v.id: v for v in builtin_views("you")}

    def subjects(view_id):
        q = inbox.view_query(views[view_id], NOW)
        return [r.subject for r in inbox.fetch_rows(db, inbox.ordered_ids(db, q))]

    assert subjects("mine") == ["mine"]
    assert subjects("unassigned") == ["unassigned"]
    assert subjects("due") == ["unassigned"]
    assert subjects("waiting") == ["waiting"]
    assert subjects("recent")[0] == "solved"
    assert len(subjects("all")) == 4


def test_ordered_ids_with_limit_is_the_head_of_the_full_list(db):
    b = Builder()
    ts = [b.ticket(f"t{i}", first_response_due_at=NOW + timedelta(minutes=i * 7 % 50)) for i in range(60)]
    put(db, ts)
    full = inbox.ordered_ids(db, inbox.InboxQuery())
    assert list(inbox.ordered_ids(db, inbox.InboxQuery(), limit=10)) == list(full[:10])


def test_replacing_a_ticket_reindexes_its_subject(db):
    b = Builder()
    t = b.ticket("Billing question")
    put(db, [t])
    t.subject = "Password reset"
    put(db, [t])
    assert [h.ticket_id for h in search.search(db, "password", kinds=("ticket",))] == [t.id]
    assert search.search(db, "billing", kinds=("ticket",)) == []


@pytest.mark.parametrize("body, query", [
    ("Could you refund the last invoice?", "refund"),
    ("Il sito è giù da stamattina, potete controllare la fattura?", "fattura"),
    ("Il rimborso non è ancora arrivato", "rimborso"),
    ("Perché la città non risponde", "citta"),  # diacritics folded
    ("שלום, שכחתי את הסיסמה שלי ואני צריך חשבונית", "חשבונית"),
    ("שלום, לא מצליח להתחבר עם סיסמה חדשה", "סיסמה"),
    ("先月の請求について返金をお願いします", "返金"),
    ("パスワードをリセットしたいです", "パスワード"),
    ("契約を解約したいのですが", "解約"),
    ("我们的网站无法访问，请尽快处理退款", "退款"),
    ("ＤＮＳの設定を確認してください", "dns"),  # full-width latin folded
])
def test_full_text_search_finds_words_in_every_script(db, body, query):
    b = Builder()
    t = b.ticket("unrelated")
    other = b.ticket("other")
    put(db, [t, other], messages=[b.message(t, body), b.message(other, "nothing to see here")])
    hits = search.search(db, query)
    assert [(h.kind, h.ticket_id) for h in hits] == [("message", t.id)]


def test_cjk_search_needs_the_whole_word_not_its_parts_in_another_order(db):
    b = Builder()
    t = b.ticket("x")
    put(db, [t], messages=[b.message(t, "金返")])
    assert search.search(db, "返金") == []


def test_search_query_syntax_from_users_is_treated_as_words(db):
    b = Builder()
    t = b.ticket("x")
    put(db, [t], messages=[b.message(t, "error NEAR the OR gate")])
    assert len(search.search(db, 'NEAR( OR "gate')) == 1
    assert search.search(db, '"" ** ()') == []


def test_search_snippet_marks_the_query_words(db):
    b = Builder()
    t = b.ticket("x")
    body = "A long preamble " * 10 + "then the DNS record was wrong and dns propagation took a day"
    put(db, [t], messages=[b.message(t, body)])
    hit = search.search(db, "dns")[0]
    assert hit.snippet.startswith("…")
    words = [hit.snippet[s:e] for s, e in hit.highlights]
    assert words == ["DNS", "dns"]


def test_search_ranks_within_the_newest_window(db):
    b = Builder()
    t = b.ticket("x")
    msgs = [b.message(t, "password " + "filler " * 50) for _ in range(30)]
    strong = b.message(t, "password password password reset")
    put(db, [t], messages=msgs + [strong])
    hits = search.search(db, "password", kinds=("message",), limit=3)
    assert hits[0].message_id == strong.id
    # A window of 5 holds only the newest five matches: the strong one is newest, still found.
    assert search.search(db, "password", kinds=("message",), window=5, limit=10)[0].message_id == strong.id
    assert len(search.search(db, "password", kinds=("message",), window=5, limit=10)) == 5


def test_customer_history_notes_and_counts(db):
    b = Builder()
    aiko = b.customer("Aiko Tanaka")
    ts = [b.ticket(f"t{i}", customer=aiko, age=timedelta(days=i)) for i in range(4)]
    ts[3].status = Status.CLOSED
    put(db, ts, customers_=[aiko])
    with transaction(db):
        note = customers.add_note(db, aiko.id, "Prefers phone calls", "you", NOW)
    summary = customers.summary(db, aiko.id)
    assert (summary.ticket_count, summary.open_count) == (4, 3)
    assert [n.body for n in summary.notes] == ["Prefers phone calls"]
    assert [h.subject for h in customers.history(db, aiko.id, exclude=ts[0].id)] == ["t1", "t2", "t3"]
    with transaction(db):
        customers.update_note(db, note.id, "Prefers email", NOW)
    assert customers.notes(db, aiko.id)[0].body == "Prefers email"


def test_thread_comes_back_in_order_with_kinds(db):
    b = Builder()
    t = b.ticket("x")
    m1 = b.message(t, "help", at=NOW - timedelta(hours=2))
    m2 = b.message(t, "on it", MessageKind.PUBLIC_REPLY, at=NOW - timedelta(hours=1))
    m3 = b.message(t, "disk full on web-12", MessageKind.INTERNAL_NOTE, at=NOW - timedelta(minutes=30))
    put(db, [t], messages=[m3, m1, m2])
    assert [m.kind for m in tickets.thread(db, t.id)] == [
        MessageKind.CUSTOMER, MessageKind.PUBLIC_REPLY, MessageKind.INTERNAL_NOTE]
    assert tickets.find_ticket(db, f"#{t.number}").id == t.id


def test_deleted_tickets_never_show_in_the_inbox(db):
    b = Builder()
    gone = b.ticket("gone", deleted_at=NOW, first_response_due_at=NOW - timedelta(hours=1))
    kept = b.ticket("kept")
    put(db, [gone, kept])
    for order in ("urgency", "updated"):
        q = inbox.InboxQuery(order=order)
        assert [r.subject for r in inbox.fetch_rows(db, inbox.ordered_ids(db, q))] == ["kept"]
    assert inbox.count(db, inbox.InboxQuery()) == 1


def test_the_default_inbox_order_is_answered_from_the_index_alone(db):
    where, params = inbox.where_clause(inbox.InboxQuery())
    plan = " ".join(r[3] for r in db.execute(
        f"EXPLAIN QUERY PLAN SELECT t.id FROM tickets t WHERE {where} ORDER BY t.sla_key, t.id", params))
    assert "COVERING INDEX ix_tickets_urgency" in plan and "TEMP B-TREE" not in plan


def test_a_version_one_cache_is_migrated_with_its_rows_kept(tmp_path):
    import sqlite3

    from helpdesk_tui.store.schema import MIGRATIONS

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(f"BEGIN;\n{MIGRATIONS[0]}\nPRAGMA user_version = 1;\nCOMMIT;")
    old.execute("INSERT INTO drafts (ticket_id, kind, body, started_at, updated_at) VALUES (1, 'public_reply', 'hi', 0, 0)")
    old.commit()
    old.close()
    conn = open_database(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("SELECT body, seen_message_id FROM drafts").fetchall() == [("hi", None)]


def test_only_prefixes_of_three_letters_or_more_match_as_prefixes(db):
    b = Builder()
    t = b.ticket("x")
    put(db, [t], messages=[b.message(t, "renewal of the certificate")])
    assert search.search(db, "re") == []  # "re" alone is a word, not every word starting with re
    assert len(search.search(db, "ren")) == 1
    assert len(search.search(db, "cer")) == 1


def test_a_query_of_common_words_lists_the_newest_matches(db):
    b = Builder()
    t = b.ticket("x")
    msgs = [b.message(t, f"the message number {i}", at=NOW + timedelta(minutes=i)) for i in range(5)]
    put(db, [t], messages=msgs)
    hits = search.search(db, "the", kinds=("message",))
    assert [h.message_id for h in hits] == [m.id for m in reversed(msgs)]


def test_recently_updated_is_the_last_24_hours_at_a_fixed_clock(db):
    b = Builder()
    inside = b.ticket("23h ago", updated_at=NOW - timedelta(hours=23))
    outside = b.ticket("25h ago", updated_at=NOW - timedelta(hours=25))
    newest = b.ticket("just now", updated_at=NOW)
    put(db, [inside, outside, newest])
    recent = next(v for v in builtin_views("you") if v.id == "recent")
    q = inbox.view_query(recent, NOW)
    assert [r.subject for r in inbox.fetch_rows(db, inbox.ordered_ids(db, q))] == ["just now", "23h ago"]
    assert inbox.count(db, q) == 2
    # A day later the same view is empty: the window moves with the clock, not with the data.
    assert inbox.count(db, inbox.view_query(recent, NOW + timedelta(hours=25))) == 0


def test_recently_updated_reads_a_range_of_the_updated_index_without_sorting(db):
    recent = next(v for v in builtin_views("you") if v.id == "recent")
    q = inbox.view_query(recent, NOW)
    where, params = inbox.where_clause(q)
    plan = " ".join(r[3] for r in db.execute(
        f"EXPLAIN QUERY PLAN SELECT t.id FROM tickets t WHERE {where} ORDER BY t.updated_at DESC, t.id DESC", params))
    assert "INDEX ix_tickets_updated (updated_at>?)" in plan and "TEMP B-TREE" not in plan


def test_the_cache_is_read_without_a_memory_map(tmp_path):
    """Mapped pages count as the process's own memory: a 2 GB map took the app to 703 MB at a
    million tickets (benchmarks/run_all.py), against the 150 MB it must stay under."""
    from helpdesk_tui.store.db import open_database

    conn = open_database(tmp_path / "c.sqlite")
    assert conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
    conn.close()
