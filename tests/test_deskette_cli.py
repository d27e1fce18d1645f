"""The README's "Add your own helpdesk", done as a user does it: real ``helpdesk-tui`` processes,
the worked example ``docs/examples/deskette.yaml`` and the Deskette fake, no Python written
(the mistakes a user makes in such a file: ``test_mapping_mistakes_cli.py``).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deskette_support import EXAMPLE, User, running_deskette
from tests.fakes.deskette import API_KEY, FakeDeskette


@pytest.fixture
def fake() -> Iterator[FakeDeskette]:
    with running_deskette() as running:
        yield running


@pytest.fixture
def user(fake: FakeDeskette, tmp_path: Path) -> User:
    return User(tmp_path, fake)


def ok(out: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out


def test_the_readmes_walkthrough_adds_tests_syncs_lists_and_replies(user: User, fake: FakeDeskette,
                                                                    tmp_path: Path) -> None:
    printer = fake.add_ticket("Printer offline", "The printer on floor 3 is offline.", email="aiko@example.com",
                              name="Aiko Tanaka")
    fake.add_post(printer, "Known: the spooler hangs.", author=fake.colleague, visibility="internal")  # type: ignore[attr-defined]
    fake.add_ticket("\x1b]0;PWNED\x07[bold red]Refund[/] \x1b[2Jnow", "Money back.", email="pat@example.com")
    fake.add_article("Reset your password", "<p>Click <b>Forgot</b>.</p>")
    fake.add_snippet("Greeting", "Hello [[customer.name]],")

    added = ok(user.add(EXAMPLE))
    assert "Added account 'desk'" in added.stdout and API_KEY not in added.stdout + added.stderr

    tested = ok(user("account", "test", "desk"))
    lines = tested.stdout.splitlines()
    reads = {line.split()[1]: line for line in lines if line.split()[0] in ("ok", "failed")}
    assert all(line.startswith("ok ") for line in reads.values()), tested.stdout
    assert reads["check"].endswith("Signed in to Deskette as Alex Agent.")
    assert {"check", "tickets", "thread"} <= set(reads), tested.stdout
    as_json = [json.loads(line) for line in ok(user("account", "test", "desk", "--json")).stdout.splitlines()]
    assert all(read["ok"] for read in as_json) and as_json[0]["read"] == "check"

    synced = ok(user("sync", "--account", "desk"))
    assert "2 new" in synced.stdout, synced.stdout
    raw = ok(user("list", "--account", "desk", "--json")).stdout
    assert "\x1b" not in raw and "\x07" not in raw  # escaped in the JSON, never sent to the terminal
    listed = [json.loads(line) for line in raw.splitlines()]
    assert {row["subject"] for row in listed} >= {"Printer offline"}
    table = ok(user("list", "--account", "desk")).stdout
    assert "\x1b" not in table and "\x07" not in table and "Refund" in table
    [row] = [r for r in listed if r["subject"] == "Printer offline"]
    assert row["number"] == printer and row["status"] == "new"

    answer = tmp_path / "answer.md"
    answer.write_text("We restarted the spooler; please try again.\n", encoding="utf-8")
    replied = ok(user("reply", str(printer), "--account", "desk", "--file", str(answer)))
    assert replied.stdout.strip(), replied
    posts = [p for p in fake.thread(printer) if p["body"].strip() == "We restarted the spooler; please try again."]
    assert [(p["visibility"], p["author"]["type"]) for p in posts] == [("public", "agent")]
    shown = ok(user("show", str(printer), "--account", "desk")).stdout
    assert "Known: the spooler hangs." in shown and "We restarted the spooler" in shown


def test_account_test_names_the_read_a_wrong_path_breaks_and_still_runs_the_others(user: User, fake: FakeDeskette,
                                                                                   tmp_path: Path) -> None:
    fake.add_ticket("Printer offline", "It is offline.", email="aiko@example.com")
    mine = tmp_path / "my-helpdesk.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    mine.write_text(text.replace("request: {path: /teams, query", "request: {path: /team, query"), encoding="utf-8")
    ok(user.add(mine))
    tested = user("account", "test", "desk")
    assert tested.returncode == 1 and "Traceback" not in tested.stderr
    outcome = {line[8:25].strip(): line[:7].strip() for line in tested.stdout.splitlines()
               if line.startswith(("ok ", "failed "))}
    assert outcome == {"check": "ok", "tickets": "ok", "thread": "ok", "lookup agents": "ok",
                       "lookup teams": "failed", "articles": "ok", "templates": "ok"}, tested.stdout
    [teams] = [line for line in tested.stdout.splitlines() if "lookup teams" in line]
    assert "404" in teams and "/team" in teams, teams


def test_a_mapping_named_by_a_relative_path_is_kept_whole_so_a_sync_from_elsewhere_finds_it(
        user: User, fake: FakeDeskette, tmp_path: Path) -> None:
    fake.add_ticket("Printer offline", "It is offline.", email="aiko@example.com")
    (tmp_path / "deskette.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    ok(user.add("deskette.yaml"))  # as typed in the folder that holds it
    assert f'mapping = "{tmp_path / "deskette.yaml"}"' in (tmp_path / "home" / "config" / "config.toml").read_text()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert "1 new" in ok(user("sync", "--account", "desk", cwd=elsewhere)).stdout


def test_replies_and_notes_land_once_each_when_every_second_write_answer_is_lost(
        user: User, fake: FakeDeskette, tmp_path: Path) -> None:
    from helpdesk_tui.sync.testing.fault_proxy import PASS, FaultProxy, drop_after_upstream

    first = fake.add_ticket("VPN drops", "Every five minutes.", email="aiko@example.com")
    second = fake.add_ticket("Invoice copy", "Please send it.", email="pat@example.com")
    with FaultProxy(fake.url) as proxy:
        proxy.add("POST", r"/api/v1/tickets/\d+/posts$", PASS, drop_after_upstream(), repeat=True)
        ok(user("account", "add", "desk", "--backend", "generic", "--url", proxy.url,
                "--option", f"mapping={EXAMPLE}", "--token-env", "DESKETTE_KEY"))
        ok(user("sync", "--account", "desk"))
        sent = {}
        for n, (ticket, note) in enumerate([(first, False), (first, True), (second, False), (second, True)]):
            text = tmp_path / f"text{n}.md"
            sent[n] = f"Message {n}: {'a note' if note else 'a reply'} about the ticket."
            text.write_text(sent[n] + "\n", encoding="utf-8")
            ok(user("reply", str(ticket), "--account", "desk", "--file", str(text), *(["--note"] if note else [])))
        ok(user("sync", "--account", "desk"))
        assert proxy.count("POST", r"/posts$", forwarded=True) > 4, "no answer was lost: the test proves nothing"
    bodies = [p["body"].strip() for ticket in (first, second) for p in fake.thread(ticket)]
    assert [bodies.count(text) for text in sent.values()] == [1, 1, 1, 1], bodies
    visibility = {p["body"].strip(): p["visibility"] for t in (first, second) for p in fake.thread(t)}
    assert [visibility[sent[n]] for n in range(4)] == ["public", "internal", "public", "internal"]
    outbox = ok(user("outbox", "--account", "desk", "--json")).stdout
    assert outbox.strip() == "", outbox  # nothing waiting, nothing failed
