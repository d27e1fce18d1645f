"""A macro on the inbox's marked tickets, at the service level (issue 11), over a copy of the
demo workspace: the preview for several, one batch, and the inbox's undo against the macro's
own in every order (bulk then macro then U, macro then bulk then U, U twice)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from helpdesk_tui.compose.macros import resolve_macro
from helpdesk_tui.domain.macros import Macro
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.services import bulk, macros as svc
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.services.types import TriageError
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync.backends.demo import DemoBackend

from tests.conftest import DEMO_NOW

AGENT = "Aiko Tanaka"
WAITING = """---
name: Waiting on customer, no reply
description: pending, with a promise to check back in 24 hours (no reply written)
status: pending
promise: +24h
add tags: waiting
---
"""


def write_waiting_macro(folder: Path) -> Path:
    """An action-only macro in a user's macros folder (beside ``folder / "templates"``);
    returns the templates folder to load it through."""
    (folder / "macros").mkdir(parents=True, exist_ok=True)
    (folder / "macros" / "waiting-no-reply.md").write_text(WAITING, encoding="utf-8")
    return folder / "templates"


@pytest.fixture
def cache(demo_db) -> Cache:
    return Cache(demo_db, "demo")


def open_tickets(cache: Cache, n: int) -> list[int]:
    with cache.connection() as conn:
        return [r[0] for r in conn.execute(
            "SELECT id FROM tickets WHERE status = 'open' AND deleted_at IS NULL ORDER BY id LIMIT ?", (n,))]


def waiting(cache: Cache, tmp_path: Path) -> Macro:
    loaded = svc.load_all(cache, templates_dir=write_waiting_macro(tmp_path), backend=DemoBackend)
    assert loaded.failed == []
    return resolve_macro(loaded.macros, "waiting on customer, no reply")


def apply(cache: Cache, ids: list[int], macro: Macro, seconds: int = 0) -> svc.AppliedToMany:
    return svc.apply_to_many(cache, ids, macro, templates=svc.templates_for(cache, None), agent=AGENT,
                             now=DEMO_NOW + timedelta(seconds=seconds), tz=DEMO_NOW.tzinfo, hold_seconds=30,
                             backend=DemoBackend)


def desk(cache: Cache):
    return bulk.ActionDesk(cache, AGENT, sends_tags=True, hold_seconds=30)


def queued(cache: Cache) -> list:
    return [i for i in cache.outbox_items() if i.state == "queued"]


def state(cache: Cache, ids: list[int]) -> dict[int, tuple]:
    return {t: (str(cache.ticket(t).status), str(cache.ticket(t).priority), tuple(cache.ticket(t).tags),
                cache.ticket(t).next_checkpoint_at) for t in ids}


def test_the_preview_for_several_says_what_changes_on_each_then_a_summary_when_many(cache, tmp_path):
    macro = waiting(cache, tmp_path)
    ids = open_tickets(cache, 3)
    previews = svc.preview_many(cache, ids, macro, templates=[], agent=AGENT, now=DEMO_NOW, tz=DEMO_NOW.tzinfo,
                                backend=DemoBackend)
    lines = svc.describe_many(previews)
    assert lines[0] == "Macro: Waiting on customer, no reply on 3 tickets"
    for tid in ids:
        line = next(x for x in lines if x.startswith(f"  #{cache.ticket(tid).number}:"))
        assert "status open → pending" in line and "promised update" in line
    many = open_tickets(cache, 20)
    lines = svc.describe_many(svc.preview_many(cache, many, macro, templates=[], agent=AGENT, now=DEMO_NOW,
                                               tz=DEMO_NOW.tzinfo, backend=DemoBackend))
    assert "  status → pending: 20 tickets" in lines
    assert sum(x.startswith("  #") for x in lines) == 0 and any(x.endswith(" …") for x in lines)
    assert queued(cache) == []  # a preview changes nothing


def test_a_macro_that_writes_a_reply_is_refused_for_several_before_any_preview(cache):
    ack = resolve_macro(svc.load_all(cache, templates_dir=None, backend=DemoBackend).macros, "acknowledge")
    with pytest.raises(ServiceError, match="one ticket at a time"):
        svc.preview_many(cache, open_tickets(cache, 2), ack, templates=[], agent=AGENT, now=DEMO_NOW,
                         tz=DEMO_NOW.tzinfo, backend=DemoBackend)


def test_bulk_then_macro_then_U_takes_back_the_macro_only_then_the_bulk(cache, tmp_path):
    macro = waiting(cache, tmp_path)
    ids = open_tickets(cache, 3)
    before = state(cache, ids)
    inbox = desk(cache)
    bulk.set_priority(Priority.LOW).run(inbox, ids[:2], DEMO_NOW)
    after_bulk = state(cache, ids)
    done = apply(cache, ids[1:], macro, seconds=1)
    assert sorted(done.numbers) == sorted(cache.ticket(t).number for t in ids[1:])
    assert {str(cache.ticket(t).status) for t in ids[1:]} == {"pending"}
    assert len(queued(cache)) == 2 + 2
    undone = inbox.undo(DEMO_NOW + timedelta(seconds=2))  # the inbox's U: the macro, the last
    assert undone.action == svc.MACRO and sorted(undone.ticket_ids) == sorted(ids[1:])
    assert state(cache, ids) == after_bulk and len(queued(cache)) == 2
    assert {i.payload.get("priority") for i in queued(cache)} == {"low"}
    again = inbox.undo(DEMO_NOW + timedelta(seconds=3))  # U again: the bulk action
    assert sorted(again.ticket_ids) == sorted(ids[:2])
    assert state(cache, ids) == before and queued(cache) == []
    with pytest.raises(TriageError, match="Nothing to undo"):
        inbox.undo(DEMO_NOW + timedelta(seconds=4))
    with pytest.raises(ServiceError, match="undone already"):  # the macro's own undo finds nothing left
        svc.undo(cache, done.batch, DEMO_NOW + timedelta(seconds=5))


def test_macro_then_bulk_then_U_takes_back_the_bulk_and_leaves_the_macro(cache, tmp_path):
    macro = waiting(cache, tmp_path)
    ids = open_tickets(cache, 3)
    inbox = desk(cache)
    done = apply(cache, ids, macro)
    after_macro = state(cache, ids)
    bulk.set_status(Status.ON_HOLD).run(inbox, ids[:1], DEMO_NOW + timedelta(seconds=1))
    undone = inbox.undo(DEMO_NOW + timedelta(seconds=2))
    assert undone.ticket_ids == ids[:1] and undone.action != svc.MACRO
    assert state(cache, ids) == after_macro
    assert len(queued(cache)) == 3 and all(i.payload.get("status") == "pending" for i in queued(cache))
    # The macro's own undo (by its batch) still takes back exactly its part.
    taken = svc.undo(cache, done.batch, DEMO_NOW + timedelta(seconds=3))
    assert sorted(taken.ticket_ids) == sorted(ids) and queued(cache) == []
    assert {str(cache.ticket(t).status) for t in ids} == {"open"}


def test_the_macros_own_undo_never_takes_a_later_bulk_action_back(cache, tmp_path):
    macro = waiting(cache, tmp_path)
    ids = open_tickets(cache, 2)
    inbox = desk(cache)
    done = apply(cache, ids, macro)
    bulk.set_status(Status.ON_HOLD).run(inbox, ids[:1], DEMO_NOW + timedelta(seconds=1))
    taken = svc.undo(cache, done.batch, DEMO_NOW + timedelta(seconds=2))
    # The first ticket's status was changed again since: left as the bulk action set it.
    assert any("status" in kept for kept in taken.kept)
    assert str(cache.ticket(ids[0]).status) == "on_hold" and str(cache.ticket(ids[1]).status) == "open"
    [left] = queued(cache)
    assert left.ticket_id == ids[0] and left.payload.get("status") == "on_hold"
    assert inbox.undo(DEMO_NOW + timedelta(seconds=3)).ticket_ids == ids[:1]  # U: the bulk action, still there
    assert queued(cache) == []


def test_U_twice_after_one_macro_undoes_it_once_and_then_says_nothing_is_left(cache, tmp_path):
    macro = waiting(cache, tmp_path)
    ids = open_tickets(cache, 2)
    before = state(cache, ids)
    inbox = desk(cache)
    apply(cache, ids, macro)
    inbox.undo(DEMO_NOW + timedelta(seconds=1))
    assert state(cache, ids) == before and queued(cache) == []
    with pytest.raises(TriageError, match="Nothing to undo"):
        inbox.undo(DEMO_NOW + timedelta(seconds=2))
    assert state(cache, ids) == before


def test_U_in_a_rotation_never_reaches_the_inbox_macro(cache, tmp_path):
    from helpdesk_tui.store.triage_desk import TriageDesk

    macro = waiting(cache, tmp_path)
    ids = open_tickets(cache, 2)
    apply(cache, ids, macro)
    rotation = TriageDesk(cache, AGENT, sends_tags=True, now=DEMO_NOW)
    with pytest.raises(TriageError, match="Nothing to undo"):
        rotation.undo(DEMO_NOW + timedelta(seconds=1))
    assert len(queued(cache)) == 2


def test_the_summary_names_the_tickets_and_says_how_to_undo(cache, tmp_path):
    macro = waiting(cache, tmp_path)
    ids = open_tickets(cache, 3)
    apply(cache, ids[:1], macro)
    done = apply(cache, ids, macro)  # the same moment: the same promise, so the first is already so
    sentence = svc.many_sentence(macro, done)
    numbers = [cache.ticket(t).number for t in ids]
    assert sentence.startswith("Macro Waiting on customer, no reply applied to 2 tickets: ")
    assert f"#{numbers[1]}, #{numbers[2]}." in sentence and "1 already so." in sentence
    assert sentence.endswith("U undoes it while queued.")


def test_the_pickers_titles_say_who_they_act_on(cache):
    ids = open_tickets(cache, 3)
    number = cache.ticket(ids[0]).number
    assert bulk.picker_title("status", cache, ids, marked=True) == "Status of 3 marked tickets"
    assert bulk.picker_title("status", cache, ids[:1], marked=False) == f"Status of #{number}"
    assert bulk.picker_title("priority", cache, ids[:1], marked=True) == "Priority of 1 marked ticket"
    assert bulk.picker_title("assign", cache, ids, marked=True) == "Assign 3 marked tickets to…"
    assert bulk.picker_title("macro", cache, ids[:1], marked=False) == f"Apply a macro to #{number}"


def test_a_batch_taken_back_by_the_inboxs_undo_is_no_longer_undoable(cache, tmp_path):
    macro = waiting(cache, tmp_path)
    done = apply(cache, open_tickets(cache, 2), macro)
    assert svc.still_undoable(cache, done.batch)
    desk(cache).undo(DEMO_NOW + timedelta(seconds=1))
    assert not svc.still_undoable(cache, done.batch)
