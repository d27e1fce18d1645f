"""A write's ``{command.…}`` and ``{ticket.…}`` name only keys that exist: a misspelt one is a
mistake named when the file is read (file, line, key), not a value silently missing from the
request (``{command.bdy}`` would send a reply without its body)."""

from __future__ import annotations

import pytest

from helpdesk_tui.sync.generic.node import MappingError, loads
from helpdesk_tui.sync.generic.template import compile_text
from helpdesk_tui.sync.generic.writes_spec import WRITE_PLACES


def text_at(value: str):
    return loads(f"here: {value!r}\n", "my-helpdesk.yaml").need("here")


@pytest.mark.parametrize("text", ["{command.body}", "{command.subject|html}", "{ticket.remote_id}/x",
                                  "{ticket.version|int}", "{steps.0.body.id}", "{file.data|base64}"])
def test_the_keys_a_write_has_compile(text: str) -> None:
    compile_text(text, text_at(text), WRITE_PLACES)


@pytest.mark.parametrize(("text", "says"), [
    ("{command.bdy}", "uses '{command.bdy}', but command has only body, cc, created_at"),
    ("{ticket.remote_idd}", "uses '{ticket.remote_idd}', but ticket has only number, remote_id, version"),
    ("{command}", "uses '{command}', but command has only"),
    ("{comand.body}", "uses '{comand.body}', but only account, agent, assignee, attachments, command, file"),
])
def test_a_key_that_does_not_exist_is_named_with_the_ones_that_do(text: str, says: str) -> None:
    with pytest.raises(MappingError) as caught:
        compile_text(text, text_at(text), WRITE_PLACES)
    assert says in str(caught.value) and "my-helpdesk.yaml" in str(caught.value) and "line 1" in str(caught.value)
