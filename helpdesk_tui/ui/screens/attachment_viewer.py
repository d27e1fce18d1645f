"""Looking at an attachment without leaving the terminal: a picture, or a text file.

Both screens open at once and fetch in a worker: the bytes (a download on first use, with
progress), then the decoded picture or the cleaned text. The picture is drawn by
textual-image: Kitty graphics or Sixel where the terminal answers for them, half-blocks
elsewhere (under tmux, and in tests). ``o`` and ``s`` work here as in the thread.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from helpdesk_tui.content.body import human_size
from helpdesk_tui.content.file_names import display_name
from helpdesk_tui.services.attachment_opening import PREVIEW_BOX, TextPreview
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.services.tickets import AttachmentInfo
from helpdesk_tui.ui import graphics_probe
from helpdesk_tui.ui.error_guard import dispatch_contained
from helpdesk_tui.ui.widgets.fitting_footer import FittingFooter
from helpdesk_tui.ui.widgets.text_lines import TextLines

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

# Half-blocks draw one pixel per half cell, and textual-image scales the picture on every
# paint: a smaller picture to start from made a 5 MB screenshot's first frame ~3x faster.
# Kitty graphics and Sixel draw real pixels: they get PREVIEW_BOX.
CELL_PREVIEW_BOX = (640, 480)


@cache
def image_drawing() -> tuple[Any, bool]:
    """textual-image's widget for this terminal, and whether it draws with half-blocks.

    Imported when a picture is first shown, not with the app: the terminal was asked what it
    can draw before Textual started (ui.graphics_probe), and textual-image keeps the cell size.
    Without a terminal to ask (tests, a pipe) or without an answer, half-blocks: they show the
    picture everywhere colours are.
    """
    images = graphics_probe.import_quietly("textual_image.widget")  # asks the terminal nothing

    widget: Any = {"sixel": images.SixelImage, "tgp": images.TGPImage}.get(graphics_probe.drawing(),
                                                                         images.HalfcellImage)
    return widget, widget is images.HalfcellImage


Progress = Callable[[int, int], None]


def preview_box() -> tuple[int, int]:
    """The size to scale a picture into before it is drawn on this terminal."""
    return CELL_PREVIEW_BOX if image_drawing()[1] else PREVIEW_BOX


class Loaded(Message):
    """The worker's result (a picture or a text), or the sentence saying why there is none."""

    def __init__(self, result: object, error: str | None) -> None:
        super().__init__()
        self.result = result
        self.error = error


class AttachmentScreen(Screen[None]):
    """What both viewers share: the title, the status line, the worker, the keys."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="viewer.close", tooltip="Back to the thread"),
        Binding("o", "open_external", "Open", id="viewer.open",
                tooltip="Open the attachment with the system's handler (from a private copy)"),
        Binding("s", "save", "Save", id="viewer.save", tooltip="Save the attachment to a folder"),
    ]

    DEFAULT_CSS = """
    AttachmentScreen {
        background: $surface;
        #viewer-title { height: 1; background: $panel; color: $text; padding: 0 1; }
        #viewer-status { height: auto; color: $text-muted; padding: 0 1; }
        #viewer-status.-error { color: $error; }
    }
    """

    def __init__(self, info: AttachmentInfo, *, fetch: Callable[[Progress], Path],
                 open_external: Callable[[AttachmentInfo], None], save: Callable[[AttachmentInfo], None]) -> None:
        super().__init__()
        self.info = info
        self._fetch = fetch  # the bytes' path, downloading them first if needed (in the worker)
        self._open_external = open_external
        self._save = save
        self.loaded = False
        self.error: str | None = None

    async def _dispatch_message(self, message: Message) -> None:
        await dispatch_contained(self, super()._dispatch_message, message)

    def title_text(self) -> Text:
        info = self.info
        return Text(f"{display_name(info.name)} · {info.media_type} · {human_size(info.size)}",
                    no_wrap=True, overflow="ellipsis")

    def compose(self) -> ComposeResult:
        yield Static(self.title_text(), id="viewer-title")
        yield Static("Loading…", id="viewer-status")
        yield from self.compose_body()
        yield FittingFooter()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.run_worker(self._load, thread=True, exit_on_error=False, group="attachment-view")

    def _load(self) -> None:
        try:
            path = self._fetch(self._progress)
            result = self.prepare(path)
        except ServiceError as exc:
            self.post_message(Loaded(None, str(exc)))
            return
        self.post_message(Loaded(result, None))

    def prepare(self, path: Path) -> object:
        """In the worker: the bytes at ``path`` made ready to show."""
        raise NotImplementedError

    def _progress(self, done: int, total: int) -> None:
        percent = f" {done * 100 // total}%" if total else ""
        self.app.call_from_thread(self.set_status, f"Downloading…{percent} of {human_size(total or None)}")

    def set_status(self, sentence: str, *, error: bool = False) -> None:
        status = self.query_one("#viewer-status", Static)
        status.update(Text(sentence))
        status.set_class(error, "-error")
        status.display = bool(sentence)

    def on_loaded(self, event: Loaded) -> None:
        if event.error is not None:
            self.error = event.error
            self.set_status(event.error, error=True)
            self.notify(event.error, severity="warning", markup=False)
            return
        self.loaded = True
        self.show(event.result)

    def show(self, result: object) -> None:
        raise NotImplementedError

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.error is not None and self.is_attached:
            self.set_status("The attachment could not be shown: press o to open it or s to save it.", error=True)

    def action_close(self) -> None:
        if self.is_current:
            self.dismiss(None)

    def action_open_external(self) -> None:
        self._open_external(self.info)

    def action_save(self) -> None:
        self._save(self.info)


class ImageViewerScreen(AttachmentScreen):
    """A picture, fitted to the screen."""

    DEFAULT_CSS = """
    ImageViewerScreen {
        #viewer-image-box { height: 1fr; align: center middle; }
        #viewer-image { width: auto; height: auto; max-width: 100%; max-height: 100%; }
    }
    """

    def __init__(self, info: AttachmentInfo, *, decode: Callable[[Path], Picture], **kwargs: Any) -> None:
        super().__init__(info, **kwargs)
        self._decode = decode

    def compose_body(self) -> ComposeResult:
        with Vertical(id="viewer-image-box"), Center():
            yield image_drawing()[0](id="viewer-image")

    def prepare(self, path: Path) -> object:
        return self._decode(path)

    def show(self, result: object) -> None:
        picture = cast("Picture", result)
        self.set_status(f"{picture.width}×{picture.height} pixels shown")
        image: Any = self.query_one("#viewer-image")  # textual-image's widget is untyped here
        image.image = picture


class TextViewerScreen(AttachmentScreen):
    """A text file, read-only and scrollable, cleaned like a message body."""

    DEFAULT_CSS = """
    TextViewerScreen {
        #viewer-text { height: 1fr; }
    }
    """

    def __init__(self, info: AttachmentInfo, *, read: Callable[[Path], TextPreview], **kwargs: Any) -> None:
        super().__init__(info, **kwargs)
        self._read = read

    def compose_body(self) -> ComposeResult:
        yield TextLines(id="viewer-text")

    def prepare(self, path: Path) -> object:
        return self._read(path)

    def show(self, result: object) -> None:
        preview = cast(TextPreview, result)
        if preview.truncated:
            self.set_status(f"Showing the first {human_size(preview.read)} of {human_size(preview.size)}: "
                            "press s to save the whole file.")
        else:
            self.set_status("")
        lines = self.query_one("#viewer-text", TextLines)
        lines.load(preview.text)
        lines.focus()
