"""Reply templates synced from the helpdesk: Zendesk macros become templates in our placeholder
syntax, follow the server (edited, deleted), never touch the agent's own, and show up wherever
templates are chosen: the loader, the composer's picker (ctrl+t) and ``template list``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpdesk_tui.compose.placeholders import find_placeholders
from helpdesk_tui.compose.render import apply_template
from helpdesk_tui.compose.templates import load_templates, resolve_template
from helpdesk_tui.domain.remote import RemoteTemplate
from helpdesk_tui.store import sync_kb
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import transaction
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.backends.zendesk import ZendeskBackend
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.http import RetryPolicy
from helpdesk_tui.ui.screens.template_picker import TemplatePicker
from tests.conftest import DEMO_NOW
from tests.fakes.zendesk import FakeZendesk
from tests.ui_support import make_app, screen_text, settle

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "Zendesk macro"


@pytest.fixture
def fake():
    with FakeZendesk() as server:
        yield server


@pytest.fixture
def cache(tmp_path):
    cache = Cache(tmp_path / "zd.sqlite", "zd")
    yield cache
    cache.close()


def engine_for(cache: Cache, fake: FakeZendesk) -> SyncEngine:
    account = AccountSettings(name="zd", url=fake.url, user=fake.email, token=fake.token)
    client = ZendeskBackend.make_client(account, policy=RetryPolicy(attempts=2, timeout=5), sleep=lambda s: None)
    return SyncEngine(cache, ZendeskBackend(account, client), lambda: DEMO_NOW)


def counts(result: sync_kb.KbApplyResult) -> tuple[int, int, int]:
    return result.new, result.updated, result.removed


def test_macros_are_synced_as_templates_that_render_in_the_sandbox(fake, cache):
    greeting = fake.add_macro("Greeting", "Hi {{ticket.requester.first_name | default: 'there'}}, about "
                              "#{{ticket.id}}.\n— {{current_user.name}}", description="Opening line")
    fake.add_macro("Rich", "<p>Dear {{ticket.requester.name}},</p><ul><li>restart</li></ul>{{ticket.description}}",
                   html_body=True)
    fake.add_macro("Only a status", actions=[{"field": "status", "value": "solved"}])  # writes no reply
    fake.add_macro("Retired", "old words", active=False)

    report = engine_for(cache, fake).sync()

    # Three synced: the status-only macro comes too, as a macro (issue 11), never as a template.
    assert report.problem is None and counts(report.templates) == (3, 0, 0)
    synced = cache.synced_templates()
    result = load_templates(None, synced)
    assert [(t.name, t.origin) for t in result.templates if t.origin] == [("Greeting", ORIGIN), ("Rich", ORIGIN)]
    assert result.failed == []
    template = next(t for t in result.templates if t.id == f"helpdesk/{greeting}")
    assert (template.name, template.description, template.origin, template.source) == (
        "Greeting", "Opening line", ORIGIN, f"{ORIGIN} {greeting}")
    assert template.body == ("Hi {{ customer.first_name | default(\"there\") }}, about #{{ ticket.number }}.\n"
                             "— {{ agent.name }}\n")
    assert resolve_template(result.templates, "greeting") is template


def test_a_synced_macro_fills_in_the_ticket_and_flags_what_it_cannot(fake, cache, demo_db):
    fake.add_macro("Rich", "<p>Dear {{ticket.requester.name}},</p><p>About {{ticket.title}}: "
                   "{{ticket.description}}</p>", html_body=True)
    engine_for(cache, fake).sync()
    template = next(t for t in load_templates(None, cache.synced_templates()).templates if t.origin)
    demo = Cache(demo_db, "demo")
    try:
        ticket = demo.ticket(1)
        summary = demo.customer_summary(ticket.requester_id)
    finally:
        demo.close()
    result = apply_template(template, ticket=ticket, customer=summary.customer, organization=summary.organization,
                            agent_name="Alex Agent", now=DEMO_NOW, tz=DEMO_NOW.tzinfo)
    assert result.text.startswith(f"Dear {summary.customer.name.strip()},\n\nAbout {ticket.subject}: ")
    # Zendesk's ticket description has no value here: it stays visible and blocks sending.
    assert [name for name, _ in find_placeholders(result.text)] == ["zendesk.ticket.description"]


def test_edited_and_deleted_macros_follow_the_server_and_local_templates_stay(fake, cache):
    keep = fake.add_macro("Greeting", "Hi {{ticket.requester.first_name}},")
    edit = fake.add_macro("Closing", "Bye.")
    gone = fake.add_macro("Outage", "We are on it.")
    engine = engine_for(cache, fake)
    assert counts(engine.sync().templates) == (3, 0, 0)
    with cache.connection() as conn, transaction(conn):  # the agent's own, one with an id the server lacks
        conn.execute("INSERT INTO templates (name, body, source) VALUES ('Mine', 'my words', 'local')")
        conn.execute("INSERT INTO templates (remote_id, name, body, source) VALUES ('999', 'Also mine', 'x', 'local')")
    with fake.lock:
        fake.state.macros[edit]["actions"][0]["value"] = "Bye, and thanks."
    fake.delete_macro(gone)

    report = engine.sync()

    assert counts(report.templates) == (0, 1, 1)
    assert {t.remote_id: t.body for t in cache.synced_templates()} == {
        str(keep): "Hi {{ customer.first_name }},", str(edit): "Bye, and thanks."}
    with cache.connection() as conn:
        assert conn.execute("SELECT name, source FROM templates WHERE source = 'local' ORDER BY name").fetchall() == [
            ("Also mine", "local"), ("Mine", "local")]
    assert counts(engine.sync().templates) == (0, 0, 0)


def test_a_synced_template_the_sandbox_refuses_is_reported_and_left_out():
    record = sync_kb.SyncedTemplate(remote_id="7", name="Sneaky", description="", language="en",
                                    body="Hello {{ customer.__class__ }}", origin=ORIGIN)
    fine = sync_kb.SyncedTemplate(remote_id="8", name="Fine", description="", language="pt_BR",
                                  body="Olá {{ customer.first_name }}", origin=ORIGIN)
    result = load_templates(None, [record, fine])
    assert [name for name, _ in result.failed] == [f"{ORIGIN} 7"]
    assert result.failed[0][1].startswith(f"{ORIGIN} 7, line 1: ")
    assert "helpdesk/7" not in {t.id for t in result.templates}
    assert next(t for t in result.templates if t.id == "helpdesk/8").language == "pt-br"


def put_synced(db: Path, *templates: RemoteTemplate) -> None:
    cache = Cache(db, "demo")
    try:
        with cache.connection() as conn, transaction(conn):
            sync_kb.apply_templates(conn, list(templates), origin=ORIGIN, now=DEMO_NOW)
    finally:
        cache.close()


WELCOME = RemoteTemplate(remote_id="4242", name="Warm welcome", description="From the Zendesk admin",
                         body="Welcome aboard, {{ customer.first_name }}!")


async def test_the_template_picker_lists_a_synced_macro_and_inserts_it(demo_db, tmp_path):
    put_synced(demo_db, WELCOME)
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        ticket = app.cache.ticket(app.workstation.ticket_id)
        customer = app.cache.customer_summary(ticket.requester_id).customer
        await pilot.press("r", "ctrl+t")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TemplatePicker)
        await pilot.press(*"warm")
        await pilot.pause()
        assert picker.shown[0].id == "helpdesk/4242"  # the best match; weaker fuzzy ones follow
        assert "Warm welcome  · Zendesk macro  From the Zendesk admin" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.workstation.composer.text.startswith(f"Welcome aboard, {customer.first_name}!")


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                          env=env, timeout=120, cwd=ROOT)


def test_template_list_prints_synced_templates_marked_with_their_origin(demo_db, tmp_path):
    home = tmp_path / "home"
    db = home / "data" / "accounts" / "demo.sqlite"
    db.parent.mkdir(parents=True)
    demo_db.replace(db)
    put_synced(db, WELCOME)

    listed = run_cli(home, "template", "list")
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if line.startswith("helpdesk/4242"))
    assert line.split() == ["helpdesk/4242", "en", "Warm", "welcome", "(Zendesk", "macro)", "From", "the", "Zendesk",
                            "admin"]
    as_json = [json.loads(row) for row in run_cli(home, "template", "list", "--json").stdout.splitlines()]
    synced = [row for row in as_json if row["origin"]]
    assert [(row["id"], row["origin"], row["source"]) for row in synced] == [
        ("helpdesk/4242", ORIGIN, f"{ORIGIN} 4242")]

    rendered = run_cli(home, "template", "render", "helpdesk/4242", "--ticket", "1")
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.startswith("Welcome aboard, ") and "{{" not in rendered.stdout
