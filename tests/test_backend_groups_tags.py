"""Tags and groups from rotation triage reach the helpdesk, or fail visibly: never "sent" while
the helpdesk ignored them.

Zendesk through its fake over real HTTP (tests/fakes/zendesk.py), django-helpdesk through a
real server (tests/server_django_helpdesk.py), the outbox drained with ``drain_outbox`` as the
app does, and the triage screen by keys (Pilot) on helpdesks with and without groups.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from helpdesk_tui.config.settings import Settings, TriageSettings, UISettings
from helpdesk_tui.domain.models import OutboxItem
from helpdesk_tui.sync.commands import command_from
from helpdesk_tui.store import outbox
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.triage_desk import TriageDesk
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import AccountSettings, Capabilities
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync.backends.django_helpdesk import DjangoHelpdeskBackend
from helpdesk_tui.sync.backends.django_helpdesk import make_client as dh_client
from helpdesk_tui.sync.backends.django_helpdesk_map import Names
from helpdesk_tui.sync.backends.rt import RequestTrackerBackend
from helpdesk_tui.sync.backends.rt import make_client as rt_client
from helpdesk_tui.sync.backends.zendesk import ZendeskBackend
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.sync.outbox_sender import drain_outbox
from helpdesk_tui.ui.screens.triage import TriageScreen
from helpdesk_tui.ui.screens.triage_pickers import ChoicePicker, TagPrompt
from tests.fakes.zendesk import FakeZendesk
from tests.server_django_helpdesk import django_helpdesk_server  # noqa: F401
from tests.server_rt import rt_server  # noqa: F401
from tests.ui_support import make_app, screen_text, settle
from tests.backend_support import Only

QUEUED_AT = datetime(2025, 12, 31, tzinfo=UTC)
UNKNOWN_GROUP = "127.0.0.1 has no group named 'Tier 3': escalate to one of its groups or to a colleague instead."


def clock() -> datetime:
    return datetime.now(UTC)


def failed_items(cache: Cache) -> list[OutboxItem]:
    return [i for i in cache.outbox_items() if i.state == outbox.FAILED]


# ===================================================================== capabilities

def test_each_backend_says_whether_it_keeps_tags_and_moves_tickets_between_groups():
    said = {cls.name: (cls.capabilities.tags, cls.capabilities.groups)
            for cls in (ZendeskBackend, DjangoHelpdeskBackend, RequestTrackerBackend, DemoBackend)}
    assert said == {"zendesk": (True, True), "django-helpdesk": (False, True), "rt": (False, True),
                    "demo": (True, True)}
    assert (Capabilities(change_feed="cursor").tags, Capabilities(change_feed="cursor").groups) == (False, False)


# ===================================================================== Zendesk

@pytest.fixture
def zendesk():
    """A fake Zendesk with two groups and three new, unowned tickets, synced into a fresh cache."""
    with FakeZendesk() as fake:
        customer = fake.add_user("Aiko Tanaka", email="aiko@example.com")
        groups = {name: fake.add_group(name) for name in ("Support", "Tier 2", "Billing")}
        tickets = [fake.add_ticket(subject, requester_id=customer, tags=["web"])
                   for subject in ("Site down", "Invoice twice", "Mail bounces")]
        account = AccountSettings(name="acme", url=fake.url, user=fake.email, token=fake.token)
        backend = ZendeskBackend(account, ZendeskBackend.make_client(account, sleep=lambda s: None,
                                                                     policy=RetryPolicy(timeout=5)))
        yield fake, backend, groups, tickets


def synced_desk(tmp_path, backend, agent: str) -> tuple[Cache, TriageDesk]:
    cache = Cache(tmp_path / "cache.sqlite", backend.account.name)
    SyncEngine(cache, backend, clock).pull()
    capabilities = backend.capabilities
    return cache, TriageDesk(cache, agent, sends_tags=capabilities.tags, sends_groups=capabilities.groups,
                             now=clock())


def local(cache: Cache, remote_id: int) -> int:
    return cache.find_ticket(str(remote_id)).id


def test_a_tag_and_an_escalation_to_a_group_reach_zendesk_as_tags_and_group_id(zendesk, tmp_path):
    fake, backend, groups, (down, invoice, _) = zendesk
    cache, desk = synced_desk(tmp_path, backend, "Alex Agent")
    first, second = local(cache, down), local(cache, invoice)
    desk.add_tag([first], "vip", clock())
    desk.escalate([first], {first: "Checked DNS and the load balancer: both fine."}, clock(), group="Tier 2")
    desk.escalate([second], {second: "The customer was charged twice on the 3rd."}, clock(), group="billing")
    result = drain_outbox(cache, backend, clock)
    assert (result.sent, result.failed, result.problems) == (5, 0, [])
    assert [i.state for i in cache.outbox_items()] == ["sent"] * 5
    assert fake.ticket(down)["tags"] == ["vip", "web"] and fake.ticket(down)["group_id"] == groups["Tier 2"]
    assert fake.ticket(invoice)["group_id"] == groups["Billing"]  # names match as Zendesk shows them, any case
    [tagging] = [r.json["ticket"] for r in fake.requests_to(r"/tickets/%d" % down, "PUT") if "tags" in r.json["ticket"]]
    assert tagging["tags"] == ["web", "vip"] and "group_id" not in tagging
    assert len(fake.requests_to(r"^/api/v2/groups")) == 1  # the account's groups are read once per backend
    # The next sync brings the change back under the group's name.
    SyncEngine(cache, backend, clock).pull()
    assert cache.ticket(first).group == "Tier 2" and "vip" in cache.ticket(first).tags


def test_an_escalation_to_a_group_zendesk_does_not_have_fails_with_one_sentence(zendesk, tmp_path):
    fake, backend, groups, (down, invoice, bounces) = zendesk
    fake.delete_group(groups["Billing"])
    cache, desk = synced_desk(tmp_path, backend, "Alex Agent")
    first, second = local(cache, down), local(cache, invoice)
    desk.escalate([first], {first: "Checked DNS."}, clock(), group="Tier 3")
    result = drain_outbox(cache, backend, clock)
    assert (result.sent, result.failed, result.problems) == (1, 1, [UNKNOWN_GROUP])  # the note went, the move not
    [failed] = failed_items(cache)
    assert (failed.action, failed.payload["group"], failed.last_error) == ("update", "Tier 3", UNKNOWN_GROUP)
    assert fake.ticket(down)["group_id"] is None
    assert not any("group_id" in r.json["ticket"] for r in fake.requests_to(r"/tickets/\d+", "PUT"))
    # A deleted group is not a group tickets can go to.
    desk.escalate([second], {second: "Charged twice."}, clock(), group="Billing")
    result = drain_outbox(cache, backend, clock)
    assert result.problems == ["127.0.0.1 has no group named 'Billing': escalate to one of its groups or to a "
                               "colleague instead."]
    assert fake.ticket(invoice)["group_id"] is None
    # A group created since the groups were read is found (read again for a name not known).
    extra = fake.add_group("Tier 3")
    third = local(cache, bounces)
    desk.escalate([third], {third: "Bounces from one domain only."}, clock(), group="Tier 3")
    assert drain_outbox(cache, backend, clock).failed == 0
    assert fake.ticket(bounces)["group_id"] == extra


def test_a_group_id_is_sent_as_is_and_a_long_group_list_is_read_page_by_page(zendesk):
    fake, backend, groups, (down, invoice, bounces) = zendesk
    many = [fake.add_group(f"Team {n:03}") for n in range(120)]  # more than one page of 100

    def move(remote: int, group: str) -> None:
        item = OutboxItem(id=f"item-{remote}-{group}", ticket_id=1, action="update", payload={"group": group},
                          state="sending", attempts=1, created_at=QUEUED_AT, updated_at=QUEUED_AT)
        backend.push(command_from(item), str(remote), None)

    move(down, str(groups["Billing"]))
    move(invoice, f"group {groups['Tier 2']}")  # as a ticket pulled without its group's name shows it
    assert fake.requests_to(r"^/api/v2/groups") == []
    assert (fake.ticket(down)["group_id"], fake.ticket(invoice)["group_id"]) == (groups["Billing"], groups["Tier 2"])
    move(bounces, "Team 119")
    assert fake.ticket(bounces)["group_id"] == many[-1]
    pages = fake.requests_to(r"^/api/v2/groups")
    assert [(r.query.get("page[size]"), "page[after]" in r.query) for r in pages] == [("100", False), ("100", True)]
    assert all(r.query.get("exclude_deleted") == "true" for r in pages)


def test_the_fake_lists_groups_as_zendesk_does_with_both_kinds_of_paging():
    with FakeZendesk() as fake:
        kept, gone = fake.add_group("Support"), fake.add_group("Old team")
        fake.delete_group(gone)
        http = httpx.Client(base_url=fake.url, headers={"Authorization": fake.basic_auth()})
        everything = http.get("/api/v2/groups.json").json()
        assert [(g["id"], g["name"], g["deleted"]) for g in everything["groups"]] == \
            [(kept, "Support", False), (gone, "Old team", True)]
        assert set(everything["groups"][0]) >= {"id", "url", "name", "description", "default", "deleted",
                                                 "is_public", "created_at", "updated_at"}
        assert everything["count"] == 2 and everything["next_page"] is None
        live = http.get("/api/v2/groups.json", params={"exclude_deleted": "true", "page[size]": 1}).json()
        assert [g["id"] for g in live["groups"]] == [kept] and live["meta"]["has_more"] is False
        assert http.get("/api/v2/groups.json").status_code == 200
        assert httpx.get(f"{fake.url}/api/v2/groups.json", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ticket = fake.add_ticket("Moved")
        refused = http.put(f"/api/v2/tickets/{ticket}.json", json={"ticket": {"group_id": gone}})
        assert refused.status_code == 422 and fake.ticket(ticket)["group_id"] is None
        http.close()


# ===================================================================== django-helpdesk

def test_django_helpdesk_names_a_queue_by_number_or_by_a_known_title():
    names = Names(queues={2: "Billing"})
    assert [names.queue_id(g) for g in ("queue 2", "Queue 7", "7", "billing", "Billing")] == [2, 7, 7, 2, 2]
    with pytest.raises(errors.NotSupported, match=r"^django-helpdesk cannot move a ticket to 'Tier 2': "):
        names.queue_id("Tier 2")
    with pytest.raises(errors.NotSupported, match="every ticket in a queue"):
        names.queue_id("")


def test_an_escalation_to_a_queue_moves_the_ticket_on_a_real_django_helpdesk(
        django_helpdesk_server, tmp_path):  # noqa: F811
    server = django_helpdesk_server
    out = server.shell("from helpdesk.models import Queue\n"
                       "q, _ = Queue.objects.get_or_create(slug='billing', defaults={'title': 'Billing'})\nprint(q.id)")
    billing = int(out.strip().splitlines()[-1])
    api = httpx.Client(base_url=server.api, headers={"Authorization": f"Token {server.token}"}, timeout=30)
    made = [api.post("/tickets/", json={"queue": 1, "title": title, "description": "It broke.",
                                        "submitter_email": "groups@example.com", "priority": 3}).json()["id"]
            for title in ("Groups: to billing by title", "Groups: to billing by number", "Groups: to nowhere")]
    account = AccountSettings(name="dh", url=server.url, user=None, token=server.token)
    backend = DjangoHelpdeskBackend(account, dh_client(account, policy=RetryPolicy(attempts=2, base_delay=0.01,
                                                                                   max_delay=0.05, timeout=20)),
                                    queue_names={billing: "Billing"})
    cache = Cache(tmp_path / "dh.sqlite", "dh")
    SyncEngine(cache, Only(backend, {str(i) for i in made}), clock).pull()
    assert backend.capabilities.groups and not backend.capabilities.tags
    desk = TriageDesk(cache, "user 1", sends_tags=False, sends_groups=True, now=clock())
    by_title, by_number, nowhere = (local(cache, i) for i in made)
    desk.escalate([by_title], {by_title: "Refund question."}, clock(), group="Billing")
    desk.escalate([by_number], {by_number: "Another refund."}, clock(), group=f"queue {billing}")
    desk.escalate([nowhere], {nowhere: "Needs tier 2."}, clock(), group="Tier 2")
    result = drain_outbox(cache, backend, clock)
    sentence = ("django-helpdesk cannot move a ticket to 'Tier 2': its API lists no queues, so escalate to a queue "
                "as the ticket list shows it ('queue N').")
    assert (result.sent, result.failed, result.problems) == (5, 1, [sentence])
    [failed] = failed_items(cache)
    assert (failed.ticket_id, failed.payload["group"], failed.last_error) == (nowhere, "Tier 2", sentence)
    queues = [api.get(f"/tickets/{i}/").json()["queue"] for i in made]
    assert queues == [billing, billing, 1]  # moved, moved, left where it was (and said so)
    notes = api.get(f"/tickets/{made[2]}/").json()["followup_set"]
    assert [f["public"] for f in notes if f.get("comment") == "Needs tier 2."] == [False]  # the note itself went
    assert drain_outbox(cache, backend, clock).sent == 0  # nothing twice
    cache.close()
    api.close()


# ===================================================================== the triage screen

class NoGroupsBackend(DemoBackend):
    """A helpdesk that keeps tags but cannot move tickets between groups."""

    label = "Queueless desk"
    capabilities = Capabilities(change_feed="cursor", idempotency=True, tags=True)


SIZE = (150, 42)
WITH_GROUPS = Settings(ui=UISettings(clock=False), triage=TriageSettings(experts=("Dana",), groups=("Tier 2",)))


async def escalation_choices(app, pilot) -> tuple[ChoicePicker, str]:
    await settle(pilot, app)
    await pilot.press("t")
    await settle(pilot, app)
    assert isinstance(app.screen, TriageScreen)
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, ChoicePicker)
    return app.screen, screen_text(app)


@pytest.mark.parametrize("backend", [NoGroupsBackend(), None], ids=["no-groups", "no-backend"])
async def test_the_escalation_picker_offers_no_group_when_the_helpdesk_has_none(demo_db, tmp_path, backend):
    app = make_app(demo_db, tmp_path, settings=WITH_GROUPS, backend=backend)
    async with app.run_test(size=SIZE) as pilot:
        picker, text = await escalation_choices(app, pilot)
        kinds = {kind for (kind, _), _ in picker.choices}
        assert kinds == {"person"} and picker.choices[0][0] == ("person", "Dana")
        assert "this helpdesk has no groups" in text and "Tier 2" not in text
        await pilot.press(*"Tier 2", "enter")  # a typed name is a colleague, never a group
        await pilot.pause()
        assert "Escalation note for #10405 to Tier 2" in screen_text(app)


async def test_the_escalation_picker_offers_groups_where_the_helpdesk_has_them(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, settings=WITH_GROUPS, backend=DemoBackend())
    async with app.run_test(size=SIZE) as pilot:
        picker, text = await escalation_choices(app, pilot)
        groups = [value for (kind, value), _ in picker.choices if kind == "group"]
        assert groups[:2] == ["Tier 2", "Accounts"] and "a colleague or a group" in text
        assert "Tier 2  group" in text


async def test_a_tag_on_a_helpdesk_with_tags_is_queued_and_sent_without_a_warning(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=NoGroupsBackend())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await settle(pilot, app)
        await pilot.press("number_sign")
        await pilot.pause()
        assert isinstance(app.screen, TagPrompt) and "has no tags" not in screen_text(app)
        await pilot.press(*"VIP customer", "enter")
        await settle(pilot, app)
        [item] = app.cache.outbox_items()
        assert (item.action, item.state) == ("update", "sent")
        tags = list(app.cache.find_ticket("10405").tags)
        assert item.payload["tags"] == tags and "vip-customer" in tags
        assert "no tags" not in screen_text(app)


# ===================================================================== Request Tracker

def test_rt_moves_a_ticket_to_the_queue_named_as_its_group_and_refuses_an_unknown_one(rt_server):  # noqa: F811
    http = rt_server.client()
    queue = f"Tier 2 {uuid.uuid4().hex[:6]}"
    assert http.post("/queue", json={"Name": queue}).status_code == 201
    number = str(http.post("/ticket", json={"Queue": "General", "Subject": "Move me", "Requestor": "q@example.com",
                                            "Content": "Help.", "ContentType": "text/plain"}).json()["id"])
    account = AccountSettings(name="rt", url=rt_server.url, user=None, token=rt_server.token)
    backend = RequestTrackerBackend(account, rt_client(account, policy=RetryPolicy(attempts=2, base_delay=0.01,
                                                                                  max_delay=0.05, timeout=20)))
    item = OutboxItem(id="rt-group", ticket_id=1, action="update", payload={"group": queue}, state="queued",
                      attempts=0, created_at=QUEUED_AT, updated_at=QUEUED_AT)
    backend.push(command_from(item), number, None)
    moved = http.get(f"/ticket/{number}").json()["Queue"]["id"]
    assert http.get(f"/queue/{moved}").json()["Name"] == queue
    with pytest.raises(errors.BadResponse, match=r"refused part of the update .*Queue No such queue does not exist"):
        backend.push(command_from(dataclasses.replace(item, id="rt-nowhere", payload={"group": "No such queue"})),
                     number, None)
    assert http.get(f"/ticket/{number}").json()["Queue"]["id"] == moved
    http.close()
