"""A hostile or broken helpdesk: every case ends in one sentence and a non-zero exit, or in a
skipped record, never a traceback; nothing already saved is lost; no escape sequence or C1
control from the server reaches the terminal.

The server is the Zendesk fake (``tests/fakes/zendesk.py``) with its hostile answers: raw
error bodies carrying terminal escapes and Rich markup, bodies trickled a byte at a time, far
too large bodies, 429s asking to wait for days, and malformed records in the ticket export.
The CLI runs as a real process; trickles and size caps run in-process with a short deadline.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpdesk_tui.store import outbox
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.backends.zendesk import ZendeskBackend
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.http import RetryPolicy
from tests.fakes.zendesk import FakeZendesk
from tests.fakes.zendesk_base import RawTicket

ROOT = Path(__file__).resolve().parent.parent
ESCAPES = b'{"error": "RecordInvalid \x1b]0;PWNED-TITLE\x07", "description": "[/] bad \x1b[2J\xc2\x9b31m [bold]x"}'
# The same, as valid JSON (the escapes arrive as real control characters once parsed).
ESCAPES_JSON = json.dumps({"error": "RecordInvalid", "description": "Closed \x1b]0;PWNED-TITLE\x07ticket [/] bad "
                           "\x1b[2J\x9b31m [bold]x", "details": {"base": [{"description": "[/] bad \x1b[2J"}]}}).encode()
C1 = re.compile("[\x80-\x9f]")


def errors_of(out: subprocess.CompletedProcess) -> list[str]:
    """stderr without the progress lines ("sync: 3 tickets in 1 pages")."""
    return [line for line in out.stderr.strip().splitlines() if not line.startswith("sync: ")]


def assert_clean(text: str) -> None:
    """Nothing that a terminal would act on: no ESC, no C1 control (U+0080–U+009F), no BEL."""
    assert "\x1b" not in text and "\x07" not in text and not C1.search(text), repr(text)


def assert_one_sentence(out: subprocess.CompletedProcess) -> str:
    assert out.returncode != 0, out
    assert "Traceback" not in out.stderr
    assert_clean(out.stdout + out.stderr)
    lines = errors_of(out)
    assert len(lines) == 1 and lines[0].startswith("helpdesk-tui: "), out.stderr
    return lines[0]


@pytest.fixture
def fake():
    with FakeZendesk() as server:
        server.requester = server.add_user("Aiko Tanaka", email="aiko@example.com")
        server.numbers = [server.add_ticket(f"Question {n}", requester_id=server.requester, status="open")
                          for n in range(3)]
        yield server


class Cli:
    """``helpdesk-tui`` as a real process, on a home with the account ``zd`` (the fake)."""

    def __init__(self, tmp: Path, fake: FakeZendesk) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
        env.update({"HELPDESK_TUI_HOME": str(tmp / "home"), "HD_TOKEN": fake.token,
                    "PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
                    "HD_TEST_KEYRING_FILE": str(tmp / "ring.json"),
                    "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])})
        self.env, self.tmp, self.fake = env, tmp, fake

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                              env=self.env, timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL)

    def add(self, url: str) -> None:
        added = self("account", "add", "zd", "--backend", "zendesk", "--url", url, "--user", self.fake.email,
                     "--token-env", "HD_TOKEN")
        assert added.returncode == 0, added.stderr

    @property
    def cache_path(self) -> Path:
        return Path(self("locate", "account-db", "--account", "zd").stdout.strip())


@pytest.fixture
def cli(fake, tmp_path) -> Cli:
    runner = Cli(tmp_path, fake)
    runner.add(fake.url)
    return runner


# --------------------------------------------------------------------- error bodies


def test_an_error_body_with_escapes_and_markup_from_account_test_is_one_clean_sentence(cli, fake):
    fake.hostile(status=400, raw=ESCAPES, path=r"/users/me")
    line = assert_one_sentence(cli("account", "test", "zd"))
    assert "[/] bad" in line and "PWNED-TITLE" not in line  # markup shown as text; the OSC went whole


def test_an_error_body_with_escapes_from_sync_is_one_clean_sentence(cli, fake):
    fake.hostile(status=400, raw=ESCAPES, path=r"/incremental/tickets")
    out = cli("sync", "--account", "zd")
    line = assert_one_sentence(out)
    assert "answered 400" in line and out.stdout == ""


def test_a_refused_reply_with_escapes_in_the_answer_is_one_clean_sentence_and_stays_in_the_outbox(cli, fake,
                                                                                                  tmp_path):
    assert cli("sync", "--account", "zd").returncode == 0
    fake.hostile(status=422, raw=ESCAPES_JSON, method="PUT")
    answer = tmp_path / "answer.md"
    answer.write_text("We restarted the service.", encoding="utf-8")
    out = cli("reply", str(fake.numbers[0]), "--file", str(answer), "--account", "zd")
    line = assert_one_sentence(out)
    assert "[/] bad" in line and out.stdout.startswith("Queued reply")
    listed = cli("outbox", "--account", "zd")
    assert listed.returncode == 0 and "failed" in listed.stdout
    assert_clean(listed.stdout + cli("outbox", "--json", "--account", "zd").stdout)


# --------------------------------------------------------------------- no answer, or "wait for days"


def test_sync_to_an_unreachable_server_prints_only_the_error(cli, fake):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cli.add(f"http://127.0.0.1:{port}")
    out = cli("sync", "--account", "zd")
    line = assert_one_sentence(out)
    assert out.stdout == "" and line.startswith("helpdesk-tui: Cannot reach 127.0.0.1")


def test_a_429_asking_to_wait_for_days_is_said_at_once(cli, fake):
    fake.rate_limit(retry_after=999999, times=10)
    started = time.monotonic()
    out = cli("sync", "--account", "zd")
    assert time.monotonic() - started < 30  # not 90–270 s of retries in silence
    line = assert_one_sentence(out)
    assert "asks to wait 12 days" in line
    assert len(fake.requests_to(r"/incremental/tickets")) == 1


# --------------------------------------------------------------------- trickles and huge bodies


def backend(url: str, token: str, **policy) -> ZendeskBackend:
    account = AccountSettings(name="zd", url=url, user="agent@example.com", token=token)
    client = ZendeskBackend.make_client(account, sleep=lambda s: None,
                                        policy=RetryPolicy(**{"attempts": 2, "timeout": 5, **policy}))
    return ZendeskBackend(account, client)


def test_a_body_trickled_a_byte_at_a_time_ends_at_the_deadline(fake):
    fake.hostile(raw=b'{"user": {"id": 1, "name": "slow"}}' * 50, trickle=0.2, path=r"/users/me", times=5)
    started = time.monotonic()
    with pytest.raises(errors.ServerError, match=r"answers too slowly \(no complete answer within 1.5 s\)"):
        backend(fake.url, fake.token, deadline=1.5).check()
    assert time.monotonic() - started < 8  # each read came well within the 5 s timeout


class _HeaderTrickler(threading.Thread):
    """A server that sends its status line a byte every 0.3 s (the headers never complete)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()

    def run(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                    if self.stop.is_set():
                        break
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break
                    time.sleep(0.3)


def test_headers_trickled_a_byte_at_a_time_end_at_the_deadline():
    server = _HeaderTrickler()
    server.start()
    try:
        started = time.monotonic()
        with pytest.raises(errors.ServerError, match="answers too slowly"):
            backend(server.url, "t", deadline=1.5).check()
        assert time.monotonic() - started < 8
    finally:
        server.stop.set()
        server.sock.close()


def test_a_huge_body_is_not_read_past_the_cap(fake):
    fake.hostile(size=300 * 1024 * 1024, path=r"/users/me", times=2)
    started = time.monotonic()
    with pytest.raises(errors.BadResponse, match=r"sent an answer larger than 4 MB, which was not read"):
        backend(fake.url, fake.token, max_body=4 * 1024 * 1024).check()
    assert time.monotonic() - started < 20


def test_the_default_caps_are_sane():
    policy = RetryPolicy()
    assert policy.deadline <= 120 and policy.max_body <= 64 * 1024 * 1024 and policy.max_delay <= 60


# --------------------------------------------------------------------- malformed records


def _subject_surrogate(fake, tid):
    fake.state.tickets[tid]["subject"] = "Broken \ud800 subject"


def _created_9999(fake, tid):
    fake.state.tickets[tid]["created_at"] = "9999-12-31T23:59:59Z"


def _id_not_a_number(fake, tid):
    fake.state.tickets[tid]["id"] = "abc"


def _custom_fields_a_list_of_lists(fake, tid):
    fake.state.tickets[tid]["custom_fields"] = [[360001, "eu-1"]]


def _custom_fields_a_list_of_numbers(fake, tid):
    fake.state.tickets[tid]["custom_fields"] = [1, 2, 3]


def _not_an_object(fake, tid):
    raw = RawTicket("42")
    raw.refs = {"requester_id": None, "submitter_id": None, "assignee_id": None, "organization_id": None,
                "group_id": None}
    fake.state.tickets[tid] = raw


MALFORMED = {
    "lone surrogate in the subject": _subject_surrogate,
    "created_at 9999-12-31": _created_9999,
    "non-numeric id": _id_not_a_number,
    "custom_fields a list of lists": _custom_fields_a_list_of_lists,
    "custom_fields a list of numbers": _custom_fields_a_list_of_numbers,
    "a record that is not an object": _not_an_object,
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_record_is_skipped_and_reported_and_the_rest_is_synced(cli, fake, case):
    bad = fake.add_ticket("The bad one", requester_id=fake.requester)
    later = fake.add_ticket("After the bad one", requester_id=fake.requester)
    with fake.lock:
        MALFORMED[case](fake, bad)
    out = cli("sync", "--account", "zd")
    assert "Traceback" not in out.stderr and out.returncode == 0, out.stderr
    assert_clean(out.stdout + out.stderr)
    warning = errors_of(out)
    listed = cli("list", "--json", "--account", "zd")
    subjects = {json.loads(line)["subject"] for line in listed.stdout.splitlines()}
    assert {"Question 0", "Question 1", "Question 2", "After the bad one"} <= subjects
    if case.startswith("custom_fields") and "The bad one" in subjects:
        assert warning == []  # read without the fields it could not understand
    else:
        assert "The bad one" not in subjects
        assert len(warning) == 1 and "1 malformed record from the helpdesk was skipped, the rest is synced (" \
            in warning[0] and "zd.sync.log)." in warning[0], out.stderr
        log = cli.cache_path.with_name("zd.sync.log")
        assert "was skipped" in log.read_text(encoding="utf-8")
    # The cursor moved past the page: a change made now comes alone, and nothing stops the sync.
    fake.update_ticket(later, status="pending")
    again = cli("sync", "--account", "zd")
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
    assert re.search(r"zd: 0 new, 1 updated", again.stdout), again.stdout


def test_a_page_with_a_malformed_record_through_the_engine_keeps_its_cursor(fake, tmp_path):
    bad = fake.add_ticket("Bad", requester_id=fake.requester)
    with fake.lock:
        _created_9999(fake, bad)
    cache = Cache(tmp_path / "zd.sqlite", "zd")
    engine = SyncEngine(cache, backend(fake.url, fake.token), lambda: datetime.now(UTC))
    report = engine.sync()
    assert report.problem is None and report.new == 3, report
    assert len(report.skipped) == 1 and report.skipped[0].startswith(f"ticket {bad} was skipped: OverflowError")
    with cache.connection() as conn:
        cursor = conn.execute("SELECT cursor FROM sync_state WHERE stream = 'tickets'").fetchone()[0]
    assert cursor and engine.sync().skipped == []  # resumed after the page: not met again
    cache.close()


# --------------------------------------------------------------------- the cache fails under a sync


def count(cache: Cache, table: str) -> int:
    with cache.connection() as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_full_disk_during_sync_is_one_sentence_and_the_next_sync_resumes(fake, tmp_path):
    cache = Cache(tmp_path / "zd.sqlite", "zd")
    engine = SyncEngine(cache, backend(fake.url, fake.token), lambda: datetime.now(UTC))
    assert engine.sync().problem is None
    with cache.connection() as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full now
    for n in range(40):
        fake.add_ticket(f"While full {n} " + "x" * 2000, requester_id=fake.requester)
    report = engine.sync()
    assert report.problem == (f"The sync stopped: the disk holding the cache {cache.path} is full: free some space "
                              "on it and try again (the cache itself is intact; what was already synced and "
                              "everything you wrote are kept).")
    assert len(cache.outbox_items()) == 0 and count(cache, "tickets") == 3  # nothing lost, nothing half-applied
    with cache.connection() as conn:
        conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    again = engine.sync()
    assert again.problem is None and again.new == 40
    cache.close()


@pytest.fixture
def small_mount(tmp_path):
    """A real 8 MB file system (a tmpfs, so root only): the disk that fills up is a real one."""
    import shutil

    if not (sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("mount")):
        pytest.skip("mounting a small tmpfs needs root")
    point = tmp_path / "mnt"
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(point)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield point
    subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)


def test_sync_on_a_really_full_disk_is_one_sentence_from_the_command_and_the_next_sync_resumes(fake, small_mount):
    """End to end: `helpdesk-tui sync` as a process, its cache on a file system with 0 bytes free."""
    import shutil

    run = Cli(small_mount, fake)
    run.add(fake.url)
    assert run("sync", "--account", "zd").returncode == 0
    db = run.cache_path
    for n in range(60):
        fake.add_ticket(f"While the disk is full {n} " + "x" * 20_000, requester_id=fake.requester, status="open")
    filler = small_mount / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True, check=False)
    assert shutil.disk_usage(small_mount).free == 0
    # Room to open the cache and start, not for the page of new tickets: the disk fills mid-sync.
    os.truncate(filler, filler.stat().st_size - 512 * 1024)
    line = assert_one_sentence(run("sync", "--account", "zd"))
    assert line == (f"helpdesk-tui: The sync stopped: the disk holding the cache {db} is full: free some space on "
                    "it and try again (the cache itself is intact; what was already synced and everything you "
                    "wrote are kept)."), line
    filler.unlink()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM tickets").fetchone() == (3,)  # the 3 synced first
    finally:
        conn.close()
    again = run("sync", "--account", "zd")
    assert again.returncode == 0, again.stderr
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM tickets WHERE subject LIKE 'While the disk is full%'"
                            ).fetchone() == (60,)
    finally:
        conn.close()


