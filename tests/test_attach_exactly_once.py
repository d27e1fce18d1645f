"""``helpdesk-tui reply TICKET --file F --attach P --attach Q``, as a real process, through the
fault proxy in front of the REAL Request Tracker and django-helpdesk servers and the Zendesk
fake: the proxy lets every write reach the server but drops the answer to every second one
(the first, third, … of each kind), so the outcome is unknown and the next sync has to find
the delivery instead of sending it again. On the server there is then exactly one message
carrying both files, and the bytes read back from the server have the sha256 of what was
attached, although one original was deleted right after queueing (the private copy went).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from helpdesk_tui.content import html_to_text
from helpdesk_tui.store import outbox_files
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.http import RetryPolicy
from tests.fakes.zendesk import FakeZendesk
from tests.fault_proxy import PASS, FaultProxy, drop_after_upstream, status
from tests.server_django_helpdesk import django_helpdesk_server  # noqa: F401
from tests.server_files import django_helpdesk_bytes, rt_bytes, zendesk_bytes
from tests.server_rt import rt_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "agent@example.com"
LATER = 200  # seconds an unknown outcome waits before it is looked up (outbox.UNKNOWN_GRACE is 120)


@dataclass
class Target:
    kind: str
    url: str
    token: str = field(repr=False)
    writes: tuple[tuple[str, str], ...]
    user: str | None = None
    new_ticket: object = None
    read_bytes: object = None  # (RemoteMessage, n) -> bytes, behind the backend's back

    def direct(self):
        from helpdesk_tui.sync.backends import django_helpdesk as dh
        from helpdesk_tui.sync.backends import rt
        from helpdesk_tui.sync.backends import zendesk as zd

        account = AccountSettings(name=self.kind, url=self.url, user=self.user, token=self.token)
        policy = RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0, timeout=30)
        module = {"zendesk": zd, "django-helpdesk": dh, "rt": rt}[self.kind]
        return module.make_client(account, policy=policy), module, account


@pytest.fixture(scope="module")
def zendesk_fake():
    with FakeZendesk(email=EMAIL) as fake:
        yield fake


@pytest.fixture(scope="module", params=["zendesk", pytest.param("django-helpdesk", marks=pytest.mark.server),
                                        pytest.param("rt", marks=pytest.mark.server)])
def target(request) -> Target:
    if request.param == "zendesk":
        fake = request.getfixturevalue("zendesk_fake")
        customer = fake.add_user("Aiko Tanaka", email="aiko@example.com")
        return Target("zendesk", fake.url, fake.token,
                      (("POST", r"/api/v2/uploads"), ("PUT", r"/api/v2/tickets/\d+\.json$")), user=EMAIL,
                      new_ticket=lambda subject: str(fake.add_ticket(subject, requester_id=customer, status="open")),
                      read_bytes=lambda m, n: zendesk_bytes(str(m.attachments[n - 1]["url"])))
    if request.param == "django-helpdesk":
        server = request.getfixturevalue("django_helpdesk_server")
        http = httpx.Client(base_url=server.api, headers={"Authorization": f"Token {server.token}"}, timeout=30)

        def dh_ticket(subject: str) -> str:
            r = http.post("/tickets/", json={"queue": 1, "title": subject, "description": "Please help.",
                                             "submitter_email": "files@example.com", "priority": 3})
            assert r.status_code == 201, r.text[:300]
            return str(r.json()["id"])

        return Target("django-helpdesk", server.url, server.token, (("POST", r"/followups/$"),),
                      new_ticket=dh_ticket,
                      read_bytes=lambda m, n: django_helpdesk_bytes(server.project, str(m.attachments[n - 1]["url"])))
    server = request.getfixturevalue("rt_server")
    http = server.client()

    def rt_ticket(subject: str) -> str:
        r = http.post("/ticket", json={"Queue": "General", "Subject": subject, "Requestor": "files@example.com",
                                       "Content": "Please help.", "ContentType": "text/plain"})
        assert r.status_code == 201, r.text[:300]
        return str(r.json()["id"])

    return Target("rt", server.url, server.token, (("POST", r"/ticket/\d+/(correspond|comment)$"),),
                  new_ticket=rt_ticket, read_bytes=lambda m, n: rt_bytes(http, str(m.attachments[n - 1]["remote_id"])))


class Cli:
    """``helpdesk-tui`` as a real process on a home of its own, account ``desk`` behind the proxy."""

    def __init__(self, tmp: Path, target: Target, url: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
        env.update({"HELPDESK_TUI_HOME": str(tmp / "home"), "HELPDESK_TUI_TOKEN_DESK": target.token,
                    "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])})
        self.env = env
        args = ["account", "add", "desk", "--backend", target.kind, "--url", url]
        if target.user:
            args += ["--user", target.user]
        added = self(*args)
        assert added.returncode == 0, added.stderr

    def __call__(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                              env=self.env, timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL)

    @property
    def db(self) -> Path:
        return Path(self("locate", "account-db", "--account", "desk").stdout.strip())


def text_of(message) -> str:
    return (html_to_text(message.body) if message.body_format == "html" else message.body).strip()


def name_of(meta) -> str:
    return str(meta.get("name") or meta.get("filename") or meta.get("file_name") or "")


@pytest.fixture
def world(target, tmp_path):
    with FaultProxy(target.url) as proxy:
        cli = Cli(tmp_path, target, proxy.url)
        remote_id = target.new_ticket(f"Files please {uuid.uuid4().hex[:8]}")
        synced = cli("sync")
        assert synced.returncode == 0, synced.stderr
        with sqlite3.connect(cli.db) as conn:
            (number,) = conn.execute("SELECT number FROM tickets WHERE remote_id = ?", (remote_id,)).fetchone()
        yield cli, proxy, remote_id, number


def files(tmp_path: Path, tag: str) -> tuple[Path, Path, str]:
    shot = tmp_path / f"screen-{tag}.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(300_000) + bytes(range(256)))  # binary, 300 KB
    log = tmp_path / f"boot-{tag}.txt"
    log.write_text("".join(f"line {i}: ok é ü 中\n" for i in range(2000)), encoding="utf-8")
    body = tmp_path / "reply.md"
    text = f"Both files attached ({tag})."
    body.write_text(text, encoding="utf-8")
    return shot, log, text


def server_copies(target: Target, remote_id: str, text: str):
    client, module, account = target.direct()
    backend = {"zendesk": lambda: module.ZendeskBackend(account, client),
               "django-helpdesk": lambda: module.DjangoHelpdeskBackend(account, client),
               "rt": lambda: module.RequestTrackerBackend(account, client)}[target.kind]()
    return [m for m in backend.fetch_thread(remote_id) if text_of(m) == text]


def age_outbox(db: Path, seconds: int) -> None:
    """As if the next sync came ``seconds`` later: an unknown outcome is looked up after a grace."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE outbox SET updated_at = updated_at - ?", (seconds,))


