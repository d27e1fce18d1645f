"""services.attaching and what it stands on: the private copy (0700 folder, 0600 file, random
name), the limits' sentences, the copies' end (dropped item, path outside the folder), the
upload memo a backend keeps beside a copy, path completion, and a changed copy never sent."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, datetime

import pytest

from helpdesk_tui.domain.attachment_limits import MB, AttachmentLimits, problems
from helpdesk_tui.domain.models import OutboxItem
from helpdesk_tui.services import attaching, outbox
from helpdesk_tui.services.errors import InvalidRequest
from helpdesk_tui.services.workspace import Workspace, find_ticket
from helpdesk_tui.store import outbox as store_outbox
from helpdesk_tui.store import outbox_files
from helpdesk_tui.store.db import transaction
from helpdesk_tui.sync.commands import Reply, command_from
from helpdesk_tui.sync.errors import NotSupported
from helpdesk_tui.sync.upload_memo import FileMemo
from tests.factories import NOW


def test_a_copy_is_private_named_at_random_and_carries_its_sha256(tmp_path):
    db = tmp_path / "acct.sqlite"
    source = tmp_path / "evil name.png"
    source.write_bytes(b"\x00\x01" * 1000)
    meta = attaching.attach(db, str(source))
    copy = meta["path"]
    assert os.path.basename(copy) != "evil name.png" and len(os.path.basename(copy)) == 32
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    assert stat.S_IMODE(outbox_files.outbox_folder(db).stat().st_mode) == 0o700
    assert (meta["name"], meta["size"], meta["media_type"]) == ("evil name.png", 2000, "image/png")
    assert meta["sha256"] == hashlib.sha256(b"\x00\x01" * 1000).hexdigest()


def test_limits_say_one_sentence_per_problem():
    limits = AttachmentLimits(max_bytes=10 * MB, max_count=2, allowed_extensions=(".png", ".txt"),
                              blocked_extensions=(".exe",))
    found = problems(limits, [("a.png", 11 * MB), ("b.exe", 10), ("c.txt", 1)], "Desk")
    assert found == [
        "Desk takes at most 2 attachments per message: remove 1.",
        "a.png is 11.0 MB, more than the 10.0 MB Desk takes per file: send a smaller file or a link to it.",
        "Desk refuses .exe files like b.exe: zip it or send a link.",
    ]
    assert problems(AttachmentLimits(allowed_extensions=(".png",)), [("README", 5)], "Desk") == []
    assert problems(AttachmentLimits(supported=False), [], "Desk") == []


@pytest.fixture
def workspace(demo_home) -> Workspace:
    return Workspace.load(str(demo_home), None)


def test_dropping_an_item_deletes_the_copies_of_its_files(workspace, tmp_path):
    source = tmp_path / "trace.txt"
    source.write_text("trace", encoding="utf-8")
    with workspace.cache() as cache:
        files = attaching.attach_all(workspace, [str(source)])
        checked = outbox.with_attachments(outbox.check_reply("See trace.", note=False, status=None, next_update=None,
                                                             delay=0, now=NOW), files)
        item_id = outbox.queue_reply(cache, find_ticket(cache, "10001"), checked, "Dana", NOW)
        with cache.connection() as conn, transaction(conn):
            store_outbox.mark(conn, item_id, store_outbox.FAILED, NOW, error="refused")
        assert os.path.exists(files[0]["path"])
        outbox.drop(cache, item_id[:8])
        assert not os.path.exists(files[0]["path"])


def test_a_path_outside_the_outbox_folder_is_never_deleted(tmp_path):
    db = tmp_path / "acct.sqlite"
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    outbox_files.remove(db, [{"path": str(precious)}, {"path": str(outbox_files.outbox_folder(db) / ".." / "precious.txt")}])
    assert precious.read_text(encoding="utf-8") == "keep me"


def test_a_copy_changed_after_queueing_is_not_sent(tmp_path):
    db = tmp_path / "acct.sqlite"
    source = tmp_path / "a.txt"
    source.write_text("original", encoding="utf-8")
    meta = attaching.attach(db, str(source))
    item = OutboxItem(id="x" * 32, ticket_id=1, message_id=None, action="reply",
                      payload={"body": "hi", "public": True, "attachments": [meta]}, state="queued", attempts=0,
                      last_error=None, created_at=datetime.now(UTC), updated_at=datetime.now(UTC))
    command = command_from(item)
    assert isinstance(command, Reply) and command.attachments[0].content() == b"original"
    with open(meta["path"], "wb") as f:
        f.write(b"tampered")
    with pytest.raises(NotSupported, match="changed after it was queued"):
        command_from(item).attachments[0].content()


def test_the_upload_memo_lives_beside_the_copy_and_survives_a_new_process(tmp_path):
    db = tmp_path / "acct.sqlite"
    source = tmp_path / "a.txt"
    source.write_text("x", encoding="utf-8")
    meta = attaching.attach(db, str(source))
    item = OutboxItem(id="y" * 32, ticket_id=1, message_id=None, action="note",
                      payload={"body": "hi", "attachments": [meta]}, state="queued", attempts=0, last_error=None,
                      created_at=datetime.now(UTC), updated_at=datetime.now(UTC))
    command_from(item).attachments[0].memo.remember("zendesk", {"token": "tok1", "expires": "99"})
    again = command_from(item).attachments[0].memo
    assert isinstance(again, FileMemo) and again.recall("zendesk") == {"token": "tok1", "expires": "99"}
    outbox_files.remove(db, [meta])
    assert not any(outbox_files.outbox_folder(db).glob("*")), "the memo outlived its copy"


def test_path_completion_extends_what_was_typed(tmp_path):
    (tmp_path / "screenshots").mkdir()
    (tmp_path / "screenshot-1.png").write_bytes(b"")
    (tmp_path / "report.pdf").write_bytes(b"")
    assert attaching.complete_path(str(tmp_path / "rep")) == str(tmp_path / "report.pdf")
    assert attaching.complete_path(str(tmp_path / "scr")) == str(tmp_path / "screenshot")
    assert attaching.complete_path(str(tmp_path / "screenshots")) == f"{tmp_path}/screenshots/"
    assert attaching.complete_path(str(tmp_path / "zzz")) is None


def test_a_missing_or_unreadable_file_is_one_sentence(tmp_path):
    with pytest.raises(InvalidRequest, match=r"^There is no file .*nope\.txt: check the path\.$"):
        attaching.attach(tmp_path / "db.sqlite", str(tmp_path / "nope.txt"))
    locked = tmp_path / "locked.txt"
    locked.write_text("x", encoding="utf-8")
    locked.chmod(0)
    if os.access(locked, os.R_OK):
        pytest.skip("running as a user who reads any file (root)")
    with pytest.raises(InvalidRequest, match=r"^Cannot read .*locked\.txt: Permission denied\.$"):
        attaching.attach(tmp_path / "db.sqlite", str(locked))


def test_a_hostile_file_name_is_described_inert():
    line = attaching.describe({"name": "invoice\u202egpj.exe\x1b]0;pwned\x07", "size": 1234})
    assert "\u202e" not in line and "\x1b" not in line and "\x07" not in line
    assert line.endswith(" · 1 KB")
