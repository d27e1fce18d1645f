"""Redmine through the real CLI, as an agent would set it up: ``account add rm --backend redmine
--option project=helpdesk --token-env VAR``, ``sync``, ``reply`` and ``reply --note`` through a
fault proxy that drops the answer to every second write (the write reaches Redmine; we never
hear), and ``list --json`` with a hostile subject.

The backend is found as the app finds it, through the installed ``redmine`` entry point
(``pyproject.toml``): a missing registration fails here, as it would for a user.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from helpdesk_tui.store import message_bodies
from helpdesk_tui.sync.testing import hostile
from helpdesk_tui.sync.testing.fault_proxy import PASS, FaultProxy, drop_after_upstream
from tests.server_redmine import RedmineServer, redmine_server  # noqa: F401
from tests.test_conformance_redmine import RedmineActions

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
LATER = 200  # seconds an unknown outcome waits before it is looked up (outbox.UNKNOWN_GRACE is 120)


class Cli:
    """``helpdesk-tui`` as a real process with a home of its own; the token only in ``RM_TOKEN``."""

    def __init__(self, tmp: Path, token: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
        env.update({"HELPDESK_TUI_HOME": str(tmp / "home"), "RM_TOKEN": token,
                    "PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
                    "HD_TEST_KEYRING_FILE": str(tmp / "ring.json"),
                    "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])})
        self.env = env

    def __call__(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                              env=self.env, timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL)

    def ok(self, *args: str) -> str:
        done = self(*args)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stdout, done.stderr)
        return done.stdout

    @property
    def db(self) -> Path:
        return Path(self.ok("locate", "account-db", "--account", "rm").strip())


def cached(db: Path, remote_id: str) -> tuple[int, list[tuple[str, str]]]:
    """The ticket's number and its messages (kind, body) as the CLI's cache holds them."""
    with sqlite3.connect(db) as conn:
        message_bodies.register(conn)  # bodies may be stored packed
        ticket_id, number = conn.execute("SELECT id, number FROM tickets WHERE remote_id = ?", (remote_id,)).fetchone()
        rows = conn.execute("SELECT kind, message_body(body) FROM messages WHERE ticket_id = ? ORDER BY created_at, id",
                            (ticket_id,)).fetchall()
    return number, [(kind, body.strip()) for kind, body in rows if kind != "system"]


def age_outbox(db: Path, seconds: int) -> None:
    """As if the next sync came ``seconds`` later: an unknown outcome is looked up after a grace."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE outbox SET updated_at = updated_at - ?", (seconds,))


def test_the_cli_mirrors_redmine_and_lands_replies_and_notes_once_through_lost_answers(
        redmine_server: RedmineServer, tmp_path: Path) -> None:  # noqa: F811
    server, t = RedmineActions(redmine_server), uuid.uuid4().hex[:8]
    issues = {}
    for n in range(3):
        remote_id = server.create_ticket(f"Mail bounces {t} #{n}", f"Mail to sales bounces ({t} {n}).")
        server.agent_writes(remote_id, f"Checking the MX records ({t} {n}).", public=True)
        server.agent_writes(remote_id, f"Their SPF is wrong ({t} {n}).", public=False)
        server.customer_writes(remote_id, f"Still bouncing ({t} {n}).")
        issues[remote_id] = [("customer", f"Mail to sales bounces ({t} {n})."),
                             ("public_reply", f"Checking the MX records ({t} {n})."),
                             ("internal_note", f"Their SPF is wrong ({t} {n})."),
                             ("customer", f"Still bouncing ({t} {n}).")]
    cli = Cli(tmp_path, redmine_server.key)
    with FaultProxy(redmine_server.url) as proxy:
        cli.ok("account", "add", "rm", "--backend", "redmine", "--url", proxy.url, "--option",
               f"project={redmine_server.project}", "--token-env", "RM_TOKEN")
        cli.ok("sync")
        for remote_id, thread in issues.items():
            assert cached(cli.db, remote_id)[1] == thread

        # every second write's answer is lost: the first, third, ... reach Redmine, we never hear
        proxy.add("PUT", r"^/issues/\d+\.json", drop_after_upstream(), PASS, repeat=True)
        proxy.add("POST", r"^/uploads\.json", drop_after_upstream(), PASS, repeat=True)
        target = next(iter(issues))
        number = cached(cli.db, target)[0]
        sent = {"public": f"The MX records are fixed ({t}).", "private": f"Fixed by hand in DNS ({t})."}
        (tmp_path / "reply.md").write_text(sent["public"] + "\n", encoding="utf-8")
        (tmp_path / "note.md").write_text(sent["private"] + "\n", encoding="utf-8")
        shot = tmp_path / f"mx-{t}.png"
        shot.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 300)  # binary, every byte value
        cli("reply", str(number), "--file", str(tmp_path / "reply.md"), "--attach", str(shot))
        cli("reply", str(number), "--note", "--file", str(tmp_path / "note.md"))
        for _ in range(6):
            if cli.ok("outbox").startswith("The outbox is empty"):
                break
            age_outbox(cli.db, LATER)
            cli("sync")
        assert cli.ok("outbox").startswith("The outbox is empty"), cli.ok("outbox")
        dropped = {(e.method, e.target.split("?")[0].split("/")[1]) for e in proxy.entries() if e.fault != "pass"}
        assert dropped == {("PUT", "issues"), ("POST", "uploads.json")}, proxy.describe()
        cli.ok("sync")  # reads pass the proxy untouched

    journals = server.api.get(target)["journals"]
    landed = [(j["notes"].strip(), j["private_notes"]) for j in journals if j["notes"].strip() in sent.values()]
    assert sorted(landed) == sorted([(sent["public"], False), (sent["private"], True)]), landed
    files = [a for a in server.api.get(target)["attachments"] if a["filename"] == shot.name]
    assert len(files) == 1, files  # the file went with the reply once (a repeated upload is never attached)
    assert server.api.attachment_bytes(str(files[0]["id"])) == shot.read_bytes()
    _, thread = cached(cli.db, target)
    assert sorted(thread[-2:]) == [("internal_note", sent["private"]), ("public_reply", sent["public"])], thread
    assert thread[:-2] == issues[target]

def test_list_json_prints_a_hostile_subject_as_safe_text(redmine_server: RedmineServer, tmp_path: Path) -> None:  # noqa: F811
    server, t = RedmineActions(redmine_server), uuid.uuid4().hex[:8]
    server.create_ticket(f"{hostile.HOSTILE_SUBJECT} {t}", hostile.HOSTILE_BODY)
    cli = Cli(tmp_path, redmine_server.key)
    cli.ok("account", "add", "rm", "--backend", "redmine", "--url", redmine_server.url, "--option",
           f"project={redmine_server.project}", "--token-env", "RM_TOKEN")
    tested = cli.ok("account", "test", "rm")  # every read the mapping declares, one each
    assert "Signed in to Redmine as admin." in tested and "Traceback" not in tested, tested
    cli.ok("sync")
    out = cli.ok("list", "--json", "--view", "all")
    # JSON escapes what a terminal would act on (ESC, BEL...) and reads back as the server wrote it
    assert hostile.unsafe_characters(out.replace("\n", " ")) == []
    [row] = [json.loads(line) for line in out.splitlines() if t in line]
    assert row["subject"] == f"{hostile.HOSTILE_SUBJECT} {t}"
    table = cli.ok("list", "--view", "all")
    assert t in table and hostile.unsafe_characters(table.replace("\n", " ")) == []
    assert "[bold red]" in table, "markup was eaten instead of shown as text"
