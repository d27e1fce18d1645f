"""What the attachment keys do (view, open, save), for the thread and the viewers alike.

The work is in ``services.attachments`` (the bytes, downloaded on first use) and
``services.attachment_opening`` (what viewer, the private copy, the system's handler); this
collaborator asks the agent what the services need (a folder, a yes for a risky type, a yes
to replace a file) and runs the slow parts in workers, each failure one sentence in a toast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.text import Text

from helpdesk_tui.content.body import human_size
from helpdesk_tui.content.file_names import display_name
from helpdesk_tui.services import attachment_opening as opening
from helpdesk_tui.services import attachments
from helpdesk_tui.services.attachment_opening import ViewKind
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.services.tickets import AttachmentInfo
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.ui.screens.attachment_viewer import ImageViewerScreen, Progress, TextViewerScreen, preview_box
from helpdesk_tui.ui.screens.confirm import ConfirmScreen
from helpdesk_tui.ui.screens.save_attachment import SaveAttachmentScreen

NO_WORKSPACE = "Attachments open only in the app started by helpdesk-tui (it knows the account's folders)."
LARGE = 5_000_000  # bytes from which a download not yet cached says it started


class AttachmentActions:
    def __init__(self, workspace: Workspace | None, *, notify: Callable[..., object],
                 push_screen: Callable[..., Any], run_worker: Callable[..., Any],
                 call_from_thread: Callable[..., Any], cached: Callable[[str], None] = lambda _id: None,
                 download_line: Callable[[str | None], None] = lambda _line: None) -> None:
        self._workspace = workspace
        self._notify = notify
        self._push_screen = push_screen
        self._run_worker = run_worker
        self._from_thread = call_from_thread
        self._cached = cached  # the thread's line for this attachment says "in cache" from now on
        self._download_line = download_line  # under the thread: how far a download for o or s is

    def _tell(self, sentence: str, *, warning: bool = False) -> None:
        """From a worker: one toast (plain text: names and paths are not markup)."""
        self._from_thread(lambda: self._notify(sentence, severity="warning" if warning else "information",
                                               markup=False))

    def _ws(self) -> Workspace | None:
        if self._workspace is None:
            self._notify(NO_WORKSPACE, severity="warning", markup=False)
        return self._workspace

    def _fetch(self, ws: Workspace, info: AttachmentInfo) -> Callable[[Progress], Path]:
        def fetch(progress: Progress) -> Path:
            path = attachments.ensure_local(ws, info.id, progress=progress)
            self._here(info)
            return path

        return fetch

    def _here(self, info: AttachmentInfo) -> None:
        """From a worker: the bytes are in the cache now (a download may have brought them)."""
        if not info.cached:
            self._from_thread(lambda: self._cached(info.id))

    def view(self, info: AttachmentInfo) -> None:
        """Enter/``v``: a picture or a text in the app; anything else says what works for it."""
        ws = self._ws()
        if ws is None:
            return
        kind = opening.view_kind(info)
        common: dict[str, Any] = dict(fetch=self._fetch(ws, info), open_external=self.open, save=self.save)
        if kind is ViewKind.IMAGE:
            self._push_screen(ImageViewerScreen(
                info, decode=lambda path: opening.decode_image(path, name=info.name, box=preview_box()), **common))
        elif kind is ViewKind.TEXT:
            self._push_screen(TextViewerScreen(info, read=opening.read_text, **common))
        else:
            self._notify(f"{display_name(info.name, limit=50)} ({info.media_type}) has no preview here: "
                         "o opens it with the system's handler, s saves it.", markup=False)

    def open(self, info: AttachmentInfo) -> None:
        """``o``: the system's handler, from a private copy; a risky type only after a yes."""
        ws = self._ws()
        if ws is None:
            return
        risk = opening.open_risk(info)
        if risk is None:
            self._start_open(ws, info)
            return
        question = Text(f"{display_name(info.name, limit=50)} is {risk}. Opening it can run it on this "
                        "machine: open it only if you trust the sender.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._start_open(ws, info)

        self._push_screen(ConfirmScreen("Open this attachment?", question, f"Open {risk.split(' (')[0]}"), answered)

    def _start_open(self, ws: Workspace, info: AttachmentInfo) -> None:
        self._announce_download(info)

        def work() -> None:
            try:
                with self._downloading(info) as progress:
                    opening.open_externally(ws, info, progress=progress)
            except ServiceError as exc:
                self._tell(str(exc), warning=True)
                return
            self._here(info)
            self._tell(f"Opened {display_name(info.name, limit=50)} with the system's handler.")

        self._run_worker(work, thread=True, group="attachment-open", exit_on_error=False)

    def save(self, info: AttachmentInfo) -> None:
        """``s``: ask for a folder (default Downloads), then save; an existing file only after a yes."""
        ws = self._ws()
        if ws is None:
            return

        def chosen(folder: Path | None) -> None:
            if folder is None:
                return
            target = opening.save_target(info, folder)
            if not (target.exists() or target.is_symlink()):
                self._start_save(ws, info, folder, overwrite=False)
                return
            question = Text(f"{target} already exists. Replace it with this attachment?")
            self._push_screen(ConfirmScreen("Replace the file?", question, "Replace"),
                              lambda yes: self._start_save(ws, info, folder, overwrite=True) if yes else None)

        self._push_screen(SaveAttachmentScreen(info.name, opening.default_folder(),
                                               complete=opening.complete_folder), chosen)

    def _start_save(self, ws: Workspace, info: AttachmentInfo, folder: Path, *, overwrite: bool) -> None:
        self._announce_download(info)

        def work() -> None:
            try:
                with self._downloading(info) as progress:
                    attachments.ensure_local(ws, info.id, progress=progress)  # with progress; save_copy has none
                saved = attachments.save_copy(ws, info.id, folder, overwrite=overwrite)
            except ServiceError as exc:
                self._tell(str(exc), warning=True)
                return
            self._here(info)
            self._tell(f"Saved to {saved}.")

        self._run_worker(work, thread=True, group="attachment-save", exit_on_error=False)

    @contextmanager
    def _downloading(self, info: AttachmentInfo) -> Iterator[Progress]:
        """In a worker: a progress callback that shows "Downloading NAME… 45% of 12 MB" under the
        thread (at most once per percent), and clears the line when the work is over."""
        shown = -1
        name = display_name(info.name, limit=40)

        def progress(done: int, total: int) -> None:
            nonlocal shown
            percent = done * 100 // total if total else -1
            if percent != shown:
                shown = percent
                line = f"Downloading {name}… {percent}% of {human_size(total)}" if total else \
                    f"Downloading {name}… {human_size(done)}"
                self._from_thread(lambda: self._download_line(line))

        try:
            yield progress
        finally:
            if shown != -1:
                self._from_thread(lambda: self._download_line(None))

    def _announce_download(self, info: AttachmentInfo) -> None:
        if not info.cached and (info.size or 0) >= LARGE:
            self._notify(f"Downloading {display_name(info.name, limit=50)} ({human_size(info.size)})…", markup=False)
