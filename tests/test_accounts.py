"""``account add|list|test|remove``: the settings file gets backend/url/user, the keyring the token.

Keyrings here are test-only (``tests/keyring_memory.py``); the real one is never touched.
The helpdesk is a tiny ``http.server`` on 127.0.0.1 behind a fake backend plug-in.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.backends import fail, null

from helpdesk_tui.cli import accounts as account_commands
from helpdesk_tui.cli import build_parser
from helpdesk_tui.cli.context import Context
from helpdesk_tui.config import accounts_file, secrets, tokens
from helpdesk_tui.config.settings import load_settings
from helpdesk_tui.errors import UserError
from tests.keyring_memory import EmptyChainer, LockedKeyring, MemoryKeyring
from tests.test_registry import forget_fake_modules, write_fake_plugins

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "tok-9f8e7d6c5b4a-SECRET"
OTHER_TOKEN = "tok-0a1b2c3d-OTHER"
FORBIDDEN_TOKEN = "tok-forbidden-4444"


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture
def memory_keyring(monkeypatch):
    ring = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", ring)
    return ring


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    root = write_fake_plugins(tmp_path / "plugins")
    forget_fake_modules()
    monkeypatch.syspath_prepend(str(root))
    yield root
    forget_fake_modules()


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def context(home: Path) -> Context:
    """A fresh context, as each CLI run builds one (settings read again)."""
    return Context.from_args(str(home), None)


def config_file(home: Path) -> Path:
    return home / "config" / "config.toml"


class Helpdesk(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        auth = self.headers.get("Authorization", "")
        if self.path == "/html/api/me":
            return self._answer(200, b"<html>Welcome</html>", "text/html")
        if self.path != "/api/me":
            return self._answer(404, b"not found", "text/plain")
        if auth == f"Bearer {TOKEN}":
            return self._answer(200, json.dumps({"name": "Aiko"}).encode(), "application/json")
        if auth == f"Bearer {FORBIDDEN_TOKEN}":
            return self._answer(403, b'{"error": "forbidden"}', "application/json")
        return self._answer(401, b'{"error": "unauthorized"}', "application/json")

    def _answer(self, status, body, kind):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Helpdesk)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add(home, name="work", *, url="https://desk.example.com", user="aiko@example.com", backend="fake",
        token=TOKEN, token_env="HD_TOKEN", tty=False, getpass=None, options=()):
    def no_getpass(prompt):
        raise AssertionError("getpass must not be called")

    return account_commands.account_add(context(home), name, backend, url, user, token_env, tty,
                                        getpass or no_getpass, env={"HD_TOKEN": token}, options=options)


NO_RETRY_WAIT = {"client_options": {"sleep": lambda seconds: None}}


def assert_one_sentence(message: str) -> None:
    assert message.endswith(".") and "\n" not in message
    assert not re.search(r"[.:;]\s+[A-Z]", message), message  # no second sentence


def entry_of(home: Path, name: str) -> str:
    """The keyring user name of the account's token in this home ("NAME/ID")."""
    return tokens.keyring_entry(load_settings(config_file(home)).accounts[name])


def stored_token(home: Path, name: str) -> str:
    return secrets.load_token(name, entry=entry_of(home, name))


