"""services.triage: the desk the triage screen works on, over a copy of the demo workspace."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk_tui.services.triage import helpdesk_keeps, open_desk
from helpdesk_tui.services.workspace import Workspace
from tests.conftest import DEMO_NOW


@pytest.fixture
def workspace(demo_home) -> Workspace:
    return Workspace.load(str(demo_home), None)


def test_without_a_backend_tags_stay_local_and_no_group_is_offered():
    assert helpdesk_keeps(None) == (False, False)


def test_the_desk_sends_what_the_helpdesk_keeps_and_holds_for_the_undo_window(workspace):
    backend = workspace.backend()
    with workspace.cache() as cache:
        desk = open_desk(cache, workspace.settings, backend, DEMO_NOW)
        caps = backend.capabilities
        assert (desk.sends_tags, desk.sends_groups) == (bool(caps.tags), bool(caps.groups)) == (True, True)
        assert desk.agent == workspace.settings.agent.name
        assert desk.hold_seconds == workspace.settings.send.delay_seconds
        offline = open_desk(cache, workspace.settings, None, DEMO_NOW)
        assert (offline.sends_tags, offline.sends_groups) == (False, False)


def test_the_current_rotation_is_kept_and_a_new_one_started_on_request(workspace):
    with workspace.cache() as cache:
        first = open_desk(cache, workspace.settings, None, DEMO_NOW).rotation
        assert open_desk(cache, workspace.settings, None, DEMO_NOW + timedelta(hours=1)).rotation == first
        later = open_desk(cache, workspace.settings, None, DEMO_NOW + timedelta(hours=2), new_rotation=True)
        assert later.rotation.id != first.id and later.rotation.started_at == DEMO_NOW + timedelta(hours=2)


def test_the_desk_is_the_given_agents_rotation(workspace):
    with workspace.cache() as cache:
        assert open_desk(cache, workspace.settings, None, DEMO_NOW, agent="Someone Else").agent == "Someone Else"
