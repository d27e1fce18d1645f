"""render_markdown and render_body: markdown as styled Text, quickly and literally."""

import timeit

import pytest
from rich.style import Style
from rich.text import Text

from helpdesk_tui.content import (
    MarkdownStyles,
    make_markdown_parser,
    render_body,
    render_markdown,
)
from helpdesk_tui.content.markdown import MARKDOWN_SIZE_LIMIT


def style_of(text: Text, fragment: str) -> Style:
    """Return the combined style of the spans covering all of fragment's first occurrence."""
    start = text.plain.index(fragment)
    end = start + len(fragment)
    covering = [span.style for span in text.spans if span.start <= start and span.end >= end]
    return Style.combine(covering) if covering else Style()


def test_the_parser_is_commonmark_with_raw_html_off_and_tables_and_strikethrough_on():
    parser = make_markdown_parser()
    assert parser.options["html"] is False
    kinds = {token.type for token in parser.parse("| a |\n|---|\n| 1 |\n")}
    assert "table_open" in kinds
    inline = parser.parse("~~gone~~")[1].children
    assert [token.type for token in inline] == ["s_open", "text", "s_close"]


def test_each_factory_call_returns_a_fresh_parser():
    assert make_markdown_parser() is not make_markdown_parser()


def test_a_caller_supplied_parser_is_used():
    parser = make_markdown_parser().disable("strikethrough")
    assert render_markdown("~~kept~~", parser).plain == "~~kept~~"
    assert render_markdown("~~gone~~").plain == "gone"


def test_raw_html_is_shown_as_literal_text():
    assert render_markdown("<b>x</b>").plain == "<b>x</b>"
    assert render_markdown("<div>\n<script>alert(1)</script>\n</div>").plain == (
        "<div>\n<script>alert(1)</script>\n</div>"
    )


def test_raw_html_stays_literal_even_with_an_html_enabled_parser():
    parser = make_markdown_parser()
    parser.options["html"] = True
    assert render_markdown("<div>\n<b>x</b>\n</div>\n\na <i>b</i>", parser).plain == (
        "<div>\n<b>x</b>\n</div>\n\na <i>b</i>"
    )


def test_headings_are_bold_and_the_first_level_underlined():
    text = render_markdown("# Site down\n\n## Timeline\n\nbody")
    assert text.plain == "Site down\n\nTimeline\n\nbody"
    assert style_of(text, "Site down") == Style(bold=True, underline=True)
    assert style_of(text, "Timeline") == Style(bold=True)
    assert style_of(text, "body") == Style()


def test_emphasis_strong_strikethrough_and_inline_code_are_styled():
    text = render_markdown("*it* **bo** ~~st~~ `co`")
    assert text.plain == "it bo st co"
    assert style_of(text, "it").italic
    assert style_of(text, "bo").bold
    assert style_of(text, "st").strike
    assert style_of(text, "co").reverse


def test_nested_emphasis_combines_styles():
    assert style_of(render_markdown("***both***"), "both") == Style(bold=True, italic=True)


def test_fenced_and_indented_code_blocks_are_indented_styled_and_not_parsed():
    text = render_markdown("before\n\n```python\nx = **1**\n\tif y:\n```\n\n    indented\n")
    assert text.plain == "before\n\n  x = **1**\n      if y:\n\n  indented"
    assert style_of(text, "x = **1**") == Style(bold=True)
    assert style_of(text, "indented") == Style(bold=True)


def test_bullet_lists_nest_with_indentation():
    text = render_markdown("intro\n\n- one\n- two\n  - nested\n    - deeper\n- three\n\nafter")
    assert text.plain == "intro\n\n• one\n• two\n  ◦ nested\n    ▪ deeper\n• three\n\nafter"


def test_ordered_lists_count_from_their_start_and_align_their_numbers():
    source = "8. eight\n1. nine\n1. ten\n"
    assert render_markdown(source).plain == " 8. eight\n 9. nine\n10. ten"


def test_ordered_list_keeps_its_delimiter_and_nests_bullets():
    assert render_markdown("1) a\n   - b\n2) c").plain == "1) a\n   • b\n2) c"


def test_loose_list_items_are_separated_by_blank_lines():
    assert render_markdown("- a\n\n- b\n").plain == "• a\n\n• b"


def test_an_empty_list_item_still_shows_its_bullet():
    assert render_markdown("- a\n-\n- c").plain == "• a\n• \n• c"


def test_block_quotes_carry_a_bar_on_every_line_including_nested_ones():
    text = render_markdown("> first\n> second line\n>\n> > nested\n\nafter")
    assert text.plain == "▌ first\n▌ second line\n▌\n▌ ▌ nested\n\nafter"
    assert style_of(text, "▌") == Style(dim=True)


