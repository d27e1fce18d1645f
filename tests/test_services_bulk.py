"""services.bulk: one action on several tickets, shared by the triage queue and the inbox,
over a copy of the demo workspace."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.services import bulk
from helpdesk_tui.services.triage import open_desk
from helpdesk_tui.services.types import TriageError
from helpdesk_tui.services.workspace import Workspace
from tests.conftest import DEMO_NOW


@pytest.fixture
def workspace(demo_home) -> Workspace:
    return Workspace.load(str(demo_home), None)


def some_tickets(cache, n: int) -> list[int]:
    with cache.connection() as conn:
        return [r[0] for r in conn.execute(
            "SELECT id FROM tickets WHERE status = 'open' AND deleted_at IS NULL ORDER BY id LIMIT ?", (n,))]


def test_an_inbox_action_queues_one_update_per_ticket_in_one_batch_and_undo_takes_it_back(workspace):
    with workspace.cache() as cache:
        desk = bulk.open_inbox_desk(cache, workspace.settings, None)
        assert desk.rotation_id is None and desk.agent == workspace.settings.agent.name
        ids = some_tickets(cache, 3)
        action = bulk.set_status(Status.PENDING)
        results = action.run(desk, ids, DEMO_NOW)
        items = cache.outbox_items()
        assert sorted(i.ticket_id for i in items) == sorted(ids) and {i.payload["status"] for i in items} == {"pending"}
        sentence = bulk.summary_sentence(action, results, ids)
        assert sentence.startswith("Set 3 tickets to pending: #") and sentence.count("#") == 3
        undone = desk.undo(DEMO_NOW + timedelta(seconds=5))
        assert sorted(undone.ticket_ids) == sorted(ids) and cache.outbox_items() == []
        assert all(cache.ticket(t).status == Status.OPEN for t in ids)
        with pytest.raises(TriageError, match="Nothing to undo"):
            desk.undo(DEMO_NOW + timedelta(seconds=6))


def test_inbox_actions_stay_out_of_the_rotation_and_each_undo_takes_back_its_own(workspace):
    with workspace.cache() as cache:
        triage = open_desk(cache, workspace.settings, None, DEMO_NOW)
        inbox = bulk.open_inbox_desk(cache, workspace.settings, None)
        first, second = some_tickets(cache, 2)
        bulk.set_priority(Priority.LOW).run(triage, [first], DEMO_NOW)
        bulk.set_priority(Priority.URGENT).run(inbox, [second], DEMO_NOW + timedelta(seconds=1))
        assert triage.summary().tickets == 1  # the inbox's action is not in the tally
        assert [a.ticket_id for a in triage.recent()] == [first]
        assert triage.undo(DEMO_NOW + timedelta(seconds=2)).ticket_ids == [first]  # not the newer inbox action
        assert cache.ticket(second).priority == Priority.URGENT
        assert inbox.undo(DEMO_NOW + timedelta(seconds=3)).ticket_ids == [second]


def test_actions_say_themselves_as_triage_always_has():
    assert bulk.BulkAction(bulk.TAKE, "Aiko Tanaka").what() == "taken by Aiko Tanaka"
    assert bulk.assign("Dana").what() == "assigned to Dana"
    assert bulk.set_priority(Priority.URGENT).what() == "priority urgent"
    assert bulk.set_status(Status.ON_HOLD).what() == "status on hold"
    tag = bulk.add_tag("VIP customer")
    assert tag is not None and tag.what() == "tagged vip-customer"
    assert bulk.add_tag(" -- ") is None
