"""``helpdesk-tui new … --attach SHOT --attach LOG``, as a real process, through the fault proxy in
front of the REAL Request Tracker and django-helpdesk servers and the Zendesk fake: the server
creates the ticket and the proxy drops its answer, so the outcome is unknown and the next sync
has to find the ticket instead of opening a second one. On the server there is then exactly
one ticket, its first message carries the first file, every file is there once, and the bytes
read back have the sha256 of what was attached (the original was deleted after queueing).

django-helpdesk's create takes one file; the second goes in a followup, whose answer is dropped
too: the look-up finds the ticket by its marker and sends only what it lacks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.backends import django_helpdesk as dh
from helpdesk_tui.sync.commands import Attachment, NewTicket
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.http import RetryPolicy
from tests.fault_proxy import FaultProxy, drop_after_upstream
from tests.server_django_helpdesk import django_helpdesk_server  # noqa: F401
from tests.server_rt import rt_server  # noqa: F401
from tests.test_attach_exactly_once import (  # noqa: F401 - the fixtures are used by name
    Cli,
    Target,
    age_outbox,
    name_of,
    target,
    text_of,
    zendesk_fake,
)

QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=20)
LATER = 200  # seconds an unknown outcome waits before it is looked up (outbox.UNKNOWN_GRACE is 120)
# The writes whose answers are dropped once each: the create (and django-helpdesk's followup
# with the second file; Zendesk's first upload).
DROPPED = {
    "rt": (("POST", r"/REST/2\.0/ticket$"),),
    "django-helpdesk": (("POST", r"/helpdesk/api/tickets/$"), ("POST", r"/helpdesk/api/followups/$")),
    "zendesk": (("POST", r"/api/v2/uploads"), ("POST", r"/api/v2/tickets(\.json)?$")),
}


def files(tmp_path: Path, word: str) -> tuple[Path, Path, Path, str]:
    shot = tmp_path / f"screen-{word}.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200_000) + bytes(range(256)))  # binary, 200 KB
    log = tmp_path / f"boot-{word}.txt"
    log.write_text("".join(f"line {i}: ok é ü 中\n" for i in range(1500)), encoding="utf-8")
    message = tmp_path / "message.md"
    text = f"The screenshot and the boot log are attached ({word})."
    message.write_text(text + "\n", encoding="utf-8")
    return shot, log, message, text


def server_tickets(where: Target, word: str):
    """(backend, remote ids of the server's tickets whose subject has ``word``), read behind the proxy."""
    client, module, account = where.direct()
    backend = {"zendesk": lambda: module.ZendeskBackend(account, client),
               "django-helpdesk": lambda: module.DjangoHelpdeskBackend(account, client),
               "rt": lambda: module.RequestTrackerBackend(account, client)}[where.kind]()
    found, cursor = set(), None
    for _ in range(1000):
        page = backend.pull(cursor)
        found |= {t.remote_id for t in page.tickets if word in t.subject}
        cursor = page.cursor
        if page.done:
            break
    return backend, sorted(found)


def test_new_attach_through_a_lost_create_answer_opens_one_ticket_with_the_same_bytes(target, tmp_path):  # noqa: F811
    word = uuid.uuid4().hex[:10]
    shot, log, message, text = files(tmp_path, word)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (shot, log)}
    with FaultProxy(target.url) as proxy:
        cli = Cli(tmp_path, target, proxy.url)
        assert cli("sync").returncode == 0
        for method, pattern in DROPPED[target.kind]:
            proxy.add(method, pattern, drop_after_upstream())
        first = cli("new", "--to", f"{word}@example.com", "--subject", f"Boot failure {word}", "--file",
                    str(message), "--attach", str(shot), "--attach", str(log))
        assert first.stdout.startswith("Queued new ticket") and "with 2 attached" in first.stdout, \
            first.stdout + first.stderr
        assert "Traceback" not in first.stderr, first.stderr
        shot.unlink()  # the original goes; the private copy is what is sent
        rounds = 0
        while not cli("outbox").stdout.startswith("The outbox is empty"):
            rounds += 1
            assert rounds <= 4, f"not delivered: {cli('outbox').stdout}\n{proxy.describe()}"
            age_outbox(cli.db, LATER)
            synced = cli("sync")
            assert "Traceback" not in synced.stderr, synced.stderr
        assert [e for e in proxy.entries() if e.fault != "pass"], "the plan never fired"
        creates = DROPPED[target.kind][-1 if target.kind == "zendesk" else 0]
        forwarded = proxy.count(*creates, forwarded=True)
        # RT and django-helpdesk never repeat a create (the look-up finds it); Zendesk repeats it
        # with the same Idempotency-Key, which answers the first ticket.
        assert forwarded == (2 if target.kind == "zendesk" else 1), proxy.describe()

    backend, tickets = server_tickets(target, word)
    assert len(tickets) == 1, f"the new ticket is on the server {len(tickets)} times"
    [remote_id] = tickets
    thread = backend.fetch_thread(remote_id)
    flat = " ".join(text.split())
    opening = [m for m in thread if " ".join(text_of(m).split()) == flat]
    assert len(opening) == 1, [(m.kind, text_of(m)[:60]) for m in thread]
    assert name_of(opening[0].attachments[0]) == shot.name, opening[0].attachments  # with the first message
    everywhere = [(m, n) for m in thread for n in range(1, len(m.attachments) + 1)]
    assert sorted(name_of(m.attachments[n - 1]) for m, n in everywhere) == sorted(digests), \
        [m.attachments for m in thread]
    for m, n in everywhere:
        got = target.read_bytes(m, n)
        name = name_of(m.attachments[n - 1])
        assert hashlib.sha256(got).hexdigest() == digests[name], (name, len(got))
    rows = [json.loads(line) for line in cli("list", "--json").stdout.splitlines()]
    mine = [r for r in rows if word in r["subject"]]
    assert [(str(r["number"]), r["queued"]) for r in mine] == [(remote_id, False)], mine
    assert not any(Path(str(cli.db) + ".outbox").glob("*")), "a private copy was left behind"



