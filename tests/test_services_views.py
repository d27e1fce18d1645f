"""services.views: the agent's own inbox views saved to a real settings file, comments kept."""

from __future__ import annotations

import pytest

from helpdesk_tui.config.settings import load_settings
from helpdesk_tui.services.errors import InvalidRequest
from helpdesk_tui.services.views import list_views, remove_view, save_view

COMMENTED = """\
# my helpdesk settings — keep this comment
[agent]
name = "Aiko"   # who "me" is

[views.Billing]   # the billing queue
key = "7"
filter = "tag:billing"
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    return path


def test_a_saved_view_is_listed_after_the_builtins_and_the_comments_survive(config):
    settings = load_settings(config, env={})
    view = save_view(config, settings, "Urgent mine", "8", "priority:urgent assignee:me")
    assert (view.id, view.key, view.title) == ("Urgent mine", "8", "Urgent mine")
    assert view.filter.clauses[1].values == ("Aiko",)  # assignee:me is the agent
    text = config.read_text(encoding="utf-8")
    assert "# my helpdesk settings — keep this comment" in text
    assert '# who "me" is' in text and "# the billing queue" in text
    again = load_settings(config, env={})
    views = list_views(again)
    assert [v.id for v in views] == ["mine", "unassigned", "due", "waiting", "recent", "all", "Billing",
                                     "Urgent mine"]
    assert [v.key for v in views[6:]] == ["7", "8"]


def test_saving_into_a_file_that_does_not_exist_creates_it(tmp_path):
    path = tmp_path / "new" / "config.toml"
    save_view(path, load_settings(path, env={}), "VIP", "V", "tag:vip")
    assert [v.name for v in load_settings(path, env={}).views] == ["VIP"]


def test_saving_under_an_existing_name_replaces_that_view(config):
    save_view(config, load_settings(config, env={}), "Billing", "7", "tag:billing status:open")
    (view,) = load_settings(config, env={}).views
    assert view.filter == "tag:billing status:open"


@pytest.mark.parametrize("name, key, text, expected", [
    ("Other", "7", "tag:a", "which view 'Billing' already has"),
    ("Other", "2", "tag:a", "built-in view"),
    ("Other", "r", "tag:a", "workstation already uses"),
    ("Other", "%", "tag:a", "7, 8, 9 or a letter"),
    ("Other", "8", "status:bogus", "Unknown status 'bogus'"),
    ("  ", "8", "tag:a", "needs a name"),
    ("all", "8", "tag:a", "name of a built-in view"),
])
def test_a_view_that_cannot_be_used_is_refused_in_one_sentence_and_the_file_is_unchanged(
        config, name, key, text, expected):
    with pytest.raises(InvalidRequest) as info:
        save_view(config, load_settings(config, env={}), name, key, text, taken_keys={"r", "n"})
    message = str(info.value)
    assert expected in message and message.startswith("The view was not saved:") and message.endswith(".")
    assert config.read_text(encoding="utf-8") == COMMENTED


def test_removing_a_view_keeps_the_rest_of_the_file(config):
    remove_view(config, "Billing")
    text = config.read_text(encoding="utf-8")
    assert "[views" not in text and "# my helpdesk settings — keep this comment" in text
    with pytest.raises(InvalidRequest, match="no view named 'Billing'"):
        remove_view(config, "Billing")
