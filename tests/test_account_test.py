"""``helpdesk-tui account test``: sign in, then every read once, one line each (ok, or why not).

The CLI runs as a real process against the Zendesk fake (a hand-written backend: check, the
first page of tickets, one thread); ``run_reads`` is checked on its own for a backend that
lists its reads (``probes()``, as the generic engine does for every read its file declares).
"""

from __future__ import annotations

import json

import pytest

from helpdesk_tui.services.account_probe import Read, reads_of, run_reads
from helpdesk_tui.sync.errors import AuthFailed, NotFound, NotSupported
from tests.fakes.zendesk import FakeZendesk
from tests.test_adversarial_server import ESCAPES, Cli, assert_clean, assert_one_sentence


@pytest.fixture
def fake():
    with FakeZendesk() as server:
        requester = server.add_user("Aiko Tanaka", email="aiko@example.com")
        server.first = server.add_ticket("Question 1", requester_id=requester, status="open")
        server.add_comment(server.first, "More detail.")
        server.add_ticket("Question 2", requester_id=requester, status="open")
        yield server


@pytest.fixture
def cli(fake, tmp_path) -> Cli:
    runner = Cli(tmp_path, fake)
    runner.add(fake.url)
    return runner


def test_each_read_is_one_line_ok_and_what_it_found(cli, fake):
    out = cli("account", "test", "zd")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("ok      check            Signed in to Zendesk"), lines
    assert lines[1:5] == ["ok      tickets          2 tickets on the first page",
                          f"ok      thread           2 messages in ticket {fake.first}",
                          "ok      articles         0 articles on the first page",  # Zendesk declares a KB
                          "ok      templates        0 templates"]  # and macros
    assert lines[5].startswith("Agent: Alex Agent") and len(lines) == 6


def test_json_is_one_object_per_read(cli, fake):
    out = cli("account", "test", "zd", "--json")
    assert out.returncode == 0, out.stderr
    reads = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["read"], r["ok"]) for r in reads] == [("check", True), ("tickets", True), ("thread", True),
                                                     ("articles", True), ("templates", True)]
    assert reads[1]["says"] == "2 tickets on the first page"


def test_a_failing_read_is_its_line_the_others_still_run_and_the_exit_status_is_1(cli, fake):
    fake.hostile(status=400, raw=ESCAPES, path=r"/comments", times=10)
    out = cli("account", "test", "zd")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert_clean(out.stdout + out.stderr)
    lines = out.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:3]] == [["ok", "check"], ["ok", "tickets"], ["failed", "thread"]]
    assert "answered 400" in lines[2] and "PWNED-TITLE" not in lines[2], lines[2]
    as_json = cli("account", "test", "zd", "--json")
    assert as_json.returncode == 1
    assert [json.loads(line)["ok"] for line in as_json.stdout.splitlines()] == [True, True, False, True, True]


def test_a_failed_sign_in_is_one_sentence_and_nothing_else_is_tried(cli, fake):
    fake.fail(401, path=r"/users/me", times=10)
    before = len(fake.requests)
    line = assert_one_sentence(cli("account", "test", "zd"))
    assert "401" in line and fake.token not in line
    assert not [r for r in fake.requests[before:] if "/users/me" not in r.path], "read past a failed sign-in"
    as_json = cli("account", "test", "zd", "--json")
    assert as_json.returncode == 1 and "Traceback" not in as_json.stderr
    [check] = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert check["read"] == "check" and check["ok"] is False and "401" in check["says"]


def test_the_demo_has_no_server_to_test(tmp_path, fake):
    out = Cli(tmp_path, fake)("account", "test", "demo")
    assert out.returncode == 0 and "offline demo workspace" in out.stdout


class Listed:
    """A backend that lists its reads, as the generic engine does (``probes()``)."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def probes(self):
        def read(name, outcome):
            def run():
                self.ran.append(name)
                if isinstance(outcome, Exception):
                    raise outcome
                return outcome
            return name, run
        return [read("tickets", "25 tickets on the first page"),
                read("thread", NotFound("Deskette answered 404 for /tickets/9/posts: check messages[0].request.")),
                read("lookup agents", "3 agents"),
                read("articles", NotSupported("Deskette has no knowledge base API.")),
                read("templates", AuthFailed("Deskette refused the key (401) \x1b[2J sk-secret-token"))]


def test_a_backend_that_lists_its_reads_has_each_run_in_order_whatever_failed_before():
    backend = Listed()
    reads = run_reads(reads_of(backend), "https://desk.example.com", "sk-secret-token")
    assert backend.ran == ["tickets", "thread", "lookup agents", "articles", "templates"]
    assert reads[:4] == [
        Read("tickets", True, "25 tickets on the first page"),
        Read("thread", False, "Deskette answered 404 for /tickets/9/posts: check messages[0].request."),
        Read("lookup agents", True, "3 agents"),
        Read("articles", True, "not offered: Deskette has no knowledge base API.")]
    last = reads[4]
    assert not last.ok and "sk-secret-token" not in last.says and "\x1b" not in last.says
