"""A message's files less those other messages claim (``attachments.exclude``): Redmine lists all
of an issue's files on the issue, and each journal names the ones it added."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpdesk_tui.sync.generic.fields import reader_for
from helpdesk_tui.sync.generic.node import MappingError, loads
from helpdesk_tui.sync.generic.values import Env

DESCRIPTION = """
fields:
  remote_id: {template: "issue-{id}"}
  body: description
  created_at: created_on
  attachments:
    records: attachments
    exclude: "journals[].details[?property=='attachment'][].name"
    fields: {remote_id: id, name: filename}
"""
ISSUE = {"id": 7, "description": "Help.", "created_on": "2026-12-07T13:45:01Z",
         "attachments": [{"id": 1, "filename": "first.png"}, {"id": 2, "filename": "later.log"}],
         "journals": [{"id": 9, "details": [{"property": "attachment", "name": "2", "new_value": "later.log"},
                                            {"property": "attr", "name": "status_id", "new_value": "3"}]}]}


def read(text: str, record: dict):
    return reader_for("message", loads(text, "m.yaml").need("fields"), joins=()).read(record, Env())


def test_files_another_message_claims_are_left_out():
    message = read(DESCRIPTION, ISSUE)
    assert [a["name"] for a in message.attachments] == ["first.png"]
    assert message.created_at == datetime(2026, 12, 7, 13, 45, 1, tzinfo=UTC)


def test_without_exclude_or_with_nothing_claimed_every_file_is_listed():
    plain = DESCRIPTION.replace('    exclude: "journals[].details[?property==\'attachment\'][].name"\n', "")
    assert [a["name"] for a in read(plain, ISSUE).attachments] == ["first.png", "later.log"]
    assert [a["name"] for a in read(DESCRIPTION, {**ISSUE, "journals": []}).attachments] == ["first.png", "later.log"]


def test_an_unknown_key_beside_exclude_is_still_a_mistake():
    with pytest.raises(MappingError, match="exclued"):
        read(DESCRIPTION.replace("    exclude:", "    exclued:"), ISSUE)
