"""The demo workspace generator: deterministic, complete, consistent, and streamable at scale."""

from __future__ import annotations

import gc
import re
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest

from helpdesk_tui.config.settings import DEMO_AGENT
from helpdesk_tui.demo import DemoSpec, DemoWorkspace
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.sla import SlaKind, next_due
from helpdesk_tui.domain.vocab import EventKind, MessageKind, Priority, Status

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

KANA_OR_HAN = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u4e00-\u9fff]")
HEBREW = re.compile(r"[\u0590-\u05ff]")
FENCE = re.compile(r"^\s*```", re.M)
LIST_ITEM = re.compile(r"^(\s*[-*] |\s*\d+\. )", re.M)
LINK = re.compile(r"\[[^\]]+\]\((https?://[^)]+)\)")
HEADING = re.compile(r"^#{1,3} \S", re.M)


class Default:
    """One default-size workspace, generated once for the module."""

    def __init__(self) -> None:
        self.ws = DemoWorkspace(DemoSpec(now=NOW))
        self.orgs = list(self.ws.organizations())
        self.customers = list(self.ws.customers())
        self.notes = list(self.ws.customer_notes())
        self.articles = list(self.ws.articles())
        self.bundles = list(self.ws.tickets())
        self.tickets = [b.ticket for b in self.bundles]
        self.messages = [m for b in self.bundles for m in b.messages]
        self.events = [e for b in self.bundles for e in b.events]
        self.customer_by_id = {c.id: c for c in self.customers}


@pytest.fixture(scope="module")
def demo() -> Default:
    return Default()


def active(tickets):
    return [t for t in tickets if Status(t.status).is_active]


# -- the spec -------------------------------------------------------------------------------

def test_spec_needs_an_aware_now_passed_by_keyword():
    with pytest.raises(TypeError):
        DemoSpec()  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        DemoSpec(now=datetime(2026, 1, 1))
    spec = DemoSpec(now=NOW, seed=3, tickets=10, agent="kim")
    assert (spec.seed, spec.tickets, spec.agent, spec.now) == (3, 10, "kim", NOW)
    assert DemoSpec(now=NOW) == DemoSpec(now=NOW, seed=7, tickets=1200, agent=DEMO_AGENT.name)


def test_agents_are_the_user_plus_eight_colleagues():
    ws = DemoWorkspace(DemoSpec(now=NOW, agent="dana"))
    assert ws.agents[0] == "dana"
    assert len(ws.agents) == 9 == len(set(ws.agents))


# -- determinism ----------------------------------------------------------------------------

def test_same_seed_gives_identical_workspaces():
    a, b = DemoWorkspace(DemoSpec(now=NOW)), DemoWorkspace(DemoSpec(now=NOW))
    assert list(islice(a.tickets(), 200)) == list(islice(b.tickets(), 200))
    assert list(a.customers()) == list(b.customers())
    assert list(a.customer_notes()) == list(b.customer_notes())
    assert list(a.organizations()) == list(b.organizations())
    assert list(a.articles()) == list(b.articles())
    assert a.long_thread_numbers == b.long_thread_numbers


def test_iterating_twice_gives_the_same_tickets():
    ws = DemoWorkspace(DemoSpec(now=NOW, tickets=300))
    assert list(ws.tickets()) == list(ws.tickets())


def test_different_seed_gives_different_tickets_and_people():
    a = list(islice(DemoWorkspace(DemoSpec(now=NOW, seed=7)).tickets(), 200))
    b = list(islice(DemoWorkspace(DemoSpec(now=NOW, seed=8)).tickets(), 200))
    assert a != b
    assert [x.ticket.subject for x in a] != [x.ticket.subject for x in b]
    assert (list(DemoWorkspace(DemoSpec(now=NOW, seed=7)).customers())
            != list(DemoWorkspace(DemoSpec(now=NOW, seed=8)).customers()))


def test_timestamps_follow_spec_now():
    later = NOW + timedelta(days=3)
    a = next(iter(DemoWorkspace(DemoSpec(now=NOW)).tickets())).ticket
    b = next(iter(DemoWorkspace(DemoSpec(now=later)).tickets())).ticket
    assert b.created_at - a.created_at == timedelta(days=3)
    assert b.subject == a.subject