def test_queued_replies_survive_a_sync_that_fails_on_the_cache(fake, tmp_path):
    from helpdesk_tui.domain.reply import ReplyPlan
    from helpdesk_tui.domain.vocab import MessageKind

    cache = Cache(tmp_path / "zd.sqlite", "zd")
    engine = SyncEngine(cache, backend(fake.url, fake.token), lambda: datetime.now(UTC))
    engine.sync()
    fake.hostile(status=400, raw=ESCAPES, path=r"/incremental/tickets")
    with cache.connection() as conn:
        tid = conn.execute("SELECT min(id) FROM tickets").fetchone()[0]
    cache.queue_reply(ReplyPlan(tid, MessageKind.PUBLIC_REPLY, "Queued before the failure.", "me"),
                      datetime.now(UTC))
    report = engine.sync()
    assert report.problem and "answered 400" in report.problem
    assert_clean(report.problem)
    assert [i.state for i in cache.outbox_items()] == [outbox.SENT]  # sent before the pull failed
    cache.close()


# --------------------------------------------------------------------- the other backends' feeds


def mock_client(make_client, url: str, answer):
    import httpx

    account = AccountSettings(name="x", url=url, user=None, token="t")
    client = make_client(account, transport=httpx.MockTransport(lambda request: httpx.Response(200, json=answer)),
                         policy=RetryPolicy(attempts=1), sleep=lambda s: None)
    return account, client


