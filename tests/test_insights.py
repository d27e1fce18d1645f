"""`helpdesk-tui insights export`: marked product feedback grouped by tag, as markdown or CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, timedelta

import pytest
from markdown_it import MarkdownIt

from helpdesk_tui.cli import main
from helpdesk_tui.content import clean_text
from helpdesk_tui.reports.insights import CSV_COLUMNS, as_plain_text, build_csv, build_markdown
from helpdesk_tui.reports.markdown_escape import quote
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store import writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.feedback import mark_feedback
from helpdesk_tui.store.insights_data import feedback_items

from tests.factories import NOW, Builder

HOSTILE_SUBJECT = "# Pwned ## | x ](http://evil.example) <img src=x>"
HOSTILE_BODY = ("# Big title\n- item\n```\ncode\n```\n<script>alert(1)</script>\n    indented\n1. one\n> quote\n"
                "[x](http://evil.example)\n---\n\x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \x1b[2Jclear")


def fill(conn) -> dict:
    b = Builder()
    acme = b.org("ACME Hosting")
    aiko = b.customer("Aiko Tanaka", acme)
    luca = b.customer("Luca Bianchi")
    t = {
        "csv": b.ticket("Export to CSV", customer=aiko, tags=("Reporting", "billing", "BILLING")),
        "hostile": b.ticket(HOSTILE_SUBJECT, customer=luca),
        "vat": b.ticket("VAT on invoices", customer=aiko, tags=("billing",)),
        "call": b.ticket("Phone call summary", customer=luca, tags=("billing",)),
        "old": b.ticket("Old idea", customer=luca, tags=("billing",)),
    }
    m = {
        "csv": b.message(t["csv"], "Please add CSV export.\nWe need it monthly.", MessageKind.CUSTOMER,
                         at=NOW - timedelta(days=3)),
        "hostile": b.message(t["hostile"], HOSTILE_BODY, MessageKind.CUSTOMER, at=NOW - timedelta(days=2)),
        "vat": b.message(t["vat"], "<p>Invoices <b>should</b> show VAT &amp; totals</p>", MessageKind.CUSTOMER,
                         at=NOW - timedelta(hours=5)),
        "old": b.message(t["old"], "ancient", MessageKind.CUSTOMER, at=NOW - timedelta(days=50)),
    }
    m["vat"].body_format = "html"
    with transaction(conn):
        writer.save_organizations(conn, [acme])
        writer.save_customers(conn, [aiko, luca])
        writer.save_tickets(conn, list(t.values()))
        writer.save_messages(conn, list(m.values()))
        mark_feedback(conn, t["csv"].id, NOW - timedelta(days=2), note="3rd request this month", author="you")
        mark_feedback(conn, t["hostile"].id, NOW - timedelta(days=1), note='=HYPERLINK("http://evil.example")',
                      author="you")
        mark_feedback(conn, t["vat"].id, NOW - timedelta(hours=3), author="dana")
        mark_feedback(conn, t["call"].id, NOW - timedelta(hours=1), note="said it on the phone", author="you")
        mark_feedback(conn, t["old"].id, NOW - timedelta(days=40), author="you")
    return t


def items(conn, days=30):
    """What the command exports: html bodies made text (as report_commands does)."""
    return as_plain_text(feedback_items(conn, NOW - timedelta(days=days), NOW))


EXPECTED = r"""# Product feedback: work

Messages marked as product feedback from Wed 21 Oct 2026 09:30 UTC to Fri 20 Nov 2026 09:30 UTC: 4 on 4 tickets, grouped by ticket tag (a ticket with several tags is under each).

## billing (3)

### #1001 Export to CSV

- Customer: Aiko Tanaka (ACME Hosting)
- Date: said 2026-11-17 09:30, marked 2026-11-18 09:30 by you
- Note: 3rd request this month

> Please add CSV export.
> We need it monthly.

### #1003 VAT on invoices

- Customer: Aiko Tanaka (ACME Hosting)
- Date: said 2026-11-20 04:30, marked 2026-11-20 06:30 by dana