def test_soft_line_breaks_keep_the_writers_lines():
    assert render_markdown("Thanks,\nAiko Tanaka\nACME").plain == "Thanks,\nAiko Tanaka\nACME"


def test_list_item_continuation_lines_are_indented():
    assert render_markdown("- first line\n  second line").plain == "• first line\n  second line"


def test_links_show_their_text_underlined_then_the_url_dimmed():
    text = render_markdown("see [the docs](https://example.com/docs) now")
    assert text.plain == "see the docs <https://example.com/docs> now"
    assert style_of(text, "the docs") == Style(underline=True)
    assert style_of(text, "<https://example.com/docs>") == Style(dim=True)


@pytest.mark.parametrize(
    "source, shown",
    [
        ("<https://example.com/a>", "https://example.com/a"),
        ("[https://example.com](https://example.com/)", "https://example.com"),
        ("<help@example.com>", "help@example.com"),
    ],
)
def test_links_whose_text_is_their_url_show_it_once(source, shown):
    assert render_markdown(source).plain == shown


def test_link_text_naming_another_site_shows_the_real_url():
    text = render_markdown("[https://bank.example](https://evil.example/login)")
    assert text.plain == "https://bank.example <https://evil.example/login>"


def test_links_never_become_terminal_hyperlinks():
    text = render_markdown("[x](https://example.com) <https://example.com>")
    assert all(span.style.link is None for span in text.spans)


def test_dangerous_link_schemes_are_left_as_literal_text():
    source = "[click](javascript:alert(1)) [f](file:///etc/passwd)"
    assert render_markdown(source).plain == source


def test_images_show_their_alt_text_and_source():
    assert render_markdown("![server *graph*](graph.png)").plain == "server graph <graph.png>"


def test_horizontal_rules_are_drawn():
    assert render_markdown("a\n\n***\n\nb").plain == "a\n\n" + "─" * 40 + "\n\nb"


def test_tables_are_aligned_text_with_a_bold_header():
    source = "| name | qty | note |\n|:--|--:|:-:|\n| 日本 | 3 | x |\n| b | 10 | yy |"
    text = render_markdown(source)
    assert text.plain.split("\n") == [
        "name │ qty │ note",
        "─────┼─────┼─────",
        "日本 │   3 │  x",
        "b    │  10 │  yy",
    ]
    assert style_of(text, "name") == Style(bold=True)


def test_entities_cannot_smuggle_control_or_bidi_characters():
    text = render_markdown("a&#x202e;b&#13;c&#x200b;d&#27;")
    assert text.plain == "ab cd\ufffd"


def test_escape_sequences_in_the_source_are_removed_whole():
    assert render_markdown("**\x1b[31mred\x1b[0m** \x1b]52;c;ZXZpbA==\x07").plain == "red"


def test_styles_can_be_replaced_for_a_theme():
    styles = MarkdownStyles(strong=Style(bold=True, color="red"))
    assert style_of(render_markdown("**x**", styles=styles), "x") == Style(bold=True, color="red")


def test_render_body_renders_markdown_html_and_text_differently():
    assert render_body("**x** <b>y</b>", "markdown").plain == "x <b>y</b>"
    assert render_body("<p>**x** <b>y</b></p>", "html").plain == "**x** y"
    assert render_body("**x** <b>y</b>", "text").plain == "**x** <b>y</b>"


def test_render_body_treats_unknown_formats_as_plain_text():
    assert render_body("# not a heading", "rtf").plain == "# not a heading"


def test_render_body_shows_oversized_markdown_as_plain_text():
    body = "[" * (MARKDOWN_SIZE_LIMIT + 1)
    assert render_body(body, "markdown").plain == body


FIVE_KB_MESSAGE = (
    """## Update on ticket 1042

Hi **Aiko**, thanks for the *detailed* report. We looked at the logs and found the cause:

1. The load balancer dropped `keep-alive` connections.
2. The retry queue filled up, see [the status page](https://status.example.com/incidents/42).
   - affected: EU-West
   - unaffected: US-East

> On Monday you wrote:
> the site is down again, こんにちは, שלום

```
Traceback (most recent call last):
  File "app.py", line 12, in <module>
ValueError: boom
```

| region | status |
|---|---|
| EU | degraded |

"""
    * 20
)[:5000]


def test_a_5kb_message_renders_in_a_few_milliseconds():
    parser = make_markdown_parser()
    runs = timeit.repeat(lambda: render_markdown(FIVE_KB_MESSAGE, parser), number=3, repeat=5)
    seconds = min(runs)
    # Typically ~5 ms (3.5 of them markdown-it's parse); generous for a loaded 2-core box.
    assert seconds / 3 < 0.2
