"""``--log FILE`` / ``--debug``: where records go, at which level, and that no token gets through.

In-process tests configure the real root logger and undo it with ``logs.reset()``; the
end-to-end ones run ``helpdesk-tui`` in a subprocess against the fake Zendesk.
"""

from __future__ import annotations

import argparse
import logging
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpdesk_tui import logs

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "tok-log-8c7b6a5948-SECRET"


@pytest.fixture(autouse=True)
def clean_logging():
    logs.reset()
    yield
    logs.reset()


def read(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


# --- where records go -----------------------------------------------------------------------------

def test_without_log_or_debug_nothing_is_written_and_nothing_reaches_the_terminal(tmp_path):
    # In a process of its own: pytest's handlers would hide Python's last-resort handler,
    # which prints warnings to stderr when nothing is configured (over the workstation).
    code = ("import logging, sys; from pathlib import Path; from helpdesk_tui import logs\n"
            "if sys.argv[1] == 'configured': logs.configure(None, debug=False, data_dir=Path(sys.argv[2]))\n"
            "logging.getLogger('helpdesk_tui.sync.engine').warning('a page failed')\n"
            "logging.getLogger('httpx').warning('a library warning')\n")

    def run(mode: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", code, mode, str(tmp_path / "data")], capture_output=True,
                              text=True, cwd=ROOT, timeout=60)

    assert "a page failed" in run("bare").stderr  # what would happen without configure
    configured = run("configured")
    assert configured.returncode == 0 and configured.stderr == "" and configured.stdout == ""
    assert list(tmp_path.rglob("*")) == []


def test_a_command_that_logs_nothing_never_imports_logging_yet_later_records_stay_off_the_terminal(tmp_path):
    """``configure`` without a file leaves logging unimported (a script's ``list`` does not pay for
    it); a module that imports logging afterwards and warns still reaches no terminal."""
    code = ("import sys; from pathlib import Path; from helpdesk_tui import logs\n"
            "logs.configure(None, debug=False, data_dir=Path(sys.argv[1]))\n"
            "assert 'logging' not in sys.modules, 'configure imported logging'\n"
            "import logging\n"
            "logging.getLogger('helpdesk_tui.content.body').warning('markdown rendering failed')\n"
            "logging.getLogger('httpx').error('a library error')\n"
            "import linecache, inspect; assert inspect.getsource(logging.Logger.warning)  # its source is found\n"
            "logs.reset(); logs.reset()\n"
            "assert not [h for h in logging.getLogger().handlers if type(h).__name__ == 'LastWord']\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "data")], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and done.stdout == ""
    assert list(tmp_path.rglob("*")) == []


def test_without_the_deferred_handler_a_late_warning_would_reach_the_terminal(tmp_path):
    """The check above can fail: reset() takes the deferred handler away, and the warning shows."""
    code = ("import sys; from pathlib import Path; from helpdesk_tui import logs\n"
            "logs.configure(None, debug=False, data_dir=Path(sys.argv[1])); logs.reset()\n"
            "import logging; logging.getLogger('x').warning('shown')\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "data")], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert "shown" in done.stderr


def test_log_file_gets_info_and_up_from_the_package(tmp_path, capfd):
    path = tmp_path / "f.log"
    assert logs.configure(path, debug=False, data_dir=tmp_path / "data") == path
    logging.getLogger("helpdesk_tui.sync.engine").info("pulled page 1: 100 tickets")
    logging.getLogger("helpdesk_tui.sync.http").debug("request details")
    text = read(path)
    assert "INFO helpdesk_tui.sync.engine: pulled page 1: 100 tickets" in text
    assert "request details" not in text
    assert capfd.readouterr().err == ""


def test_debug_adds_debug_records(tmp_path):
    path = tmp_path / "f.log"
    logs.configure(path, debug=True, data_dir=tmp_path / "data")
    logging.getLogger("helpdesk_tui.sync.http").debug("GET /api/v2/tickets 200 0.12s")
    assert "DEBUG helpdesk_tui.sync.http: GET /api/v2/tickets 200 0.12s" in read(path)


def test_other_libraries_only_from_warning_on(tmp_path):
    path = tmp_path / "f.log"
    logs.configure(path, debug=True, data_dir=tmp_path / "data")
    logging.getLogger("httpx").info("HTTP Request: GET https://x/?api_key=abc")
    logging.getLogger("httpx").warning("connection pool full")
    text = read(path)
    assert "HTTP Request" not in text and "connection pool full" in text


def test_debug_without_log_writes_the_default_file_under_the_data_directory(tmp_path):
    data = tmp_path / "data"
    path = logs.configure(None, debug=True, data_dir=data)
    assert path == data / "logs" / "debug.log"
    logging.getLogger("helpdesk_tui.ui").error("worker failed")
    assert "worker failed" in read(path)


def test_the_log_file_is_private_and_appended_to(tmp_path):
    path = tmp_path / "logs" / "f.log"
    logs.configure(path, debug=False, data_dir=tmp_path)
    logging.getLogger("helpdesk_tui").info("first run")
    logs.configure(path, debug=False, data_dir=tmp_path)
    logging.getLogger("helpdesk_tui").info("second run")
    text = read(path)
    assert "first run" in text and "second run" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_configuring_again_replaces_the_handlers(tmp_path):
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    logs.configure(first, debug=False, data_dir=tmp_path)
    logs.configure(second, debug=False, data_dir=tmp_path)
    logging.getLogger("helpdesk_tui").info("only in b")
    assert "only in b" in read(second) and "only in b" not in read(first)


def test_a_log_file_that_cannot_be_opened_is_one_sentence(tmp_path):
    from helpdesk_tui.errors import UserError

    with pytest.raises(UserError) as caught:
        logs.configure(tmp_path, debug=False, data_dir=tmp_path)  # a directory
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message and "--log" in message


def test_the_arguments_and_their_help(tmp_path):
    parser = argparse.ArgumentParser()
    logs.add_arguments(parser)
    args = parser.parse_args(["--debug", "--log", str(tmp_path / "x.log")])
    assert args.debug is True and args.log == str(tmp_path / "x.log")
    assert not hasattr(parser.parse_args([]), "log")  # SUPPRESS: a subcommand keeps what came before
    help_text = parser.format_help()
    assert "logs/debug.log" in help_text and "never" in help_text
    path = logs.configure_from_args(args, tmp_path / "data")
    assert path == tmp_path / "x.log"


# --- redaction ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "headers: {'Authorization': 'Bearer abcdef123456', 'Accept': 'application/json'}",
    "Authorization: Basic YWdlbnRAZXhhbXBsZS5jb20vdG9rZW46c2VjcmV0",
    "authorization=Token token=abcdef123456",
    "GET https://desk.example.com/api?api_key=abcdef123456&page=2",
    "X-Api-Key: abcdef123456",
    '{"access_token": "abcdef123456", "expires_in": 3600}',
    "password=abcdef123456",
    "retrying with bearer abcdef123456",
])
def test_credential_shaped_values_are_masked(text):
    redacted = logs.redact(text)
    assert "abcdef123456" not in redacted and "YWdlbnRA" not in redacted, redacted
    assert logs.MASK in redacted


@pytest.mark.parametrize("text", [
    "GET /api/v2/tickets 200 0.12s",
    "pulled 100 tickets in page 3",
    "the token command (pass) failed with exit status 1",
    "basic information about the customer",
    "outbox item 7: queued -> sent",
])
def test_ordinary_lines_are_left_alone(text):
    assert logs.redact(text) == text


def test_a_known_token_is_masked_anywhere_in_a_record_its_arguments_and_its_traceback(tmp_path):
    logs.mask_secret(TOKEN)
    path = tmp_path / "f.log"
    logs.configure(path, debug=True, data_dir=tmp_path)
    log = logging.getLogger("helpdesk_tui.sync.engine")
    log.info("server said %s", f"unknown token {TOKEN}x")
    try:
        raise RuntimeError(f"failed with {TOKEN}")
    except RuntimeError:
        log.exception("page failed")
    text = read(path)
    assert TOKEN not in text
    assert "unknown token ***x" in text and "RuntimeError: failed with ***" in text


def test_too_short_a_secret_is_not_masked_everywhere():
    logs.mask_secret("ab")
    assert logs.redact("about a tab") == "about a tab"


# --- the real command ------------------------------------------------------------------------------

ZENDESK_TOKEN = "fake-api-token"  # what tests/fakes/zendesk_process.py accepts


def run_cli(home: Path, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
    env.update({"HELPDESK_TUI_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])})
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True, env=env,
                          timeout=180, stdin=subprocess.DEVNULL, cwd=ROOT)


def test_debug_log_of_a_sync_holds_its_records_and_never_the_token(tmp_path):
    from tests.fakes.zendesk_process import fake_zendesk_process

    home, log = tmp_path / "home", tmp_path / "sync.log"
    token_file = tmp_path / "token"
    token_file.write_text(ZENDESK_TOKEN + "\n", encoding="utf-8")
    with fake_zendesk_process(bulk=12, users=3, organizations=1) as url:
        added = run_cli(home, "account", "add", "work", "--backend", "zendesk", "--url", url, "--user",
                        "agent@example.com", "--token-command", f"cat {token_file}")
        assert added.returncode == 0, added.stderr
        synced = run_cli(home, "--debug", "--log", str(log), "sync")
        assert synced.returncode == 0, synced.stderr
        # Given after the command as well: the flags are on every command.
        again = run_cli(home, "sync", "--log", str(log))
        assert again.returncode == 0, again.stderr
    text = log.read_text(encoding="utf-8")
    assert "helpdesk_tui.config.token_sources: account work: token read from the command 'cat'" in text
    assert "INFO helpdesk_tui.services.sync: sync of work: 12 new" in text
    assert "INFO helpdesk_tui.services.sync: sync of work: 0 new" in text
    # Each request (method, path, parameter names only, status, time, try) and each sync page.
    assert re.search(r"INFO helpdesk_tui\.sync\.http: GET /api/v2/\S+ -> 200 in \d+ ms \(try 1\)", text)
    assert "INFO helpdesk_tui.sync.engine: sync page 1 of tickets (cursor feed): 12 records" in text
    assert ZENDESK_TOKEN not in text
    assert "sync of work" not in synced.stderr + synced.stdout  # the terminal gets its usual lines only
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_debug_without_log_writes_under_the_data_directory(tmp_path):
    home = tmp_path / "home"
    out = run_cli(home, "--debug", "locate", "data")
    assert out.returncode == 0, out.stderr
    data = Path(out.stdout.strip())
    assert "log started" in (data / "logs" / "debug.log").read_text(encoding="utf-8")
    help_text = run_cli(home, "--help").stdout
    assert "--log FILE" in help_text and "logs/debug.log" in help_text


def test_an_unwritable_log_is_one_sentence(tmp_path):
    out = run_cli(tmp_path / "home", "--log", str(tmp_path), "locate")
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("helpdesk-tui: Cannot write the log file")


@pytest.mark.parametrize("argv", [
    ["--log", "F", "--debug"], ["open", "--log", "F", "--debug"], ["demo", "--log", "F", "--debug"],
    ["triage", "--log", "F", "--debug"], ["--debug", "sync", "--log", "F"], ["account", "list", "--log", "F", "--debug"],
    ["insights", "export", "--log", "F", "--debug"], ["template", "list", "--debug", "--log", "F"],
])
def test_every_command_and_the_app_take_log_and_debug(argv):
    from helpdesk_tui.cli.parser import build_parser

    args = build_parser().parse_args(argv)
    assert args.log == "F" and args.debug is True