> Invoices should show VAT \& totals

### #1004 Phone call summary

- Customer: Luca Bianchi
- Date: marked 2026-11-20 08:30 by you
- Note: said it on the phone

> (no customer message)

## reporting (1)

### #1001 Export to CSV

- Customer: Aiko Tanaka (ACME Hosting)
- Date: said 2026-11-17 09:30, marked 2026-11-18 09:30 by you
- Note: 3rd request this month

> Please add CSV export.
> We need it monthly.

## untagged (1)

### #1002 \# Pwned \#\# \| x \](http://evil.example) \<img src=x\>

- Customer: Luca Bianchi
- Date: said 2026-11-18 09:30, marked 2026-11-19 09:30 by you
- Note: =HYPERLINK("http://evil.example")

> \# Big title
> \- item
> \`\`\`
> code
> \`\`\`
> \<script\>alert(1)\</script\>
> indented
> 1\. one
> \> quote
> \[x\](http://evil.example)
> \---
> link clear
"""


def test_markdown_export_on_a_fixed_data_set(db):
    fill(db)
    text = build_markdown(items(db), account="work", since=NOW - timedelta(days=30), now=NOW, tz=UTC,
                          clean=clean_text)
    assert text == EXPECTED


def test_hostile_subjects_and_bodies_stay_inside_their_quote(db):
    fill(db)
    text = build_markdown(items(db), account="work", since=NOW - timedelta(days=30), now=NOW, tz=UTC,
                          clean=clean_text)
    assert "\x1b" not in text and "\x07" not in text
    tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(text)
    headings = [tokens[i + 1].content for i, tok in enumerate(tokens) if tok.type == "heading_open"]
    assert len(headings) == 1 + 3 + 5  # title, three tags, five marks: the body added none
    assert not {tok.type for tok in tokens} & {"html_block", "fence", "code_block", "hr", "ordered_list_open"}
    inline_kinds = {child.type for tok in tokens if tok.type == "inline" for child in tok.children or []}
    assert not inline_kinds & {"link_open", "image", "html_inline", "code_inline", "em_open", "strong_open"}
    # the hostile message is one quote of plain paragraphs: no list, heading or fence inside it
    quote_start = max(i for i, tok in enumerate(tokens) if tok.type == "blockquote_open")
    inside = {tok.type for tok in tokens[quote_start:]}
    assert inside <= {"blockquote_open", "blockquote_close", "paragraph_open", "paragraph_close", "inline"}
    subject = MarkdownIt("commonmark").renderInline(headings[-1])
    assert subject == "#1002 # Pwned ## | x ](http://evil.example) &lt;img src=x&gt;"


def test_a_ticket_with_several_tags_is_under_each_and_the_window_is_respected(db):
    fill(db)
    rows = list(csv.reader(io.StringIO(build_csv(items(db), tz=UTC, clean=clean_text))))
    assert rows[0] == list(CSV_COLUMNS)
    assert [(r[0], r[1]) for r in rows[1:]] == [("billing", "1001"), ("billing", "1003"), ("billing", "1004"),
                                                ("reporting", "1001"), ("untagged", "1002")]
    assert len(items(db, days=60)) == 5  # the 40-day-old mark is only in a longer window
    assert [i.number for i in items(db, days=1)] == [1002, 1003, 1004]  # from exactly a day ago


def test_csv_round_trips_through_csv_reader_with_quotes_newlines_and_formulas(db):
    fill(db)
    text = build_csv(items(db), tz=UTC, clean=clean_text)
    assert text.endswith("\r\n")
    rows = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in list(csv.reader(io.StringIO(text, newline="")))[1:]]
    first = rows[0]
    assert first == {"tag": "billing", "ticket": "1001", "subject": "Export to CSV", "customer": "Aiko Tanaka",
                     "organization": "ACME Hosting", "said_at": "2026-11-17 09:30", "marked_at": "2026-11-18 09:30",
                     "marked_by": "you", "message": "Please add CSV export.\nWe need it monthly.",
                     "note": "3rd request this month"}
    hostile = rows[-1]
    assert hostile["subject"] == HOSTILE_SUBJECT  # CSV needs no markdown escaping
    assert hostile["note"] == "'=HYPERLINK(\"http://evil.example\")"  # a spreadsheet must not run it
    assert hostile["message"].startswith("# Big title\n- item\n```")
    assert "\x1b" not in hostile["message"] and hostile["message"].endswith("link clear")
    assert rows[1]["message"] == "Invoices should show VAT & totals"  # html made text
    assert rows[2]["said_at"] == "" and rows[2]["message"] == ""


