"""Mistakes in a mapping's ``writes:`` section: each is one sentence naming the file, the line
and the key, found when the mapping is loaded (never at the first send)."""

from __future__ import annotations

import pytest

from helpdesk_tui.sync.generic.node import MappingError, loads
from helpdesk_tui.sync.generic.writes import WRITE_ROOTS, parse_writes

POST = 'request: {method: POST, path: "/t/{ticket.remote_id}", json: {body: "{command.body}"}}'
NEW = 'request: {method: POST, path: /t, json: {body: "{command.body}", subject: "{command.subject}"}}'


def parse(text: str, lookups=("agents",)):
    return parse_writes(loads(text, "desk.yaml").get("writes"), lookups=lookups)


def test_the_roots_a_write_may_use_are_the_documented_ones():
    assert WRITE_ROOTS == ("account", "options", "origin", "agent", "ticket", "command", "status", "priority",
                           "assignee", "group", "tags", "attachments", "uploads", "steps", "file", "token")


def test_no_writes_section_gives_a_spec_that_refuses_every_write():
    assert parse_writes(None, lookups=()).operations == {}


@pytest.mark.parametrize(("text", "says"), [
    ("writes:\n  reply:\n    stepz: []\n", r"desk.yaml, line 3, key 'writes.reply.stepz': is not a key here"),
    ("writes:\n  answer: {}\n", r"line 2, key 'writes.answer': is not a key here: use one of reply, note"),
    ("writes:\n  reply:\n    steps: []\n", r"line 3, key 'writes.reply.steps': lists no request"),
    ("writes:\n  reply:\n    steps:\n      - request: {path: /t}\n", "has no step that writes"),
    ("writes:\n  reply:\n    steps:\n      - " + POST.replace("command.body", "comand.body") + "\n",
     r"line 4, key 'writes.reply.steps\[0\].request.json.body': uses '\{comand.body\}'"),
    ("writes:\n  update:\n    steps:\n      - " + POST + "\n    values:\n      assignee: {lookup: agnts}\n",
     r"line 6, key 'writes.update.values.assignee.lookup': names the lookup 'agnts', which is not declared "
     r"\(known: agents\)"),
    ("writes:\n  update:\n    steps:\n      - " + POST + "\n    values:\n      status: {opened: 2}\n",
     "is not one of our status words"),
    ("writes:\n  reply:\n    steps:\n      - " + POST.replace("command.body", "steps.0.body.id") + "\n",
     "step 0 does not run before this one"),
    ("writes:\n  reply:\n    steps:\n      - " + POST + "\n    new_id: {header: Location, pattern: 'x('}\n",
     "is not a regular expression"),
    ("writes:\n  reply:\n    steps:\n      - " + POST + "\n    new_id: {header: Location, pattern: 'x'}\n",
     "needs a group in parentheses"),
    ("writes:\n  attachments: {type: base64}\n", r"key 'writes.attachments': needs 'item'"),
    ("writes:\n  attachments: {type: ftp}\n", "must be one of multipart, base64, upload_token, none"),
    ("writes:\n  new_ticket:\n    steps:\n      - " + NEW + "\n", "cannot find a new ticket by reading a thread"),
    ("writes:\n  new_ticket:\n    steps:\n      - " + NEW + "\n    delivered:\n      type: marker\n"
     "      request: {path: /t}\n      records: tickets\n      where: external_id\n      id: id\n",
     "no step of 'new_ticket' writes \\{command.id\\}"),
    ("writes:\n  note:\n    steps:\n      - request: {method: POST, path: /t, json: {text: '{command.bdy}'}}\n",
     r"line 3, key 'writes.note.steps': never sends \{command.body\}: the message's text would be lost"),
    ("writes:\n  new_ticket:\n    steps:\n      - " + POST + "\n", r"never sends \{command.subject\}"),
    ("writes:\n  version:\n    send: {header: If-Match, json: v}\n", "needs exactly one of header or json"),
    ("writes:\n  version:\n    read: {request: {path: /t}}\n", "needs 'path'"),
    ("writes:\n  reply:\n    steps:\n      - " + POST + "\n    verify:\n      request: {path: /t}\n"
     "      fields: {subject: subject}\n", "is not a field a write changes"),
])
def test_a_mistake_names_file_line_and_key(text, says):
    with pytest.raises(MappingError, match=says):
        parse(text)


def test_a_condition_and_a_later_step_may_read_earlier_answers():
    spec = parse("writes:\n  reply:\n    steps:\n      - request: {path: /t}\n      - " + POST.replace(
        "command.body", "command.body} {steps.0.body.id") + "\n        when: '{steps.0.headers.etag}'\n    new_id: id\n")
    reply = spec.operations["reply"]
    assert len(reply.steps) == 2 and reply.sends("steps.0") and not reply.sends("status")


def test_status_values_may_be_written_as_a_map_and_its_words_are_still_checked():
    ok = parse("writes:\n  update:\n    steps:\n      - " + POST.replace("command.body", "status")
               + "\n    values:\n      status: {map: {open: 2}, none: 0}\n")
    assert ok.operations["update"].values["status"].table == {"open": 2}
    with pytest.raises(MappingError, match="key 'writes.update.values.status.map.opn'"):
        parse("writes:\n  update:\n    steps:\n      - " + POST + "\n    values:\n      status: {map: {opn: 2}}\n")


def test_a_new_ticket_found_by_reading_a_thread_is_named_at_its_own_key():
    with pytest.raises(MappingError, match=r"line 3, key 'writes.new_ticket'"):
        parse("writes:\n  delivered: {type: thread}\n  new_ticket:\n    steps:\n      - " + NEW + "\n")
