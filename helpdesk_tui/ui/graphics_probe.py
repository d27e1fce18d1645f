"""What the terminal can draw pictures with, asked while the rest of the app loads.

textual-image asks the terminal three questions (Sixel, Kitty graphics, the cell size in
pixels) when its modules are first imported, and must have its answers before Textual starts
reading the terminal's input. Each question waits up to 0.1 s for an answer some terminals
never send: asked on the way to the first frame, that was 0.3 s of it through the benchmark's
pty (which answers none of them). Asked in a thread started before the app's imports, the
waiting overlaps them; ``HelpdeskApp.run`` waits for the thread before Textual takes the
terminal, and the attachment viewer imports textual-image only when it opens.
"""

from __future__ import annotations

import threading

_probe: threading.Thread | None = None


def _ask() -> None:
    try:
        import textual_image.renderable  # noqa: F401  (asks for Sixel, then Kitty graphics, at import)
        from textual_image._terminal import get_cell_size

        get_cell_size()  # asked once and kept: textual_image.widget reads the kept answer
    except Exception:  # noqa: BLE001 - the viewer's own import says what is wrong, when it opens
        pass


def start() -> None:
    """Ask in the background (once); call before importing the app."""
    global _probe
    if _probe is not None:
        return
    # What textual-image imports beyond its own modules, imported here on the calling thread
    # first: two threads importing one package that imports itself in a circle (rich does)
    # can deadlock. The thread then imports only textual-image's modules, which nothing else
    # imports meanwhile.
    import PIL.Image  # noqa: F401
    import PIL.ImageFilter  # noqa: F401
    import rich.console  # noqa: F401
    import rich.control  # noqa: F401
    import rich.measure  # noqa: F401

    # Not a daemon: it puts the terminal's mode back when done, even if the app fails to open.
    _probe = threading.Thread(target=_ask, name="graphics-probe")
    _probe.start()


def wait() -> None:
    """Once this returns the answers are kept and Textual may read the terminal."""
    start()
    assert _probe is not None
    _probe.join()
