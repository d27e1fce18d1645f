"""`helpdesk-tui handover`: the document on a fixed data set, hostile text kept inert, and the
command's errors as one sentence."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
from markdown_it import MarkdownIt

from helpdesk_tui.cli import main
from helpdesk_tui.content import clean_text
from helpdesk_tui.reports.handover import build_handover
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.handover_data import load_handover

from tests.factories import NOW, Builder

HOSTILE = "# Pwned | cell ](http://evil.example) <b>x</b> \x1b[31mred\x1b[0m `code` *em* &amp; ~~s~~"


def fill(conn, *, rotations: bool = True) -> dict:
    """A rotation's worth of tickets, promises, escalations and notes at the fixed NOW."""
    b = Builder()
    acme = b.org("ACME Hosting")
    aiko = b.customer("Aiko Tanaka", acme)
    luca = b.customer("Luca Bianchi")
    t = {
        "down": b.ticket("Site down", customer=aiko, priority=Priority.URGENT, updated_at=NOW - timedelta(hours=1),
                         first_response_due_at=NOW - timedelta(minutes=5), tags=("outage",)),
        "refund": b.ticket("Refund status", customer=luca, status=Status.PENDING, assignee="you",
                           next_checkpoint_at=NOW - timedelta(minutes=30)),
        "dns": b.ticket("DNS change", customer=aiko, assignee="dana", next_checkpoint_at=NOW + timedelta(minutes=10),
                        resolution_due_at=NOW + timedelta(days=3), updated_at=NOW - timedelta(hours=1)),
        "hostile": b.ticket(HOSTILE, customer=luca, assignee="mallory|x", priority=Priority.HIGH,
                            first_response_due_at=NOW + timedelta(hours=2), updated_at=NOW - timedelta(minutes=90)),
        "later": b.ticket("Next week", resolution_due_at=NOW + timedelta(hours=30)),
        "hold": b.ticket("Waiting on registrar", status=Status.ON_HOLD, assignee="you"),
        "pending": b.ticket("Waiting on customer", status=Status.PENDING, assignee="dana"),
        "solved": b.ticket("Done", status=Status.SOLVED, first_response_due_at=NOW - timedelta(days=1)),
    }
    messages = [
        b.message(t["dns"], "Checked the zone.\nTTL is 1h.", MessageKind.INTERNAL_NOTE, at=NOW - timedelta(hours=1)),
        b.message(t["hostile"], "\n# note heading | x\nrest", MessageKind.INTERNAL_NOTE, at=NOW - timedelta(minutes=90)),
        b.message(t["down"], "dana's note", MessageKind.INTERNAL_NOTE, at=NOW - timedelta(hours=1)),
        b.message(t["down"], "before the rotation", MessageKind.INTERNAL_NOTE, at=NOW - timedelta(days=3)),
    ]
    for m, author in zip(messages, ("you", "you", "dana", "you"), strict=True):
        m.author = author
    with transaction(conn):
        writer.save_organizations(conn, [acme])
        writer.save_customers(conn, [aiko, luca])
        writer.save_tickets(conn, list(t.values()))
        writer.save_messages(conn, messages)
        old = rot = None
        if rotations:
            old = conn.execute("INSERT INTO rotations (agent, started_at, ended_at) VALUES ('you', ?, ?)",
                               (int((NOW - timedelta(days=9)).timestamp()),
                                int((NOW - timedelta(days=2)).timestamp()))).lastrowid
            rot = conn.execute("INSERT INTO rotations (agent, started_at) VALUES ('you', ?)",
                               (int((NOW - timedelta(days=2)).timestamp()),)).lastrowid
        conn.execute("INSERT INTO rotations (agent, started_at) VALUES ('dana', ?)",
                     (int((NOW - timedelta(hours=1)).timestamp()),))

        def action(rotation, ticket, at, name, detail, undone=None):
            conn.execute("INSERT INTO triage_actions (rotation_id, ticket_id, at, agent, action, detail, undone_at) "
                         "VALUES (?, ?, ?, 'you', ?, ?, ?)",
                         (rotation, t[ticket].id, int(at.timestamp()), name, json.dumps(detail), undone))

        action(rot, "down", NOW - timedelta(hours=3), "escalate",
               {"assignee": "dana", "group": "L2", "note": "Needs DB access\nsecond line"})
        action(rot, "hostile", NOW - timedelta(hours=2), "escalate", {"group": "[evil](http://x)", "note": HOSTILE})
        action(rot, "dns", NOW - timedelta(hours=2), "escalate", {"assignee": "kenji"},
               undone=int((NOW - timedelta(hours=1)).timestamp()))
        action(rot, "refund", NOW - timedelta(hours=2), "take", {"assignee": "you"})
        action(old, "later", NOW - timedelta(days=5), "escalate", {"assignee": "sam"})
        conn.execute("INSERT INTO customer_notes (customer_id, body, author, created_at, updated_at) "
                     "VALUES (?, 'VIP: call before changes\nsecond line', 'you', ?, ?)",
                     (aiko.id, int((NOW - timedelta(days=30)).timestamp()), int((NOW - timedelta(hours=4)).timestamp())))
        conn.execute("INSERT INTO customer_notes (customer_id, body, author, created_at, updated_at) "
                     "VALUES (?, 'stale', 'you', ?, ?)", (luca.id, int((NOW - timedelta(days=30)).timestamp()),
                                                          int((NOW - timedelta(days=20)).timestamp())))
    return t


