"""services.workspace: opening an account's cache the one way the app and every command do."""

from __future__ import annotations

import sqlite3

import pytest

from helpdesk_tui.services.accounts import refuse_while_open
from helpdesk_tui.services.errors import InvalidRequest, NotFound, ServiceError, cache_failure
from helpdesk_tui.services.workspace import DEMO, WorkProgress, Workspace, find_ticket


@pytest.fixture
def workspace(demo_home) -> Workspace:
    return Workspace.load(str(demo_home), None)


def test_the_default_account_is_the_demo_workspace(workspace, demo_home):
    assert workspace.account == DEMO and workspace.is_demo
    assert workspace.db_path == demo_home / "data" / "accounts" / "demo.sqlite"


@pytest.mark.parametrize("name, words", [("nope", "There is no account named 'nope': use one of demo"),
                                         ("../etc", "not allowed")])
def test_an_unknown_or_unsafe_account_name_is_an_invalid_request(demo_home, name, words):
    with pytest.raises(InvalidRequest, match=words) as caught:
        Workspace.load(str(demo_home), name)
    assert caught.value.status == 2


def test_a_broken_settings_file_is_one_sentence_naming_it(tmp_path):
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[inbox\n", encoding="utf-8")
    with pytest.raises(ServiceError, match=str(config)) as caught:
        Workspace.load(str(tmp_path), None)
    assert caught.value.status == 1 and "\n" not in str(caught.value)


def test_an_account_never_synced_has_no_cache_and_says_to_sync(tmp_path):
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[accounts.work]\nbackend = "zendesk"\nurl = "https://x.example"\n', encoding="utf-8")
    workspace = Workspace.load(str(tmp_path), "work")
    with pytest.raises(ServiceError, match="run 'helpdesk-tui sync --account work' first"):
        workspace.open_cache()
    assert not workspace.db_path.exists()
    with workspace.cache(create=True) as cache:  # a sync fills an empty one
        assert cache.inbox_count(_everything()) == 0
    assert workspace.db_path.exists()


def _everything():
    from helpdesk_tui.store.inbox import InboxQuery

    return InboxQuery()


def test_the_cache_is_released_after_the_with_block(workspace):
    """Held while in use (account remove refuses then), let go after: no connection outlives it."""
    with workspace.cache() as cache:
        assert find_ticket(cache, "#10001").number == 10001
        with pytest.raises(ServiceError, match="is open in another program"):
            refuse_while_open(workspace.db_path, DEMO)
    refuse_while_open(workspace.db_path, DEMO)


def test_a_ticket_not_in_the_cache_is_not_found_in_one_sentence(workspace):
    with workspace.cache() as cache, pytest.raises(NotFound) as caught:
        find_ticket(cache, "99999999")
    assert str(caught.value) == ("No ticket 99999999 in the 'demo' cache: check the number with "
                                 "'helpdesk-tui list'.")
    assert caught.value.status == 1


def test_building_the_demo_reports_progress_then_finished_once(tmp_path):
    events: list[WorkProgress] = []
    workspace = Workspace.load(str(tmp_path), DEMO, progress=events.append)
    assert workspace.build_demo(seed=3, tickets=40) is True
    assert events and events[-1] == WorkProgress("demo", finished=True)
    assert [e for e in events if e.finished] == [events[-1]]
    assert events[-2].task == "demo" and events[-2].done == events[-2].total == 40
    events.clear()
    assert workspace.build_demo(seed=3, tickets=40) is False  # there already: nothing to say
    assert events == []


def test_a_demo_of_no_tickets_is_refused_before_anything_is_written(tmp_path):
    workspace = Workspace.load(str(tmp_path), DEMO)
    with pytest.raises(InvalidRequest, match="--tickets must be at least 1."):
        workspace.build_demo(seed=1, tickets=0)
    assert not workspace.db_path.exists()


def test_the_demo_backend_needs_no_token(workspace):
    assert type(workspace.backend()).__name__ == "DemoBackend"


def test_an_account_whose_token_cannot_be_read_has_no_backend_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[accounts.work]\nbackend = "zendesk"\nurl = "https://x.example"\n', encoding="utf-8")
    with pytest.raises(ServiceError) as caught:
        Workspace.load(str(tmp_path), "work").backend()
    assert "\n" not in str(caught.value) and str(caught.value).endswith(".")


def test_a_cache_failure_becomes_the_sentence_every_command_gives(workspace):
    error = cache_failure(sqlite3.OperationalError("database or disk is full"), workspace.db_path)
    assert isinstance(error, ServiceError) and str(workspace.db_path) in str(error)