def test_reply_attach_through_lost_answers_lands_once_with_the_same_bytes(target, world, tmp_path):
    cli, proxy, remote_id, number = world
    tag = uuid.uuid4().hex[:8]
    shot, log, text = files(tmp_path, tag)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (shot, log)}
    for method, pattern in target.writes:
        proxy.add(method, pattern, drop_after_upstream(), PASS, repeat=True)

    first = cli("reply", str(number), "--file", str(tmp_path / "reply.md"), "--attach", str(shot), "--attach", str(log))
    assert first.stdout.startswith("Queued reply") and "with 2 attached" in first.stdout, first.stdout + first.stderr
    shot.unlink()  # the original goes; the private copy is what is sent
    rounds = 0
    while (copies := server_copies(target, remote_id, text)) == [] or "unknown" in cli("outbox").stdout \
            or "queued" in cli("outbox").stdout:
        rounds += 1
        assert rounds <= 4, f"not delivered: {cli('outbox').stdout}\n{proxy.describe()}"
        age_outbox(cli.db, LATER)
        cli("sync")
    assert [e for e in proxy.entries() if e.fault != "pass"], "the plan never fired"

    assert len(copies) == 1, f"the reply is on the server {len(copies)} times\n{proxy.describe()}"
    [mine] = copies
    assert sorted(name_of(a) for a in mine.attachments) == sorted(digests), mine.attachments
    for n, meta in enumerate(mine.attachments, start=1):
        got = target.read_bytes(mine, n)
        assert hashlib.sha256(got).hexdigest() == digests[name_of(meta)], (name_of(meta), len(got))
    assert cli("outbox").stdout.startswith("The outbox is empty")
    assert not any(outbox_files.outbox_folder(cli.db).glob("*")), "a private copy was left behind"


@pytest.mark.parametrize("target", ["zendesk"], indirect=True)
def test_zendesk_reuses_its_upload_tokens_when_the_comment_is_sent_again(target, world, tmp_path):
    """The comment's request fails before Zendesk acts (500 from the proxy): after the look-up
    finds nothing it is sent again, naming the tokens of the first uploads, not uploading anew."""
    cli, proxy, remote_id, number = world
    tag = uuid.uuid4().hex[:8]
    shot, log, text = files(tmp_path, tag)
    proxy.add("PUT", r"/api/v2/tickets/\d+\.json$", status(500))
    first = cli("reply", str(number), "--file", str(tmp_path / "reply.md"), "--attach", str(shot), "--attach", str(log))
    assert first.returncode == 1 and "with 2 attached" in first.stdout, first.stdout + first.stderr
    age_outbox(cli.db, LATER)
    again = cli("sync")
    assert again.returncode == 0, again.stderr
    assert proxy.count("POST", r"/api/v2/uploads") == 2, proxy.describe()  # one per file, none repeated
    [mine] = server_copies(target, remote_id, text)
    assert sorted(name_of(a) for a in mine.attachments) == sorted([shot.name, log.name])
