"""Highlighted search snippets stay literal text: no markup, no escapes, correct spans."""

from helpdesk_tui.ui.widgets.highlight import highlighted


def test_spans_are_styled_and_markup_in_the_snippet_stays_literal():
    snippet = "[bold]reset[/bold] your \x1b[31mpassword\x1b[0m [@click=app.quit]now"
    start = snippet.index("password")
    text = highlighted(snippet, ((start, start + len("password")),))
    assert "[bold]reset[/bold]" in text.plain and "[@click=app.quit]now" in text.plain
    assert "\x1b" not in text.plain
    styled = [text.plain[s.start:s.end] for s in text.spans]
    assert styled == ["password"]


def test_overlapping_spans_do_not_duplicate_text():
    text = highlighted("abcdef", ((0, 3), (2, 4)))
    assert text.plain == "abcdef"
