"""What the terminal can draw pictures with, asked just before Textual takes the terminal.

textual-image must have the terminal's answers (Sixel? Kitty graphics? the cell size in
pixels) before Textual starts reading the terminal's input. ``HelpdeskApp.run`` calls
``ask()`` first; the attachment viewer imports textual-image's widgets when it opens, and
draws with what ``drawing()`` says.

Each question waits up to 0.1 s for an answer. textual-image asks all three at import; here
its import sees no terminal (asks nothing) and the questions are asked one by one, so that
Kitty graphics is asked only in Kitty: no other terminal answers it, so it was a 0.1 s wait
on every start elsewhere (textual-image notes that WezTerm and Konsole, which do answer,
show nothing with its way of drawing). The benchmark's pty answers none, so the other two
still cost it 0.2 s of the first frame. Asking in a thread while the app loaded hid the
waiting, but was tried and dropped: by hand in tmux (1M workspace, a loaded machine) an
answer then reached Textual as keys (the cursor moved a row) on a start with no key pressed.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

_asked = False
_drawing = "halfcell"  # what ask() found: "sixel", "tgp" (Kitty graphics) or "halfcell"


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


def drawing() -> str:
    """How pictures are drawn here: "sixel", "tgp" or "halfcell" (also before or without ``ask``)."""
    return _drawing


def _kitty() -> bool:
    return os.environ.get("TERM") == "xterm-kitty" or "KITTY_WINDOW_ID" in os.environ


@contextmanager
def _no_terminal() -> Iterator[None]:
    """stdout is not a terminal meanwhile: textual-image, imported or asked now, asks nothing."""
    stdout = sys.__stdout__
    sys.__stdout__ = _NoTerminal()  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        sys.__stdout__ = stdout  # type: ignore[misc]


def import_quietly(module: str) -> ModuleType:
    """Import a textual-image module without its import asking the terminal anything (the
    package asks at import, and once Textual reads the input the answers would arrive as keys)."""
    with _no_terminal():
        return importlib.import_module(module)


def _sixel_answered(capture: Callable[..., Any], errors: tuple[type[BaseException], ...]) -> bool:
    """Device attributes (``ESC [ c``): a terminal that draws Sixel lists 4 among them."""
    stdout = sys.__stdout__
    if stdout is None:
        return False
    try:
        with capture("\x1b[?", "c", 0.1) as response:
            stdout.write("\x1b[c")
            stdout.flush()
    except errors:
        return False
    return "4" in response.sequence[len("\x1b[?"):-len("c")].split(";")


def ask() -> None:
    """Ask once (a few ms on a terminal that answers); call before Textual reads input.

    With keys already typed, nothing is asked (they go to Textual untouched) and pictures
    are drawn with half-blocks, which every colour terminal shows.

    Only textual-image's terminal module is imported here (standard library only): its
    renderables bring Pillow (~14 ms), which the way to the first frame does not need; the
    attachment viewer imports them with ``import_quietly`` when a picture is first shown.
    """
    global _asked, _drawing
    if _asked:
        return
    _asked = True
    stdout = sys.__stdout__
    try:
        from textual_image._terminal import TerminalError, capture_terminal_response, get_cell_size

        if stdout is None or not stdout.isatty() or typed_ahead():
            with _no_terminal():
                get_cell_size()  # kept (a default): textual_image.widget reads the kept value
            return
    except Exception:  # noqa: BLE001 - the viewer's own import says what is wrong, when it opens
        return
    try:
        if _sixel_answered(capture_terminal_response, (TerminalError, TimeoutError)):
            _drawing = "sixel"
        elif _kitty():
            tgp = import_quietly("textual_image.renderable.tgp")
            if tgp.query_terminal_support():
                _drawing = "tgp"
        get_cell_size()  # asked once and kept: textual_image.widget reads the kept answer
    except Exception:  # noqa: BLE001 - no answer: half-blocks
        pass
