"""services.account_add and services.accounts: adding an account (each token source, the undo
when the settings file cannot be written, the backend's options), the list's rows (where each
token comes from, never the token) and removing one, as data the CLI words."""

from __future__ import annotations

import shlex
import sys

import keyring
import pytest
from keyring.backends import fail

from helpdesk_tui.config import accounts_file, tokens
from helpdesk_tui.config.settings import load_settings
from helpdesk_tui.services.account_add import add_account, clean_token, plan_account
from helpdesk_tui.services.accounts import account_rows, remove_account
from helpdesk_tui.services.errors import InvalidRequest, ServiceError
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store.cache import Cache
from tests.keyring_memory import MemoryKeyring
from tests.test_registry import forget_fake_modules, write_fake_plugins

TOKEN = "tok-5e4d3c2b1a-SECRET"
OTHER = "tok-a1b2c3-OTHER"

CONFIG = """default_account = "work"

[accounts.work]
backend = "zendesk"
url = "https://work.example.com"
keyring_id = "0123456789abcdef"

[accounts.home]
backend = "rt"
url = "https://home.example.com"
"""


@pytest.fixture
def ring(monkeypatch):
    ring = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", ring)
    return ring


@pytest.fixture
def workspace(tmp_path, ring) -> Workspace:
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(CONFIG, encoding="utf-8")
    return Workspace.load(str(tmp_path), None)


def test_removing_the_default_account_names_the_new_default_and_keeps_its_cache(workspace):
    db = workspace.locations.account_db("work")
    db.parent.mkdir(parents=True)
    Cache(db, "work").close()
    removed = remove_account(workspace.locations, workspace.settings, "work")
    assert (removed.token, removed.new_default, removed.cache) == ("none", "home", db)
    assert removed.config_file == workspace.locations.config_file and db.exists()
    assert list(load_settings(workspace.locations.config_file).accounts) == ["home"]


def test_an_account_written_before_tokens_were_per_home_keeps_the_shared_token_and_says_so(workspace, ring):
    keyring.set_password("helpdesk-tui", "home", "shared-token")
    removed = remove_account(workspace.locations, workspace.settings, "home")
    assert (removed.token, removed.legacy_token_left, removed.keyring_service) == ("none", True, "helpdesk-tui")
    assert removed.new_default is None and removed.cache is None
    assert keyring.get_password("helpdesk-tui", "home") == "shared-token"


def test_an_unknown_account_is_an_invalid_request_and_an_open_cache_refuses(workspace):
    with pytest.raises(InvalidRequest, match="There is no account named 'nope' in "):
        remove_account(workspace.locations, workspace.settings, "nope")
    db = workspace.locations.account_db("work")
    db.parent.mkdir(parents=True)
    cache = Cache(db, "work")
    try:
        with pytest.raises(ServiceError, match="is open in another program"):
            remove_account(workspace.locations, workspace.settings, "work")
    finally:
        cache.close()
    assert list(load_settings(workspace.locations.config_file).accounts) == ["work", "home"]


# --- adding -----------------------------------------------------------------------------------

@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """The ``fake`` backend (options ``project`` and ``mapping``)."""
    root = write_fake_plugins(tmp_path / "plugins")
    forget_fake_modules()
    monkeypatch.syspath_prepend(str(root))
    yield root
    forget_fake_modules()


@pytest.fixture
def empty(tmp_path, ring) -> Workspace:
    return Workspace.load(str(tmp_path / "home"), None)


def plan(workspace: Workspace, name: str = "new", *, token_given: bool = True, token_command: str | None = None,
         options=("project=web_shop",), env=None):
    return plan_account(workspace.settings, name, "fake", "https://new.example.com", "aiko@example.com",
                        token_given=token_given, token_command=token_command, options=options, env=env or {})


def printer(token: str) -> str:
    """A token command printing ``token`` (reversed in the command line, so it is not in it)."""
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(f'print({token[::-1]!r}[::-1])')}"


def test_a_keyring_account_stores_its_token_under_this_homes_entry_and_writes_the_file(empty, ring, plugins):
    planned = plan(empty)
    assert planned.needs_token and ring.passwords == {}  # nothing stored before the token is given
    added = add_account(empty.locations, planned, token=f"  {TOKEN}\n", env={})
    assert (added.created, added.is_default, added.source) == (True, True, None)
    assert added.keyring_name and added.config_file == empty.locations.config_file
    account = load_settings(empty.locations.config_file).accounts["new"]
    assert dict(account.options) == {"project": "web_shop"}
    assert ring.passwords == {("helpdesk-tui", tokens.keyring_entry(account)): TOKEN}
    assert TOKEN not in empty.locations.config_file.read_text(encoding="utf-8")


