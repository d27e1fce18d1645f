"""A stranger's file name, shown (display_name) and saved (safe_save_name): tables of hostile names."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from helpdesk_tui.content.body import attachment_line, human_size
from helpdesk_tui.content.file_names import (
    BIDI_CONTROLS,
    DISPLAY_LIMIT,
    SAVE_LIMIT_BYTES,
    display_name,
    safe_save_name,
)

LONG = "a" * 300 + ".pdf"
LONG_CJK = "報告" * 150 + ".png"

DISPLAYED = [
    ("screenshot.png", "screenshot.png"),
    ("../../.bashrc", "..\u2215..\u2215.bashrc"),  # separators shown, not followed
    ("/etc/passwd", "\u2215etc\u2215passwd"),
    ("C:\\Windows\\evil.dll", "C:\u29f5Windows\u29f5evil.dll"),
    ("invoice\u202egpj.exe", "invoicegpj.exe (really .exe)"),  # reads "invoiceexe.jpg" with the override
    ("report\u2066\u2069.pdf", "report.pdf (really .pdf)"),  # an isolate hides nothing now, but was there
    ("invoice.pdf.exe", "invoice.pdf.exe (really .exe)"),
    ("invoice.pdf          .exe", "invoice.pdf          .exe (really .exe)"),
    ("archive.tar.gz", "archive.tar.gz"),  # two extensions, no disguise
    ("報告書.pdf", "報告書.pdf"),
    ("קובץ מצורף.txt", "קובץ מצורף.txt"),  # RTL letters stay: only the controls go
    ("red\x1b[31m.txt", "red\ufffd[31m.txt"),  # no escape reaches the terminal, and it shows
    ("two\nlines.txt", "two\ufffdlines.txt"),
    ("[b]bold[/b].txt", "[b]bold[\u2215b].txt"),  # markup is text (Text objects, never markup)
    ("", "(no name)"),
    ("  \u200e ", "(no name)"),
]


@pytest.mark.parametrize("raw, shown", DISPLAYED)
def test_display_name_shows_a_hostile_name_as_inert_text(raw, shown):
    assert display_name(raw) == shown


@pytest.mark.parametrize("raw", [LONG, LONG_CJK, "x" * 300, "a" * 200 + ".pdf.exe"])
def test_display_name_cuts_a_long_name_in_the_middle_keeping_the_extension(raw):
    shown = display_name(raw)
    assert cell_len(shown) <= DISPLAY_LIMIT
    assert "…" in shown
    assert shown.startswith(raw[:5])
    if raw.endswith(".exe"):
        assert shown.endswith(".exe (really .exe)")
    elif "." in raw:
        assert shown.endswith(raw[-10:])


@pytest.mark.parametrize("raw", [name for name, _ in DISPLAYED] + [LONG, LONG_CJK])
def test_no_control_or_bidi_character_survives_display(raw):
    shown = display_name(raw)
    assert not any(ch in BIDI_CONTROLS or ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0 for ch in shown)
    assert "/" not in shown and "\\" not in shown


SAVED = [
    ("screenshot.png", "screenshot.png"),
    ("../../.bashrc", "bashrc"),  # no traversal, not hidden
    ("/etc/passwd", "etc_passwd"),  # not absolute
    ("C:\\Windows\\evil.dll", "C__Windows_evil.dll"),
    ("..", "attachment"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),  # saved under its real extension
    ("-rf", "rf"),  # never taken for an option
    ("--help.txt", "help.txt"),
    (".hidden", "hidden"),
    ("CON", "_CON"),
    ("nul.txt", "_nul.txt"),
    ("Com1.log", "_Com1.log"),
    ("lpt9", "_lpt9"),
    ("console.txt", "console.txt"),  # only the exact reserved names
    ("a<b>c:d\"e|f?g*h.txt", "a_b_c_d_e_f_g_h.txt"),
    ("trailing dots. . .", "trailing dots"),
    ("tab\there\n.txt", "tab_here_.txt"),
    ("報告書.pdf", "報告書.pdf"),
    ("קובץ.txt", "קובץ.txt"),
    ("", "attachment"),
    ("   ", "attachment"),
]


@pytest.mark.parametrize("raw, saved", SAVED)
def test_safe_save_name_is_one_harmless_file_name(raw, saved):
    assert safe_save_name(raw) == saved


@pytest.mark.parametrize("raw", [name for name, _ in SAVED] + [LONG, LONG_CJK, "x" * 400, "é" * 300 + ".txt"])
def test_safe_save_name_never_leaves_the_folder_and_fits_any_file_system(raw, tmp_path):
    name = safe_save_name(raw)
    assert name and name not in (".", "..")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith((".", "-", " "))
    assert len(name.encode("utf-8")) <= SAVE_LIMIT_BYTES
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()
    (tmp_path / name).write_bytes(b"ok")  # the file system takes it


@pytest.mark.parametrize("raw, ext", [(LONG, ".pdf"), (LONG_CJK, ".png"), ("é" * 300 + ".txt", ".txt")])
def test_safe_save_name_cuts_a_long_name_keeping_the_extension(raw, ext):
    name = safe_save_name(raw)
    assert name.endswith(ext) and len(name) < len(raw)
    assert name.encode("utf-8").decode("utf-8") == name  # not cut inside a character


@pytest.mark.parametrize("size, said", [
    (None, "size unknown"), (0, "0 bytes"), (1, "1 byte"), (999, "999 bytes"), (1000, "1 KB"),
    (136_646, "136 KB"), (999_999, "999 KB"), (1_000_000, "1.0 MB"), (5_250_000, "5.2 MB"),
    (52_400_000, "52 MB"), (3_200_000_000, "3.2 GB"),
])
def test_human_size(size, said):
    assert human_size(size) == said


def test_attachment_line_says_name_type_size_and_whether_the_bytes_are_here():
    assert attachment_line("screenshot.png", "image/png", 136_646, False).plain == \
        "↳ screenshot.png · image/png · 136 KB · not downloaded"
    assert attachment_line("invoice\u202egpj.exe", "x\x1b[2J/y", None, True).plain == \
        "↳ invoicegpj.exe (really .exe) · x/y · size unknown · in cache"