# -- tickets: coverage of what the inbox must show ------------------------------------------

def test_default_has_enough_tickets_over_every_status_and_priority(demo):
    assert len(demo.tickets) == 1200
    assert {Status(t.status) for t in demo.tickets} == set(Status)
    assert {Priority(t.priority) for t in demo.tickets} == set(Priority)
    assert {Priority(t.priority) for t in active(demo.tickets)} == set(Priority)


def test_old_tickets_are_mostly_done_and_active_ones_mostly_recent(demo):
    month_ago = NOW - timedelta(days=30)
    old = [t for t in demo.tickets if t.created_at < month_ago]
    assert sum(not Status(t.status).is_active for t in old) / len(old) > 0.95
    live = active(demo.tickets)
    assert 40 <= len(live) <= 250
    assert sum(t.created_at >= month_ago for t in live) / len(live) > 0.8
    assert min(t.created_at for t in demo.tickets) >= NOW - timedelta(days=181)
    assert max(t.created_at for t in demo.tickets) > NOW - timedelta(hours=3)


def test_default_shows_every_sla_situation(demo):
    hour = timedelta(hours=1)
    dues = [(t, next_due(t)) for t in active(demo.tickets)]
    breaching_first_reply = [t for t, d in dues if d and d.kind == SlaKind.FIRST_RESPONSE and d.at <= NOW]
    assert len(breaching_first_reply) >= 3
    assert all(t.first_response_at is None for t in breaching_first_reply)
    assert sum(t.status == Status.PENDING for t in demo.tickets) >= 10
    checkpoint_soon = [t for t, d in dues if d and d.kind == SlaKind.CHECKPOINT and NOW < d.at <= NOW + hour]
    assert checkpoint_soon
    assert any(d and d.kind == SlaKind.CHECKPOINT and d.at <= NOW for t, d in dues), "an overdue promised update"
    assert [t for t in demo.tickets if t.status == Status.NEW and t.assignee is None]
    assert len([t for t in active(demo.tickets) if t.assignee == DEMO_AGENT.name]) >= 5


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_small_workspaces_of_any_seed_still_show_every_situation(seed):
    tickets = [b.ticket for b in DemoWorkspace(DemoSpec(now=NOW, seed=seed, tickets=150, agent="me")).tickets()]
    dues = [(t, next_due(t)) for t in active(tickets)]
    assert any(d and d.kind == SlaKind.FIRST_RESPONSE and d.at <= NOW for _, d in dues)
    assert any(d and d.kind == SlaKind.CHECKPOINT and NOW < d.at <= NOW + timedelta(hours=1) for _, d in dues)
    assert any(t.status == Status.PENDING for t in tickets)
    assert any(t.status == Status.NEW and t.assignee is None for t in tickets)
    assert any(t.assignee == "me" for t in active(tickets))
    assert {Priority(t.priority) for t in tickets} == set(Priority)


def test_sla_fields_are_filled_realistically(demo):
    targets = {Priority.URGENT: 1, Priority.HIGH: 4, Priority.NORMAL: 8, Priority.LOW: 24}
    for t in demo.tickets:
        assert t.first_response_due_at - t.created_at == timedelta(hours=targets[Priority(t.priority)])
        assert t.resolution_due_at > t.first_response_due_at
        if Status(t.status).is_active:
            assert t.solved_at is None
        else:
            assert t.created_at <= t.solved_at <= NOW and t.next_checkpoint_at is None
        if t.status == Status.CLOSED:
            assert t.solved_at + timedelta(days=4) <= NOW
    answered = [t for t in demo.tickets if t.first_response_at]
    on_time = sum(t.first_response_at <= t.first_response_due_at for t in answered)
    assert 0.6 < on_time / len(answered) < 1.0  # mostly on time, some late
    assert sum(t.next_checkpoint_at is not None for t in active(demo.tickets)) >= 10


# -- people ---------------------------------------------------------------------------------

def test_customers_each_have_between_2_and_30_tickets(demo):
    assert len(demo.customers) >= 150
    per_customer = Counter(t.requester_id for t in demo.tickets)
    assert set(per_customer) == {c.id for c in demo.customers}
    assert min(per_customer.values()) >= 2 and max(per_customer.values()) <= 30
    assert max(per_customer.values()) >= 15  # some customers with a long history


