"""Where a token comes from: ``HELPDESK_TUI_TOKEN_<ACCOUNT>``, then ``token_command``, then the keyring.

Token commands are real processes (this interpreter with ``-c``); keyrings are test-only
(``tests/keyring_memory.py``) or keyring's own "fail" backend, the headless server's case.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
import time
from pathlib import Path

import keyring.core
import pytest
from keyring.backends import fail

from helpdesk_tui import logs
from helpdesk_tui.config import accounts_file, secrets, token_sources
from helpdesk_tui.config.secret_keys import looks_like_secret
from helpdesk_tui.config.settings import AccountConfig, ConfigError, load_settings
from helpdesk_tui.config.token_command import TokenCommandError, split_token_command
from helpdesk_tui.config.token_sources import TokenSource, env_var_name, load_token, run_token_command
from tests.keyring_memory import MemoryKeyring

TOKEN = "tok-cmd-5e4d3c2b1a-SECRET"
ENV_TOKEN = "tok-env-0f9e8d7c-SECRET"
KEYRING_TOKEN = "tok-ring-77aa66bb-SECRET"
PY = shlex.quote(sys.executable)


def command(code: str, *args: str) -> str:
    """A token command running ``code`` in this interpreter."""
    return " ".join([PY, "-c", shlex.quote(code), *map(shlex.quote, args)])


def printing(text: str) -> str:
    return command(f"import sys; sys.stdout.write({text!r})")


def account(name: str = "work", token_command: str | None = None, keyring_id: str | None = "0123abcd0123abcd"):
    return AccountConfig(name, "zendesk", "https://desk.example.com", "aiko", keyring_id, token_command)


def assert_one_sentence(message: str) -> None:
    assert message.endswith(".") and "\n" not in message, message
    assert not re.search(r"[.:;]\s+[A-Z]", message), message


@pytest.fixture
def no_keyring(monkeypatch):
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())


@pytest.fixture
def ring(monkeypatch):
    ring = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", ring)
    return ring


# --- the variable's name -------------------------------------------------------------------------

@pytest.mark.parametrize("name, variable", [
    ("work", "HELPDESK_TUI_TOKEN_WORK"),
    ("Work", "HELPDESK_TUI_TOKEN_WORK"),
    ("work.eu", "HELPDESK_TUI_TOKEN_WORK_EU"),
    ("acme-support_2", "HELPDESK_TUI_TOKEN_ACME_SUPPORT_2"),
    ("a..b", "HELPDESK_TUI_TOKEN_A__B"),
])
def test_the_variable_is_the_account_name_upper_cased_with_other_characters_as_underscores(name, variable):
    assert env_var_name(name) == variable


# --- precedence ----------------------------------------------------------------------------------

def test_the_environment_wins_over_the_command_and_the_command_over_the_keyring(tmp_path, ring):
    ring.passwords[("helpdesk-tui", "work/0123abcd0123abcd")] = KEYRING_TOKEN
    with_command = account(token_command=printing(TOKEN + "\n"))
    env = {"HELPDESK_TUI_TOKEN_WORK": ENV_TOKEN}

    assert token_sources.token_source(with_command, env) is TokenSource.ENV
    assert load_token(tmp_path / "config.toml", with_command, env=env) == ENV_TOKEN
    assert token_sources.token_source(with_command, {}) is TokenSource.COMMAND
    assert load_token(tmp_path / "config.toml", with_command, env={}) == TOKEN
    assert token_sources.token_source(account(), {}) is TokenSource.KEYRING
    assert load_token(tmp_path / "config.toml", account(), env={}) == KEYRING_TOKEN


def test_another_accounts_variable_is_not_used(tmp_path, ring):
    ring.passwords[("helpdesk-tui", "work/0123abcd0123abcd")] = KEYRING_TOKEN
    assert load_token(tmp_path / "config.toml", account(), env={"HELPDESK_TUI_TOKEN_HOME": ENV_TOKEN}) == \
        KEYRING_TOKEN


def test_the_environment_and_a_command_need_no_keyring(tmp_path, no_keyring):
    assert load_token(tmp_path / "c.toml", account(), env={"HELPDESK_TUI_TOKEN_WORK": f" {ENV_TOKEN}\n"}) == ENV_TOKEN
    assert load_token(tmp_path / "c.toml", account(token_command=printing(TOKEN)), env={}) == TOKEN
    with pytest.raises(secrets.SecretsUnavailable):
        load_token(tmp_path / "c.toml", account(), env={})


@pytest.mark.parametrize("value, problem", [("", "is empty"), ("  \n", "is empty"), ("ab\x1bcd", "control character")])
def test_an_empty_or_broken_variable_is_one_sentence_naming_it_never_its_value(tmp_path, no_keyring, value, problem):
    with pytest.raises(token_sources.TokenEnvInvalid) as caught:
        load_token(tmp_path / "c.toml", account(), env={"HELPDESK_TUI_TOKEN_WORK": value})
    message = str(caught.value)
    assert_one_sentence(message)
    assert "HELPDESK_TUI_TOKEN_WORK" in message and problem in message
    assert "ab\x1bcd" not in message


def test_a_loaded_token_is_masked_in_logs_from_then_on(tmp_path, no_keyring):
    secret = "tok-masked-after-load-31337"
    assert logs.redact(f"GET /api?x={secret}") == f"GET /api?x={secret}"
    load_token(tmp_path / "c.toml", account(token_command=printing(secret)), env={})
    assert logs.redact(f"GET /api?x={secret}") == "GET /api?x=***"


# --- running the command -------------------------------------------------------------------------

def test_the_commands_output_without_its_trailing_newline_is_the_token():
    assert run_token_command(printing(TOKEN + "\n")) == TOKEN
    assert run_token_command(printing(TOKEN + "\r\n")) == TOKEN
    assert run_token_command(printing(TOKEN)) == TOKEN


def test_only_the_first_line_counts_as_pass_keeps_notes_below_the_password():
    assert run_token_command(printing(f"{TOKEN}\nlogin: aiko\nurl: https://desk.example.com\n")) == TOKEN


def test_the_command_runs_without_a_shell():
    echo_argument = command("import sys; print(sys.argv[1])", "$(touch /tmp/never); x | y; z")
    assert run_token_command(echo_argument) == "$(touch /tmp/never); x | y; z"


def test_the_command_gets_no_input_to_wait_on():
    reads_stdin = command("import sys; data = sys.stdin.read(); print('no input' if data == '' else 'input')")
    assert run_token_command(reads_stdin, timeout=10) == "no input"


@pytest.mark.parametrize("cmd, expected", [
    ("no-such-program-hd10 show work", "program no-such-program-hd10 was not found"),
    (command(f"import sys; print({TOKEN!r}); sys.stderr.write({TOKEN!r}); sys.exit(3)"), "exit status 3"),
    (printing("\n\n"), "printed no token"),
    (printing(""), "printed no token"),
    (printing("tok\x07en"), "control character"),
    (command("import sys; sys.stdout.buffer.write(b'\\xff\\xfe')"), "not text"),
])
def test_a_failing_command_is_one_sentence_naming_its_program_never_its_output(cmd, expected):
    with pytest.raises(token_sources.TokenCommandFailed) as caught:
        run_token_command(cmd, timeout=20)
    message = str(caught.value)
    assert_one_sentence(message)
    assert expected in message
    assert TOKEN not in message
    program = shlex.split(cmd)[0]
    assert program in message


def test_a_failure_is_a_secrets_error_so_every_caller_already_reports_it(tmp_path, no_keyring):
    with pytest.raises(secrets.SecretsError):
        load_token(tmp_path / "c.toml", account(token_command="no-such-program-hd10"), env={})


def test_a_directory_is_not_a_program(tmp_path):
    with pytest.raises(token_sources.TokenCommandFailed, match="cannot be run"):
        run_token_command(shlex.quote(str(tmp_path)))


def test_a_command_that_hangs_is_stopped_with_what_it_started(tmp_path):
    marker = tmp_path / "child-alive"
    # The program starts a child that would write the marker later and keeps the pipe open.
    child = f"import time, pathlib; time.sleep(3); pathlib.Path({str(marker)!r}).write_text('x')"
    hangs = command(f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}]); "
                    "time.sleep(60)")
    started = time.monotonic()
    with pytest.raises(token_sources.TokenCommandFailed) as caught:
        run_token_command(hangs, timeout=0.5)
    assert time.monotonic() - started < 3
    assert_one_sentence(str(caught.value))
    assert "did not finish within 0.5 seconds" in str(caught.value)
    time.sleep(3.5)
    assert not marker.exists(), "the command's child outlived the timeout"


# --- the command in the settings file ------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("pass show helpdesk/work", ["pass", "show", "helpdesk/work"]),
    ("secret-tool lookup service helpdesk account 'work eu'", ["secret-tool", "lookup", "service", "helpdesk",
                                                                "account", "work eu"]),
    ('op read "op://Work/Help desk/token"', ["op", "read", "op://Work/Help desk/token"]),
])
def test_commands_split_like_a_shell_would(text, words):
    assert split_token_command(text) == words


@pytest.mark.parametrize("text", ["", "   ", "pass show 'work", "pass show work\\", "''", "pass\nshow"])
def test_a_command_that_cannot_be_split_is_refused(text):
    with pytest.raises(TokenCommandError):
        split_token_command(text)


def test_token_command_is_read_from_the_settings_file_and_is_not_taken_for_a_secret(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[accounts.work]\nbackend = "zendesk"\nurl = "https://desk.example.com"\n'
                    'token_command = "pass show helpdesk/work"\n', encoding="utf-8")
    settings = load_settings(path, env={})
    assert settings.accounts["work"].token_command == "pass show helpdesk/work"
    assert settings.warnings == ()
    assert not looks_like_secret("token_command") and looks_like_secret("token")


def test_a_broken_token_command_in_the_settings_file_is_one_sentence(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[accounts.work]\nbackend = "zendesk"\ntoken_command = "pass show \'work"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert_one_sentence(str(caught.value))
    assert "accounts.work.token_command" in str(caught.value)


def test_the_accounts_file_writes_the_command_and_drops_it_when_added_again_without(tmp_path):
    path = tmp_path / "config.toml"
    with_command = accounts_file.validate_account("work", "zendesk", "https://desk.example.com", "aiko",
                                                  ["zendesk"], token_command=" pass show helpdesk/work ")
    accounts_file.add_account(path, with_command)
    assert load_settings(path, env={}).accounts["work"].token_command == "pass show helpdesk/work"
    accounts_file.add_account(path, accounts_file.validate_account("work", "zendesk", "https://desk.example.com",
                                                                   "aiko", ["zendesk"]))
    assert load_settings(path, env={}).accounts["work"].token_command is None
    assert "token_command" not in path.read_text(encoding="utf-8")


def test_an_unusable_command_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(accounts_file.InvalidAccount) as caught:
        accounts_file.validate_account("work", "zendesk", "https://desk.example.com", None, ["zendesk"],
                                       token_command="pass show 'work")
    assert_one_sentence(str(caught.value))
    assert "--token-command" in str(caught.value)
    assert not Path(tmp_path / "config.toml").exists()


# --- the real command, in processes, against the fake Zendesk ---------------------------------------

ROOT = Path(__file__).resolve().parent.parent
ZENDESK_TOKEN = "fake-api-token"  # what tests/fakes/zendesk_process.py accepts


def run_cli(home: Path, *args: str, env_extra: dict[str, str] | None = None):
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
    env.update({"HELPDESK_TUI_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])})
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True, env=env,
                          timeout=180, stdin=subprocess.DEVNULL, cwd=ROOT)


def test_without_a_keyring_a_token_command_account_is_added_and_syncs(tmp_path):
    from tests.fakes.zendesk_process import fake_zendesk_process

    home = tmp_path / "home"
    token_file = tmp_path / "token"
    token_file.write_text(ZENDESK_TOKEN + "\n", encoding="utf-8")
    with fake_zendesk_process(bulk=30, users=5, organizations=1) as url:
        added = run_cli(home, "account", "add", "work", "--backend", "zendesk", "--url", url,
                        "--user", "agent@example.com", "--token-command", f"cat {shlex.quote(str(token_file))}")
        assert added.returncode == 0, added.stderr
        assert "the command 'cat'" in added.stdout
        listed = run_cli(home, "account", "list", "--json")
        row = next(json.loads(line) for line in listed.stdout.splitlines() if '"work"' in line)
        assert row["token_source"] == "command"
        synced = run_cli(home, "sync")
        assert synced.returncode == 0, synced.stderr
        assert "work: 30 new" in synced.stdout
        tested = run_cli(home, "account", "test", "work")
        assert tested.returncode == 0, tested.stderr
    for output in (added, listed, synced, tested):
        assert ZENDESK_TOKEN not in output.stdout + output.stderr
    assert [p for p in home.rglob("*") if p.is_file() and ZENDESK_TOKEN.encode() in p.read_bytes()] == []


def test_without_a_keyring_the_accounts_variable_is_enough_to_add_and_sync(tmp_path):
    from tests.fakes.zendesk_process import fake_zendesk_process

    home = tmp_path / "home"
    env = {"HELPDESK_TUI_TOKEN_WORK": ZENDESK_TOKEN}
    with fake_zendesk_process(bulk=5, users=5, organizations=1) as url:
        added = run_cli(home, "account", "add", "work", "--backend", "zendesk", "--url", url,
                        "--user", "agent@example.com", env_extra=env)
        assert added.returncode == 0, added.stderr
        assert "$HELPDESK_TUI_TOKEN_WORK" in added.stdout
        synced = run_cli(home, "sync", env_extra=env)
        assert synced.returncode == 0, synced.stderr
        assert "work: 5 new" in synced.stdout
        without = run_cli(home, "sync")  # the variable gone and no keyring: one sentence
    assert without.returncode == 1 and "No usable system keyring" in without.stderr
    assert len(without.stderr.strip().splitlines()) == 1 and "Traceback" not in without.stderr
    assert ZENDESK_TOKEN not in config_text(home)


def test_a_failing_token_command_at_add_is_one_sentence_and_nothing_is_written(tmp_path):
    home = tmp_path / "home"
    out = run_cli(home, "account", "add", "work", "--backend", "zendesk", "--url", "https://desk.example.com",
                  "--token-command", command(f"import sys; print({TOKEN!r}); sys.exit(4)"))
    assert out.returncode == 1, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "exit status 4" in lines[0] and TOKEN not in out.stderr + out.stdout
    assert not (home / "config" / "config.toml").exists()


def config_text(home: Path) -> str:
    return (home / "config" / "config.toml").read_text(encoding="utf-8")


def test_loading_a_token_logs_where_it_came_from_never_the_token(tmp_path, no_keyring):
    path = tmp_path / "f.log"
    logs.configure(path, debug=False, data_dir=tmp_path)
    try:
        load_token(tmp_path / "c.toml", account(token_command=printing(TOKEN)), env={})
        load_token(tmp_path / "c.toml", account(), env={"HELPDESK_TUI_TOKEN_WORK": ENV_TOKEN})
    finally:
        logs.reset()
    text = path.read_text(encoding="utf-8")
    assert f"account work: token read from the command '{sys.executable}'" in text
    assert "account work: token read from $HELPDESK_TUI_TOKEN_WORK" in text
    assert TOKEN not in text and ENV_TOKEN not in text
