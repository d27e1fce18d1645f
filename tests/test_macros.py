"""Macros: reading macro files (good and bad), each built-in's effect on a real copy of the demo
cache (outbox items with the right fields), undo while queued, and Zendesk macros' actions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk_tui.compose.macros import MacroError, load_macros, parse_macro, resolve_macro
from helpdesk_tui.domain.macros import ME, Kind
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Priority, Status
from helpdesk_tui.services import macros as svc
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.store import outbox
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync.backends.rt import RequestTrackerBackend

from tests.conftest import DEMO_NOW

TICKET = 10405  # new, high, unassigned, Japanese customer, tags ssl + certificate
AGENT = "Aiko Tanaka"

GOOD = """---
name: Billing hand-off
description: to billing, with a note
# a comment line
status: on hold
priority: down
add tags: billing, "refund"
remove tags: ssl
assignee: me
group: Billing
promise: +2h
var.billing.case: B-17
---
Hi {{ customer.first_name | default("there") }}, billing takes it from here (case {{ billing.case }}).
--- note ---
Billing: see case {{ billing.case }}.
"""


# ----- reading files

def test_a_macro_file_lists_its_actions_in_order():
    macro = parse_macro(GOOD, "billing.md", id="billing")
    assert [a.kind for a in macro.actions] == [Kind.STATUS, Kind.PRIORITY, Kind.ADD_TAGS, Kind.REMOVE_TAGS,
                                               Kind.ASSIGNEE, Kind.GROUP, Kind.PROMISE]
    assert macro.first(Kind.STATUS).value == "on_hold"
    assert macro.first(Kind.PRIORITY).value == "down"
    assert macro.first(Kind.ADD_TAGS).tags == ("billing", "refund")
    assert macro.first(Kind.ASSIGNEE).value == ME
    assert macro.variables == (("billing.case", "B-17"),)
    assert macro.body.startswith("Hi {{ customer.first_name")
    assert macro.note == "Billing: see case {{ billing.case }}.\n"
    assert macro.name == "Billing hand-off" and macro.id == "billing"


@pytest.mark.parametrize(("line", "says"), [
    ("stauts: open", "line 3: unknown action 'stauts'"),
    ("status: resolved", "line 3: 'resolved' is not a status: use one of new, open"),
    ("priority: critical", "line 3: 'critical' is not a priority: use up, down or one of low"),
    ("promise: someday", "line 3:"),
    ("add tags: ", "line 3: 'add tags:' needs a value"),
    ("just words", "line 3: expected 'action: value'"),
])
def test_each_mistake_is_one_sentence_naming_the_file_and_line(line, says):
    text = f"---\nname: Broken\n{line}\n---\nHello\n"
    with pytest.raises(MacroError) as caught:
        parse_macro(text, "mine/broken.md")
    sentence = str(caught.value)
    assert sentence.startswith(f"mine/broken.md, {says}")
    assert sentence.count(". ") == 0 and sentence.endswith(".")


def test_a_macro_without_a_name_or_that_does_nothing_is_refused():
    with pytest.raises(MacroError, match="needs a 'name:' line"):
        parse_macro("---\nstatus: open\n---\n", "a.md")
    with pytest.raises(MacroError, match="does nothing"):
        parse_macro("---\nname: Empty\n---\n\n", "a.md")
    with pytest.raises(MacroError, match="both a 'note:' line and a note section"):
        parse_macro("---\nname: Two notes\nnote: one\n---\n--- note ---\ntwo\n", "a.md")
    with pytest.raises(MacroError, match="line 4"):
        parse_macro("---\nname: Bad text\n---\n{{ oops\n", "a.md")


def test_a_bad_file_is_skipped_and_reported_and_the_others_load(tmp_path):
    templates = tmp_path / "templates"
    macros = tmp_path / "macros"
    templates.mkdir()
    macros.mkdir()
    (macros / "billing.md").write_text(GOOD, encoding="utf-8")
    (macros / "broken.md").write_text("---\nname: Broken\nstatus: resolved\n---\n", encoding="utf-8")
    (macros / "latin1.md").write_bytes("---\nname: Caf\xe9\n---\n".encode("latin-1"))
    (macros / "acknowledge.md").write_text("---\nname: My acknowledge\ntemplate: acknowledgement\n---\n",
                                           encoding="utf-8")
    result = load_macros(macros)
    by_id = {m.id: m for m in result.macros}
    assert {"billing", "acknowledge", "escalate-tier-2", "resolved-report", "waiting-on-customer"} == set(by_id)
    assert by_id["acknowledge"].name == "My acknowledge"  # the user's file replaces the built-in
    failed = dict(result.failed)
    assert "'resolved' is not a status" in failed[str(macros / "broken.md")]
    assert "not UTF-8" in failed[str(macros / "latin1.md")]


def test_a_macro_naming_a_template_that_does_not_exist_is_skipped_and_reported(cache, tmp_path):
    templates = tmp_path / "templates"
    (tmp_path / "macros").mkdir(parents=True)
    (tmp_path / "macros" / "ghost.md").write_text("---\nname: Ghost\ntemplate: no-such-template\n---\n",
                                                  encoding="utf-8")
    result = svc.load_all(cache, templates_dir=templates, backend=DemoBackend)
    assert "ghost" not in {m.id for m in result.macros}
    [(where, sentence)] = result.failed
    assert where.endswith("ghost.md") and "there is no template 'no-such-template'" in sentence


def test_macros_are_named_by_id_name_or_a_unique_start():
    macros = load_macros(None).macros
    assert resolve_macro(macros, "acknowledge").id == "acknowledge"
    assert resolve_macro(macros, "resolved — report").id == "resolved-report"
    assert resolve_macro(macros, "escalate").id == "escalate-tier-2"
    with pytest.raises(MacroError, match="There is no macro 'nope'"):
        resolve_macro(macros, "nope")


def test_built_ins_sign_with_the_agent_name_never_you():
    for macro in load_macros(None).macros:
        text = f"{macro.body}\n{macro.note}".casefold()
        assert " you." not in text and "youです" not in text
    note = next(m for m in load_macros(None).macros if m.id == "escalate-tier-2").note
    assert "{{ agent.name" in note


# ----- each built-in on a real cache

@pytest.fixture
def cache(demo_db):
    c = Cache(demo_db, "demo")
    yield c
    c.close()


def _preview(cache, name, *, backend=DemoBackend, templates_dir=None, now=DEMO_NOW):
    ticket = cache.find_ticket(str(TICKET))
    loaded = svc.load_all(cache, templates_dir=templates_dir, backend=backend)
    macro = resolve_macro(loaded.macros, name)
    return svc.preview(cache, ticket.id, macro, templates=svc.templates_for(cache, templates_dir), agent=AGENT,
                       now=now, tz=DEMO_NOW.tzinfo, backend=backend)


def _apply(cache, preview, *, hold=10, backend=DemoBackend):
    return svc.apply(cache, preview, agent=AGENT, now=DEMO_NOW, hold_seconds=hold, backend=backend)


def _items(cache):
    return [i for i in cache.outbox_items() if i.state == outbox.QUEUED]


def test_acknowledge_takes_the_ticket_now_and_promises_20_minutes_with_the_reply(cache):
    preview = _preview(cache, "acknowledge")
    assert "Aiko Tanaka" in preview.reply_text and "you" not in preview.reply_text.split()
    assert "#10405" in preview.reply_text
    assert preview.reply_status == "open"
    assert preview.reply_checkpoint == DEMO_NOW + timedelta(minutes=20)
    applied = _apply(cache, preview)
    [item] = _items(cache)
    assert item.action == "update" and item.payload["assignee"] == AGENT
    assert "status" not in item.payload  # the status goes with the reply
    assert applied.outbox_ids == (item.id,)
    ticket = cache.find_ticket(str(TICKET))
    assert ticket.assignee == AGENT and ticket.status == Status.NEW


def test_resolved_report_puts_the_four_questions_in_the_reply_and_solves_with_it(cache):
    preview = _preview(cache, "resolved-report")
    for heading in ("原因", "実施した対応", "解決状況", "再発"):  # the customer writes Japanese
        assert heading in preview.reply_text
    assert preview.reply_status == "solved"
    _apply(cache, preview)
    [item] = _items(cache)
    assert item.payload["tags"] == ["ssl", "certificate", "resolution-report"]
    assert "status" not in item.payload
    assert cache.find_ticket(str(TICKET)).status == Status.NEW


def test_escalate_moves_to_tier_2_one_priority_up_with_a_note_of_context(cache):
    preview = _preview(cache, "escalate-tier-2")
    assert preview.reply_text == ""
    assert "Escalated to Tier 2" in preview.note and AGENT in preview.note
    assert "NET::ERR_CERT_DATE_INVALID" in preview.note  # what the customer reports
    _apply(cache, preview)
    note, update = _items(cache)
    assert note.action == "note" and "Escalated to Tier 2" in note.payload["body"] and not note.payload["public"]
    assert update.action == "update"
    assert update.payload["group"] == "Tier 2" and update.payload["priority"] == "urgent"
    assert "escalated" in update.payload["tags"]
    ticket = cache.find_ticket(str(TICKET))
    assert (ticket.group, ticket.priority) == ("Tier 2", Priority.URGENT)
    kinds = [m.kind for m in cache.thread(ticket.id)]
    assert kinds[-1] == MessageKind.INTERNAL_NOTE


def test_waiting_on_customer_asks_and_promises_24_hours_with_the_reply(cache):
    preview = _preview(cache, "waiting-on-customer")
    assert preview.reply_status == "pending"
    assert preview.reply_checkpoint == DEMO_NOW + timedelta(hours=24)
    assert preview.unresolved == () and "[[" in preview.reply_text  # fill-ins left to the agent
    applied = _apply(cache, preview)
    assert applied.batch is None and _items(cache) == []  # all of it rides with the reply
    assert svc.put_reply_in_draft(cache, preview, DEMO_NOW)
    draft = cache.draft(preview.ticket.id)
    assert draft.status == "pending" and draft.next_checkpoint == DEMO_NOW + timedelta(hours=24)


def test_a_macro_without_a_reply_queues_its_status_and_sets_the_promise_now(cache, tmp_path):
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "park.md").write_text("---\nname: Park\nstatus: on_hold\npromise: +4h\n"
                                                 "remove tags: ssl\n---\n", encoding="utf-8")
    preview = _preview(cache, "park", templates_dir=tmp_path / "templates")
    assert [(r.field, r.before, r.after, r.when) for r in preview.rows][:2] == [
        ("status", "new", "on_hold", svc.NOW), ("tags", "ssl, certificate", "certificate", svc.NOW)]
    _apply(cache, preview)
    [item] = _items(cache)
    assert item.payload["status"] == "on_hold" and item.payload["tags"] == ["certificate"]
    ticket = cache.find_ticket(str(TICKET))
    assert ticket.next_checkpoint_at == DEMO_NOW + timedelta(hours=4)
    assert EventKind.CHECKPOINT_SET in [e.kind for e in cache.timeline(ticket.id)]


def test_the_changes_wait_out_the_undo_window_before_any_drainer_sees_them(cache):
    _apply(cache, _preview(cache, "escalate-tier-2"), hold=10)
    with cache.connection() as conn:
        assert outbox.pending(conn, DEMO_NOW + timedelta(seconds=5)) == []
        assert len(outbox.pending(conn, DEMO_NOW + timedelta(seconds=11))) == 2


# ----- undo

def test_undo_while_queued_removes_the_items_the_note_and_restores_the_fields(cache):
    before = cache.find_ticket(str(TICKET))
    thread = len(cache.thread(before.id))
    applied = _apply(cache, _preview(cache, "escalate-tier-2"))
    undone = svc.undo(cache, applied.batch, DEMO_NOW + timedelta(seconds=3))
    assert undone.outbox_removed == 2 and undone.kept == []
    assert _items(cache) == []
    after = cache.find_ticket(str(TICKET))
    assert (after.group, after.priority, after.tags) == (before.group, before.priority, before.tags)
    assert len(cache.thread(before.id)) == thread
    with pytest.raises(ServiceError, match="undone already"):
        svc.undo(cache, applied.batch, DEMO_NOW)


def test_undo_puts_back_the_promise_it_replaced(cache, tmp_path):
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "later.md").write_text("---\nname: Later\npromise: +4h\n---\n", encoding="utf-8")
    applied = _apply(cache, _preview(cache, "later", templates_dir=tmp_path / "templates"))
    assert cache.find_ticket(str(TICKET)).next_checkpoint_at == DEMO_NOW + timedelta(hours=4)
    svc.undo(cache, applied.batch, DEMO_NOW)
    assert cache.find_ticket(str(TICKET)).next_checkpoint_at is None


def test_undo_is_refused_once_an_item_has_left_the_outbox_and_nothing_is_taken_back(cache):
    applied = _apply(cache, _preview(cache, "escalate-tier-2"), hold=0)
    with cache.connection() as conn:
        first = outbox.pending(conn, DEMO_NOW)[0]
        assert outbox.claim(conn, first, DEMO_NOW)  # a drainer is sending it
        conn.commit()
    with pytest.raises(ServiceError, match="Too late to undo"):
        svc.undo(cache, applied.batch, DEMO_NOW)
    assert len([i for i in cache.outbox_items() if i.state in (outbox.QUEUED, outbox.SENDING)]) == 2
    assert cache.find_ticket(str(TICKET)).group == "Tier 2"


def test_a_macro_is_not_counted_in_a_triage_rotation_nor_undone_by_its_key(cache):
    from helpdesk_tui.store.triage_desk import TriageDesk
    from helpdesk_tui.store.triage import TriageError

    desk = TriageDesk(cache, AGENT, sends_tags=True, now=DEMO_NOW)
    _apply(cache, _preview(cache, "escalate-tier-2"))
    assert desk.summary().tickets == 0
    with pytest.raises(TriageError, match="Nothing to undo"):
        desk.undo(DEMO_NOW)


def test_groups_a_helpdesk_cannot_move_are_skipped_and_said(cache):
    class NoGroups(RequestTrackerBackend):
        capabilities = RequestTrackerBackend.capabilities.__class__(change_feed="timestamp", groups=False)

    preview = _preview(cache, "escalate-tier-2", backend=NoGroups)
    assert preview.change.group is None
    assert any("Tier 2" in s and "no groups" in s for s in preview.skipped)
    assert any(r.field.startswith("tags (kept in this cache only)") for r in preview.rows)


def test_a_note_missing_a_value_is_not_queued_and_says_how_to_fix_it(cache, tmp_path):
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "case.md").write_text("---\nname: Case\npriority: low\n---\n--- note ---\n"
                                                 "Case {{ billing.case }}\n", encoding="utf-8")
    preview = _preview(cache, "case", templates_dir=tmp_path / "templates")
    assert preview.note_problems == ("billing.case",)
    assert "The note needs a value for: billing.case" in svc.describe(preview)
    with pytest.raises(ServiceError, match="'var.NAME:' line"):
        _apply(cache, preview)
    assert _items(cache) == [] and cache.find_ticket(str(TICKET)).priority == Priority.HIGH


def test_a_macro_on_several_tickets_is_one_transaction_and_one_undo(cache):
    numbers = ["10405", "10015"]
    ids = [cache.find_ticket(n).id for n in numbers]
    macro = resolve_macro(svc.load_all(cache, templates_dir=None, backend=DemoBackend).macros, "escalate")
    before = {tid: cache.ticket(tid).group for tid in ids}
    done = svc.apply_to_many(cache, ids, macro, templates=svc.templates_for(cache, None), agent=AGENT, now=DEMO_NOW,
                             tz=DEMO_NOW.tzinfo, hold_seconds=10, backend=DemoBackend)
    assert sorted(done.numbers) == sorted(int(n) for n in numbers)
    assert [i.action for i in _items(cache)] == ["note", "update", "note", "update"]
    assert all(cache.ticket(tid).group == "Tier 2" for tid in ids)
    undone = svc.undo(cache, done.batch, DEMO_NOW)
    assert undone.outbox_removed == 4 and _items(cache) == []
    assert {tid: cache.ticket(tid).group for tid in ids} == before


def test_a_macro_that_writes_a_reply_is_refused_on_several_tickets(cache):
    macro = resolve_macro(svc.load_all(cache, templates_dir=None, backend=DemoBackend).macros, "acknowledge")
    with pytest.raises(ServiceError, match="one ticket at a time"):
        svc.apply_to_many(cache, [cache.find_ticket("10405").id], macro, templates=[], agent=AGENT, now=DEMO_NOW,
                          tz=DEMO_NOW.tzinfo, hold_seconds=0, backend=DemoBackend)
    assert _items(cache) == []
