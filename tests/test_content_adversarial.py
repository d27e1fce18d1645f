"""Every content entry point turns the adversarial corpus into inert display text."""

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from helpdesk_tui.content import (
    clean_line,
    clean_text,
    html_to_text,
    render_body,
    render_markdown,
    safe_block,
    safe_line,
)

CORPUS = json.loads(
    (Path(__file__).parent / "data" / "content" / "adversarial.json").read_text("utf-8")
)["cases"]

# C0 but \n, DEL, C1, bidi embeddings/overrides/isolates, invisible spoofing characters,
# separators that act as line breaks, surrogates, and tag characters.
FORBIDDEN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ud800-\udfff\U000e0000-\U000e007f]"
)
SGR = re.compile(r"\x1b\[[0-9;]*m")


def corpus_value(case: dict) -> str | bytes:
    if "input_bytes_hex" in case:
        return bytes.fromhex(case["input_bytes_hex"])
    return case["input"]


def as_str(value: str | bytes) -> str:
    # surrogateescape turns each invalid byte into a lone surrogate: nastier input still.
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


def plain(result: str | Text) -> str:
    return result.plain if isinstance(result, Text) else result


ENTRY_POINTS = {
    "clean_text": clean_text,
    "clean_line": clean_line,
    "safe_line": safe_line,
    "safe_block": safe_block,
    "html_to_text": lambda value: html_to_text(as_str(value)),
    "render_markdown": lambda value: render_markdown(as_str(value)),
    "render_body_markdown": lambda value: render_body(as_str(value), "markdown"),
    "render_body_html": lambda value: render_body(as_str(value), "html"),
    "render_body_text": lambda value: render_body(as_str(value), "text"),
}
# These return rich Text; the others return str, which rich would parse as markup if
# printed directly (the reason safe_line and friends exist).
TEXT_ENTRY_POINTS = {
    name: render
    for name, render in ENTRY_POINTS.items()
    if name not in ("clean_text", "clean_line", "html_to_text")
}
CASE_IDS = [case["name"] for case in CORPUS]


def is_flag_tag(text: str, index: int) -> bool:
    """Tag characters may survive only inside an emoji subdivision flag."""
    return "\U000e0000" <= text[index] <= "\U000e007f" and "\U0001f3f4" in text[:index]


def forbidden_characters(text: str) -> list[str]:
    return [
        hex(ord(match.group()))
        for match in FORBIDDEN.finditer(text)
        if not is_flag_tag(text, match.start())
    ]


@pytest.mark.parametrize("case", CORPUS, ids=CASE_IDS)
def test_clean_text_gives_the_corpus_expectation(case):
    cleaned = clean_text(corpus_value(case))
    if "expected" in case:
        assert cleaned == case["expected"]
    for fragment in case.get("present", []):
        assert fragment in cleaned
    for fragment in case.get("absent", []):
        assert fragment not in cleaned


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
@pytest.mark.parametrize("case", CORPUS, ids=CASE_IDS)
def test_no_control_or_spoofing_character_survives_any_entry_point(case, entry_point):
    output = plain(ENTRY_POINTS[entry_point](corpus_value(case)))
    assert forbidden_characters(output) == []
    assert "\x1b" not in output


@pytest.mark.parametrize("entry_point", TEXT_ENTRY_POINTS)
@pytest.mark.parametrize("case", CORPUS, ids=CASE_IDS)
def test_terminal_output_has_no_escape_sequences_but_colours(case, entry_point):
    text = TEXT_ENTRY_POINTS[entry_point](corpus_value(case))
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=80)
    console.print(text)
    written = SGR.sub("", console.file.getvalue())
    assert "\x1b" not in written  # no OSC, DCS, cursor movement or mode switches
    assert forbidden_characters(written) == []


@pytest.mark.parametrize("entry_point", TEXT_ENTRY_POINTS)
@pytest.mark.parametrize("case", CORPUS, ids=CASE_IDS)
def test_no_span_carries_a_link_or_click_action(case, entry_point):
    text = TEXT_ENTRY_POINTS[entry_point](corpus_value(case))
    for span in text.spans:
        style = span.style
        assert not isinstance(style, str), "named styles could be resolved to anything"
        assert style.link is None
        assert not style.meta


MARKUP = [
    "[bold red]x[/]",
    "[@click=app.quit]quit[/]",
    "[link=file:///etc/passwd]passwords[/link]",
    "[b $accent on $error]alarm[/] [$text-muted]x[/] $variable",
]


@pytest.mark.parametrize("markup", MARKUP)
@pytest.mark.parametrize(
    "entry_point", ["safe_line", "safe_block", "render_markdown", "render_body_text"]
)
def test_markup_is_shown_literally_without_styles(markup, entry_point):
    text = TEXT_ENTRY_POINTS[entry_point](markup)
    assert text.plain == markup
    assert text.spans == []


@pytest.mark.parametrize("markup", MARKUP)
def test_markup_printed_to_a_terminal_shows_its_brackets(markup):
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=200)
    console.print(safe_line(markup))
    assert console.file.getvalue() == markup + "\n"


MULTILINGUAL = next(
    case["input"] for case in CORPUS if case["name"] == "hebrew_japanese_italian_emoji_survive"
)


@pytest.mark.parametrize(
    "entry_point",
    ["clean_text", "clean_line", "safe_line", "safe_block", "html_to_text", "render_markdown"],
)
def test_hebrew_japanese_italian_and_emoji_survive_byte_for_byte(entry_point):
    output = plain(ENTRY_POINTS[entry_point](MULTILINGUAL))
    assert output.encode("utf-8") == MULTILINGUAL.encode("utf-8")


def test_html_to_text_never_returns_script_or_tags():
    assert html_to_text("<script>alert(1)</script><img src=x onerror=alert(1)>") == ""


def test_markdown_shows_raw_html_literally():
    source = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    assert render_markdown(source).plain == source


def huge_line() -> str:
    chunk = "lorem ipsum \x1b[31mred\x1b[0m \u202eevil\u202c [b]x[/b] <i>y</i> "
    return (chunk * (100_000 // len(chunk) + 1))[:100_000]


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_a_100k_character_line_is_cleaned_completely(entry_point):
    output = plain(ENTRY_POINTS[entry_point](huge_line()))
    assert forbidden_characters(output) == []
    assert "lorem ipsum red" in output
