"""Who the agent is: each backend's ``check`` learns it, ``account test`` stores it, ``assignee:me``,
"My open" and the templates use it, ``[agent] name`` overrides it, and nothing signs as "you"."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpdesk_tui.compose.render import apply_template
from helpdesk_tui.compose.templates import load_templates
from helpdesk_tui.config.settings import DEMO_AGENT, AgentIdentity, load_settings
from helpdesk_tui.domain.vocab import Status
from helpdesk_tui.services import tickets as ticket_service
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store import writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync.backends.rt import RequestTrackerBackend
from helpdesk_tui.sync.backends.rt import make_client as rt_client
from helpdesk_tui.sync.backends.zendesk import ZendeskBackend
from helpdesk_tui.sync.contract import AccountSettings, Identity
from helpdesk_tui.sync.http import RetryPolicy
from tests.factories import Builder
from tests.fakes.zendesk import FakeZendesk
from tests.server_rt import RtApi
from tests.server_rt import rt_server  # noqa: F401

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05, timeout=20)


def run(home: Path, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", "--home", str(home), *args], capture_output=True,
                          text=True, env=env, timeout=120)


def write_config(home: Path, text: str) -> Path:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- each backend's check() ------------------------------------------------------------------

def test_zendesk_check_learns_the_agent_from_users_me_and_it_matches_the_assignee_it_pulls():
    with FakeZendesk() as fake:
        account = AccountSettings(name="acme", url=fake.url, user=fake.email, token=fake.token)
        backend = ZendeskBackend(account, ZendeskBackend.make_client(account, sleep=lambda s: None, policy=FAST))
        assert backend.identity is None
        backend.check()
        me = backend.identity
        assert me == Identity("Alex Agent", fake.email, str(fake.me))
        customer = fake.add_user("Bob Rossi", email="bob@example.com")
        fake.add_ticket("Mine", requester_id=customer, assignee_id=fake.me, status="open")
        page = backend.pull(None)
        assert [t.assignee for t in page.tickets] == [me.name]  # "me" matches what tickets say


def test_rt_check_learns_the_signed_in_user_and_it_matches_the_owner_it_pulls(rt_server):  # noqa: F811
    account = AccountSettings(name="rt", url=rt_server.url, user=None, token=rt_server.token)
    backend = RequestTrackerBackend(account, rt_client(account, policy=FAST))
    backend.check()
    me = backend.identity
    assert me is not None and me.name == rt_server.user and me.remote_id and me.remote_id.isdigit()
    record = RtApi(rt_server).call("GET", f"/user/{me.name}")
    assert me.email == (record.get("EmailAddress") or None)
    number = RtApi(rt_server).ticket("Identity: owned by me", "identity@example.com", Owner=me.name)
    owned = [t for t in backend.pull(None).tickets if t.remote_id == number]
    assert owned and owned[0].assignee == me.name


def test_the_demo_backend_names_the_demo_agent():
    backend = DemoBackend()
    backend.check()
    assert backend.identity == DEMO_AGENT and DEMO_AGENT.name == "Aiko Tanaka"


# --- settings: the account's agent, [agent] name overriding it ---------------------------------

def test_the_agent_is_the_accounts_stored_identity_unless_agent_name_overrides_it(tmp_path):
    path = write_config(tmp_path, """
        default_account = "work"
        [accounts.work]
        backend = "rt"
        url = "https://rt.example.com"
        [accounts.work.agent]
        name = "aiko"
        email = "aiko@example.com"
        id = "22"
        [accounts.other]
        backend = "rt"
        url = "https://rt2.example.com"
    """)
    settings = load_settings(path, env={})
    assert (settings.agent.name, settings.agent.email, settings.agent.remote_id) == ("aiko", "aiko@example.com", "22")
    assert settings.accounts["work"].agent == AgentIdentity("aiko", "aiko@example.com", "22")
    assert settings.for_account("other").agent.name == ""  # nobody said: no name, never "you"
    assert settings.for_account("demo").agent.name == DEMO_AGENT.name
    assert load_settings(path, env={"HELPDESK_TUI_AGENT_NAME": "Aiko T."}).agent.name == "Aiko T."
    overridden = path.read_text(encoding="utf-8") + '\n[agent]\nname = "Aiko Tanaka"\n'
    path.write_text(overridden, encoding="utf-8")
    settings = load_settings(path, env={})
    assert settings.agent.name == settings.for_account("other").agent.name == "Aiko Tanaka"


# --- assignee:me and "My open" use the stored identity ------------------------------------------

def _cache_with_assignees(home: Path, account: str) -> None:
    path = home / "data" / "accounts" / f"{account}.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    b = Builder()
    conn = open_database(path)
    try:
        with transaction(conn):
            writer.save_tickets(conn, [b.ticket(f"Ticket {n}", assignee=assignee, status=Status.OPEN)
                                       for n, assignee in enumerate(("aiko", "dana", None, "aiko"))])
    finally:
        conn.close()


def test_assignee_me_and_my_open_resolve_to_the_accounts_agent(tmp_path):
    write_config(tmp_path, """
        [accounts.work]
        backend = "rt"
        url = "https://rt.example.com"
        [accounts.work.agent]
        name = "aiko"
        [accounts.bare]
        backend = "rt"
        url = "https://rt2.example.com"
    """)
    for account in ("work", "bare"):
        _cache_with_assignees(tmp_path, account)

    def assignees(account: str, view: str, text: str) -> list[str | None]:
        workspace = Workspace.load(str(tmp_path), account)
        query = ticket_service.inbox_query(workspace.settings, view, text, NOW)
        with workspace.cache() as cache:
            return [row.assignee for page in ticket_service.inbox_pages(cache, query) for row in page]

    assert assignees("work", "all", "assignee:me") == ["aiko", "aiko"]
    assert assignees("work", "mine", "") == ["aiko", "aiko"]
    # An account whose agent nobody named: "me" is no one, never the unassigned tickets.
    assert assignees("bare", "mine", "") == []
    assert assignees("bare", "all", "assignee:me") == []
    assert assignees("bare", "unassigned", "") == [None]


# --- templates: the agent's name, or a neutral form; never "you" --------------------------------

def _acknowledgement(language: str, agent_name: str) -> str:
    templates = load_templates(None).templates
    template = next(t for t in templates if t.id == f"{language}/acknowledgement")
    b = Builder()
    customer = b.customer("Keiko Sato", language=language)
    ticket = b.ticket("Printer on fire", customer=customer)
    return apply_template(template, ticket=ticket, customer=customer, organization=None, agent_name=agent_name,
                          now=NOW, tz=UTC).text


@pytest.mark.parametrize("language, neutral", [("en", "The support team"), ("it", "Il team di assistenza"),
                                               ("ja", "サポートチーム")])
def test_an_acknowledgement_without_an_agent_name_signs_neutrally(language, neutral):
    text = _acknowledgement(language, "")
    assert text.rstrip().splitlines()[-1] == neutral
    assert "{{" not in text
    if language == "ja":
        assert "サポート担当のです" not in text and "サポート窓口でございます。" in text and "you" not in text


@pytest.mark.parametrize("language", ["en", "it", "ja"])
def test_an_acknowledgement_signs_with_the_agents_name(language):
    text = _acknowledgement(language, "Aiko Tanaka")
    assert text.rstrip().splitlines()[-1] == "Aiko Tanaka"
    if language == "ja":
        assert "サポート担当のAiko Tanakaです。" in text


def _demo_ticket_of_language(home: Path, language: str) -> int:
    import sqlite3

    conn = sqlite3.connect(home / "data" / "accounts" / "demo.sqlite")
    try:
        row = conn.execute("SELECT t.number FROM tickets t JOIN customers c ON c.id = t.requester_id "
                           "WHERE c.language = ? ORDER BY t.number LIMIT 1", (language,)).fetchone()
    finally:
        conn.close()
    assert row, f"the demo has a {language} customer"
    return int(row[0])


@pytest.mark.parametrize("language", ["en", "it", "ja", "he"])
def test_the_demo_acknowledgement_is_signed_by_the_demo_agent(demo_home, language):
    number = _demo_ticket_of_language(demo_home, language)
    out = run(demo_home, "template", "render", "acknowledgement", "--ticket", str(number))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert text.rstrip().splitlines()[-1] == "Aiko Tanaka"
    assert "サポート担当のyou" not in text and "\nyou\n" not in text
    if language == "ja":
        assert "サポート担当のAiko Tanakaです。" in text


# --- account test stores who we are --------------------------------------------------------------

def test_account_add_then_test_stores_the_rt_agent_and_agent_name_overrides_it(rt_server, tmp_path):  # noqa: F811
    home = tmp_path / "home"
    env = {"HELPDESK_TUI_TOKEN_WORK": rt_server.token}
    added = run(home, "account", "add", "work", "--backend", "rt", "--url", rt_server.url, env_extra=env)
    assert added.returncode == 0, added.stderr
    # 'account add' signs in once and learns the agent already, before any test or sync
    assert f"Agent: {rt_server.user}" in added.stdout and rt_server.token not in added.stdout + added.stderr
    learned = load_settings(home / "config" / "config.toml", env={}).accounts["work"].agent
    assert learned is not None and learned.name == rt_server.user
    tested = run(home, "account", "test", "work", env_extra=env)
    assert tested.returncode == 0, tested.stderr
    lines = tested.stdout.strip().splitlines()  # one line per read (RT has a KB: articles too), then who we are
    assert lines[0].startswith("ok      check            Signed in to Request Tracker"), lines
    assert [line.split()[:2] for line in lines[1:-1]] == [["ok", "tickets"], ["ok", "thread"], ["ok", "articles"]]
    assert lines[-1].startswith(f"Agent: {rt_server.user}") and "stored for account 'work'" in lines[-1]
    config = home / "config" / "config.toml"
    settings = load_settings(config, env={})
    stored = settings.accounts["work"].agent
    assert stored is not None and stored.name == rt_server.user and stored.remote_id
    assert settings.agent.name == rt_server.user  # "me" on this account
    assert rt_server.token not in config.read_text(encoding="utf-8")

    config.write_text('[agent]\nname = "Aiko Tanaka"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    again = run(home, "account", "test", "work", env_extra=env)
    assert again.returncode == 0, again.stderr
    assert "([agent] name 'Aiko Tanaka' overrides the name)" in again.stdout
    assert load_settings(config, env={}).agent.name == "Aiko Tanaka"
    assert load_settings(config, env={}).accounts["work"].agent == stored  # still stored, unchanged
