"""The read-only commands a script runs (`list`, `show`, `search`) import only what they print with.

Each test runs the command in a fresh interpreter through the real entry point
(``helpdesk_tui.cli.main``) against a demo workspace, then lists ``sys.modules`` of that same
process. Every package named here cost the command line milliseconds it did not use (see
benchmarks/bench_cli.py): the workstation (textual), the HTTP client, the sync engine and
backends, the keyring, templates, the export writer, the KB and outbox code. JSON output also
goes without rich and markdown-it, which only the terminal renderings need.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Never on the path of a read-only command.
NEVER = ("textual", "httpx", "sqlite_utils", "keyring", "jmespath", "jinja2", "ruamel", "yaml", "platformdirs",
         "importlib.metadata", "helpdesk_tui.ui", "helpdesk_tui.sync", "helpdesk_tui.compose",
         "helpdesk_tui.reports", "helpdesk_tui.demo", "helpdesk_tui.store.outbox", "helpdesk_tui.store.kb",
         "helpdesk_tui.store.sync_kb", "helpdesk_tui.config.views_file",
         "helpdesk_tui.config.accounts_file", "helpdesk_tui.domain.focus", "statistics", "uuid",
         # Parsing a settings file's [views] and [sla] tables, and recomputing SLA clocks: a
         # command run with no settings file on a cache whose policy is in force needs neither.
         "helpdesk_tui.config.custom_views", "helpdesk_tui.config.business_hours", "helpdesk_tui.domain.durations",
         "helpdesk_tui.domain.sla_epochs", "helpdesk_tui.store.sla_batches")
# Only the terminal renderings (a thread's markdown, search snippets) need these.
RENDERING = ("rich", "markdown_it", "helpdesk_tui.content.body", "helpdesk_tui.content.markdown",
             "helpdesk_tui.content.html")

_PROBE = """
import io, json, sys
from contextlib import redirect_stdout
from helpdesk_tui.cli import main

with redirect_stdout(io.StringIO()) as out:
    status = main(sys.argv[1:])
print(json.dumps({"status": status, "printed": len(out.getvalue()), "modules": sorted(sys.modules)}))
"""


def imported(home: Path, *argv: str) -> tuple[int, set[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", _PROBE, "--home", str(home), *argv], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["status"] == 0, done.stderr
    assert found["printed"] > 0, "the command printed nothing: it did not run as a script would"
    return found["status"], set(found["modules"])


def offending(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


@pytest.mark.parametrize("argv", [
    ("list", "--json"), ("list", "--limit", "20", "--json"), ("list", "--filter", "priority:high", "--json"),
    ("show", "10003", "--json"),
])
def test_json_output_of_read_only_commands_imports_neither_the_app_nor_the_renderers(demo_home, argv):
    _, modules = imported(demo_home, *argv)
    assert offending(modules, NEVER) == []
    assert offending(modules, RENDERING) == []


@pytest.mark.parametrize("argv", [
    ("list", "--limit", "20"), ("show", "10003"), ("search", "refund", "--limit", "20", "--json"),
    ("search", "返金"),
])
def test_terminal_output_and_search_import_the_renderers_but_nothing_else_heavy(demo_home, argv):
    _, modules = imported(demo_home, *argv)
    assert offending(modules, NEVER) == []


def test_the_probe_sees_what_a_command_imports(demo_home):
    """The check can fail: opening a thread for the terminal does import the markdown renderer."""
    _, modules = imported(demo_home, "show", "10003")
    assert "markdown_it" in modules and "helpdesk_tui.content.body" in modules


def test_content_package_names_each_resolve_to_their_module():
    """``helpdesk_tui.content`` imports its names on first use; each must still be there."""
    import helpdesk_tui.content as content

    for name in content.__all__:
        assert getattr(content, name).__name__ == name
    with pytest.raises(AttributeError):
        content.no_such_name  # noqa: B018


def test_the_inbox_as_a_table_measures_cells_without_rich_text_or_markdown(demo_home):
    _, modules = imported(demo_home, "list", "--limit", "20")
    assert offending(modules, ("rich.text", "rich.console", "markdown_it", "helpdesk_tui.content.body")) == []
    assert "rich.cells" in modules  # CJK subjects take two cells: the widths still come from rich


@pytest.mark.parametrize("argv", [("list", "--limit", "20", "--json"), ("show", "10003", "--json")])
def test_argparse_asks_for_the_terminal_width_only_to_print_help(demo_home, argv):
    """shutil (with bz2 and lzma, ~2 ms) is imported by argparse's stock formatter for the width."""
    _, modules = imported(demo_home, *argv)
    assert "shutil" not in modules