def test_customers_speak_four_languages_with_names_in_their_script(demo):
    by_lang = Counter(c.language for c in demo.customers)
    assert set(by_lang) == {"en", "ja", "it", "he"} and min(by_lang.values()) >= 10
    for c in demo.customers:
        assert c.email.isascii() and re.fullmatch(r"[a-z0-9.\-]+@[a-z0-9.\-]+\.example", c.email)
        if c.language == "ja":
            assert KANA_OR_HAN.search(c.name)
        elif c.language == "he":
            assert HEBREW.search(c.name)
        else:
            assert c.name.replace(" ", "").replace("ò", "o").isascii()
    assert len({c.email for c in demo.customers}) == len(demo.customers)
    assert any(c.language == "it" and c.name.split()[0] in {"Giulia", "Marco", "Chiara", "Luca", "Sara",
                                                              "Matteo", "Elena", "Francesca"}
               for c in demo.customers)


def test_organizations_and_customer_membership(demo):
    assert len(demo.orgs) >= 30
    assert [o.id for o in demo.orgs] == list(range(1, len(demo.orgs) + 1))
    org_ids = {o.id for o in demo.orgs}
    members = [c for c in demo.customers if c.organization_id is not None]
    assert all(c.organization_id in org_ids for c in members)
    assert 0 < len(members) < len(demo.customers)  # some customers belong to no organization
    assert any(o.name.startswith("ACME") for o in demo.orgs)
    created = [c.created_at for c in demo.customers]
    assert created == sorted(created) and max(created) < min(t.created_at for t in demo.tickets)


def test_some_customers_have_agent_notes(demo):
    assert 10 <= len({n.customer_id for n in demo.notes}) < len(demo.customers)
    assert [n.id for n in demo.notes] == list(range(1, len(demo.notes) + 1))
    for note in demo.notes:
        customer = demo.customer_by_id[note.customer_id]
        assert customer.created_at <= note.created_at <= NOW and note.body and note.author in demo.ws.agents


# -- knowledge base -------------------------------------------------------------------------

def test_knowledge_base_has_100_markdown_articles_in_four_languages(demo):
    arts = demo.articles
    assert len(arts) >= 100
    assert [a.id for a in arts] == list(range(1, len(arts) + 1))
    langs = Counter(a.language for a in arts)
    assert set(langs) == {"en", "ja", "it", "he"} and langs["en"] > len(arts) / 2
    assert all(HEADING.search(a.body) and a.tags and a.title and a.updated_at <= NOW for a in arts)
    assert sum(bool(FENCE.search(a.body)) for a in arts) >= 50
    assert sum(bool(re.search(r"^1\. ", a.body, re.M)) for a in arts) >= 50
    assert sum(bool(LINK.search(a.body)) for a in arts) >= 20
    assert len({a.url for a in arts}) == len(arts)
    titles = " ".join(a.title for a in arts)
    for topic in ("DNS propagation", "MX records", "SPF", "DKIM", "password", "2FA", "SSL", "Site down",
                  "Refund", "Cancelling", "backup", "SFTP", "PHP", "返金", "解約", "rimborso", "החזר כספי"):
        assert topic.lower() in titles.lower() or topic in " ".join(a.body for a in arts), topic


# -- threads --------------------------------------------------------------------------------

def test_thread_lengths_stay_within_1_to_40_except_long_threads(demo):
    long_numbers = set(demo.ws.long_thread_numbers)
    assert long_numbers
    lengths = Counter()
    for b in demo.bundles:
        if b.ticket.number in long_numbers:
            assert len(b.messages) == 50
        else:
            assert 1 <= len(b.messages) <= 40
            lengths[len(b.messages)] += 1
    assert max(lengths) >= 25 and lengths[1] > 0 and lengths[2] > 100


