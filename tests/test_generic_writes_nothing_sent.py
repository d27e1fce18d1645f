"""A write whose every writing step is left out by its ``when`` sent nothing: it is refused with
NotSupported (one sentence), never reported as sent or left for a look-up that cannot find it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.commands import Reply
from tests.generic_write_rig import AGENT, rig

WRITES = """
writes:
  reply:
    steps:
      - request: {method: GET, path: "/tickets/{ticket.remote_id}"}
      - request: {method: POST, path: "/tickets/{ticket.remote_id}/messages",
                  json: {message: {body: "{command.body}", private: false}}}
        when: "{options.channel}"
    new_id: message.id
"""


def test_a_reply_whose_only_writing_step_is_left_out_is_refused_and_nothing_is_written():
    r = rig(WRITES)
    remote_id = r.fake.add_ticket()
    with pytest.raises(errors.NotSupported) as refused:
        r.writer.push(Reply("r-1", datetime.now(UTC), "Hello"), remote_id, None, agent=AGENT)
    assert r.fake.writes() == []
    sentence = str(refused.value)
    assert "\n" not in sentence and "--option" in sentence