def document(conn, hours=24) -> str:
    data = load_handover(conn, account="work", agent="you", now=NOW, hours=hours)
    return build_handover(data, NOW, UTC, clean_text)


EXPECTED = r"""# Handover: work

Written by you on Fri 20 Nov 2026 09:30 UTC for the next engineer on rotation.
Rotation since Wed 18 Nov 2026 09:30 UTC (still open).

## At risk (4)

Breached or due within 24 h, most urgent first.

| Ticket | Subject | Clock | Due | Priority | Status | Assignee |
|---|---|---|---|---|---|---|
| #1002 | Refund status | **⚠ next update overdue by 30m** | today 09:00 | normal | pending | you |
| #1001 | Site down | **⚠ first reply overdue by 5m** | today 09:25 | urgent | open | unassigned |
| #1003 | DNS change | next update due in 10m | today 09:40 | normal | open | dana |
| #1004 | \# Pwned \| cell \](http://evil.example) \<b\>x\</b\> red \`code\` \*em\* \&amp; \~\~s\~\~ | first reply due in 2h00 | today 11:30 | high | open | mallory\|x |

## Promises due (2)

Next updates we promised customers, overdue or due within the window.

| Ticket | Subject | Customer | Promised | State | Assignee |
|---|---|---|---|---|---|
| #1002 | Refund status | Luca Bianchi | today 09:00 | **⚠ overdue by 30m** | you |
| #1003 | DNS change | Aiko Tanaka | today 09:40 | due in 10m | dana |

## Escalations (2)

- **#1001** Site down: escalated Fri 20 Nov 2026 06:30 UTC by you to dana and group L2; now open, assignee none
  - Note: Needs DB access
- **#1004** \# Pwned \| cell \](http://evil.example) \<b\>x\</b\> red \`code\` \*em\* \&amp; \~\~s\~\~: escalated Fri 20 Nov 2026 07:30 UTC by you to group \[evil\](http://x); now open, assignee mallory\|x
  - Note: \# Pwned \| cell \](http://evil.example) \<b\>x\</b\> red \`code\` \*em\* \&amp; \~\~s\~\~

## Waiting on customer

- Pending (waiting on the customer): 2, of which 1 assigned to you
- On hold (waiting on a third party): 1, of which 1 assigned to you

## Notes

Internal notes by you (2):

- **#1004** \# Pwned \| cell \](http://evil.example) \<b\>x\</b\> red \`code\` \*em\* \&amp; \~\~s\~\~ (Fri 20 Nov 2026 08:00 UTC): \# note heading \| x
- **#1003** DNS change (Fri 20 Nov 2026 08:30 UTC): Checked the zone.

Customer notes edited (1):

- **Aiko Tanaka** (ACME Hosting) (Fri 20 Nov 2026 05:30 UTC): VIP: call before changes
"""


def test_handover_document_on_a_fixed_data_set(db):
    fill(db)
    assert document(db) == EXPECTED


def test_hostile_text_stays_text_in_the_rendered_document(db):
    fill(db)
    text = document(db)
    assert "\x1b" not in text and "[31m" not in text
    tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(text)
    headings = [tokens[i + 1].content for i, tok in enumerate(tokens) if tok.type == "heading_open"]
    assert headings == ["Handover: work", "At risk (4)", "Promises due (2)", "Escalations (2)",
                        "Waiting on customer", "Notes"]
    inline_kinds = {child.type for tok in tokens if tok.type == "inline" for child in tok.children or []}
    assert not inline_kinds & {"link_open", "image", "html_inline", "code_inline", "em_open", "s_open"}
    assert not {tok.type for tok in tokens} & {"html_block", "code_block", "fence"}
    # every table row keeps its column count: a "|" in a subject or name did not add a cell
    rows, cells = 0, 0
    for tok in tokens:
        if tok.type == "tr_open":
            if rows:
                assert cells in (6, 7), cells
            rows, cells = rows + 1, 0
        elif tok.type in ("td_open", "th_open"):
            cells += 1
    hostile_cell = next(tok.content for tok in tokens if tok.type == "inline" and tok.content.startswith("\\# Pwned"))
    rendered = MarkdownIt("commonmark").enable("table").renderInline(hostile_cell)
    assert rendered == "# Pwned | cell ](http://evil.example) &lt;b&gt;x&lt;/b&gt; red `code` *em* &amp;amp; ~~s~~"