@pytest.mark.parametrize("columns", ["30", "200"])
def test_help_still_wraps_at_the_terminal_width(columns):
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS=columns)
    done = subprocess.run([sys.executable, "-m", "helpdesk_tui", "list", "--help"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    widest = max(len(line) for line in done.stdout.splitlines())
    assert widest <= int(columns) - 2 or columns == "30"  # a long option word alone may overflow 30
    assert (widest > 80) == (columns == "200")


def test_the_inbox_imports_no_customer_attachment_or_search_code(demo_home):
    _, modules = imported(demo_home, "list", "--limit", "20", "--json")
    assert offending(modules, ("helpdesk_tui.store.customers", "helpdesk_tui.store.attachments",
                               "helpdesk_tui.store.search")) == []
    _, modules = imported(demo_home, "show", "10003", "--json")
    assert "helpdesk_tui.store.customers" in modules and "helpdesk_tui.store.attachments" in modules


@pytest.mark.parametrize("argv", [
    ("show", "10003"), ("search", "refund", "--limit", "20", "--json"), ("search", "refund"), ("search", "返金"),
])
def test_a_thread_or_search_read_through_a_pipe_needs_no_rich_text_or_console(demo_home, argv):
    """rich prints only the text to a pipe, so the text is written without it; markdown-it still
    lays out the bodies (and imports logging itself)."""
    _, modules = imported(demo_home, *argv)
    assert offending(modules, ("rich.text", "rich.console", "rich.style", "rich.segment",
                               "helpdesk_tui.content.markdown_styles", "helpdesk_tui.content.text")) == []
    if argv[0] == "show" or argv[1] == "refund":  # the check can fail: these do render markdown bodies
        assert "markdown_it" in modules


@pytest.mark.parametrize("argv", [
    ("list", "--limit", "20", "--json"), ("list", "--limit", "20"), ("list", "--json"),
    ("show", "10003", "--json"),
])
def test_a_command_that_logs_nothing_does_not_import_logging(demo_home, argv):
    """logs.configure without --log or --debug defers its handler until logging is imported."""
    _, modules = imported(demo_home, *argv)
    assert offending(modules, ("logging", "traceback", "helpdesk_tui.log_handlers")) == []


def test_with_debug_logging_is_imported_and_the_log_written(demo_home, tmp_path):
    """The check above can fail: --log does set logging up."""
    log = tmp_path / "cli.log"
    _, modules = imported(demo_home, "--log", str(log), "list", "--limit", "2", "--json")
    assert "logging" in modules and "log started" in log.read_text(encoding="utf-8")


def test_without_a_settings_file_no_toml_is_read(demo_home):
    _, modules = imported(demo_home, "list", "--limit", "2", "--json")
    assert "tomllib" not in modules
    settings = demo_home / "config" / "config.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("[inbox]\n", encoding="utf-8")
    _, modules = imported(demo_home, "list", "--limit", "2", "--json")
    assert "tomllib" in modules  # the check can fail: a settings file is read


def test_showing_a_thread_whose_attachments_have_types_reads_no_mime_table(demo_home):
    _, modules = imported(demo_home, "show", "10003", "--json")
    assert "helpdesk_tui.store.attachments" in modules and "mimetypes" not in modules


@pytest.mark.parametrize("argv", [("show", "10003", "--json"), ("show", "10003"), ("search", "refund", "--limit", "20", "--json")])
def test_show_and_search_do_not_import_the_inbox_queries(demo_home, argv):
    """Neither lists the inbox: its query builder and planners are `list`'s alone."""
    _, modules = imported(demo_home, *argv)
    assert offending(modules, ("helpdesk_tui.store.inbox", "helpdesk_tui.store.inbox_plan",
                               "helpdesk_tui.store.inbox_text")) == []


def test_list_does_import_the_inbox_queries(demo_home):
    """The check above can fail: listing does need them."""
    _, modules = imported(demo_home, "list", "--limit", "20", "--json")
    assert "helpdesk_tui.store.inbox" in modules


@pytest.mark.parametrize("argv", [
    ("list", "--limit", "20", "--json"), ("list", "--limit", "20"), ("show", "10003", "--json"),
])
def test_the_settings_models_and_queries_are_made_without_dataclasses(demo_home, argv):
    """``dataclasses`` imports inspect, ast, dis and tokenize, and compiles each class's methods
    (a third of ``list --json``); the classes a read-only command makes are records (records.py)."""
    _, modules = imported(demo_home, *argv)
    assert offending(modules, ("dataclasses", "inspect", "ast", "dis", "tokenize")) == []


@pytest.mark.parametrize("argv", [("list", "--limit", "20", "--json"), ("show", "10003", "--json")])
def test_checking_the_sla_policy_in_force_does_not_import_the_sync_writer(demo_home, argv):
    """Every command asks whether the policy is in force (one row of meta); the writer and the
    tag and search-text code it imports are for commands that write."""
    _, modules = imported(demo_home, *argv)
    assert offending(modules, ("helpdesk_tui.store.writer", "helpdesk_tui.store.tag_rows")) == []
