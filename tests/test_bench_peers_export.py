"""The Maildir the peers benchmark gives notmuch and neomutt: every message a well-formed MIME
file whose subject, author and body read back exactly as the cache holds them (CJK, Hebrew,
hostile text with escapes and header injections), one thread per ticket; a stopped export
resumes, a finished one is reused, another workspace's is replaced. With notmuch installed,
``notmuch new`` on the export finds one thread per ticket."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import message_bodies, writer
from helpdesk_tui.store.db import open_database, transaction

from tests.factories import Builder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from maildir_export import export_maildir  # noqa: E402

HOSTILE_SUBJECT = '=?utf-8?b?SGk=?= \x1b[31mred\x1b[0m "quoted" <b>[bold]</b>\nBcc: evil@example.com'
SUBJECTS = [
    "返金について（至急）",
    "החזר כספי על חשבונית 4471",
    HOSTILE_SUBJECT,
    "  spaces around and   inside  ",
    "Plain ASCII subject",
    "x" * 1500,
]
AUTHORS = ["加藤 拓也", "דנה כהן", 'Evil "Boss" \\ <root@example.com>\nX-Injected: yes', "priya", ""]
BODIES = [
    "返金をお願いします。パスワードも忘れました。",
    "שלום, אני צריך החזר על החשבונית.",
    "line one\r\nline two with CR\rand a NUL \x00 here",
    "From the start of a line\n--boundary\n\n=?utf-8?q?not_a_header?=\n",
    "a very long line " * 400,
    "no newline at the end",
    "",
    "\x1b]52;c;ZXZpbA==\x07 [link](javascript:alert(1)) <script>alert(1)</script>",
]


def hostile_cache(path: Path) -> dict[int, dict]:
    """Tickets with 1-4 messages each, every subject/author/body above used; returns what was stored."""
    b = Builder()
    customer = b.customer("Aiko Tanaka")
    tickets, messages = [], []
    stored: dict[int, dict] = {}
    n = 0
    for i, subject in enumerate(SUBJECTS):
        t = b.ticket(subject, customer=customer, age=timedelta(days=10 - i))
        tickets.append(t)
        for k in range(1 + i % 4):
            m = b.message(t, BODIES[n % len(BODIES)], kind=MessageKind.CUSTOMER if k % 2 == 0 else
                          MessageKind.PUBLIC_REPLY, at=t.created_at + timedelta(minutes=7 * k))
            m.author = AUTHORS[n % len(AUTHORS)]
            messages.append(m)
            stored[m.id] = {"ticket": t.number, "subject": subject, "author": m.author, "body": m.body,
                            "at": m.created_at}
            n += 1
    conn = open_database(path)
    try:
        with transaction(conn):
            writer.save_customers(conn, [customer])
            writer.save_tickets(conn, tickets)
            writer.save_messages(conn, messages)
    finally:
        conn.close()
    return stored


def parse_all(maildir: Path) -> list[email.message.EmailMessage]:
    box = mailbox.Maildir(maildir, factory=None, create=False)
    return [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.keys()]


def display_name(raw: mailbox.MaildirMessage) -> str:
    """The From header's name, decoded word for word (the email package's address objects
    refuse a name holding a line break, which a hostile one does)."""
    decoded = str(make_header(decode_header(raw["From"])))
    name, _, _address = decoded.rpartition(" <")
    return name.removeprefix('"').removesuffix('"').replace('\\"', '"').replace("\\\\", "\\") \
        if name.startswith('"') else name


def threads(messages) -> dict[str, list]:
    """Messages grouped by ticket, oldest first."""
    out: dict[str, list] = {}
    for msg in messages:
        out.setdefault(msg["X-Helpdesk-Ticket"], []).append(msg)
    for group in out.values():
        group.sort(key=lambda m: (parsedate_to_datetime(m["Date"]), m["Message-ID"]))
    return out


def test_every_message_reads_back_exactly_and_each_ticket_is_one_thread(tmp_path):
    db = tmp_path / "acct.sqlite"
    stored = hostile_cache(db)
    result = export_maildir(db, tmp_path / "mail" / "helpdesk")
    assert result.messages == len(stored) and result.written == len(stored) and not result.reused
    messages = parse_all(tmp_path / "mail" / "helpdesk")
    assert len(messages) == len(stored)
    raw = {m["Message-ID"]: m for m in mailbox.Maildir(tmp_path / "mail" / "helpdesk", create=False)}
    allowed = {"From", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "X-Helpdesk-Ticket",
               "X-Helpdesk-Kind", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"}
    for msg in messages:
        assert set(msg.keys()) <= allowed, msg.keys()  # nothing injected through a subject or a name
        assert not msg.defects, msg.defects
        mid = int(msg["Message-ID"].split(".")[0].lstrip("<m"))
        want = stored[mid]
        assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
        assert msg.get_content() == want["body"]
        assert str(msg["Subject"]) == want["subject"]
        assert display_name(raw[msg["Message-ID"]]) == want["author"]
        assert parsedate_to_datetime(msg["Date"]) == want["at"]
        assert int(msg["X-Helpdesk-Ticket"]) == want["ticket"]
    assert len({m["Message-ID"] for m in messages}) == len(messages)
    grouped = threads(messages)
    assert len(grouped) == len(SUBJECTS)
    for group in grouped.values():
        assert group[0]["In-Reply-To"] is None and group[0]["References"] is None
        for k, msg in enumerate(group[1:], start=1):
            assert msg["In-Reply-To"] == group[k - 1]["Message-ID"]
            assert str(msg["References"]).split() == [m["Message-ID"] for m in group[:k]]


def test_a_stopped_export_resumes_a_finished_one_is_reused_and_another_workspace_replaces_it(tmp_path):
    db = tmp_path / "acct.sqlite"
    stored = hostile_cache(db)
    maildir, stamp = tmp_path / "mail" / "helpdesk", tmp_path / "export.json"
    export_maildir(db, maildir, stamp=stamp)
    before = {p.name: p.read_bytes() for p in (maildir / "cur").iterdir()}
    again = export_maildir(db, maildir, stamp=stamp)
    assert again.reused and again.written == 0 and again.messages == len(stored)

    # Stopped half-way: the stamp says incomplete, half of the files are missing.
    gone = sorted(before)[::2]
    for name in gone:
        (maildir / "cur" / name).unlink()
    record = json.loads(stamp.read_text())
    stamp.write_text(json.dumps({**record, "complete": False}))
    resumed = export_maildir(db, maildir, stamp=stamp)
    assert not resumed.reused and resumed.written == len(gone)
    assert {p.name: p.read_bytes() for p in (maildir / "cur").iterdir()} == before

    # The workspace changed: everything is written again, nothing of the old export stays.
    (maildir / "cur" / "stray-file:2,S").write_text("not ours")
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM messages WHERE id = ?", (max(stored),))
    conn.commit()
    conn.close()
    redone = export_maildir(db, maildir, stamp=stamp)
    assert redone.written == len(stored) - 1 and not (maildir / "cur" / "stray-file:2,S").exists()


def demo_cache(path: Path, tickets: int = 50) -> Path:
    from helpdesk_tui.demo.workspace_db import ensure_demo_workspace

    ensure_demo_workspace(path, seed=7, tickets=tickets, now=datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    return path


def test_the_demo_workspace_exports_one_file_per_message_and_one_thread_per_ticket(tmp_path):
    db = demo_cache(tmp_path / "demo.sqlite")
    conn = sqlite3.connect(db)
    message_bodies.register(conn)  # the demo's bodies are stored packed
    count, tickets = conn.execute("SELECT count(*), count(DISTINCT ticket_id) FROM messages").fetchone()
    bodies = dict(conn.execute("SELECT id, message_body(body) FROM messages"))
    conn.close()
    messages = parse_all(export_maildir(db, tmp_path / "mail" / "helpdesk").maildir)
    assert len(messages) == count
    assert len(threads(messages)) == tickets
    for msg in messages:
        assert msg.get_content() == bodies[int(msg["Message-ID"].split(".")[0].lstrip("<m"))]


def test_the_notmuch_query_keeps_our_meaning():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_peers import notmuch_query

    assert notmuch_query("email bou") == '"email" bou*'
    assert notmuch_query("re") == '"re"'  # ours does not take 2-letter words as prefixes
    assert notmuch_query("Outlook") == "outlook*"
    assert notmuch_query("返金") == '"返金"'
    assert notmuch_query("a OR not b") == '"a" "or" "not" "b"'  # operators are words, as in ours
    assert notmuch_query('"reset password" now') == '"reset password" now*'
    assert notmuch_query('"dns propagation"') == '"dns propagation"'  # no wildcard ends a phrase
    assert notmuch_query("((*))") is None


@pytest.mark.skipif(shutil.which("notmuch") is None,
                    reason="notmuch is not installed (Debian: apt-get install notmuch)")
def test_notmuch_new_finds_one_thread_per_ticket_and_the_cjk_words(tmp_path):
    db = demo_cache(tmp_path / "demo.sqlite")
    hostile = hostile_cache(tmp_path / "hostile.sqlite")
    conn = sqlite3.connect(db)
    tickets = conn.execute("SELECT count(DISTINCT ticket_id) FROM messages").fetchone()[0]
    conn.close()
    root = tmp_path / "mail"
    export_maildir(db, root / "demo", stamp=tmp_path / "demo.json")
    export_maildir(tmp_path / "hostile.sqlite", root / "hostile", stamp=tmp_path / "hostile.json")
    config = tmp_path / "notmuch-config"
    config.write_text(f"[database]\npath={root}\n[new]\ntags=inbox;\n[search]\nexclude_tags=\n")
    env = {**os.environ, "NOTMUCH_CONFIG": str(config), "XAPIAN_CJK_NGRAM": "1"}

    def notmuch(*args: str) -> str:
        return subprocess.run(["notmuch", *args], env=env, check=True, capture_output=True, text=True).stdout

    notmuch("new", "--quiet")
    assert int(notmuch("count", "--output=threads", "folder:demo")) == tickets
    assert int(notmuch("count", "--output=threads", "folder:hostile")) == len(SUBJECTS)
    assert int(notmuch("count", "folder:hostile")) == len(hostile)
    assert int(notmuch("count", "パスワード")) >= 1  # inside a longer run: found only through the n-grams
    assert int(notmuch("count", '"החזר"')) >= 1
