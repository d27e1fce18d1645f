"""A thread with its attachments, through services.tickets, on a real SQLite cache."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from helpdesk_tui.domain.models import Message
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.services import tickets
from helpdesk_tui.store.attachments import AttachmentInfo, bytes_folder, bytes_path, message_attachments
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction

HOSTILE = "invoice\u202egpj.exe"


def set_attachments(db_path, number: int, metas: list[dict]) -> int:
    """Give the first message of ticket ``number`` these attachments (as a backend would keep them)."""
    conn = open_database(db_path)
    try:
        with transaction(conn):
            (mid,) = conn.execute("SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id "
                                  "WHERE t.number = ? ORDER BY m.created_at, m.id LIMIT 1", (number,)).fetchone()
            conn.execute("UPDATE messages SET attachments = ? WHERE id = ?", (json.dumps(metas), mid))
    finally:
        conn.close()
    return mid


def test_the_demo_screenshot_is_listed_under_its_message_and_not_downloaded(demo_db):
    cache = Cache(demo_db, "demo")
    detail = tickets.ticket_detail(cache, "10405")
    first, *rest = detail.messages
    assert detail.attachments == {first.id: [
        AttachmentInfo(f"{first.id}-1", first.id, "screenshot.png", "image/png", 136_646, False)]}
    assert all(m.id not in detail.attachments for m in rest)


def test_bytes_in_the_cache_folder_make_an_attachment_cached(demo_db):
    cache = Cache(demo_db, "demo")
    detail = tickets.ticket_detail(cache, "10405")
    [info] = next(iter(detail.attachments.values()))
    folder = bytes_folder(demo_db)
    assert folder.parent == demo_db.parent  # under the account's data folder
    folder.mkdir()
    bytes_path(folder, info.id).write_bytes(b"\x89PNG")
    [again] = next(iter(tickets.ticket_detail(cache, "10405").attachments.values()))
    assert again.cached and again.id == info.id


def test_every_backends_metadata_reads_the_same_and_hostile_names_stay_raw_data(demo_db):
    mid = set_attachments(demo_db, 10405, [
        {"remote_id": "77", "name": HOSTILE, "content_type": "application/x-msdownload; x=1", "size": 5},  # RT
        {"filename": "log.txt", "mime_type": "text/plain", "size": "2048", "url": "https://x/1"},  # django
        {"name": "photo.JPG", "content_type": None, "size": None, "url": "https://x/2"},  # Zendesk
        {"filename": "", "size": -3},
        "not an object",
    ])
    got = tickets.ticket_detail(Cache(demo_db, "demo"), "10405").attachments[mid]
    assert [(a.id, a.name, a.media_type, a.size, a.cached) for a in got] == [
        (f"{mid}-1", HOSTILE, "application/x-msdownload", 5, False),
        (f"{mid}-2", "log.txt", "text/plain", 2048, False),
        (f"{mid}-3", "photo.JPG", "image/jpeg", None, False),  # the type guessed from the name
        (f"{mid}-4", "", "application/octet-stream", None, False),
    ]


def test_a_file_the_agent_attached_here_is_cached_but_a_path_from_a_helpdesk_is_not(tmp_path):
    mine = tmp_path / "notes.txt"
    mine.write_text("x")
    meta = ({"path": str(mine), "name": "notes.txt", "size": 1},)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    written_here = Message(1, MessageKind.PUBLIC_REPLY, "me", "b", at, attachments=meta, id=9, delivery="queued")
    pulled = Message(1, MessageKind.CUSTOMER, "them", "b", at, attachments=meta, id=10)
    folder = tmp_path / "none"
    assert [a.cached for a in message_attachments(written_here, folder)] == [True]
    assert [a.cached for a in message_attachments(pulled, folder)] == [False]


@pytest.mark.parametrize("reference", ["10405", "#10405"])
def test_a_ticket_without_attachments_has_none(demo_db, reference):
    cache = Cache(demo_db, "demo")
    with cache.connection() as conn:
        (number,) = conn.execute("SELECT number FROM tickets WHERE id NOT IN (SELECT ticket_id FROM messages "
                                 "WHERE attachments != '[]') ORDER BY number LIMIT 1").fetchone()
    assert tickets.ticket_detail(cache, str(number)).attachments == {}
    assert tickets.ticket_detail(cache, reference).attachments  # and 10405 has one