def test_threads_start_with_the_customer_and_mix_every_message_kind(demo):
    for b in demo.bundles:
        first = b.messages[0]
        assert first.kind == MessageKind.CUSTOMER and first.created_at == b.ticket.created_at
        assert first.author == demo.customer_by_id[b.ticket.requester_id].name
    kinds = Counter(MessageKind(m.kind) for m in demo.messages)
    assert set(kinds) == set(MessageKind)
    assert kinds[MessageKind.INTERNAL_NOTE] >= 200 and kinds[MessageKind.SYSTEM] >= 50
    notes = [m for m in demo.messages if m.kind == MessageKind.INTERNAL_NOTE]
    assert all(m.author in demo.ws.agents for m in notes)
    assert any(re.search(r"web-\d\d", m.body) for m in notes)


def test_messages_are_written_in_the_customers_language(demo):
    text = {lang: [] for lang in ("en", "ja", "it", "he")}
    for b in demo.bundles:
        lang = demo.customer_by_id[b.ticket.requester_id].language
        text[lang].extend(m.body for m in b.messages if m.kind != MessageKind.INTERNAL_NOTE)
        text[lang].append(b.ticket.subject)
    ja, he, it, en = ("\n".join(text[k]) for k in ("ja", "he", "it", "en"))
    assert len(KANA_OR_HAN.findall(ja)) > 5000 and not HEBREW.search(en)
    assert len(HEBREW.findall(he)) > 2000
    for word in ("返金", "解約", "パスワード", "請求"):
        assert word in ja, word
    for word in ("סיסמה", "חשבונית"):
        assert word in he, word
    for word in ("fattura", "rimborso", "password"):
        assert word in it.lower(), word
    ja_customer_msgs = [m.body for b in demo.bundles
                        if demo.customer_by_id[b.ticket.requester_id].language == "ja"
                        and b.ticket.number not in demo.ws.adversarial_numbers
                        for m in b.messages[:1]]
    assert all(KANA_OR_HAN.search(body) for body in ja_customer_msgs)


def test_message_bodies_use_markdown(demo):
    bodies = [m.body for m in demo.messages]
    assert sum(bool(FENCE.search(b)) for b in bodies) >= 100
    assert sum(bool(LIST_ITEM.search(b)) for b in bodies) >= 100
    assert sum(bool(LINK.search(b)) for b in bodies) >= 20
    assert sum("**" in b for b in bodies) >= 100
    assert any("dig " in b for b in bodies) and any("[error]" in b or "nginx" in b for b in bodies)


def test_adversarial_tickets_are_included(demo):
    numbers = set(demo.ws.adversarial_numbers)
    assert 4 <= len(numbers) <= 10
    hostile = [b for b in demo.bundles if b.ticket.number in numbers]
    text = "\n".join([b.ticket.subject for b in hostile] + [m.body for b in hostile for m in b.messages])
    assert "\x1b[31mERROR\x1b[0m" in text
    assert "[bold red]URGENT[/]" in text
    assert "<script>alert(" in text
    assert "\u202e" in text
    assert all("adversarial-demo" in b.ticket.tags for b in hostile)
    assert sum(Status(b.ticket.status).is_active for b in hostile) >= 2  # visible in the inbox
    others = "\n".join(m.body for b in demo.bundles if b.ticket.number not in numbers for m in b.messages)
    assert not any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in others)


# -- ids, references, order, events ---------------------------------------------------------

def test_ids_are_dense_and_references_valid(demo):
    n = len(demo.tickets)
    assert [t.id for t in demo.tickets] == list(range(1, n + 1))
    assert len({t.number for t in demo.tickets}) == n and min(t.number for t in demo.tickets) == 10001
    assert [m.id for m in demo.messages] == list(range(1, len(demo.messages) + 1))
    assert [e.id for e in demo.events] == list(range(1, len(demo.events) + 1))
    assert [c.id for c in demo.customers] == list(range(1, len(demo.customers) + 1))
    for b in demo.bundles:
        t = b.ticket
        customer = demo.customer_by_id[t.requester_id]
        assert t.organization_id == customer.organization_id
        assert all(m.ticket_id == t.id for m in b.messages)
        assert all(e.ticket_id == t.id for e in b.events)
    assert {n.customer_id for n in demo.notes} <= set(demo.customer_by_id)