def test_django_helpdesk_skips_a_malformed_ticket_and_keeps_the_rest_of_the_page():
    from helpdesk_tui.sync.backends import django_helpdesk as dh

    good = {"id": 5, "status": 1, "priority": 3, "title": "Fine", "submitter_email": "a@example.com",
            "queue": None, "assigned_to": None, "followup_set": []}
    page = {"count": 4, "next": None, "results": [good, "oops", {**good, "id": 7, "status": "open"},
                                                  {**good, "id": 8, "title": "Also fine"}]}
    account, client = mock_client(dh.make_client, "https://dh.example", page)
    result = dh.DjangoHelpdeskBackend(account, client).pull(None)
    assert [t.subject for t in result.tickets] == ["Fine", "Also fine"]
    assert len(result.skipped) == 2 and result.skipped[0].startswith("a ticket record was skipped")
    assert result.skipped[1].startswith("ticket 7 was skipped: dh.example answered with an unexpected ticket")
    assert result.done and result.cursor


def test_request_tracker_skips_a_malformed_ticket_and_keeps_the_rest_of_the_page():
    from helpdesk_tui.sync.backends import rt

    good = {"id": 5, "Subject": "Fine", "Status": "open", "LastUpdated": "2026-01-01T10:00:00Z",
            "Created": "2026-01-01T09:00:00Z", "Queue": {"id": "General"}}
    feed = {"items": [good, 42, {**good, "id": "x"}, {**good, "id": 6, "LastUpdated": "never"},
                      {**good, "id": 7, "Subject": "Also fine", "LastUpdated": "2026-01-01T11:00:00Z"}],
            "page": 1, "per_page": 100, "total": 5}
    account, client = mock_client(rt.make_client, "https://rt.example", feed)
    backend = rt.RequestTrackerBackend(account, client, per_page=100)
    result = backend.pull(None)
    assert [t.subject for t in result.tickets] == ["Fine", "Also fine"]
    assert len(result.skipped) == 3, result.skipped


