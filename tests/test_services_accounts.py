"""services.accounts.remove_account: what removing an account did, as data the CLI words."""

from __future__ import annotations

import keyring
import pytest

from helpdesk_tui.config.settings import load_settings
from helpdesk_tui.services.accounts import remove_account
from helpdesk_tui.services.errors import InvalidRequest, ServiceError
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store.cache import Cache
from tests.keyring_memory import MemoryKeyring

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