@pytest.mark.server
def test_django_helpdesk_without_the_marker_field_takes_a_ticket_for_ours_only_with_its_first_file(
        django_helpdesk_server, monkeypatch, tmp_path):  # noqa: F811
    """Where an administrator never created the marker field, the look-up matches the ticket's
    subject, customer and words, and now its first file too (as ``carries_files`` does for a
    reply): a ticket with the same words but another file is not ours."""
    monkeypatch.setattr(dh, "MARKER_FIELD", "custom_never_defined_here")  # the server ignores it
    word = uuid.uuid4().hex[:10]
    scan, other = tmp_path / f"scan-{word}.pdf", tmp_path / f"other-{word}.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + os.urandom(5000))
    other.write_bytes(b"%PDF-1.4\n" + os.urandom(5000))
    wanted = NewTicket(id=uuid.uuid4().hex, created_at=datetime.now(UTC), subject=f"Scan {word}",
                       body=f"The scan you asked for ({word}).", requester=f"{word}@example.com",
                       attachments=(Attachment.from_path(scan, sha256=hashlib.sha256(scan.read_bytes()).hexdigest()),))
    with FaultProxy(django_helpdesk_server.url) as proxy:
        proxy.add("POST", r"/tickets/$", drop_after_upstream())
        account = AccountSettings(name="dh", url=proxy.url, user=None, token=django_helpdesk_server.token)
        backend = dh.DjangoHelpdeskBackend(account, dh.make_client(account, policy=QUICK, sleep=lambda s: None))
        with pytest.raises(errors.UnknownOutcome):
            backend.push(wanted, "", None)
        found = backend.find_delivered(wanted, "")
        assert found is not None and found.isdigit()
        another_file = dataclasses.replace(wanted, id=uuid.uuid4().hex, attachments=(Attachment.from_path(other),))
        assert backend.find_delivered(another_file, "") is None
        assert proxy.count("POST", r"/tickets/$") == 1  # looked up, never sent again
        assert proxy.count("POST", r"/followups/$") == 0  # one file: it came with the create


@pytest.mark.server
def test_django_helpdesk_look_up_finishes_a_ticket_whose_create_answer_was_lost(django_helpdesk_server,  # noqa: F811
                                                                                  tmp_path):
    """Two files and a status: the create's answer is lost, so neither the followup with the
    second file nor the one setting the status went out; the look-up finds the ticket by its
    marker and sends both, once (a second look-up sends nothing more)."""
    from helpdesk_tui.domain.vocab import Status

    word = uuid.uuid4().hex[:10]
    shot, log, _, _ = files(tmp_path, word)
    wanted = NewTicket(id=uuid.uuid4().hex, created_at=datetime.now(UTC), subject=f"Boot {word}",
                       body=f"Both files are attached ({word}).", requester=f"{word}@example.com",
                       status=Status.SOLVED, attachments=(Attachment.from_path(shot), Attachment.from_path(log)))
    with FaultProxy(django_helpdesk_server.url) as proxy:
        proxy.add("POST", r"/tickets/$", drop_after_upstream())
        account = AccountSettings(name="dh", url=proxy.url, user=None, token=django_helpdesk_server.token)
        backend = dh.DjangoHelpdeskBackend(account, dh.make_client(account, policy=QUICK, sleep=lambda s: None))
        with pytest.raises(errors.UnknownOutcome):
            backend.push(wanted, "", None)
        assert proxy.count("POST", r"/followups/$") == 0
        found = backend.find_delivered(wanted, "")
        assert found is not None and backend.find_delivered(wanted, "") == found
        assert proxy.count("POST", r"/tickets/$") == 1 and proxy.count("POST", r"/followups/$") == 2
        raw = backend._get_ticket(int(found))  # noqa: SLF001 - the server's record, as the backend reads it
    assert raw["status"] == 3  # Resolved
    names = [a["filename"] for fu in raw["followup_set"] for a in fu.get("followupattachment_set") or ()]
    assert sorted(names) == sorted([shot.name, log.name])
