"""Files with a mapped reply, the three ways helpdesks take them: multipart parts, base64 in the
JSON body, and upload-then-token. A message never lands without its files; a resend after a
lost answer neither uploads nor attaches a file twice."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.commands import Attachment, Note, Reply, Update
from helpdesk_tui.sync.upload_memo import MemoryMemo
from tests.generic_write_rig import AGENT, BASE64, NOTE_JSON, REPLY_JSON, UPDATE_JSON, rig

DATA = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # every byte value: not text


def attachment(name: str = "dialog.png", data: bytes = DATA, memo=None, sha256: str | None = None) -> Attachment:
    return Attachment(name, "image/png", len(data), lambda: data,
                      sha256=hashlib.sha256(data).hexdigest() if sha256 is None else sha256,
                      memo=memo or MemoryMemo())


def now() -> datetime:
    return datetime.now(UTC)


MULTIPART = """
writes:
  reply:
    steps:
      - request:
          method: POST
          path: "/tickets/{ticket.remote_id}/messages"
          multipart: {body: "{command.body}", private: "false"}
    new_id: message.id
  attachments: {type: multipart, field: "files[]"}
"""
UPLOAD = "writes:\n" + REPLY_JSON + """
  attachments:
    type: upload_token
    upload:
      request: {method: POST, path: /uploads, query: {filename: "{file.name}"}}
      token: upload.token
    item: {token: "{token}", filename: "{file.name}"}
"""


def landed(r, remote_id: str, body: str):
    [mine] = [m for m in r.thread(remote_id) if m.kind == MessageKind.PUBLIC_REPLY and m.body == body]
    return mine


@pytest.mark.parametrize("writes", ["writes:\n" + REPLY_JSON + BASE64, MULTIPART, UPLOAD],
                         ids=["base64", "multipart", "upload_token"])
def test_a_reply_lands_with_its_files_byte_for_byte(writes):
    r = rig(writes)
    remote_id = r.fake.add_ticket()
    files = (attachment("dialog.png"), attachment("trace.log", b"line 1\nline 2\n"))
    result = r.writer.push(Reply("r1", now(), "Here are the files.", attachments=files), remote_id, None, agent=AGENT)
    mine = landed(r, remote_id, "Here are the files.")
    assert result.remote_id == mine.remote_id
    assert [a["filename"] for a in mine.attachments] == ["dialog.png", "trace.log"]
    assert [r.fake.files[a["id"]] for a in mine.attachments] == [DATA, b"line 1\nline 2\n"]


def test_multipart_sends_the_text_fields_beside_the_file_parts():
    r = rig(MULTIPART)
    remote_id = r.fake.add_ticket()
    r.writer.push(Reply("r1", now(), "With a file.", attachments=(attachment(),)), remote_id, None, agent=AGENT)
    [sent] = r.fake.writes()
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="body"' in sent.content and b'name="files[]"; filename="dialog.png"' in sent.content


def test_an_upload_token_is_reused_when_the_reply_is_sent_again_after_a_lost_answer():
    r = rig(UPLOAD)
    remote_id = r.fake.add_ticket()
    memo = MemoryMemo()
    command = Reply("r1", now(), "Log attached.", attachments=(attachment(memo=memo),))
    uploads_before = len(r.fake.uploads)
    r.fake.refuse_next(502, "/messages")  # the upload goes through; the reply meets a gateway error
    with pytest.raises(errors.UnknownOutcome):
        r.writer.push(command, remote_id, None, agent=AGENT)
    assert len(r.fake.uploads) == uploads_before + 1
    r.writer.push(command, remote_id, None, agent=AGENT)
    assert len(r.fake.uploads) == uploads_before + 1  # the token was used again, not a second upload
    mine = landed(r, remote_id, "Log attached.")
    assert [a["filename"] for a in mine.attachments] == ["dialog.png"]
    assert memo.recall("generic:http://desk.test")["token"].startswith("tok-")


def test_an_expired_token_is_not_reused():
    r = rig(UPLOAD.replace("    item:", "    token_life: 600\n    item:"))
    remote_id = r.fake.add_ticket()
    memo = MemoryMemo()
    memo.remember("generic:http://desk.test", {"token": "tok-old", "expires": str(int(now().timestamp()) + 60)})
    r.writer.push(Reply("r1", now(), "Fresh.", attachments=(attachment(memo=memo),)), remote_id, None, agent=AGENT)
    assert memo.recall("generic:http://desk.test")["token"] != "tok-old"
    assert [a["filename"] for a in landed(r, remote_id, "Fresh.").attachments] == ["dialog.png"]


def test_an_upload_answer_without_a_token_stops_the_reply():
    r = rig(UPLOAD.replace("token: upload.token", "token: upload.key"))
    remote_id = r.fake.add_ticket()
    with pytest.raises(errors.BadResponse, match="without a token"):
        r.writer.push(Reply("r1", now(), "X", attachments=(attachment(),)), remote_id, None, agent=AGENT)
    assert [w.url.path for w in r.fake.writes()] == ["/api/uploads"]  # the message itself was never sent


def test_a_file_changed_since_it_was_queued_stops_the_reply_before_anything_is_sent():
    r = rig("writes:\n" + REPLY_JSON + BASE64)
    remote_id = r.fake.add_ticket()
    with pytest.raises(errors.NotSupported, match="changed after it was queued"):
        r.writer.push(Reply("r1", now(), "X", attachments=(attachment(sha256="0" * 64),)), remote_id, None,
                      agent=AGENT)
    assert r.fake.writes() == []


def test_files_on_an_operation_that_carries_none_are_refused_not_dropped():
    r = rig("writes:\n" + REPLY_JSON + UPDATE_JSON + """
  note:
    steps:
      - request: {method: POST, path: "/tickets/{ticket.remote_id}/messages",
                  json: {message: {body: "{command.body}", private: true}}}