def test_a_malformed_article_list_is_one_sentence_and_the_tickets_stay(fake, tmp_path):
    fake.hostile(raw=b'{"articles": [42, "x"], "end_time": 5, "next_page": null}', path=r"/help_center/incremental")
    cache = Cache(tmp_path / "zd.sqlite", "zd")
    report = SyncEngine(cache, backend(fake.url, fake.token), lambda: datetime.now(UTC)).sync()
    assert report.new == 3 and report.problem is not None
    assert report.problem.startswith("The tickets are up to date, but the articles were not synced: Zendesk sent "
                                     "an answer this app cannot read (AttributeError")
    cache.close()


def test_a_ticket_feed_malformed_as_a_whole_is_one_sentence_and_the_cursor_stays(fake, tmp_path):
    fake.hostile(raw=b'{"tickets": [], "users": [], "after_cursor": {"a": 1}, "end_of_stream": false}',
                 path=r"/incremental/tickets")
    cache = Cache(tmp_path / "zd.sqlite", "zd")
    report = SyncEngine(cache, backend(fake.url, fake.token), lambda: datetime.now(UTC)).sync()
    assert report.problem is not None and "sent a cursor that is not text" in report.problem, report
    with cache.connection() as conn:
        assert conn.execute("SELECT 1 FROM sync_state WHERE stream = 'tickets'").fetchone() is None
    again = SyncEngine(cache, backend(fake.url, fake.token), lambda: datetime.now(UTC)).sync()
    assert again.problem is None and again.new == 3
    cache.close()


def test_a_ticket_whose_thread_is_malformed_is_skipped_and_the_others_keep_their_threads(fake, tmp_path):
    bad = fake.numbers[1]
    fake.hostile(raw=b'{"comments": [42, null], "meta": {"has_more": false}}', path=rf"/tickets/{bad}/comments",
                 times=5)
    cache = Cache(tmp_path / "zd.sqlite", "zd")
    report = SyncEngine(cache, backend(fake.url, fake.token), lambda: datetime.now(UTC)).sync()
    assert report.problem is None and report.new == 2
    assert report.skipped == [f"ticket {bad} was skipped: its thread could not be read (AttributeError: 'int' "
                              "object has no attribute 'get')."]
    with cache.connection() as conn:
        threads = dict(conn.execute("SELECT t.subject, count(m.id) FROM tickets t LEFT JOIN messages m "
                                    "ON m.ticket_id = t.id GROUP BY t.id").fetchall())
    assert threads == {"Question 0": 1, "Question 2": 1}
    cache.close()
