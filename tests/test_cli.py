"""The helpdesk-tui command, run as a real process against a copy of the demo workspace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from helpdesk_tui.domain.query import builtin_views
from helpdesk_tui.store import writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.inbox import view_query


@pytest.fixture
def home(demo_home):
    return demo_home


def run(home, *args, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(home)
    out = subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                         env=env, timeout=120)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def assert_one_sentence(out, status):
    assert out.returncode == status
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("helpdesk-tui: ")
    return lines[0]


def test_locate_prints_every_place_under_home(home):
    out = run(home, "locate").stdout
    for key in ("config", "themes", "data", "account-db", "drafts"):
        assert key in out
    assert str(home) in out
    assert run(home, "locate", "account-db").stdout.strip() == str(home / "data" / "accounts" / "demo.sqlite")


def test_home_option_beats_the_environment(home, tmp_path):
    other = tmp_path / "other"
    assert run(home, "--home", str(other), "locate", "config").stdout.strip() == str(other / "config" / "config.toml")
    assert run(home, "locate", "--home", str(other), "config").stdout.strip() == str(other / "config" / "config.toml")


def test_list_json_is_in_the_same_order_as_the_app(home):
    lines = run(home, "list", "--json").stdout.splitlines()
    cache = Cache(home / "data" / "accounts" / "demo.sqlite", "demo")
    view = next(v for v in builtin_views("you") if v.id == "all")
    ids = cache.inbox_ids(view_query(view, datetime.now(UTC)))
    expected = [r.number for r in cache.inbox_rows(ids)]
    assert [json.loads(line)["number"] for line in lines] == expected
    first = json.loads(lines[0])
    assert {"subject", "status", "priority", "customer", "sla_due_at", "sla_remaining"} <= set(first)


def test_list_views_and_filters(home):
    waiting = [json.loads(x) for x in run(home, "list", "--view", "waiting", "--json").stdout.splitlines()]
    assert waiting and {r["status"] for r in waiting} == {"pending"}
    mine = [json.loads(x) for x in run(home, "list", "--filter", "assignee:me priority:urgent,high",
                                        "--json").stdout.splitlines()]
    assert mine and all(r["assignee"] == "Aiko Tanaka" and r["priority"] in ("urgent", "high") for r in mine)
    table = run(home, "list", "--view", "due", "--limit", "5").stdout.splitlines()
    assert len(table) == 5


def test_show_prints_the_ticket_and_its_thread(home):
    first = json.loads(run(home, "list", "--json", "--limit", "1").stdout)
    out = run(home, "show", str(first["number"])).stdout
    assert f"#{first['number']}" in out and "SLA:" in out and "──" in out
    data = json.loads(run(home, "show", f"#{first['number']}", "--json").stdout)
    assert data["number"] == first["number"] and data["messages"]


def test_search_finds_japanese_two_character_words_and_english(home):
    hits = [json.loads(x) for x in run(home, "search", "パスワード", "--json").stdout.splitlines()]
    assert hits and any("パスワード" in h["snippet"] or "パスワード" in h["title"] for h in hits)
    assert run(home, "search", "password").stdout.strip()


def test_output_to_a_terminal_never_carries_escape_sequences_from_tickets(home):
    db = home / "data" / "accounts" / "demo.sqlite"
    conn = open_database(db)
    from helpdesk_tui.store.tickets import get_ticket

    ticket = get_ticket(conn, conn.execute("SELECT id FROM tickets ORDER BY sla_key LIMIT 1").fetchone()[0])
    ticket.subject = "\x1b]0;pwned\x07\x1b[2J[bold]zap[/bold]"
    with transaction(conn):
        writer.save_tickets(conn, [ticket])
    conn.close()
    listing = run(home, "list", "--limit", "3").stdout
    shown = run(home, "show", str(ticket.number)).stdout
    for out in (listing, shown):
        assert "\x1b" not in out and "\x07" not in out
    assert "[bold]zap[/bold]" in listing and "[bold]zap[/bold]" in shown


@pytest.mark.parametrize("args, status, words", [
    (["frobnicate"], 2, "invalid choice"),
    (["list", "--colour"], 2, "Unrecognized arguments"),
    # A wrong view or filter is the service's to refuse: test_services_tickets.py says which words.
    (["show", "99999999"], 1, "No ticket 99999999"),
    (["--account", "nope", "list"], 2, "no account named 'nope'"),
    (["--account", "../etc", "list"], 2, "not allowed"),
    (["open"], 1, "needs a terminal"),
])
def test_user_errors_are_one_sentence_and_a_nonzero_exit(home, args, status, words):
    line = assert_one_sentence(run(home, *args, check=False), status)
    assert words in line


def test_an_unreadable_config_file_is_named_in_one_sentence(home):
    config = home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[ui\ntheme = 3\n")
    line = assert_one_sentence(run(home, "list", check=False), 1)
    assert "config.toml" in line and "line 1" in line


def test_version_and_python_dash_m(home):
    assert run(home, "--version").stdout.startswith("helpdesk-tui ")


def test_template_list_shows_builtins_in_three_languages(home):
    rows = [json.loads(x) for x in run(home, "template", "list", "--json").stdout.splitlines()]
    ids = {r["id"] for r in rows}
    for kind in ("acknowledgement", "progress-update", "resolution-report", "options", "ownership-apology",
                 "request-information", "closing-survey"):
        assert {f"en/{kind}", f"ja/{kind}"} <= ids
    assert any(r["language"] == "it" for r in rows)


def test_template_render_fills_in_the_ticket_and_customer(home):
    first = json.loads(run(home, "list", "--json", "--limit", "1").stdout)
    show = json.loads(run(home, "show", str(first["number"]), "--json").stdout)
    out = run(home, "template", "render", "request-information", "--ticket", str(first["number"]))
    assert str(first["number"]) in out.stdout
    assert show["customer"]["name"].split()[0] in out.stdout or show["customer"]["name"] in out.stdout
    assert "{{" not in out.stdout


def test_template_render_unknown_name_is_one_sentence(home):
    first = json.loads(run(home, "list", "--json", "--limit", "1").stdout)
    line = assert_one_sentence(run(home, "template", "render", "nope", "--ticket", str(first["number"]),
                                   check=False), 2)
    assert "template list" in line


def test_user_template_overrides_and_broken_one_is_reported(home):
    folder = home / "config" / "templates" / "en"
    folder.mkdir(parents=True)
    (folder / "acknowledgement.md").write_text("---\nname: Our ack\nlanguage: en\n---\nHi {{ customer.first_name }}!\n")
    (folder / "broken.md").write_text("---\nname: Broken\n---\n{% for x in y %}{% endfor %}\n")
    out = run(home, "template", "list", "--json")
    names = {json.loads(x)["id"]: json.loads(x)["name"] for x in out.stdout.splitlines()}
    assert names["en/acknowledgement"] == "Our ack"
    assert "broken" in out.stderr