def test_a_token_command_account_runs_it_once_and_stores_nothing(empty, ring, plugins):
    command = printer(TOKEN)
    planned = plan(empty, token_command=command)
    assert not planned.needs_token
    added = add_account(empty.locations, planned, env={})
    assert added.keyring_name is None and added.source == f"the command '{sys.executable}'"
    assert ring.passwords == {}
    assert load_settings(empty.locations.config_file).accounts["new"].token_command == command
    with pytest.raises(ServiceError, match=r"; nothing was changed\.$"):
        add_account(empty.locations, plan(empty, "other", token_command="no-such-program-hd10 show"), env={})
    assert list(load_settings(empty.locations.config_file).accounts) == ["new"]


def test_the_accounts_own_variable_is_the_source_unless_the_token_is_given(empty, ring, plugins):
    env = {"HELPDESK_TUI_TOKEN_NEW": TOKEN}
    assert plan(empty, token_given=True, env=env).needs_token
    planned = plan(empty, token_given=False, env=env)
    assert not planned.needs_token
    added = add_account(empty.locations, planned, env=env)
    assert added.source is not None and "HELPDESK_TUI_TOKEN_NEW" in added.source and TOKEN not in added.source
    assert ring.passwords == {} and TOKEN not in empty.locations.config_file.read_text(encoding="utf-8")


def test_a_keyring_account_without_a_keyring_is_refused_before_the_token(empty, plugins, monkeypatch):
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    with pytest.raises(ServiceError, match="No usable system keyring"):
        plan(empty)
    assert not empty.locations.config_file.exists()


def test_a_failed_write_takes_the_token_back_or_restores_the_previous_one(empty, ring, plugins, monkeypatch):
    add_account(empty.locations, plan(empty), token=TOKEN, env={})
    before = dict(ring.passwords)

    def refuse(path, text):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(accounts_file, "_write", refuse)
    settings = load_settings(empty.locations.config_file)
    again = plan_account(settings, "new", "fake", "https://new.example.com", None, token_given=True,
                         options=["project=web_shop"], env={})
    with pytest.raises(ServiceError, match=r"^Cannot write .*Permission denied\.$"):
        add_account(empty.locations, again, token=OTHER, env={})
    with pytest.raises(ServiceError, match="Permission denied"):
        add_account(empty.locations, plan(empty, "second"), token=OTHER, env={})
    assert ring.passwords == before


def test_options_and_values_are_checked_before_any_token(empty, ring, plugins):
    with pytest.raises(InvalidRequest) as caught:
        plan(empty, options=["project=web shop", "colour=blue"])
    assert caught.value.status == 2 and str(caught.value).startswith("The fake backend takes no option 'colour'")
    with pytest.raises(InvalidRequest, match=r"^An option is written KEY=VALUE, not 'project'\.$"):
        plan(empty, options=["project"])
    with pytest.raises(InvalidRequest, match=r"^Unknown backend 'nope': use one of "):
        plan_account(empty.settings, "new", "nope", "https://x.example", None, token_given=True, env={})
    with pytest.raises(ServiceError, match=r"^Backend 'broken' could not be loaded") as caught:
        plan_account(empty.settings, "new", "broken", "https://x.example", None, token_given=True, env={})
    assert caught.value.status == 1
    assert ring.passwords == {} and not empty.locations.config_file.exists()


def test_a_token_that_cannot_be_sent_is_refused(empty):
    assert clean_token(f" {TOKEN}\n") == TOKEN
    for bad, why in (("   ", "is empty"), ("tok\x1b[2Jen", "control character")):
        with pytest.raises(InvalidRequest, match=why):
            clean_token(bad)


# --- the list ---------------------------------------------------------------------------------

def test_rows_say_where_each_token_comes_from_and_never_the_token(empty, ring, plugins):
    add_account(empty.locations, plan(empty, "kept"), token=TOKEN, env={})
    add_account(empty.locations, plan(empty, "run", token_command=printer(OTHER)), env={})
    settings = load_settings(empty.locations.config_file)
    rows, problem = account_rows(settings, {})
    assert problem is None
    assert [(r.name, r.default, r.token_stored, r.token_source) for r in rows] == [
        ("kept", True, True, "keyring"), ("run", False, None, "command"), ("demo", False, None, None)]
    assert rows[1].token_place == f"from the command '{sys.executable}'" and rows[0].token_place is None
    assert rows[0].to_dict() == {"name": "kept", "backend": "fake", "url": "https://new.example.com",
                                 "user": "aiko@example.com", "default": True, "token_stored": True,
                                 "token_source": "keyring"}
    assert TOKEN not in repr(rows) and OTHER not in repr(rows)
    ring.passwords.clear()
    assert account_rows(settings, {})[0][0].token_stored is False


def test_rows_without_a_keyring_say_why_once(empty, ring, plugins, monkeypatch):
    add_account(empty.locations, plan(empty, "one"), token=TOKEN, env={})
    add_account(empty.locations, plan(empty, "two"), token=OTHER, env={})
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    rows, problem = account_rows(load_settings(empty.locations.config_file), {})
    assert [r.token_stored for r in rows] == [None, None, None]
    assert problem is not None and problem.startswith("No usable system keyring was found")
