"""What the terminal can draw pictures with, asked just before Textual takes the terminal.

textual-image asks the terminal three questions (Sixel, Kitty graphics, the cell size in
pixels) when its modules are first imported, and must have the answers before Textual starts
reading the terminal's input. ``HelpdeskApp.run`` calls ``ask()`` first; the attachment
viewer imports textual-image when it opens, and finds the answers kept.

Each question waits up to 0.1 s for an answer. Real terminals answer in a few milliseconds;
the benchmark's pty answers none of them, so there they cost 0.3 s of the first frame.
Asking in a thread while the app loaded hid that wait, but was tried and dropped: by hand in
tmux (1M workspace, a loaded machine) an answer then reached Textual as keys (``?`` opened
the help, the cursor moved a row) on start-up with no key pressed.
"""

from __future__ import annotations

import os
import sys

_asked = False


def typed_ahead(fd: int | None = None) -> bool:
    """Whether keys are waiting on the terminal (stdin, or ``fd``), typed while the app started.

    textual-image reads its answers from the same input, one byte at a time: a key waiting
    there was taken for the start of an answer and lost, and the real answer that followed
    reached Textual as keys (``?1;2c``: the help opened over the inbox; found by hand in tmux,
    on main too). The terminal is still line-buffered here, so the keys only show once
    it is not: the check switches to character mode (no flush) and back.
    """
    try:
        import select
        import termios
        import tty
    except ImportError:  # not a POSIX terminal: textual-image does its own thing there
        return False
    try:
        if fd is None:
            stdin = sys.__stdin__
            if stdin is None:
                return False
            fd = stdin.fileno()
        if not os.isatty(fd):
            return False
        before = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd, termios.TCSANOW)
            return bool(select.select([fd], [], [], 0)[0])
        finally:
            termios.tcsetattr(fd, termios.TCSANOW, before)
    except (OSError, ValueError, termios.error):
        return False


class _NoTerminal:
    """What textual-image sees as stdout while it must not ask: it then asks nothing and
    draws with letters, which the viewer turns into half-blocks (attachment_viewer)."""

    def isatty(self) -> bool:
        return False


def ask() -> None:
    """Ask once (a few ms on a terminal that answers); call before Textual reads input.

    With keys already typed, nothing is asked (they go to Textual untouched) and pictures
    are drawn with half-blocks, which every colour terminal shows.
    """
    global _asked
    if _asked:
        return
    _asked = True
    quiet = typed_ahead()
    stdout = sys.__stdout__
    if quiet:
        sys.__stdout__ = _NoTerminal()  # type: ignore[assignment,misc]
    try:
        import textual_image.renderable  # noqa: F401  (asks for Sixel, then Kitty graphics, at import)
        from textual_image._terminal import get_cell_size

        get_cell_size()  # asked once and kept: textual_image.widget reads the kept answer
    except Exception:  # noqa: BLE001 - the viewer's own import says what is wrong, when it opens
        pass
    finally:
        sys.__stdout__ = stdout  # type: ignore[misc]