def test_an_empty_period_says_so(db):
    text = build_markdown([], account="work", since=NOW - timedelta(days=7), now=NOW, tz=UTC, clean=clean_text)
    assert text.endswith("No message was marked as product feedback in this period.\n")
    assert build_csv([], tz=UTC, clean=clean_text) == ",".join(CSV_COLUMNS) + "\r\n"


# ----- the command


@pytest.fixture
def home(tmp_path):
    root = tmp_path / "home"
    conn = open_database(root / "data" / "accounts" / "demo.sqlite")
    fill(conn)
    conn.close()
    return root


def test_command_writes_utf8_csv_to_a_file(home, tmp_path, capsys):
    target = tmp_path / "feedback.csv"
    # the command runs on the real clock and the marks sit around the fixed NOW: a wide window holds them
    assert main(["--home", str(home), "insights", "export", "--since", "5000w", "--format", "csv",
                 "--output", str(target)]) == 0
    assert capsys.readouterr().err == f"Wrote {target}.\n"
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(CSV_COLUMNS) and len(rows) == 1 + 6  # all six (tag, mark) pairs, the old one too


def test_command_prints_markdown_by_default(home, capsys):
    assert main(["--home", str(home), "insights", "export", "--since", "5000w"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Product feedback: demo\n")
    assert "## billing (4)" in out and "## untagged (1)" in out


@pytest.mark.parametrize("args, status, sentence", [
    (["--since", "soon"], 2, "--since 'soon' is not a window: use a count with m, h, d or w (such as 7d) "
                             "or a date (2026-11-01)."),
    (["--since", "0d"], 2, "--since '0d' is an empty window: use a positive number, such as 7d."),
    (["--format", "xlsx"], 2, "Argument --format: invalid choice: 'xlsx' (choose from 'markdown', 'csv'). "
                              "Run 'helpdesk-tui insights export --help' for usage."),
    (["--output", "/nonexistent-dir/feedback.md"], 1,
     "Cannot write /nonexistent-dir/feedback.md: No such file or directory."),
])
def test_command_errors_are_one_sentence_with_a_nonzero_exit(home, capsys, args, status, sentence):
    assert main(["--home", str(home), "insights", "export", *args]) == status
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"helpdesk-tui: {sentence}\n"


def test_quoted_lines_that_would_start_a_block_are_escaped():
    text = quote("+ plus\nTitle\n===\n2) two\n\t    deep\n\n  \n~~~\n<!-- x -->\n\n", clean_text)
    assert text == "> \\+ plus\n> Title\n> \\===\n> 2\\) two\n> deep\n>\n>\n> \\~\\~\\~\n> \\<!-- x --\\>"
    tokens = MarkdownIt("commonmark").parse(text)
    assert {t.type for t in tokens} == {"blockquote_open", "blockquote_close", "paragraph_open", "paragraph_close",
                                        "inline"}
    assert quote("", clean_text) == "> (empty)"


def test_the_demo_workspace_comes_with_feedback_to_export(demo_db):
    from conftest import DEMO_NOW

    conn = open_database(demo_db)
    items = feedback_items(conn, DEMO_NOW - timedelta(days=365), DEMO_NOW + timedelta(days=1))
    marked = conn.execute("SELECT m.kind FROM feedback_marks f JOIN messages m ON m.id = f.message_id").fetchall()
    conn.close()
    assert len(items) >= 10
    assert {kind for (kind,) in marked} == {"customer"}  # the customer's words, never ours
    assert all(item.note for item in items)
