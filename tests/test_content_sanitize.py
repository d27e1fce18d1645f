"""clean_text and clean_line: what they keep, what they drop, and how fast."""

import sys
import timeit
import unicodedata

import pytest

from helpdesk_tui.content import clean_line, clean_text

# Format characters that real text needs: joiners for emoji and Persian/Indic spelling, and
# the Arabic/Syriac/Kaithi number marks, which are visible.
KEPT_FORMAT_CHARACTERS = {
    0x200C, 0x200D, *range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x110BD, 0x110CD,
}  # fmt: skip


def test_none_becomes_empty_text():
    assert clean_text(None) == ""
    assert clean_line(None) == ""


def test_bytes_are_decoded_as_utf8_with_invalid_sequences_replaced():
    assert clean_text("Grüße ".encode() + b"\xff\xc3(") == "Grüße \ufffd\ufffd("


def test_numbers_from_sloppy_json_are_shown_as_text():
    assert clean_line(1042) == "1042"


def test_clean_text_keeps_newlines_and_expands_tabs_to_four_column_stops():
    assert clean_text("name\tvalue\nab\tc") == "name    value\nab  c"


def test_clean_text_leaves_clean_text_alone():
    body = "Hello,\n\n  indented line\n[not markup]\n"
    assert clean_text(body) == body


def test_every_line_ending_becomes_a_newline():
    assert clean_text("a\r\nb\rc\nd\u2028e\u2029f\x85g") == "a\nb\nc\nd\ne\nf\ng"


def test_carriage_return_overprint_shows_both_texts():
    assert clean_text("approved\rrejected") == "approved\nrejected"


def test_escape_sequence_is_removed_with_its_payload():
    assert clean_text("\x1b]52;c;c2VjcmV0\x07visible") == "visible"


def test_unterminated_string_sequence_swallows_only_the_rest_of_its_line():
    assert clean_text("a\x1b]0;title\nrest of message") == "a\nrest of message"


def test_terminated_string_sequence_may_span_lines():
    assert clean_text("a\x1bPline1\nline2\x1b\\b") == "ab"


def test_can_and_sub_abort_a_string_sequence():
    assert clean_text("a\x1b]0;x\x18b") == "ab"


def test_lone_escape_and_lone_c1_introducers_are_dropped():
    assert clean_text("end\x1b") == "end"
    assert clean_text("x\x9b") == "x"


def test_bidi_controls_are_removed_but_rtl_text_and_its_order_stay():
    assert clean_text("\u2067שלום\u2069 \u202bעולם\u202c") == "שלום עולם"


def test_every_format_character_is_removed_except_those_real_text_needs():
    survivors = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Cf"
        and code not in KEPT_FORMAT_CHARACTERS
        and clean_text("a" + chr(code) + "b") != "ab"
    ]
    assert survivors == []


@pytest.mark.parametrize("code", sorted(KEPT_FORMAT_CHARACTERS))
def test_joiners_and_visible_number_marks_are_kept(code):
    assert clean_text("a" + chr(code) + "1") == "a" + chr(code) + "1"


def test_emoji_flag_tag_sequence_survives_but_stray_tags_do_not():
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    smuggled = "".join(chr(0xE0000 + ord(c)) for c in "rm -rf")
    assert clean_text(f"{england} hi{smuggled}") == f"{england} hi"


def test_hangul_filler_cannot_make_a_name_look_blank():
    assert clean_line("\u3164\u3164") == ""


def test_lone_surrogates_become_replacement_characters():
    assert clean_text("a\ud83dz\udc00") == "a\ufffdz\ufffd"


def test_clean_line_turns_each_newline_and_tab_run_into_one_space_and_strips():
    assert clean_line("  Site down\r\n\t again  \n\n(urgent)\t") == "Site down again (urgent)"


def test_clean_line_keeps_inner_runs_of_plain_spaces():
    assert clean_line("a   b") == "a   b"


def test_clean_line_removes_escape_sequences_too():
    assert clean_line("\x1b[31mRED\x1b[0m\x1b]0;t\x07 tag") == "RED tag"


def _per_call_seconds(function, argument) -> float:
    """Best of several runs, so a busy machine does not fail the test."""
    return min(timeit.repeat(lambda: function(argument), number=20, repeat=5)) / 20


MIXED_BODY = (
    "Hello Aiko, the site went down at 10:42 — we are on it. こんにちは。 שלום! 👍\n" * 80
)[:5000]


@pytest.mark.parametrize(
    "body",
    [
        MIXED_BODY,
        MIXED_BODY.replace("\n", "\r\n"),
        ("\x1b[31mred\x1b[0m\ttab \u202ex\n" * 300)[:5000],
    ],
    ids=["clean", "crlf", "dirty"],
)
def test_cleaning_a_5kb_body_takes_well_under_a_millisecond(body):
    # Typically 10-80 µs clean, ~0.4 ms dirty; the bound is loose so it never flakes.
    assert _per_call_seconds(clean_text, body) < 0.002


def test_a_flood_of_unterminated_sequences_is_cleaned_in_linear_time():
    flood = "\x1b]" * 50_000 + "a" * 100_000
    assert clean_text(flood) == ""
    assert _per_call_seconds(clean_text, flood) < 0.2


def test_the_short_text_class_is_the_same_set_of_characters_as_the_long_text_one():
    """A process's first non-ASCII text is scanned with a positive class (cheap to compile), a
    long one or everything after the first million characters with its "not outside" spelling
    (fast to scan): every code point must be treated alike by both."""
    import re

    from helpdesk_tui.content import sanitize

    short, long_ = re.compile(sanitize._SHORT_WORK_CLASS), re.compile(sanitize._WORK_CLASS)
    differing = [code for code in range(0x110000) if bool(short.match(chr(code))) != bool(long_.match(chr(code)))]
    assert differing == []
    assert short.match("\x9b") and not short.match("a") and not short.match("\n")  # the check can fail


def test_a_text_cleans_the_same_with_either_class(monkeypatch):
    """Which class scans a text depends on how much the process has scanned before: never on
    what the text becomes."""
    from helpdesk_tui.content import sanitize
    from helpdesk_tui.content.sanitize import clean_line, clean_text

    unit = "返金 \x1b[31mred\x1b[0m \u202efdp\t\x9b2J \ud800 \U000e0041 🏴\U000e0067\U000e0062\U000e007f\r\n"
    texts = [unit, unit * 10, "שלום" + unit]
    monkeypatch.setattr(sanitize, "_short_scan_left", sanitize._SHORT_SCAN_BUDGET)
    with_positive = [(clean_text(t), clean_line(t)) for t in texts]
    monkeypatch.setattr(sanitize, "_short_scan_left", 0)
    assert sanitize._non_ascii_patterns(1) == sanitize._work_patterns(False)  # the check can fail
    assert [(clean_text(t), clean_line(t)) for t in texts] == with_positive
    monkeypatch.setattr(sanitize, "_short_scan_left", 10)
    assert sanitize._non_ascii_patterns(5) == sanitize._work_patterns(True)
    assert sanitize._non_ascii_patterns(6) == sanitize._work_patterns(False)  # a longer text than is left
    assert sanitize._short_scan_left == 0