""" + BASE64)
    remote_id = r.fake.add_ticket()
    with pytest.raises(errors.NotSupported, match="cannot attach files to an internal note"):
        r.writer.push(Note("n1", now(), "See file", attachments=(attachment(),)), remote_id, None, agent=AGENT)
    with pytest.raises(errors.NotSupported, match="attach"):
        r.writer.push(Update("u1", now(), priority=None, attachments=(attachment(),),
                             tags=("x",)), remote_id, None, agent=AGENT)
    no_files = rig("writes:\n" + REPLY_JSON)
    with pytest.raises(errors.NotSupported, match="attach"):
        no_files.writer.push(Reply("r", now(), "X", attachments=(attachment(),)), remote_id, None, agent=AGENT)
    assert r.fake.writes() == [] and no_files.fake.writes() == []


def test_a_note_with_base64_files_lands_as_a_note_with_them():
    r = rig("writes:\n" + NOTE_JSON + BASE64)
    remote_id = r.fake.add_ticket()
    result = r.writer.push(Note("n1", now(), "Internal log.", attachments=(attachment(),)), remote_id, None,
                           agent=AGENT)
    [mine] = [m for m in r.thread(remote_id) if m.kind == MessageKind.INTERNAL_NOTE]
    assert result.remote_id == mine.remote_id and [a["filename"] for a in mine.attachments] == ["dialog.png"]
    sent = json.loads(r.fake.writes()[0].content)
    assert sent["message"]["attachments"][0]["content_type"] == "image/png"


def test_a_message_without_its_files_on_the_server_is_not_taken_for_ours():
    """Read back after a lost answer: the same words without the file are not our delivery."""
    r = rig("writes:\n" + NOTE_JSON + BASE64)
    remote_id = r.fake.add_ticket()
    r.writer.push(Note("n0", now(), "Internal log."), remote_id, None, agent=AGENT)  # same words, no file
    with_file = Note("n1", now(), "Internal log.", attachments=(attachment(),))
    assert r.writer.find_delivered(with_file, remote_id) is None


def test_a_multipart_step_for_files_and_a_json_step_without_them():
    r = rig("""
writes:
  reply:
    steps:
      - request: {method: POST, path: "/tickets/{ticket.remote_id}/messages",
                  json: {message: {body: "{command.body}", private: false}}}
        unless: "{command.files}"
      - request: {method: POST, path: "/tickets/{ticket.remote_id}/messages",
                  multipart: {body: "{command.body}", private: "false"}}
        when: "{command.files}"
    new_id: message.id
  attachments: {type: multipart, field: "files[]"}
""")
    remote_id = r.fake.add_ticket()
    r.writer.push(Reply("a", now(), "Plain."), remote_id, None, agent=AGENT)
    r.writer.push(Reply("b", now(), "With file.", attachments=(attachment(),)), remote_id, None, agent=AGENT)
    kinds = [w.headers["content-type"].split(";")[0] for w in r.fake.writes()]
    assert kinds == ["application/json", "multipart/form-data"]
    assert [a["filename"] for a in landed(r, remote_id, "With file.").attachments] == ["dialog.png"]


@pytest.mark.parametrize("upload", [
    'request: {method: POST, path: /uploads, query: {filename: "{file.name}"}, multipart: {kind: attachment}}',
    'request: {method: POST, path: /uploads, query: {filename: "{file.name}"}, json: {data: "{file.data|base64}"}}',
], ids=["multipart", "json"])
def test_an_upload_may_send_the_file_as_a_part_or_as_base64_in_json(upload):
    writes = UPLOAD.replace('request: {method: POST, path: /uploads, query: {filename: "{file.name}"}}', upload)
    r = rig(writes)
    remote_id = r.fake.add_ticket()
    r.writer.push(Reply("r", now(), "Uploaded.", attachments=(attachment(),)), remote_id, None, agent=AGENT)
    upload_request = r.fake.writes()[0]
    assert upload_request.url.path == "/api/uploads"
    if "multipart" in upload:
        assert b'name="file"; filename="dialog.png"' in upload_request.content
    else:
        import base64
        assert base64.b64decode(json.loads(upload_request.content)["data"]) == DATA


def test_files_on_an_update_that_changes_nothing_else_are_refused_not_dropped():
    r = rig("writes:\n" + UPDATE_JSON + BASE64)
    with pytest.raises(errors.NotSupported, match="attach"):
        r.writer.push(Update("u", now(), attachments=(attachment(),)), r.fake.add_ticket(), None, agent=AGENT)


def test_a_multipart_step_without_files_is_still_sent_as_multipart():
    r = rig(MULTIPART)
    remote_id = r.fake.add_ticket()
    result = r.writer.push(Reply("r1", now(), "No file, \"quoted\" & ünïcode."), remote_id, None, agent=AGENT)
    [sent] = r.fake.writes()
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    mine = landed(r, remote_id, "No file, \"quoted\" & ünïcode.")
    assert result.remote_id == mine.remote_id and mine.attachments == ()
