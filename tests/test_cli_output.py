"""Untrusted text on every way out of the CLI: --json and plain output over hostile strings.

JSON must read back as the same text, yet carry no byte a terminal would act on (ESC, the
C1 controls U+0080–U+009F, bidi overrides); plain output must be cleaned text whose columns
line up in terminal cells.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len

from helpdesk_tui.cli import output as cli_output
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.domain.models import InboxRow
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database
from helpdesk_tui.store.search import SearchHit

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)

# The adversarial corpus: escapes 7- and 8-bit, bidi, invisible characters, markup, a lone
# surrogate, CJK (two cells each), an emoji with a zero-width joiner.
HOSTILE = [
    "\x1b]0;PWNED\x07\x1b[2J cleared",
    "8-bit \x9b31mred\x9b0m \x9d0;title\x9c \x90dcs\x9c \x85",
    "invoice_\u202efdp.exe \u2066iso\u2069 \u200bzero\ufeffwidth \u2028line",
    "[/] [bold red]markup[/] [@click=app.quit]click[/]",
    "lone \ud800 surrogate \udfff",
    "返金について 京都の田中さん",
    "family 👩\u200d👩\u200d👧 \U000e0041tag",
    "DEL\x7f BEL\x07 BS\x08 NUL\x00",
]
C1 = re.compile(rb"\xc2[\x80-\x9f]")
BIDI_AND_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u2028\u2029\U000e0000-\U000e007f]")


def assert_inert_bytes(data: bytes) -> None:
    assert b"\x1b" not in data and not C1.search(data), data[:200]
    assert b"\x07" not in data and b"\x7f" not in data and b"\x00" not in data


def row(number: int, subject: str, customer: str, assignee: str | None = None) -> InboxRow:
    return InboxRow(id=number, number=number, subject=subject, status=Status.OPEN, priority=Priority.HIGH,
                    assignee=assignee, customer_name=customer, organization_name=subject,
                    updated_at=NOW, sla_due_at=NOW + timedelta(minutes=42), sla_kind="first_response")


def capture(function, *args, **kwargs) -> bytes:
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", errors="strict", newline="\n")
    old, sys.stdout = sys.stdout, stream
    try:
        function(*args, **kwargs)
        stream.flush()
    finally:
        sys.stdout = old
    return buffer.getvalue()


# --- JSON -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE)
def test_json_escapes_what_a_terminal_would_act_on_and_reads_back_the_same(text):
    line = dumps({"subject": text, "tags": [text], text: 1})
    data = line.encode("utf-8")  # a lone surrogate would make this raise if written raw
    assert_inert_bytes(data)
    assert not BIDI_AND_INVISIBLE.search(line)
    assert "\n" not in line
    assert json.loads(line) == {"subject": text, "tags": [text], text: 1}


def test_json_keeps_cjk_and_accents_readable():
    assert dumps({"s": "返金 café ñ"}) == '{"s": "返金 café ñ"}'


def test_list_json_of_hostile_rows_is_one_inert_line_each():
    rows = [row(10000 + i, text, text, text) for i, text in enumerate(HOSTILE)]
    data = capture(cli_output.print_rows, rows, NOW, as_json=True)
    assert_inert_bytes(data)
    lines = data.decode("utf-8").splitlines()
    assert [json.loads(line)["subject"] for line in lines] == HOSTILE


def test_search_json_of_hostile_hits_is_inert():
    hits = [SearchHit(kind="message", ticket_id=1, number=10001, title=text, snippet=text, highlights=(),
                      score=1.0, at=NOW, message_id=i) for i, text in enumerate(HOSTILE)]
    data = capture(cli_output.print_hits, hits, as_json=True)
    assert_inert_bytes(data)
    assert [json.loads(line)["snippet"] for line in data.decode().splitlines()] == HOSTILE


# --- plain output ------------------------------------------------------------------------------------

def test_plain_list_of_hostile_rows_is_clean_text_with_markup_kept_literal():
    rows = [row(10000 + i, text, text, text) for i, text in enumerate(HOSTILE)]
    data = capture(cli_output.print_rows, rows, NOW, as_json=False)
    assert_inert_bytes(data)
    text = data.decode("utf-8")
    assert not BIDI_AND_INVISIBLE.search(text)
    assert "[/] [bold red]markup[/]" in text and len(text.splitlines()) == len(HOSTILE)


def test_plain_search_hits_are_clean_text():
    hits = [SearchHit(kind="ticket", ticket_id=1, number=10001, title=text, snippet=text, highlights=(),
                      score=1.0, at=NOW) for text in HOSTILE]
    data = capture(cli_output.print_hits, hits, as_json=False)
    assert_inert_bytes(data)
    assert not BIDI_AND_INVISIBLE.search(data.decode())
    assert "[@click=app.quit]click[/]" in data.decode()


def test_list_columns_line_up_in_cells_with_cjk_and_long_names():
    rows = [row(10001, "subject", "京都の田中さんと大阪の山田さん", "田中"),
            row(10002, "subject", "Bob", "a-very-long-assignee-name"),
            row(10003, "subject", "Ana", None)]
    lines = capture(cli_output.print_rows, rows, NOW, as_json=False).decode().splitlines()
    # The subject starts in the same cell on every line, whatever the names before it.
    assert len({cell_len(line[: line.rindex(" subject")]) for line in lines}) == 1
    assert "…" in lines[0] and "…" in lines[1]
    assert "a-very-long-assignee-name" not in lines[1]


# --- the real commands over the demo's adversarial tickets -----------------------------------------

def run(home, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, env=env,
                          timeout=120)


@pytest.fixture
def adversarial_numbers(demo_home) -> list[int]:
    conn = open_database(demo_home / "data" / "accounts" / "demo.sqlite")
    try:
        rows = conn.execute("SELECT number FROM tickets t JOIN ticket_tags g ON g.ticket_id = t.id "
                            "WHERE g.tag = 'adversarial-demo' ORDER BY number").fetchall()
    finally:
        conn.close()
    numbers = [r[0] for r in rows]
    assert len(numbers) >= 5
    return numbers


def test_demo_adversarial_tickets_through_list_show_search_json_are_inert(demo_home, adversarial_numbers):
    outputs = [run(demo_home, "list", "--json", "--filter", "tag:adversarial-demo")]
    outputs += [run(demo_home, "show", str(number), "--json") for number in adversarial_numbers]
    outputs += [run(demo_home, "search", word, "--json") for word in ("DECLINED", "invoice", "URGENT", "返金")]
    texts = []
    for out in outputs:
        assert out.returncode == 0, out.stderr
        assert_inert_bytes(out.stdout)
        texts.append(out.stdout.decode("utf-8"))
    everything = "\n".join(texts)
    # Escaped, not lost: the hostile characters read back from the JSON.
    bodies = [m["body"] for text in texts[1:1 + len(adversarial_numbers)] for m in json.loads(text)["messages"]]
    assert any("\x9b31mDECLINED" in body for body in bodies)
    assert any("\x1b[31mERROR" in body for body in bodies)
    assert "\\u009b" in everything and "\\u202e" in everything
    listed = [json.loads(line) for line in texts[0].splitlines()]
    assert {item["number"] for item in listed} == set(adversarial_numbers)


def test_demo_adversarial_tickets_through_plain_list_show_search_are_clean(demo_home, adversarial_numbers):
    outputs = [run(demo_home, "list", "--filter", "tag:adversarial-demo")]
    outputs += [run(demo_home, "show", str(number)) for number in adversarial_numbers]
    outputs += [run(demo_home, "search", word) for word in ("DECLINED", "invoice", "URGENT")]
    for out in outputs:
        assert out.returncode == 0, out.stderr
        assert_inert_bytes(out.stdout)
        assert not BIDI_AND_INVISIBLE.search(out.stdout.decode("utf-8"))


def test_every_json_command_escapes_c1_from_the_cache(demo_home, adversarial_numbers):
    """Other --json commands print text from the cache and files too: the same escaping reaches them."""
    templates = demo_home / "config" / "templates"
    templates.mkdir(parents=True)
    (templates / "hostile.md").write_text("---\nname: Evil \x9b2J name\ndescription: \x1b]0;PWNED\x07 \u202edesc\n"
                                          "language: en\n---\nHello\n", encoding="utf-8")
    listed = run(demo_home, "template", "list", "--json")
    assert any(json.loads(line)["name"] == "Evil \x9b2J name" for line in listed.stdout.decode().splitlines())
    for args in (["outbox", "--json"], ["sessions", "--json"], ["template", "list", "--json"],
                 ["account", "list", "--json"], ["stats", "--format", "json"]):
        out = run(demo_home, *args)
        assert out.returncode == 0, (args, out.stderr)
        assert_inert_bytes(out.stdout)


# --- template list and render --------------------------------------------------------------------

def one_sentence(out: subprocess.CompletedProcess, status: int) -> str:
    assert out.returncode == status, out.stderr
    err = out.stderr.decode("utf-8")
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("helpdesk-tui: ") and lines[0].endswith("."), err
    return lines[0]


def first_ticket(home) -> str:
    return str(json.loads(run(home, "list", "--json", "--limit", "1").stdout)["number"])


def test_template_render_with_a_placeholder_left_says_so_and_fails(demo_home):
    templates = demo_home / "config" / "templates"
    templates.mkdir(parents=True)
    (templates / "left.md").write_text("---\nname: Left\nlanguage: en\n---\nHi {{ customer.first_name }},\n"
                                       "ticket {{ ticket.nonexistent }} and {{ ticket.number }}.\n")
    number = first_ticket(demo_home)
    out = run(demo_home, "template", "render", "left", "--ticket", number)
    line = one_sentence(out, 1)
    assert "{{ ticket.nonexistent }} on line 2" in line and "fill them in before sending" in line
    assert "{{ ticket.nonexistent }}" in out.stdout.decode() and number in out.stdout.decode()


def test_template_render_of_a_complete_template_exits_zero(demo_home):
    out = run(demo_home, "template", "render", "request-information", "--ticket", first_ticket(demo_home))
    assert out.returncode == 0 and out.stderr == b"" and b"{{" not in out.stdout


@pytest.mark.parametrize("name", ["acknowledgment", "zzzzzzzzzzzzzzzzzzzz"])
def test_template_render_of_an_unknown_name_gives_its_hint_once(demo_home, name):
    line = one_sentence(run(demo_home, "template", "render", name, "--ticket", first_ticket(demo_home)), 2)
    assert line.count("template list") == 1 and f"'{name}'" in line


def test_template_list_keeps_its_columns_with_long_and_cjk_names(demo_home):
    templates = demo_home / "config" / "templates" / "ja"
    templates.mkdir(parents=True)
    (templates / "長い名前のテンプレートです長い名前のテンプレートです.md").write_text(
        "---\nname: 返金についてのとても長いお知らせのテンプレート名前です\nlanguage: ja\ndescription: DESC\n---\nはい\n")
    out = run(demo_home, "template", "list")
    assert out.returncode == 0
    lines = out.stdout.decode().splitlines()
    mine = [line for line in lines if line.endswith("DESC")]
    assert len(mine) == 1 and "…" in mine[0]
    assert {cell_len(line[: line.index(" en ") if " en " in line else 0]) for line in lines if " en " in line} == {32}
    assert cell_len(mine[0][: mine[0].index(" ja ")]) == 32


# --- stats takes --json like the other commands ----------------------------------------------------

def test_stats_json_is_the_same_as_format_json(demo_home):
    by_flag = run(demo_home, "stats", "--json", "--since", "2026-11-01")
    by_format = run(demo_home, "stats", "--format", "json", "--since", "2026-11-01")
    assert by_flag.returncode == 0 and by_format.returncode == 0
    strip = lambda data: {k: v for k, v in json.loads(data).items() if k not in ("until",)}  # noqa: E731
    assert strip(by_flag.stdout) == strip(by_format.stdout)


def test_stats_with_two_formats_is_a_usage_error(demo_home):
    line = one_sentence(run(demo_home, "stats", "--json", "--format", "csv"), 2)
    assert "--json" in line and "--format csv" in line


def test_sessions_table_lines_up_in_cells_with_a_cjk_filter(demo_home, capsys):
    from helpdesk_tui import cli
    from helpdesk_tui.store.focus_sessions import FocusStore

    cache = Cache(demo_home / "data" / "accounts" / "demo.sqlite", "demo")
    store = FocusStore(cache)
    for number, text in enumerate(("customer:田中 返金", "priority:high " + "x" * 60, "")):
        session = store.start(agent="you", view="all", filter_text=text, minutes=30,
                              now=NOW + timedelta(hours=number))
        store.end(session.id, NOW + timedelta(hours=number, minutes=5))
    cache.close()
    assert cli.main(["--home", str(demo_home), "sessions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    ends = {cell_len(line[: line.rindex("ended") if "ended" in line else line.rindex("State")]) for line in lines}
    assert len(ends) == 1, lines
    assert any("…" in line for line in lines)
