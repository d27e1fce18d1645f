"""html_to_text: readable text out of email and rich-editor HTML, whatever its state."""

import random

import pytest

from helpdesk_tui.content import html_to_text


def test_script_style_head_title_and_template_content_is_dropped():
    source = (
        "<html><head><title>Invoice</title><style>p { color: red }</style>"
        "<meta charset=utf-8></head><body><script>steal()</script>"
        "<template><p>inert</p></template><p>Hello</p></body></html>"
    )
    assert html_to_text(source) == "Hello"


def test_unclosed_head_ends_at_body():
    assert html_to_text("<head><meta charset=utf-8><body>Body text") == "Body text"


def test_unclosed_script_hides_only_script():
    assert html_to_text("<p>Hi</p><script>alert(1)") == "Hi"


def test_paragraphs_are_separated_by_a_blank_line_and_br_breaks_a_line():
    assert html_to_text("<p>Hello Aiko,</p><p>Line one<br>Line two</p>") == (
        "Hello Aiko,\n\nLine one\nLine two"
    )


def test_divs_and_headings_start_new_lines():
    assert html_to_text("<h1>Title</h1><div>a</div><div>b</div>") == "Title\n\na\nb"


def test_whitespace_collapses_like_a_browser():
    assert html_to_text("<p>  Thanks\n   for\t writing&nbsp;&nbsp; </p>") == "Thanks for writing"


def test_pre_keeps_its_whitespace_and_drops_the_newline_after_the_tag():
    assert html_to_text("<pre>\n  a  b\n\tc\n</pre>") == "  a  b\n    c"


def test_list_items_become_bullets_and_ordered_items_numbers():
    source = "<ul><li>one</li><li>two</li></ul><ol start=3><li>three</li><li>four</li></ol>"
    assert html_to_text(source) == "- one\n- two\n\n3. three\n4. four"


def test_nested_lists_are_indented_under_their_item():
    source = "<ul><li>fruit<ul><li>apple</li><li>pear</li></ul></li><li>bread</li></ul>"
    assert html_to_text(source) == "- fruit\n  - apple\n  - pear\n- bread"


def test_links_show_their_url_when_it_differs_from_their_text():
    source = '<p><a href="https://evil.example/login">https://bank.example</a></p>'
    assert html_to_text(source) == "https://bank.example (https://evil.example/login)"


@pytest.mark.parametrize(
    "source",
    [
        '<a href="https://example.com/">https://example.com</a>',
        '<a href="http://example.com">example.com</a>',
        '<a href="mailto:help@example.com">help@example.com</a>',
        '<a href="#section">text</a>',
    ],
)
def test_links_whose_text_is_their_url_are_shown_once(source):
    assert "(" not in html_to_text(source)


def test_a_link_without_text_shows_its_url():
    assert html_to_text('<a href="https://example.com/x"><img src="logo.png"></a>') == (
        "https://example.com/x"
    )


def test_images_show_their_alt_text_only():
    assert html_to_text('<img src="https://track.example/pixel.gif" alt="Company logo">') == (
        "Company logo"
    )


def test_entities_are_unescaped_into_text_not_markup():
    assert html_to_text("<p>&lt;b&gt;bold?&lt;/b&gt; &amp; caf&eacute; &#8364;5</p>") == (
        "<b>bold?</b> & café €5"
    )


def test_entities_cannot_smuggle_control_or_bidi_characters():
    # Like browsers, &#155; is read as Windows-1252 (a harmless "›"), not as C1 CSI.
    assert html_to_text("<p>&#x202e;evil&#27;[31m&#x1b;&#155;2J&#7;</p>") == "evil[31m›2J"


def test_blockquotes_are_prefixed_like_email_replies():
    source = "<p>Reply</p><blockquote><p>quoted</p><blockquote>older</blockquote></blockquote>"
    assert html_to_text(source) == "Reply\n\n> quoted\n>\n> > older"


def test_table_rows_become_lines_with_separated_cells():
    source = (
        "<table><tr><th>Item</th><th>Qty</th></tr><tr><td>Apple</td><td>3</td></tr>"
        "<tr><td></td><td>only</td></tr></table>"
    )
    assert html_to_text(source) == "Item | Qty\nApple | 3\nonly"


@pytest.mark.parametrize(
    "source",
    [
        "<![foo bar]>text",
        "<![ x",
        "<!DOCTYPE",
        "<a href='x",
        "</",
        "<!--",
        "<div<p>x",
        "<![if !supportLists]>·<![endif]>item",
        "<![CDATA[x]]>",
        "<ul></ol></li><li>",
        "</blockquote></pre></a></ul>",
        "<" * 1000,
        "<b>" * 5000 + "deep",
        "<ol start=banana><li>x",
    ],
)
def test_malformed_html_never_raises(source):
    assert isinstance(html_to_text(source), str)


def test_random_tag_soup_never_raises_nor_leaks_control_characters():
    rng = random.Random(20240611)
    pieces = [
        "<", ">", "/", "!", "[", "]", "-", "=", '"', "'", " ", "\n", "&", "#", ";", "a", "x",
        "<!--", "-->", "<![", "]]>", "<![if", "<!DOCTYPE", "&amp", "&#x", "<a href=", "</a>",
        "<li>", "<ul>", "</ul>", "<ol>", "<pre>", "</pre>", "<blockquote>", "<td>", "<tr>",
        "<br>", "<p>", "<head>", "<body>", "<template>", "</template>", "<style>", "\x1b[2J",
        "\u202e", "\ud800", "<script>evil()</script>",
    ]  # fmt: skip
    for _ in range(3000):
        soup = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        text = html_to_text(soup)
        assert "\x1b" not in text and "\u202e" not in text and "\ud800" not in text


def test_a_parser_failure_is_logged_and_the_text_stays_readable(monkeypatch, caplog):
    """Nothing is swallowed: the fallback keeps the message readable and the log says why."""
    import logging

    from helpdesk_tui.content import html as html_module

    def broken(self, data):
        raise AssertionError("parser bug")

    monkeypatch.setattr(html_module._TextConverter, "feed", broken)
    with caplog.at_level(logging.ERROR, logger="helpdesk_tui.content.html"):
        text = html_module.html_to_text("<p>Hello <b>there</b></p>")
    assert "Hello" in text and "there" in text and "<b>" not in text
    assert any("HTML parsing failed" in record.getMessage() and record.exc_info for record in caplog.records)
