"""``helpdesk-tui macro list|apply`` in a subprocess, on a private copy of the demo workspace."""

from __future__ import annotations

import json

import pytest

from helpdesk_tui.store.cache import Cache

from tests.test_cli import assert_one_sentence, run

TICKET = "10405"


@pytest.fixture
def home(demo_home):
    return demo_home


def _outbox(home):
    cache = Cache(home / "data" / "accounts" / "demo.sqlite", "demo")
    try:
        return [i for i in cache.outbox_items() if i.state == "queued"], cache.find_ticket(TICKET), \
            cache.draft(cache.find_ticket(TICKET).id)
    finally:
        cache.close()


def test_macro_list_shows_the_built_ins_and_the_users_own(home):
    folder = home / "config" / "macros"
    folder.mkdir(parents=True)
    (folder / "billing.md").write_text("---\nname: Billing\ngroup: Billing\n---\n", encoding="utf-8")
    out = run(home, "macro", "list").stdout
    for name in ("Acknowledge (next update in 20 min)", "Resolved — report", "Escalate to tier 2 with context",
                 "Waiting on customer (promise check in 24 h)", "Billing"):
        assert name in out
    rows = [json.loads(line) for line in run(home, "macro", "list", "--json").stdout.splitlines()]
    escalate = next(r for r in rows if r["id"] == "escalate-tier-2")
    assert {"action": "group", "value": "Tier 2", "tags": []} in escalate["actions"] and escalate["note"]


def test_a_broken_macro_file_is_one_line_on_stderr_and_the_rest_still_lists(home):
    folder = home / "config" / "macros"
    folder.mkdir(parents=True)
    (folder / "broken.md").write_text("---\nname: Broken\npriority: critical\n---\n", encoding="utf-8")
    out = run(home, "macro", "list")
    assert "Acknowledge" in out.stdout
    [line] = out.stderr.strip().splitlines()
    assert "broken.md, line 3: 'critical' is not a priority" in line


def test_hostile_names_are_printed_without_their_escape_sequences(home):
    folder = home / "config" / "macros"
    folder.mkdir(parents=True)
    (folder / "evil.md").write_text("---\nname: Evil \x1b]0;owned\x07\x1b[31mred\u202e\n"
                                    "description: \x1b[2J gone\n---\nHi \x1b[5m\n", encoding="utf-8")
    out = run(home, "macro", "list").stdout
    assert "Evil" in out and "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    dry = run(home, "macro", "apply", TICKET, "evil", "--dry-run").stdout
    assert "\x1b" not in dry and "\u202e" not in dry


def test_dry_run_prints_the_preview_and_changes_nothing(home):
    out = run(home, "macro", "apply", TICKET, "Escalate to tier 2 with context", "--dry-run").stdout
    assert "Macro: Escalate to tier 2 with context on #10405" in out
    assert "group: Technical → Tier 2" in out and "priority: high → urgent" in out
    assert "Escalated to Tier 2" in out
    items, ticket, draft = _outbox(home)
    assert items == [] and ticket.group == "Technical" and draft is None


def test_apply_queues_the_update_and_the_note_once(home):
    out = run(home, "macro", "apply", TICKET, "escalate").stdout
    assert "Queued 2 outbox item(s)" in out
    items, ticket, _ = _outbox(home)
    assert [i.action for i in items] == ["note", "update"]
    assert items[1].payload["group"] == "Tier 2" and ticket.group == "Tier 2"


def test_apply_leaves_the_reply_in_the_draft_with_its_send_options(home):
    out = run(home, "macro", "apply", TICKET, "acknowledge").stdout
    assert "The reply is in the draft of #10405" in out
    items, ticket, draft = _outbox(home)
    assert [i.payload.get("assignee") for i in items] == ["Aiko Tanaka"]
    assert draft.status == "open" and draft.next_checkpoint is not None and "#10405" in draft.body


def test_unknown_macro_and_ticket_are_one_sentence(home):
    line = assert_one_sentence(run(home, "macro", "apply", TICKET, "nope", check=False), 2)
    assert "There is no macro 'nope'" in line
    line = assert_one_sentence(run(home, "macro", "apply", "99999999", "acknowledge", check=False), 1)
    assert "No ticket 99999999" in line


def test_a_draft_with_other_words_is_never_overwritten_and_nothing_is_queued(home):
    from datetime import UTC, datetime

    from helpdesk_tui.domain.models import Draft
    from helpdesk_tui.domain.vocab import MessageKind

    cache = Cache(home / "data" / "accounts" / "demo.sqlite", "demo")
    ticket = cache.find_ticket(TICKET)
    now = datetime.now(UTC)
    cache.save_draft(Draft(ticket.id, MessageKind.PUBLIC_REPLY, "My own words", now, now))
    cache.close()
    line = assert_one_sentence(run(home, "macro", "apply", TICKET, "acknowledge", check=False), 1)
    assert "already has a draft with other words" in line
    items, _, draft = _outbox(home)
    assert items == [] and draft.body == "My own words"
