"""Keys typed while the app starts are left for Textual: the picture probe does not read them."""

import os
import termios

from helpdesk_tui.ui.graphics_probe import typed_ahead


def test_keys_waiting_on_a_line_buffered_terminal_are_seen_and_left_there():
    master, slave = os.openpty()
    try:
        assert not typed_ahead(slave)
        os.write(master, b"jjj")  # no newline: a cooked terminal holds them in its line buffer
        assert typed_ahead(slave)
        assert termios.tcgetattr(slave)[3] & termios.ICANON  # the mode is put back
        os.write(master, b"\n")
        got = b""
        while not got.endswith(b"\n"):
            got += os.read(slave, 16)
        assert got == b"jjj\n"  # nothing was consumed
    finally:
        os.close(master)
        os.close(slave)


def test_not_a_terminal_has_nothing_typed_ahead(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text("jjj")
    with path.open() as f:
        assert not typed_ahead(f.fileno())