def test_without_a_rotation_the_look_back_is_the_last_hours(db):
    fill(db, rotations=False)
    text = document(db, hours=1)
    assert "No rotation recorded: covering the last 1 h (since Fri 20 Nov 2026 08:30 UTC)." in text
    assert "## At risk (3)" in text and "Pwned" not in text.split("## Promises")[0]  # due in 2h: outside 1 h
    assert "## Escalations (0)\n\nNo ticket was escalated." in text  # they were 2 and 3 hours ago
    assert "Internal notes by you (1):" in text and "Checked the zone." in text
    assert "Customer notes edited" not in text  # 4 hours ago
    text = document(db, hours=4)
    assert "## Escalations (2)" in text and "sam" not in text  # the one 5 days ago is out
    assert "Customer notes edited (1):" in text


def test_the_last_rotation_counts_when_none_is_open(db):
    fill(db)
    db.execute("UPDATE rotations SET ended_at = ? WHERE agent = 'you' AND ended_at IS NULL",
               (int((NOW - timedelta(minutes=75)).timestamp()),))
    text = document(db)
    assert "Last rotation: Wed 18 Nov 2026 09:30 UTC to Fri 20 Nov 2026 08:15 UTC." in text
    assert "## Escalations (2)" in text  # by rotation, not by time
    assert "Internal notes by you (1):" in text  # 08:00 is in, 08:30 came after the rotation ended
    assert "Checked the zone." not in text


def test_long_sections_stop_at_fifty_rows_and_say_how_many_more(db):
    b = Builder()
    many = [b.ticket(f"late {i}", first_response_due_at=NOW - timedelta(minutes=i + 1)) for i in range(60)]
    with transaction(db):
        writer.save_tickets(db, many)
    text = document(db)
    assert "## At risk (60)" in text
    assert text.count("**⚠ first reply overdue by") == 50
    assert "…and 10 more: `helpdesk-tui list --view due`." in text
    assert "| late 59 |" in text and "| late 9 |" not in text  # the most overdue first


# ----- the command


@pytest.fixture
def home(tmp_path):
    root = tmp_path / "home"
    path = root / "data" / "accounts" / "demo.sqlite"
    conn = open_database(path)
    fill(conn)
    conn.close()
    return root


def test_command_prints_the_document_and_writes_it_to_a_file(home, tmp_path, capsys):
    assert main(["--home", str(home), "handover", "--hours", "48"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Handover: demo\n\nWritten by Aiko Tanaka on ")
    assert "Breached or due within 48 h" in out
    target = tmp_path / "handover.md"
    assert main(["--home", str(home), "handover", "--output", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == f"Wrote {target}.\n"
    written = target.read_text(encoding="utf-8")
    assert written.startswith("# Handover: demo") and "## Notes" in written
    assert (target.stat().st_mode & 0o777) == 0o600  # it quotes customers: private, like the cache


@pytest.mark.parametrize("args, status, sentence", [
    (["--hours", "0"], 2, "--hours must be between 1 and 336 (two weeks)."),
    (["--hours", "soon"], 2, "Argument --hours: invalid int value: 'soon'. Run 'helpdesk-tui handover --help' "
                             "for usage."),
    (["--output", "/nonexistent-dir/x/handover.md"], 1,
     "Cannot write /nonexistent-dir/x/handover.md: No such file or directory."),
])
def test_command_errors_are_one_sentence_with_a_nonzero_exit(home, capsys, args, status, sentence):
    assert main(["--home", str(home), "handover", *args]) == status
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"helpdesk-tui: {sentence}\n"


def test_output_to_a_directory_is_refused_and_leaves_nothing_behind(home, tmp_path, capsys):
    folder = tmp_path / "reports"
    folder.mkdir()
    assert main(["--home", str(home), "handover", "--output", str(folder)]) == 1
    assert capsys.readouterr().err == f"helpdesk-tui: Cannot write {folder}: it is a directory; give a file name.\n"
    assert list(folder.iterdir()) == []


def test_escalations_read_the_triage_logs_own_shape_and_survive_bad_detail(db):
    """The triage screen keeps field -> [old, new] in "changes" and points at its note's message."""
    t = fill(db, rotations=False)
    b = Builder()
    note = b.message(t["later"], "Checked backups twice.\nStill failing.", MessageKind.INTERNAL_NOTE,
                     at=NOW - timedelta(minutes=20))
    note.id = 99
    with transaction(db):
        writer.save_messages(db, [note])
        for ticket, detail in (("later", json.dumps({"what": "escalated to kenji", "message": 99,
                                                     "changes": {"assignee": [None, "kenji"], "group": ["L1", "L3"]}})),
                               ("solved", "not json {")):
            db.execute("INSERT INTO triage_actions (ticket_id, at, agent, action, detail) VALUES (?, ?, 'you', "
                       "'escalate', ?)", (t[ticket].id, int((NOW - timedelta(minutes=20)).timestamp()), detail))
    text = document(db, hours=1)
    assert ("- **#1005** Next week: escalated Fri 20 Nov 2026 09:10 UTC by you to kenji and group L3; "
            "now open, assignee none\n  - Note: Checked backups twice.\n") in text
    assert "- **#1008** Done: escalated Fri 20 Nov 2026 09:10 UTC by you; now solved, assignee none\n" in text
