"""The content package stays below the UI: importing it loads no Textual."""

import subprocess
import sys


def test_importing_the_content_package_does_not_import_textual():
    probe = (
        "import sys, helpdesk_tui.content, helpdesk_tui.content.markdown, helpdesk_tui.content.html;"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'textual'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_package_exports_the_agreed_names():
    import helpdesk_tui.content as content

    for name in (
        "clean_text", "clean_line", "safe_line", "safe_block", "safe_text", "html_to_text",
        "render_markdown", "render_body", "make_markdown_parser",
    ):  # fmt: skip
        assert callable(getattr(content, name)), name
