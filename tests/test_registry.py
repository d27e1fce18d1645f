"""Backends are found through the ``helpdesk_tui.backends`` entry-point group.

The tests install a throw-away distribution (a ``*.dist-info`` folder with an
``entry_points.txt``) on ``sys.path``: one working backend, one whose import fails and
one entry that is not a backend class.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from helpdesk_tui.sync import registry
from helpdesk_tui.sync.contract import AccountSettings, Backend

FAKE_MODULES = ("hd_fake_backend", "hd_broken_backend")

FAKE_BACKEND = '''
"""A backend for tests: GET /api/me with a bearer token."""
from helpdesk_tui.config.account_options import Option
from helpdesk_tui.sync.contract import Backend, Capabilities
from helpdesk_tui.sync.http import HttpClient


def make_client(account, **options):
    """Not a backend: registered under 'notabackend' to be refused."""


def _project(value):
    return None if value.isidentifier() else "must be a project identifier (letters, digits, _)"


class FakeBackend(Backend):
    name = "fake"
    label = "Fake Desk"
    capabilities = Capabilities(change_feed="full_scan")
    options = (Option("project", "the project whose tickets are synced", validate=_project),
               Option("mapping", "a file that maps statuses"))

    @classmethod
    def make_client(cls, account, **options):
        # A plug-in written before sync/auth.py builds its header itself; it still works.
        return HttpClient(base_url=account.url, headers={"Authorization": f"Bearer {account.token}"},
                          **options)

    def check(self):
        me = self.client.get_json("/api/me")
        return f"Signed in to Fake Desk as {me['name']}."

    def pull(self, cursor):
        raise NotImplementedError

    def fetch_thread(self, ticket):
        raise NotImplementedError

    def push(self, item, ticket_remote_id, version):
        raise NotImplementedError
'''


def write_fake_plugins(root: Path) -> Path:
    """Write the fake distribution and its modules under ``root``; put ``root`` on sys.path."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "hd_fake_backend.py").write_text(FAKE_BACKEND, encoding="utf-8")
    (root / "hd_broken_backend.py").write_text("import hd_missing_dependency  # not installed\n",
                                               encoding="utf-8")
    dist = root / "hd_fake_plugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hd-fake-plugins\nVersion: 1.0\n",
                                   encoding="utf-8")
    (dist / "entry_points.txt").write_text(textwrap.dedent("""\
        [helpdesk_tui.backends]
        fake = hd_fake_backend:FakeBackend
        broken = hd_broken_backend:BrokenBackend
        notabackend = hd_fake_backend:make_client
    """), encoding="utf-8")
    return root


def forget_fake_modules() -> None:
    for name in FAKE_MODULES:
        sys.modules.pop(name, None)
    importlib.invalidate_caches()


@pytest.fixture
def fake_plugins(tmp_path, monkeypatch):
    root = write_fake_plugins(tmp_path / "plugins")
    forget_fake_modules()
    monkeypatch.syspath_prepend(str(root))
    yield root
    forget_fake_modules()


def test_available_backends_lists_names_without_importing_them(fake_plugins):
    found = registry.available_backends()
    assert {"fake", "broken", "notabackend"} <= set(found)
    assert found["fake"].value == "hd_fake_backend:FakeBackend"
    assert not set(FAKE_MODULES) & set(sys.modules)


def test_load_backend_imports_only_the_one_asked_for(fake_plugins):
    cls = registry.load_backend("fake")
    assert issubclass(cls, Backend) and cls.name == "fake"
    assert "hd_fake_backend" in sys.modules
    assert "hd_broken_backend" not in sys.modules


def test_a_broken_plugin_is_reported_in_a_sentence_and_the_others_still_load(fake_plugins):
    loaded, failures = registry.load_all()
    assert loaded["fake"].label == "Fake Desk"
    reasons = dict(failures)
    assert set(reasons) >= {"broken", "notabackend"}
    assert "broken" not in loaded and "notabackend" not in loaded
    broken = reasons["broken"]
    assert broken.startswith("Backend 'broken' could not be loaded (ModuleNotFoundError")
    assert "hd-fake-plugins" in broken and broken.endswith(".") and "\n" not in broken
    assert reasons["notabackend"].startswith("Backend 'notabackend' (hd_fake_backend:make_client) "
                                             "is not a helpdesk-tui backend class")


def test_loading_a_broken_plugin_by_name_raises_backend_unavailable(fake_plugins):
    with pytest.raises(registry.BackendUnavailable, match=r"^Backend 'broken' could not be loaded"):
        registry.load_backend("broken")


def test_an_unknown_name_gets_a_sentence_listing_the_registered_ones(fake_plugins):
    with pytest.raises(registry.BackendUnavailable) as caught:
        registry.load_backend("nope")
    message = str(caught.value)
    assert message.startswith("Unknown backend 'nope': use one of ")
    assert "fake" in message and "broken" in message and message.endswith(".")


def test_make_backend_builds_the_client_with_the_backends_make_client(fake_plugins):
    from helpdesk_tui.config.settings import AccountConfig

    config = AccountConfig("work", backend="fake", url="https://desk.example.com", user="aiko")
    backend = registry.make_backend(config, "s3cret-token")
    assert type(backend).__name__ == "FakeBackend"
    assert backend.account == AccountSettings("work", "https://desk.example.com", "aiko", "s3cret-token")
    assert backend.client.base_url == "https://desk.example.com"
    assert backend.client.headers["Authorization"] == "Bearer s3cret-token"
    assert "s3cret-token" not in repr(backend.account)


def test_make_backend_passes_options_to_a_client_factory(fake_plugins):
    from helpdesk_tui.config.settings import AccountConfig

    seen = {}

    def factory(account, **options):
        seen.update(account=account, options=options)
        return "client"

    config = AccountConfig("work", backend="fake", url="https://desk.example.com")
    backend = registry.make_backend(config, "tok", client_factory=factory, sleep=print)
    assert backend.client == "client"
    assert seen["account"].token == "tok" and seen["options"] == {"sleep": print}


def test_make_backend_without_a_url_is_a_sentence(fake_plugins):
    from helpdesk_tui.config.settings import AccountConfig

    with pytest.raises(registry.BackendUnavailable, match=r"^Account work has no url"):
        registry.make_backend(AccountConfig("work", backend="fake"), "tok")


def test_make_backend_checks_the_accounts_options_against_the_backends_declaration(fake_plugins):
    from helpdesk_tui.config.settings import AccountConfig

    config = AccountConfig("work", backend="fake", url="https://desk.example.com",
                           options={"project": "not a project", "colour": "blue"})
    with pytest.raises(registry.BackendUnavailable) as caught:
        registry.make_backend(config, "tok")
    message = str(caught.value)
    assert message.startswith("Account work cannot be used yet:")
    assert "The fake backend takes no option 'colour': use one of project, mapping." in message
    assert "The option 'project' must be a project identifier (letters, digits, _): the project whose" in message
    good = AccountConfig("work", backend="fake", url="https://desk.example.com", options={"project": "web_shop"})
    assert registry.make_backend(good, "tok").account.options == {"project": "web_shop"}


def test_the_contracts_default_client_authenticates_with_an_httpx_auth_object():
    from helpdesk_tui.sync.auth import TokenAuth
    from helpdesk_tui.sync.contract import Backend as Contract

    account = AccountSettings("work", "https://desk.example.com/api", None, "s3cret-token")
    client = Contract.make_client(account)
    assert isinstance(client.auth, TokenAuth) and client.base_url == "https://desk.example.com/api"
    assert "Authorization" not in client.headers and "s3cret-token" not in repr(client)
