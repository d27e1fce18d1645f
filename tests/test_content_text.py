"""safe_text, safe_line and safe_block: cleaned strings as Text, brackets left literal."""

from rich.style import Style

from helpdesk_tui.content import safe_block, safe_line, safe_text


def test_safe_line_keeps_markup_literal_and_adds_no_spans():
    text = safe_line("[@click=app.quit]Refund[/] [bold red]now[/]")
    assert text.plain == "[@click=app.quit]Refund[/] [bold red]now[/]"
    assert text.spans == []


def test_the_given_style_applies_to_the_whole_text():
    assert safe_line("Aiko", "bold").style == "bold"
    assert safe_block("x", Style(italic=True)).style == Style(italic=True)


def test_safe_line_flattens_a_multi_line_subject():
    assert safe_line("Site down\r\n\tagain\x1b[2J").plain == "Site down again"


def test_safe_block_keeps_the_lines_of_a_body():
    assert safe_block("Hi,\r\n\r\nthanks\x07").plain == "Hi,\n\nthanks"


def test_safe_text_is_multi_line_unless_asked_for_a_single_line():
    assert safe_text("a\nb").plain == "a\nb"
    assert safe_text("a\nb", single_line=True).plain == "a b"


def test_textual_shows_safe_text_literally():
    from textual.content import Content  # the UI's conversion; content/ never imports it

    content = Content.from_rich_text(safe_line("[b $accent]x[/] [@click=app.quit]q[/]"))
    assert content.plain == "[b $accent]x[/] [@click=app.quit]q[/]"
    assert list(content.spans) == []
