"""Zendesk macros become macros with their actions, not only their comment text: synced from the
fake Zendesk (built from the public Macros API docs) over real HTTP, applied, and delivered."""

from __future__ import annotations

from datetime import UTC

import pytest

from helpdesk_tui.compose.macros import resolve_macro
from helpdesk_tui.domain.macros import ME, Kind
from helpdesk_tui.services import macros as svc
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync.backends import zendesk_macros
from helpdesk_tui.sync.backends.zendesk import ZendeskBackend
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.outbox_sender import drain_outbox

from tests.conftest import DEMO_NOW
from tests.fakes.zendesk import FakeZendesk

AGENT = "Alex Agent"


@pytest.fixture
def fake():
    with FakeZendesk() as server:
        yield server


@pytest.fixture
def cache(tmp_path):
    c = Cache(tmp_path / "zd.sqlite", "zd")
    yield c
    c.close()


def zendesk(fake: FakeZendesk) -> ZendeskBackend:
    account = AccountSettings(name="zd", url=fake.url, user=fake.email, token=fake.token)
    client = ZendeskBackend.make_client(account, policy=RetryPolicy(attempts=2, timeout=5), sleep=lambda s: None)
    return ZendeskBackend(account, client)


def test_each_documented_action_maps_or_is_said_to_be_skipped():
    mapped = zendesk_macros.helpdesk_actions({"actions": [
        {"field": "status", "value": "hold"},
        {"field": "priority", "value": "urgent"},
        {"field": "type", "value": "incident"},
        {"field": "group_id", "value": "360001"},
        {"field": "assignee_id", "value": "current_user"},
        {"field": "current_tags", "value": "vip outage"},
        {"field": "remove_tags", "value": "waiting"},
        {"field": "set_tags", "value": "a b"},
        {"field": "custom_fields_123", "value": "x\x1b[31m"},
        {"field": "comment_value", "value": "Hello"},
        {"field": "comment_mode_is_public", "value": "false"},
    ]})
    assert [(a.kind, a.value, a.tags) for a in mapped.actions] == [
        (Kind.STATUS, "on_hold", ()), (Kind.PRIORITY, "urgent", ()), (Kind.GROUP, "group 360001", ()),
        (Kind.ASSIGNEE, ME, ()), (Kind.ADD_TAGS, "", ("vip", "outage")), (Kind.REMOVE_TAGS, "", ("waiting",)),
        (Kind.SET_TAGS, "", ("a", "b"))]
    assert mapped.public is False
    assert mapped.skipped == ("Skipped ticket type 'incident' (tickets here have no type).",
                              "Skipped custom_fields_123 'x' (no such field here).")


def test_a_synced_zendesk_macro_applies_its_actions_and_they_reach_zendesk(fake, cache):
    group = fake.add_group("Tier 2")
    requester = fake.add_user("Aiko Tanaka")
    tid = fake.add_ticket("Site down", requester_id=requester, status="open", priority="normal",
                          tags=["waiting", "web"])
    fake.add_macro("Escalate (Zendesk)", "Escalating: {{ticket.requester.first_name}} reports {{ticket.title}}.",
                   public=False, description="Tier 2 with a private note", actions=[
                       {"field": "status", "value": "pending"},
                       {"field": "priority", "value": "high"},
                       {"field": "type", "value": "incident"},
                       {"field": "group_id", "value": str(group)},
                       {"field": "current_tags", "value": "escalated"},
                       {"field": "remove_tags", "value": "waiting"},
                   ])
    backend = zendesk(fake)
    SyncEngine(cache, backend, lambda: DEMO_NOW).sync()

    loaded = svc.load_all(cache, templates_dir=None, backend=ZendeskBackend)
    macro = resolve_macro(loaded.macros, "Escalate (Zendesk)")
    assert macro.origin and macro.id.startswith("helpdesk/")
    ticket = cache.find_ticket(str(tid))
    preview = svc.preview(cache, ticket.id, macro, templates=svc.templates_for(cache, None), agent=AGENT,
                          now=DEMO_NOW, tz=UTC, backend=backend)
    assert preview.reply_text == ""  # a private comment is a note, not a reply
    assert preview.note.startswith("Escalating: Aiko reports Site down.")
    assert preview.skipped == ("Skipped ticket type 'incident' (tickets here have no type).",)
    lines = svc.describe(preview)
    assert "Skipped ticket type 'incident' (tickets here have no type)." in lines
    assert "  status: open → pending" in lines and "  group: — → group %d" % group in lines

    applied = svc.apply(cache, preview, agent=AGENT, now=DEMO_NOW, hold_seconds=0, backend=backend)
    assert len(applied.outbox_ids) == 2
    drain_outbox(cache, backend, lambda: DEMO_NOW)
    assert [i.state for i in cache.outbox_items()] == ["sent", "sent"]
    remote = fake.ticket(tid)
    assert (remote["status"], remote["priority"], remote["group_id"]) == ("pending", "high", group)
    assert sorted(remote["tags"]) == ["escalated", "web"]
    notes = [c for c in fake.state.ticket_comments(tid) if not c["public"]]
    assert len(notes) == 1 and "Escalating: Aiko reports Site down." in notes[0]["body"]  # once


def test_a_macro_the_backend_cannot_read_is_only_a_template(fake, cache):
    fake.add_macro("Greeting", "Hi {{ticket.requester.first_name}}")
    SyncEngine(cache, zendesk(fake), lambda: DEMO_NOW).sync()
    from helpdesk_tui.sync.backends.rt import RequestTrackerBackend

    assert all(not m.origin for m in svc.load_all(cache, templates_dir=None, backend=RequestTrackerBackend).macros)
    assert any(m.name == "Greeting" for m in svc.load_all(cache, templates_dir=None, backend=ZendeskBackend).macros)


def test_a_macro_that_only_changes_fields_is_a_macro_and_never_an_empty_template(fake, cache):
    tid = fake.add_ticket("Invoice copy", status="open")
    fake.add_macro("Only a status", actions=[{"field": "status", "value": "solved"},
                                             {"field": "satisfaction_score", "value": "offered"}])
    fake.add_macro("Retired", actions=[{"field": "status", "value": "closed"}], active=False)
    backend = zendesk(fake)
    SyncEngine(cache, backend, lambda: DEMO_NOW).sync()
    assert [t.name for t in svc.templates_for(cache, None) if t.origin] == []  # no empty template offered
    loaded = svc.load_all(cache, templates_dir=None, backend=ZendeskBackend)
    assert loaded.failed == []
    [macro] = [m for m in loaded.macros if m.origin]
    assert macro.name == "Only a status" and [a.value for a in macro.actions] == ["solved"]
    preview = svc.preview(cache, cache.find_ticket(str(tid)).id, macro, templates=[], agent=AGENT, now=DEMO_NOW,
                          tz=UTC, backend=backend)
    assert preview.skipped == ("Skipped satisfaction_score 'offered' (no such field here).",)
    svc.apply(cache, preview, agent=AGENT, now=DEMO_NOW, hold_seconds=0, backend=backend)
    drain_outbox(cache, backend, lambda: DEMO_NOW)
    assert fake.ticket(tid)["status"] == "solved"
    fake.delete_macro(next(iter(fake.state.macros)))
    SyncEngine(cache, backend, lambda: DEMO_NOW).sync()
    assert [m for m in svc.load_all(cache, templates_dir=None, backend=ZendeskBackend).macros if m.origin] == []