def files_containing(root: Path, text: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


# --- account add ------------------------------------------------------------------------------

def test_add_puts_the_token_in_the_keyring_and_never_in_a_file(home, memory_keyring, plugins, capsys):
    assert add(home) == 0
    assert memory_keyring.passwords == {("helpdesk-tui", entry_of(home, "work")): TOKEN}
    assert entry_of(home, "work").startswith("work/")
    settings = load_settings(config_file(home))
    assert settings.default_account == "work"
    assert settings.accounts["work"].backend == "fake"
    assert settings.accounts["work"].user == "aiko@example.com"
    assert files_containing(home, TOKEN) == []  # config file, account db dir, state: nowhere
    out = capsys.readouterr().out
    assert "Added account 'work'" in out and TOKEN not in out


def test_add_asks_with_getpass_when_interactive(home, memory_keyring, plugins):
    prompts = []

    def getpass(prompt):
        prompts.append(prompt)
        return f"  {TOKEN}\n"

    assert add(home, token_env=None, tty=True, getpass=getpass) == 0
    assert len(prompts) == 1 and "'work'" in prompts[0]
    assert stored_token(home, "work") == TOKEN


def test_add_without_a_terminal_needs_token_env(home, memory_keyring, plugins):
    with pytest.raises(UserError, match="--token-env") as caught:
        add(home, token_env=None, tty=False)
    assert caught.value.status == 2
    assert memory_keyring.passwords == {} and not config_file(home).exists()


def test_add_reads_the_token_from_the_variable_named_by_token_env(home, memory_keyring, plugins):
    assert add(home, token=OTHER_TOKEN, token_env="HD_TOKEN") == 0
    assert stored_token(home, "work") == OTHER_TOKEN


def test_add_with_an_unset_token_env_variable_is_refused(home, memory_keyring, plugins):
    with pytest.raises(UserError, match=r"^The environment variable HD_NOT_SET \(--token-env\) is not set"):
        account_commands.account_add(context(home), "work", "fake", "https://x.example", None,
                                     "HD_NOT_SET", False, env={})
    assert not config_file(home).exists()


@pytest.mark.parametrize("empty", ["", "   ", "\n"])
def test_an_empty_token_is_refused_and_nothing_is_written(home, memory_keyring, plugins, empty):
    with pytest.raises(UserError, match="token is empty") as caught:
        add(home, token_env=None, tty=True, getpass=lambda prompt: empty)
    assert caught.value.status == 2
    assert memory_keyring.passwords == {} and not config_file(home).exists()


def test_a_token_with_a_line_break_is_refused(home, memory_keyring, plugins):
    with pytest.raises(UserError, match="line break") as caught:
        add(home, token=f"{TOKEN}\n{TOKEN}")
    assert caught.value.status == 2 and TOKEN not in str(caught.value)
    assert memory_keyring.passwords == {} and not config_file(home).exists()


@pytest.mark.parametrize("ring", [fail.Keyring, null.Keyring, EmptyChainer], ids=["fail", "null", "empty-chainer"])
def test_no_usable_keyring_is_one_sentence_and_nothing_is_written(home, plugins, monkeypatch, ring):
    monkeypatch.setattr(keyring.core, "_keyring_backend", ring())
    config_file(home).parent.mkdir(parents=True)
    config_file(home).write_text("# mine\n[ui]\nclock = false\n")
    asked = []
    with pytest.raises(UserError) as caught:
        add(home, token_env=None, tty=True, getpass=lambda prompt: asked.append(prompt) or TOKEN)
    message = str(caught.value)
    assert message.startswith("No usable system keyring was found to keep the token:")
    assert "PYTHON_KEYRING_BACKEND" in message and "never stores tokens in plain text" in message
    assert_one_sentence(message)
    assert asked == []  # nobody types a token that cannot be kept
    assert config_file(home).read_text() == "# mine\n[ui]\nclock = false\n"


def test_a_locked_keyring_is_one_sentence_and_nothing_is_written(home, plugins, monkeypatch):
    monkeypatch.setattr(keyring.core, "_keyring_backend", LockedKeyring())
    with pytest.raises(UserError, match=r"^The system keyring is locked") as caught:
        add(home)
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
    assert not config_file(home).exists()


def test_add_keeps_the_users_comments_and_other_settings(home, memory_keyring, plugins):
    original = '# my settings\n[agent]\nname = "Aiko"  # that is me\n\n[ui]\nclock = false\n'
    config_file(home).parent.mkdir(parents=True)
    config_file(home).write_text(original)
    add(home)
    text = config_file(home).read_text()
    assert text.startswith("# my settings\n")
    assert 'name = "Aiko"  # that is me' in text and "clock = false" in text
    assert "[accounts.work]" in text and TOKEN not in text
    settings = load_settings(config_file(home))
    assert settings.agent.name == "Aiko" and settings.default_account == "work"


def test_a_second_account_keeps_the_default_and_adding_again_replaces_the_token(home, memory_keyring, plugins,
                                                                                capsys):
    add(home, "work")
    add(home, "home", url="https://home.example.com", user=None, token=OTHER_TOKEN)
    settings = load_settings(config_file(home))
    assert list(settings.accounts) == ["work", "home"] and settings.default_account == "work"
    assert settings.accounts["home"].user is None
    entry = entry_of(home, "work")
    add(home, "work", token=OTHER_TOKEN, user="boss@example.com")
    assert entry_of(home, "work") == entry  # the same entry, replaced
    assert stored_token(home, "work") == OTHER_TOKEN
    assert len(memory_keyring.passwords) == 2
    assert load_settings(config_file(home)).accounts["work"].user == "boss@example.com"
    assert "Updated account 'work'" in capsys.readouterr().out


def test_a_first_account_replaces_a_default_that_named_the_demo(home, memory_keyring, plugins):
    config_file(home).parent.mkdir(parents=True)
    config_file(home).write_text('default_account = "demo"\n')
    add(home)
    assert load_settings(config_file(home)).default_account == "work"


@pytest.mark.parametrize("name, backend, url, user, expected", [
    ("work", "fake", "ftp://desk.example.com", None, "is not a web address"),
    ("work", "fake", "desk.example.com", None, "is not a web address"),
    ("work", "fake", "https://aiko:hunter2@desk.example.com", None, "must not contain a user name or password"),
    ("work", "fake", "aiko:hunter2@desk.example.com", None, "is not a web address"),
    ("work", "fake", "http://[::1", None, "is not a web address"),
    ("work", "fake", "https://desk.example.com/?api_key=x", None, "without '?' or '#' parts"),
    ("work", "nope", "https://desk.example.com", None, "Unknown backend 'nope': use one of "),
    ("../etc", "fake", "https://desk.example.com", None, "is not allowed"),
    ("work", "fake", "https://desk.example.com", " ", "cannot be empty"),
])
def test_invalid_input_is_refused_before_anything_is_stored(home, memory_keyring, plugins, name, backend, url,
                                                            user, expected):
    with pytest.raises(UserError, match=expected.replace("?", r"\?")) as caught:
        add(home, name, backend=backend, url=url, user=user)
    assert caught.value.status == 2 and "hunter2" not in str(caught.value)
    assert memory_keyring.passwords == {} and not config_file(home).exists()


def test_a_broken_backend_plugin_is_refused_with_its_sentence(home, memory_keyring, plugins):
    with pytest.raises(UserError, match=r"^Backend 'broken' could not be loaded"):
        add(home, backend="broken")
    assert memory_keyring.passwords == {}


def test_if_the_settings_file_cannot_be_written_the_token_is_taken_back(home, memory_keyring, plugins,
                                                                       monkeypatch):
    add(home, "work")

    def refuse(path, text):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(accounts_file, "_write", refuse)
    with pytest.raises(UserError, match="Permission denied"):
        add(home, "work", token=OTHER_TOKEN)
    with pytest.raises(UserError, match="Permission denied"):
        add(home, "home", token=OTHER_TOKEN)
    assert memory_keyring.passwords == {("helpdesk-tui", entry_of(home, "work")): TOKEN}


# --- account list -----------------------------------------------------------------------------

def test_list_shows_accounts_and_whether_a_token_is_stored_never_the_token(home, memory_keyring, plugins,
                                                                          capsys):
    add(home, "work")
    add(home, "home", url="https://home.example.com", token=OTHER_TOKEN)
    del memory_keyring.passwords[("helpdesk-tui", entry_of(home, "home"))]
    capsys.readouterr()

    assert account_commands.account_list(context(home), as_json=True) == 0
    out = capsys.readouterr().out
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows == [
        {"name": "work", "backend": "fake", "url": "https://desk.example.com", "user": "aiko@example.com",
         "default": True, "token_stored": True, "token_source": "keyring"},
        {"name": "home", "backend": "fake", "url": "https://home.example.com", "user": "aiko@example.com",
         "default": False, "token_stored": False, "token_source": "keyring"},
        {"name": "demo", "backend": "demo", "url": None, "user": None, "default": False, "token_stored": None,
         "token_source": None},
    ]
    assert account_commands.account_list(context(home), as_json=False) == 0
    text = capsys.readouterr().out
    assert "* work" in text and "token stored" in text and "token missing" in text
    assert TOKEN not in out + text and OTHER_TOKEN not in out + text


def test_list_without_a_keyring_still_lists_and_says_why_once(home, memory_keyring, plugins, monkeypatch,
                                                              capsys):
    add(home, "work")
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    capsys.readouterr()
    assert account_commands.account_list(context(home), as_json=False) == 0
    captured = capsys.readouterr()
    assert "work" in captured.out and "token unknown" in captured.out
    assert captured.err.count("No usable system keyring") == 1


def test_list_with_no_accounts_shows_the_demo(home, memory_keyring, capsys):
    account_commands.account_list(context(home), as_json=False)
    assert "demo" in capsys.readouterr().out


# --- account test -----------------------------------------------------------------------------

def test_account_test_prints_the_backends_sentence(home, memory_keyring, plugins, server, capsys):
    add(home, url=server)
    capsys.readouterr()
    assert account_commands.account_test(context(home), "work") == 0
    # one line per read: signing in, then the reads this plug-in has not written (not failures)
    assert capsys.readouterr().out.strip().splitlines() == [
        "ok      check            Signed in to Fake Desk as Aiko.",
        "ok      tickets          not offered by this backend",
        "ok      thread           no ticket on the first page to read a thread of"]


@pytest.mark.parametrize("token, path, expected", [
    ("wrong-token", "", "refused the credentials (401)"),
    (FORBIDDEN_TOKEN, "", "may not do that (403)"),
    (TOKEN, "/elsewhere", "(404): check the URL"),
    (TOKEN, "/html", "did not answer with JSON"),
])
def test_account_test_failure_is_one_sentence(home, memory_keyring, plugins, server, token, path, expected):
    add(home, url=server + path, token=token)
    with pytest.raises(UserError) as caught:
        account_commands.account_test(context(home), "work", **NO_RETRY_WAIT)
    message = str(caught.value)
    assert expected in message and caught.value.status == 1
    assert_one_sentence(message)
    assert token not in message


def test_account_test_on_an_unreachable_port_is_a_sentence(home, memory_keyring, plugins):
    add(home, url=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(UserError, match=r"^Cannot reach 127\.0\.0\.1: check the URL and your network\.$"):
        account_commands.account_test(context(home), "work", **NO_RETRY_WAIT)


def test_account_test_with_https_against_plain_http_is_a_tls_sentence(home, memory_keyring, plugins, server):
    add(home, url=server.replace("http://", "https://"))
    with pytest.raises(UserError, match="TLS"):
        account_commands.account_test(context(home), "work", **NO_RETRY_WAIT)


def test_account_test_without_a_stored_token_says_to_add_it_again(home, memory_keyring, plugins, server):
    add(home, url=server)
    memory_keyring.passwords.clear()
    with pytest.raises(UserError, match=r"^No token stored for account work: run 'helpdesk-tui account add work"):
        account_commands.account_test(context(home), "work")


def test_account_test_of_an_unknown_account_is_a_usage_error(home, memory_keyring, plugins):
    add(home)
    with pytest.raises(UserError, match="There is no account named 'other'") as caught:
        account_commands.account_test(context(home), "other")
    assert caught.value.status == 2


# --- account remove ---------------------------------------------------------------------------

def test_remove_deletes_the_token_and_the_table(home, memory_keyring, plugins, capsys):
    add(home, "work")
    add(home, "home", url="https://home.example.com", token=OTHER_TOKEN)
    capsys.readouterr()
    home_entry = entry_of(home, "home")
    assert account_commands.account_remove(context(home), "work") == 0
    assert memory_keyring.passwords == {("helpdesk-tui", home_entry): OTHER_TOKEN}
    settings = load_settings(config_file(home))
    assert list(settings.accounts) == ["home"] and settings.default_account == "home"
    out = capsys.readouterr().out
    assert "Removed account 'work'" in out and "The default account is now 'home'" in out


def test_removing_the_last_account_leaves_a_valid_file_without_accounts(home, memory_keyring, plugins):
    config_file(home).parent.mkdir(parents=True)
    config_file(home).write_text("# keep me\n[ui]\nclock = false\n")
    add(home)
    account_commands.account_remove(context(home), "work")
    assert memory_keyring.passwords == {}
    text = config_file(home).read_text()
    assert "accounts" not in text and "default_account" not in text and text.startswith("# keep me\n")
    assert load_settings(config_file(home)).default_account == "demo"


def test_remove_of_an_unknown_account_is_a_usage_error(home, memory_keyring, plugins):
    add(home)
    with pytest.raises(UserError, match="There is no account named 'nope'") as caught:
        account_commands.account_remove(context(home), "nope")
    assert caught.value.status == 2


def test_remove_with_a_locked_keyring_changes_nothing(home, memory_keyring, plugins, monkeypatch):
    add(home)
    before = config_file(home).read_text()
    monkeypatch.setattr(keyring.core, "_keyring_backend", LockedKeyring())
    with pytest.raises(UserError, match="locked.*left as it was"):
        account_commands.account_remove(context(home), "work")
    assert config_file(home).read_text() == before


# --- secrets and the settings file on their own -----------------------------------------------

def test_secrets_round_trip_and_say_when_a_token_is_missing():
    ring = MemoryKeyring()
    secrets.store_token("work", TOKEN, backend=ring)
    assert secrets.load_token("work", backend=ring) == TOKEN
    assert secrets.has_token("work", backend=ring)
    assert secrets.delete_token("work", backend=ring) is True
    assert secrets.delete_token("work", backend=ring) is False
    with pytest.raises(secrets.TokenMissing, match=r"^No token stored for account work: run"):
        secrets.load_token("work", backend=ring)
    with pytest.raises(ValueError):
        secrets.store_token("work", "  ", backend=ring)


def test_keyring_errors_never_carry_the_token():
    class Refusing(MemoryKeyring):
        def set_password(self, service, username, password):
            raise keyring.errors.PasswordSetError(f"cannot store {password}")

    with pytest.raises(secrets.KeyringFailure) as caught:
        secrets.store_token("work", TOKEN, backend=Refusing())
    error = caught.value
    assert TOKEN not in str(error) and TOKEN not in repr(error)
    assert error.__cause__ is None and error.__suppress_context__


def test_a_bad_keyring_backend_setting_is_a_sentence(monkeypatch):
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no_such_module.Keyring")
    with pytest.raises(secrets.SecretsUnavailable, match=r"^The keyring backend chosen .* PYTHON_KEYRING_BACKEND"):
        secrets.keyring_backend()


def test_accounts_file_edits_inline_tables_and_follows_symlinks(tmp_path):
    real = tmp_path / "dotfiles" / "config.toml"
    real.parent.mkdir()
    real.write_text('[accounts]\nold = { backend = "fake", url = "https://old.example" }  # legacy\n')
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    account = accounts_file.validate_account("new", "fake", "https://new.example", None, ["fake"])
    result = accounts_file.add_account(link, account)
    assert result == accounts_file.AddResult(created=True, default_account="old")
    assert link.is_symlink()
    assert list(load_settings(real).accounts) == ["old", "new"]
    accounts_file.remove_account(link, "old")
    assert link.is_symlink() and "# legacy" not in real.read_text()
    assert list(load_settings(real).accounts) == ["new"]
    assert load_settings(real).default_account == "new"


def test_accounts_file_never_leaves_a_broken_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[inbox]\npage_size = 0\n")  # already invalid: refuse to touch it
    account = accounts_file.validate_account("work", "fake", "https://x.example", None, ["fake"])
    with pytest.raises(Exception, match="page_size"):
        accounts_file.add_account(path, account)
    assert path.read_text() == "[inbox]\npage_size = 0\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


# --- the real command, in a subprocess --------------------------------------------------------

def _cli_has_account_command() -> bool:
    return "account" in build_parser()._subparsers._group_actions[0].choices


cli = pytest.mark.skipif(not _cli_has_account_command(), reason="'account' is not wired into cli.py yet")


def run_cli(home, plugins, ring_file, *args, env_extra=None, stdin=subprocess.DEVNULL):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
    env.update({
        "HELPDESK_TUI_HOME": str(home),
        "PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
        "HD_TEST_KEYRING_FILE": str(ring_file),
        "PYTHONPATH": os.pathsep.join([str(plugins), str(ROOT), env.get("PYTHONPATH", "")]),
    })
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                          env=env, timeout=120, stdin=stdin, cwd=ROOT)


def one_sentence(out, status):
    assert out.returncode == status, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("helpdesk-tui: ")
    return lines[0]


@cli
def test_cli_account_add_list_test_remove(home, plugins, server, tmp_path):
    ring = tmp_path / "ring.json"
    out = run_cli(home, plugins, ring, "account", "add", "work", "--backend", "fake", "--url", server,
                  "--user", "aiko", "--token-env", "HD_TOKEN", env_extra={"HD_TOKEN": TOKEN})
    assert out.returncode == 0, out.stderr
    assert TOKEN in ring.read_text() and files_containing(home, TOKEN) == []

    listed = run_cli(home, plugins, ring, "account", "list", "--json")
    assert json.loads(listed.stdout.splitlines()[0])["token_stored"] is True and TOKEN not in listed.stdout

    tested = run_cli(home, plugins, ring, "account", "test", "work")
    assert tested.returncode == 0, tested.stderr
    assert tested.stdout.splitlines()[0] == "ok      check            Signed in to Fake Desk as Aiko."

    removed = run_cli(home, plugins, ring, "account", "remove", "work")
    assert removed.returncode == 0, removed.stderr
    assert TOKEN not in ring.read_text() and "accounts" not in config_file(home).read_text()


@cli
def test_cli_account_test_with_a_wrong_token_is_one_sentence(home, plugins, server, tmp_path):
    ring = tmp_path / "ring.json"
    run_cli(home, plugins, ring, "account", "add", "work", "--backend", "fake", "--url", server,
            "--token-env", "HD_TOKEN", env_extra={"HD_TOKEN": "wrong"})
    line = one_sentence(run_cli(home, plugins, ring, "account", "test", "work"), 1)
    assert "(401)" in line


@cli
def test_cli_account_add_without_a_keyring_is_one_sentence(home, plugins, tmp_path):
    out = run_cli(home, plugins, tmp_path / "ring.json", "account", "add", "work", "--backend", "fake",
                  "--url", "https://desk.example.com", "--token-env", "HD_TOKEN",
                  env_extra={"HD_TOKEN": TOKEN, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert "No usable system keyring" in one_sentence(out, 1)
    assert not config_file(home).exists()


@cli
def test_cli_account_add_without_a_terminal_or_token_env_is_a_usage_error(home, plugins, tmp_path):
    out = run_cli(home, plugins, tmp_path / "ring.json", "account", "add", "work", "--backend", "fake",
                  "--url", "https://desk.example.com")
    assert "--token-env" in one_sentence(out, 2)


# --- tokens of different homes ------------------------------------------------------------------

def legacy_home(home: Path, ring: MemoryKeyring, token: str = TOKEN, url: str = "https://desk.example.com") -> None:
    """An account as an older version wrote it: no keyring_id, the token under the bare name."""
    config_file(home).parent.mkdir(parents=True, exist_ok=True)
    config_file(home).write_text(f'# mine\n[accounts.work]\nbackend = "fake"\nurl = "{url}"\n')
    ring.passwords[("helpdesk-tui", "work")] = token


def test_two_homes_with_an_account_of_one_name_keep_their_own_tokens(tmp_path, memory_keyring, plugins):
    home_a, home_b = tmp_path / "a", tmp_path / "b"
    add(home_a, "work", token=TOKEN)
    add(home_b, "work", token=OTHER_TOKEN)
    assert stored_token(home_a, "work") == TOKEN and stored_token(home_b, "work") == OTHER_TOKEN
    assert account_commands.account_remove(context(home_b), "work") == 0
    assert stored_token(home_a, "work") == TOKEN
    assert list(memory_keyring.passwords) == [("helpdesk-tui", entry_of(home_a, "work"))]


def test_an_old_token_moves_to_the_accounts_own_entry_on_first_read(home, memory_keyring, plugins):
    legacy_home(home, memory_keyring)
    config = load_settings(config_file(home)).accounts["work"]
    assert config.keyring_id is None
    assert tokens.load_account_token(config_file(home), config) == TOKEN
    text = config_file(home).read_text()
    assert text.startswith("# mine\n") and "keyring_id" in text and TOKEN not in text
    moved = load_settings(config_file(home)).accounts["work"]
    assert moved.keyring_id and memory_keyring.passwords[("helpdesk-tui", tokens.keyring_entry(moved))] == TOKEN
    # The old entry stays for any other home still reading it; this home no longer needs it.
    del memory_keyring.passwords[("helpdesk-tui", "work")]
    assert tokens.load_account_token(config_file(home), moved) == TOKEN


def test_an_old_token_still_works_when_the_settings_file_cannot_be_written(home, memory_keyring, plugins,
                                                                           monkeypatch):
    legacy_home(home, memory_keyring)

    def refuse(path, text):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(accounts_file, "_write", refuse)
    config = load_settings(config_file(home)).accounts["work"]
    assert tokens.load_account_token(config_file(home), config) == TOKEN
    assert memory_keyring.passwords == {("helpdesk-tui", "work"): TOKEN}  # no orphan entry left behind
    assert "keyring_id" not in config_file(home).read_text()


def test_adding_in_a_second_home_never_touches_an_old_shared_token(tmp_path, memory_keyring, plugins):
    home_a, home_b = tmp_path / "a", tmp_path / "b"
    legacy_home(home_a, memory_keyring, token=TOKEN)
    add(home_b, "work", token=OTHER_TOKEN)
    account_commands.account_remove(context(home_b), "work")
    config = load_settings(config_file(home_a)).accounts["work"]
    assert tokens.load_account_token(config_file(home_a), config) == TOKEN


def test_removing_an_old_account_leaves_the_shared_token_and_says_how_to_delete_it(tmp_path, memory_keyring,
                                                                                 plugins, capsys):
    home_a, home_b = tmp_path / "a", tmp_path / "b"
    legacy_home(home_a, memory_keyring)
    legacy_home(home_b, memory_keyring)
    assert account_commands.account_remove(context(home_b), "work") == 0
    out = capsys.readouterr().out
    assert "python -m keyring del helpdesk-tui work" in out
    config = load_settings(config_file(home_a)).accounts["work"]
    assert tokens.load_account_token(config_file(home_a), config) == TOKEN


def test_account_list_says_nothing_about_a_missing_keyring_when_no_account_needs_one(home, monkeypatch,
                                                                                      capsys):
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    assert account_commands.account_list(context(home), as_json=False) == 0
    captured = capsys.readouterr()
    assert "demo" in captured.out and captured.err == ""


def test_account_list_asks_a_locked_keyring_once_and_says_it_once(home, memory_keyring, plugins, monkeypatch,
                                                                   capsys):
    add(home, "work")
    add(home, "home", url="https://home.example.com")
    asked = []

    class CountingLocked(LockedKeyring):
        def get_password(self, service, username):
            asked.append(username)
            return super().get_password(service, username)

    monkeypatch.setattr(keyring.core, "_keyring_backend", CountingLocked())
    capsys.readouterr()
    account_commands.account_list(context(home), as_json=False)
    captured = capsys.readouterr()
    assert len(asked) == 1 and len(captured.err.strip().splitlines()) == 1
    assert captured.out.count("token unknown") == 2


@cli
def test_cli_account_list_keeps_the_demo_and_fits_long_values_in_their_columns(home, plugins, tmp_path):
    ring = tmp_path / "ring.json"
    long_url = "https://" + "very-long-subdomain." * 4 + "example.com"
    out = run_cli(home, plugins, ring, "account", "add", "work", "--backend", "fake", "--url", long_url,
                  "--user", "京都の田中さん@example.com", "--token-env", "HD_TOKEN", env_extra={"HD_TOKEN": TOKEN})
    assert out.returncode == 0, out.stderr
    listed = run_cli(home, plugins, ring, "account", "list")
    assert listed.returncode == 0 and listed.stderr == ""
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["*", "demo"]
    from rich.cells import cell_len

    starts = [line.index("token") for line in lines]
    assert len({cell_len(line[:start]) for line, start in zip(lines, starts, strict=True)}) == 1  # columns line up
    assert "…" in lines[0] and long_url not in listed.stdout


@cli
def test_cli_tokens_of_two_homes_stay_apart(tmp_path, plugins, server):
    ring = tmp_path / "ring.json"
    home_a, home_b = tmp_path / "a", tmp_path / "b"
    for home, token in ((home_a, TOKEN), (home_b, "wrong")):
        out = run_cli(home, plugins, ring, "account", "add", "work", "--backend", "fake", "--url", server,
                      "--token-env", "HD_TOKEN", env_extra={"HD_TOKEN": token})
        assert out.returncode == 0, out.stderr
    assert run_cli(home_a, plugins, ring, "account", "test", "work").returncode == 0
    assert "(401)" in one_sentence(run_cli(home_b, plugins, ring, "account", "test", "work"), 1)
    assert run_cli(home_b, plugins, ring, "account", "remove", "work").returncode == 0
    tested = run_cli(home_a, plugins, ring, "account", "test", "work")
    assert tested.returncode == 0, tested.stderr


# --- tokens from a command or the environment (no keyring needed) -----------------------------------

def token_printer(token: str = TOKEN) -> str:
    import shlex

    # Printed backwards, so the command in the settings file does not hold the token itself.
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(f'print({token[::-1]!r}[::-1])')}"


@pytest.fixture
def no_keyring(monkeypatch):
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())


def add_with(home, *, token_command=None, env=None, token_env=None, name="work", url="https://desk.example.com"):
    def no_getpass(prompt):
        raise AssertionError("getpass must not be called")

    return account_commands.account_add(context(home), name, "fake", url, "aiko@example.com", token_env, False,
                                        no_getpass, env=env or {}, token_command=token_command)


def test_add_with_a_token_command_needs_no_keyring_and_stores_no_token(home, no_keyring, plugins, capsys):
    command = token_printer()
    assert add_with(home, token_command=command) == 0
    settings = load_settings(config_file(home))
    assert settings.accounts["work"].token_command == command
    assert settings.accounts["work"].keyring_id  # should the account go back to the keyring, its entry is its own
    out = capsys.readouterr().out
    assert f"read from the command '{sys.executable}' each time it is needed" in out
    assert files_containing(home, TOKEN) == [] and TOKEN not in out


def test_add_with_the_accounts_variable_needs_no_keyring_and_asks_nothing(home, no_keyring, plugins, capsys):
    assert add_with(home, env={"HELPDESK_TUI_TOKEN_WORK": TOKEN}) == 0
    assert load_settings(config_file(home)).accounts["work"].token_command is None
    out = capsys.readouterr().out
    assert "read from $HELPDESK_TUI_TOKEN_WORK each time it is needed" in out
    assert files_containing(home, TOKEN) == [] and TOKEN not in out


def test_token_env_still_stores_in_the_keyring_even_when_the_accounts_variable_is_set(home, memory_keyring,
                                                                                       plugins):
    env = {"HD_TOKEN": TOKEN, "HELPDESK_TUI_TOKEN_WORK": OTHER_TOKEN}
    assert add_with(home, token_env="HD_TOKEN", env=env) == 0
    assert stored_token(home, "work") == TOKEN


def test_a_failing_token_command_at_add_changes_nothing(home, no_keyring, plugins):
    with pytest.raises(UserError) as caught:
        add_with(home, token_command="no-such-program-hd10 show work")
    assert_one_sentence(str(caught.value))
    assert "no-such-program-hd10" in str(caught.value) and "nothing was changed" in str(caught.value)
    assert not config_file(home).exists()


def test_token_env_and_token_command_together_are_a_usage_error(home, memory_keyring, plugins):
    with pytest.raises(UserError) as caught:
        add_with(home, token_env="HD_TOKEN", token_command=token_printer(), env={"HD_TOKEN": TOKEN})
    assert caught.value.status == 2 and not config_file(home).exists()


def test_adding_again_without_the_command_goes_back_to_the_keyring(home, memory_keyring, plugins):
    add_with(home, token_command=token_printer(OTHER_TOKEN))
    assert add(home) == 0
    assert load_settings(config_file(home)).accounts["work"].token_command is None
    assert stored_token(home, "work") == TOKEN


def test_account_test_follows_the_precedence(home, memory_keyring, plugins, server, monkeypatch, capsys):
    add(home, url=server, token="wrong-token-in-the-keyring")
    capsys.readouterr()  # what 'account add' said when it signed in
    monkeypatch.setenv("HELPDESK_TUI_TOKEN_WORK", TOKEN)  # the variable first
    assert account_commands.account_test(context(home), "work", **NO_RETRY_WAIT) == 0
    monkeypatch.delenv("HELPDESK_TUI_TOKEN_WORK")
    tested = capsys.readouterr().out
    add_with(home, url=server, token_command=token_printer())  # then the command, before the keyring
    capsys.readouterr()
    assert account_commands.account_test(context(home), "work", **NO_RETRY_WAIT) == 0
    assert (tested + capsys.readouterr().out).count("Signed in to Fake Desk as Aiko.") == 2


def test_list_says_where_each_token_comes_from_and_needs_no_keyring_for_them(home, no_keyring, plugins, capsys):
    add_with(home, token_command=token_printer())
    add_with(home, name="ci", env={"HELPDESK_TUI_TOKEN_CI": TOKEN})
    capsys.readouterr()
    env = {"HELPDESK_TUI_TOKEN_CI": TOKEN}
    assert account_commands.account_list(context(home), as_json=True, env=env) == 0
    rows = {row["name"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert (rows["work"]["token_source"], rows["ci"]["token_source"], rows["demo"]["token_source"]) == \
        ("command", "env", None)
    assert account_commands.account_list(context(home), as_json=False, env=env) == 0
    captured = capsys.readouterr()
    assert "token from the command" in captured.out and "token from $HELPDESK_TUI_TOKEN_CI" in captured.out
    assert captured.err == ""  # no account needed the keyring, so its absence is not news
    assert TOKEN not in captured.out


def test_a_token_command_account_is_removed_without_a_keyring(home, no_keyring, plugins, capsys):
    add_with(home, token_command=token_printer())
    assert account_commands.account_remove(context(home), "work") == 0
    assert "accounts" not in config_file(home).read_text(encoding="utf-8")


# --- options a backend declares -------------------------------------------------------------

def _declared():
    from helpdesk_tui.config.account_options import Option

    return (Option("project", "the project whose tickets are synced", required=True,
                   validate=lambda v: None if v.isidentifier() else "must be a project identifier"),
            Option("mapping", "a file that maps statuses"))


def test_options_are_checked_against_the_declaration_one_sentence_per_mistake(tmp_path):
    with pytest.raises(accounts_file.InvalidAccount) as caught:
        accounts_file.validate_account("work", "fake", "https://x.example", None, ["fake"],
                                       options={"colour": "blue", "mapping": "m.toml"}, declared=_declared())
    assert str(caught.value) == (
        "The fake backend takes no option 'colour': use one of project, mapping. "
        "The fake backend needs the option 'project' (the project whose tickets are synced): add "
        "--option project=VALUE.")
    with pytest.raises(accounts_file.InvalidAccount, match=r"^The option 'project' must be a project identifier: "):
        accounts_file.validate_account("work", "fake", "https://x.example", None, ["fake"],
                                       options={"project": "web shop"}, declared=_declared())


def test_options_are_stored_under_the_account_and_read_back(tmp_path):
    path = tmp_path / "config.toml"
    account = accounts_file.validate_account("work", "fake", "https://x.example", None, ["fake"],
                                             options={"project": "web_shop"}, declared=_declared())
    accounts_file.add_account(path, account)
    assert "[accounts.work.options]" in path.read_text() or "options = {" in path.read_text()
    assert dict(load_settings(path).accounts["work"].options) == {"project": "web_shop"}
    # Added again without options: the stored ones stay; with options: they replace them.
    accounts_file.add_account(path, accounts_file.validate_account("work", "fake", "https://y.example", None,
                                                                   ["fake"]))
    assert dict(load_settings(path).accounts["work"].options) == {"project": "web_shop"}
    accounts_file.add_account(path, accounts_file.validate_account(
        "work", "fake", "https://y.example", None, ["fake"], options={"project": "desk"}, declared=_declared()))
    assert dict(load_settings(path).accounts["work"].options) == {"project": "desk"}


def test_the_settings_file_takes_options_as_text_numbers_or_switches_and_never_a_secret(tmp_path):
    from helpdesk_tui.config.settings import ConfigError

    path = tmp_path / "config.toml"
    path.write_text('[accounts.work]\nbackend = "fake"\nurl = "https://x.example"\n'
                    '[accounts.work.options]\nproject = "web"\nmailbox = 42\narchived = false\n')
    assert dict(load_settings(path).accounts["work"].options) == {"project": "web", "mailbox": "42",
                                                                   "archived": "false"}
    path.write_text('[accounts.work]\nbackend = "fake"\nurl = "https://x.example"\n'
                    '[accounts.work.options]\napi_token = "abc"\n')
    with pytest.raises(ConfigError, match="looks like a secret"):
        load_settings(path)
    path.write_text('[accounts.work]\nbackend = "fake"\nurl = "https://x.example"\n'
                    '[accounts.work.options]\nproject = ["a", "b"]\n')
    with pytest.raises(ConfigError, match="must be a text, a number or true/false"):
        load_settings(path)


def test_account_add_option_is_validated_against_the_backend_and_stored(home, memory_keyring, plugins):
    args = build_parser().parse_args(["account", "add", "work", "--backend", "fake", "--url", "https://x.example",
                                      "--option", "project=web_shop", "--option", "mapping=statuses.toml"])
    assert args.options == ["project=web_shop", "mapping=statuses.toml"]
    with pytest.raises(UserError) as caught:
        add(home, options=["project=web shop", "colour=blue"])
    assert caught.value.status == 2
    assert str(caught.value) == ("The fake backend takes no option 'colour': use one of project, mapping. "
                                 "The option 'project' must be a project identifier (letters, digits, _): the "
                                 "project whose tickets are synced.")
    assert memory_keyring.passwords == {} and not config_file(home).exists()
    with pytest.raises(UserError, match=r"^An option is written KEY=VALUE, not 'project'\.$"):
        add(home, options=["project"])
    assert add(home, options=["project=web_shop", "mapping = statuses.toml"]) == 0
    assert dict(load_settings(config_file(home)).accounts["work"].options) == {"project": "web_shop",
                                                                                "mapping": "statuses.toml"}


def test_account_add_signs_in_once_and_learns_the_agent(home, memory_keyring, plugins, server, capsys):
    """Adding an account signs in with it, like 'account test': the agent's name is there before
    the first sync, and My open is not empty on a real account."""
    assert add(home, url=server) == 0
    out = capsys.readouterr().out
    assert "Signed in to Fake Desk as Aiko." in out and TOKEN not in out


def test_account_add_offline_keeps_the_account_and_says_so_in_one_line(home, memory_keyring, plugins, capsys):
    assert add(home, url="http://127.0.0.1:9") == 0  # nothing listens on the discard port
    captured = capsys.readouterr()
    notes = [line for line in captured.err.splitlines() if line.startswith("helpdesk-tui: added, but signing in")]
    assert len(notes) == 1 and "'helpdesk-tui account test work' tries again" in notes[0]
    assert "work" in load_settings(config_file(home)).accounts


def test_account_add_quotes_a_hostile_sign_in_error_as_plain_text(home, memory_keyring, plugins, capsys,
                                                                   monkeypatch):
    """What the server said reaches the terminal as text: no escape sequence, one line."""
    from helpdesk_tui.services import accounts as accounts_service
    from helpdesk_tui.services.errors import ServiceError

    def refused(*_args, **_kwargs):
        raise ServiceError("Server said \x1b]0;PWNED\x07\x1b[31m[red]no[/red]\nsecond line")

    monkeypatch.setattr(accounts_service, "verify_new_account", refused)
    assert add(home) == 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "[red]no[/red]" in err
    assert len([line for line in err.splitlines() if "signing in did not work" in line]) == 1
