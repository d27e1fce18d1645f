"""The styles rendered markdown is drawn with."""

from dataclasses import dataclass

from rich.style import Style


@dataclass(frozen=True)
class MarkdownStyles:
    """Styles for rendered markdown: text attributes only, so they suit any theme."""

    h1: Style = Style(bold=True, underline=True)
    heading: Style = Style(bold=True)
    emphasis: Style = Style(italic=True)
    strong: Style = Style(bold=True)
    strikethrough: Style = Style(strike=True)
    code: Style = Style(reverse=True)
    code_block: Style = Style(bold=True)
    link: Style = Style(underline=True)
    link_url: Style = Style(dim=True)
    image: Style = Style(italic=True)
    quote_bar: Style = Style(dim=True)
    rule: Style = Style(dim=True)
    table_header: Style = Style(bold=True)
    table_border: Style = Style(dim=True)


DEFAULT_STYLES = MarkdownStyles()
