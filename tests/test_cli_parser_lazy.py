"""The grammar built for one command line parses it exactly as the whole grammar does.

``main`` builds only the arguments of the command being run (``build_parser(argv)``); every
command line here must give the same namespace, the same error sentence, or the same help
text (and exit) as ``build_parser()`` with all thirty commands.
"""

from __future__ import annotations

import contextlib
import io

import pytest

from helpdesk_tui.cli.parser import build_parser, command_in
from helpdesk_tui.errors import UserError

LINES = [
    [], ["--home", "/h"], ["--debug"], ["--log", "list"], ["--log=x.log", "list", "--json"],
    ["--home", "/h", "--account", "work", "list", "--limit", "20", "--json"],
    ["list", "--view", "mine", "--filter", "priority:high"], ["list", "--limit", "x"], ["list", "--bogus"],
    ["show", "10003"], ["show", "#10003", "--json", "--home", "/h"], ["show"],
    ["search", "refund", "--limit", "5"], ["search", "--json", "返金"], ["search"],
    ["sync"], ["reply", "12", "--file", "-", "--note", "--status", "pending"], ["reply", "12"],
    ["new", "--to", "a@b.example", "--subject", "Hi", "--file", "x.md"],
    ["outbox", "--retry", "abc"], ["template", "list"], ["template", "render", "en/ack", "--ticket", "3"],
    ["template"], ["macro", "apply", "3", "close", "--dry-run"], ["macro", "list", "--json"],
    ["account", "add", "work", "--backend", "rt", "--url", "https://x.example", "--option", "a=b"],
    ["account", "list"], ["account", "test", "work", "--json"], ["account", "remove", "work"], ["account"],
    ["attachment", "list", "3"], ["attachment", "save", "3", "a.png", "--to", "/tmp"],
    ["sessions"], ["sessions", "show", "4", "--json"], ["sessions", "--limit", "3"],
    ["handover", "--hours", "8"], ["insights", "export", "--format", "csv"], ["export", "out.sqlite"],
    ["stats", "--since", "30d", "--by", "day"], ["stats", "--by", "year"], ["rate", "3", "good"],
    ["demo", "--tickets", "20", "--build-only"], ["open"], ["triage", "--new-rotation"], ["locate", "data"],
    ["locate", "nowhere"], ["bogus"], ["--hom", "/h", "list"], ["--", "list"], ["--home"], ["list", "--", "x"],
]
HELP_LINES = [["--help"], ["-h"], ["list", "--help"], ["account", "add", "--help"], ["--home", "/h", "show", "-h"],
              ["--version"]]


def outcome(parser_argv: list[str] | None, argv: list[str]) -> object:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            return vars(build_parser(parser_argv).parse_args(argv))
    except UserError as error:
        return ("error", str(error), error.status)
    except SystemExit as exit_:
        return ("exit", exit_.code, out.getvalue())


@pytest.mark.parametrize("argv", LINES + HELP_LINES, ids=lambda argv: " ".join(argv) or "(none)")
def test_the_grammar_of_one_command_line_reads_it_as_the_whole_grammar_does(argv):
    assert outcome(argv, argv) == outcome(None, argv)


def test_help_is_the_whole_text_and_the_check_can_tell_them_apart():
    whole = outcome(None, ["--help"])
    assert isinstance(whole, tuple) and "search" in whole[2] and "insights" in whole[2]
    # A grammar built for `list` cannot read `show` (it has no parser for it): the comparison
    # above is not vacuous.
    with pytest.raises(RuntimeError, match="built for another command line"):
        outcome(["list"], ["show", "3"])
    assert isinstance(outcome(None, ["show", "3"]), dict)


def test_the_command_word_is_found_after_the_options_that_take_a_value():
    assert command_in(["--home", "list", "--account", "a", "show", "3"]) == "show"
    assert command_in(["--log=f", "--debug", "search", "x"]) == "search"
    assert command_in(["--debug"]) == ""
    assert command_in(["--help"]) is None
    assert command_in(["--hom", "x", "list"]) is None