def test_tickets_come_in_creation_order(demo):
    created = [t.created_at for t in demo.tickets]
    assert created == sorted(created)
    for b in demo.bundles:
        times = [m.created_at for m in b.messages]
        assert times == sorted(times) and times[-1] <= NOW
        at = [e.at for e in b.events]
        assert at == sorted(at) and at[0] == b.ticket.created_at and at[-1] <= b.ticket.updated_at <= NOW


def test_events_tell_the_same_story_as_the_messages(demo):
    for b in demo.bundles:
        t, msgs, evs = b.ticket, b.messages, b.events
        kinds = Counter(EventKind(e.kind) for e in evs)
        replies = [m for m in msgs if m.kind == MessageKind.PUBLIC_REPLY]
        assert evs[0].kind == EventKind.RECEIVED
        assert kinds[EventKind.REPLIED] == len(replies)
        assert kinds[EventKind.FIRST_RESPONSE] == (1 if replies else 0)
        assert t.first_response_at == (replies[0].created_at if replies else None)
        assert kinds[EventKind.NOTE_ADDED] == sum(m.kind == MessageKind.INTERNAL_NOTE for m in msgs)
        assert kinds[EventKind.CUSTOMER_REPLIED] == sum(m.kind == MessageKind.CUSTOMER for m in msgs) - 1
        status = "new"
        for e in evs:
            if e.kind == EventKind.STATUS_CHANGED:
                before, _, after = e.detail.partition(" → ")
                assert before == status != after
                status = after
        assert status == t.status
        assignee = None
        for e in evs:
            if e.kind == EventKind.ASSIGNED:
                assignee = e.detail.split(" → ")[-1]
        assert assignee == t.assignee
        assert (kinds[EventKind.CHECKPOINT_SET] == 1) == (t.next_checkpoint_at is not None)
        if t.status in (Status.PENDING, Status.ON_HOLD):  # we spoke last, the customer owes an answer
            public = [m for m in msgs if m.kind in (MessageKind.CUSTOMER, MessageKind.PUBLIC_REPLY)]
            assert public[-1].kind == MessageKind.PUBLIC_REPLY
        if t.status == Status.NEW:
            assert {MessageKind(m.kind) for m in msgs} <= {MessageKind.CUSTOMER, MessageKind.SYSTEM}


# -- large mode -----------------------------------------------------------------------------

def test_large_workspace_streams_short_threads_in_bounded_memory():
    ws = DemoWorkspace(DemoSpec(now=NOW, tickets=50_000))
    assert len(ws.long_thread_numbers) == 5
    assert 5_500 <= ws.customer_count <= 7_500  # ~n/8
    gc.collect()
    before = sum(isinstance(o, Ticket) for o in gc.get_objects())  # other tests' fixtures
    stream = ws.tickets()
    tickets = messages = 0
    long_lengths = []
    per_customer: Counter[int] = Counter()
    last_created = None
    for bundle in stream:
        tickets += 1
        messages += len(bundle.messages)
        per_customer[bundle.ticket.requester_id] += 1
        assert last_created is None or bundle.ticket.created_at >= last_created
        last_created = bundle.ticket.created_at
        if bundle.ticket.number in ws.long_thread_numbers:
            long_lengths.append(len(bundle.messages))
        else:
            assert len(bundle.messages) <= 40
        if tickets == 25_000:  # half way: the generator holds no earlier tickets
            del bundle
            gc.collect()
            alive = sum(isinstance(o, Ticket) for o in gc.get_objects()) - before
            assert alive < 10
    assert tickets == 50_000
    assert 1.0 <= messages / tickets <= 1.6
    assert long_lengths == [50] * 5
    assert len(per_customer) == ws.customer_count
    assert min(per_customer.values()) >= 2 and max(per_customer.values()) <= 30


def test_million_ticket_spec_is_cheap_to_set_up_and_start():
    ws = DemoWorkspace(DemoSpec(now=NOW, tickets=1_000_000))
    assert len(ws.long_thread_numbers) == 100
    assert ws.long_thread_numbers == sorted(set(ws.long_thread_numbers))
    first = list(islice(ws.tickets(), 1000))
    assert [b.ticket.id for b in first] == list(range(1, 1001))
    assert sum(len(b.messages) for b in first) / 1000 <= 1.6
