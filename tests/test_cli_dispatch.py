"""The CLI's one dispatch table: every command line the parser accepts has a handler, and every
handler is reachable (in-process, no subprocess: the grammar and the table only)."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from helpdesk_tui.cli import build_parser
from helpdesk_tui.cli.dispatch import COMMANDS, command_name


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps its subparsers here and nowhere public
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def grammar() -> set[str]:
    """Every "command" and "command action" the parser knows; a command with optional actions
    (``sessions``) counts both alone and with each action."""
    names = set()
    for command, sub in _subcommands(build_parser()).items():
        actions = _subcommands(sub)
        required = any(isinstance(a, argparse._SubParsersAction) and a.required for a in sub._actions)
        names.update(f"{command} {action}" for action in actions)
        if not actions or not required:
            names.add(command)
    return names


def test_every_command_the_parser_accepts_has_one_handler_and_no_handler_is_unreachable():
    assert grammar() == set(COMMANDS)
    assert "open" in COMMANDS  # also what no command at all means


@pytest.mark.parametrize("argv, name", [
    ([], "open"),
    (["list", "--limit", "3"], "list"),
    (["account", "add", "work", "--backend", "rt", "--url", "https://x"], "account add"),
    (["sessions"], "sessions"),
    (["sessions", "show", "3"], "sessions show"),
    (["insights", "export"], "insights export"),
    (["template", "render", "en/ack", "--ticket", "1"], "template render"),
])
def test_a_command_line_names_its_entry_in_the_table(argv, name):
    assert command_name(build_parser().parse_args(argv)) == name


def test_help_imports_no_command_module_and_no_store():
    """--help answers from the grammar alone: the table's modules load when their command runs."""
    code = ("import sys\nfrom helpdesk_tui.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "loaded = sorted(m for m in sys.modules if m.startswith(('helpdesk_tui.store', 'helpdesk_tui.sync',"
            " 'helpdesk_tui.cli.dispatch', 'helpdesk_tui.services', 'textual')))\n"
            "print(loaded, file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip() == "[]"
