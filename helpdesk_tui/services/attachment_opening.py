"""Looking at an attachment: what kind of viewer it gets, its text or picture read safely, and
opening it with the system's handler from a private copy.

A stranger's file is data. Its text goes through the same cleaning as a message body and is
read only up to a bound; a picture is decoded only below a pixel cap (a small PNG can claim
to be 100,000 pixels square); and a type that runs code, or that nobody knows, is never
handed to the system without the agent agreeing to that type first (``open_risk``).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from helpdesk_tui.content.file_names import display_name, extension, safe_save_name
from helpdesk_tui.content.sanitize import clean_line, clean_text
from helpdesk_tui.services import attachments
from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store.attachments import UNKNOWN_TYPE, AttachmentInfo

if TYPE_CHECKING:  # Pillow is imported when a picture is decoded: opening a ticket never pays for it
    from PIL.Image import Image

OPENER_VARIABLE = "HELPDESK_TUI_OPENER"
TEXT_LIMIT = 2_000_000  # bytes of a text attachment read for the viewer; the rest is not read
MAX_PIXELS = 40_000_000  # a picture above this (width × height) is not decoded
PREVIEW_BOX = (1600, 1600)  # decoded pictures are scaled into this: the terminal shows far fewer pixels

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_IMAGE_EXTENSIONS = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
                     "webp": "image/webp"}
TEXT_EXTENSIONS = frozenset({"txt", "text", "log", "json", "csv", "tsv", "patch", "diff", "md", "xml", "yaml",
                             "yml", "ini", "conf", "cfg", "toml", "eml"})
_TEXT_TYPES = frozenset({"application/json", "text/csv", "text/x-diff", "text/x-patch", "application/x-patch",
                         "application/x-diff", "application/xml", "text/xml", "application/x-ndjson"})
# Extensions and types whose handler runs code (or installs it): opening one is running it.
EXECUTABLE_EXTENSIONS = frozenset({
    "exe", "com", "bat", "cmd", "msi", "msp", "scr", "pif", "cpl", "dll", "ps1", "psm1", "vbs", "vbe", "js",
    "jse", "wsf", "wsh", "hta", "jar", "sh", "bash", "zsh", "csh", "ksh", "fish", "command", "app", "run", "bin",
    "out", "elf", "appimage", "deb", "rpm", "apk", "pkg", "dmg", "py", "pyw", "pl", "rb", "php", "lnk",
    "desktop", "reg", "inf", "scpt", "action", "workflow", "xpi", "crx", "apkg", "so", "dylib", "ko"})
EXECUTABLE_TYPES = frozenset({
    "application/x-msdownload", "application/x-executable", "application/x-sharedlib", "application/x-dosexec",
    "application/vnd.microsoft.portable-executable", "application/x-msi", "application/x-ms-installer",
    "application/x-sh", "application/x-shellscript", "text/x-shellscript", "application/x-bat",
    "application/java-archive", "application/x-java-archive", "application/javascript", "text/javascript",
    "application/x-python-code", "text/x-python", "application/x-perl", "application/x-ruby",
    "application/x-deb", "application/vnd.debian.binary-package", "application/x-rpm", "application/x-apple-diskimage",
    "application/vnd.android.package-archive", "application/x-mach-binary", "application/x-elf",
    "application/x-desktop", "application/hta", "application/x-ms-shortcut"})
# Types the system's handler shows rather than runs.
_KNOWN_PREFIXES = ("image/", "audio/", "video/", "text/", "font/")
_KNOWN_TYPES = frozenset({
    "application/pdf", "application/zip", "application/gzip", "application/x-tar", "application/x-7z-compressed",
    "application/json", "application/xml", "application/rtf", "application/msword", "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint", "application/vnd.ms-outlook", "message/rfc822", "application/epub+zip",
    "application/x-pdf"})
_KNOWN_PREFIXES_APPLICATION = ("application/vnd.openxmlformats-officedocument.", "application/vnd.oasis.opendocument.")
_KNOWN_EXTENSIONS = frozenset({
    *_IMAGE_EXTENSIONS, *TEXT_EXTENSIONS, "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp",
    "rtf", "zip", "gz", "tgz", "tar", "7z", "mp3", "mp4", "m4a", "wav", "ogg", "mov", "avi", "mkv", "webm", "heic",
    "tif", "tiff", "bmp", "svg", "ico", "html", "htm", "msg", "epub", "pages", "numbers", "key"})


class ViewKind(StrEnum):
    IMAGE = "image"  # previewed in the app
    TEXT = "text"  # the scrollable text viewer
    OTHER = "other"  # only ``o`` (the system's handler) or ``s`` (save)


def view_kind(info: AttachmentInfo) -> ViewKind:
    """How the app shows ``info``: by its real extension first (what a viewer would go by), then its type."""
    ext = extension(info.name)
    media = info.media_type
    if ext in EXECUTABLE_EXTENSIONS:
        return ViewKind.OTHER  # "report.png.exe" is no picture, whatever the helpdesk said
    if ext in _IMAGE_EXTENSIONS:
        return ViewKind.IMAGE
    if ext in TEXT_EXTENSIONS:
        return ViewKind.TEXT
    if ext in _KNOWN_EXTENSIONS:
        return ViewKind.OTHER  # a PDF or a spreadsheet: the system's handler
    if media in IMAGE_TYPES:
        return ViewKind.IMAGE  # decoding checks it really is one
    if media in _TEXT_TYPES or (media.startswith("text/") and media != "text/html"):
        return ViewKind.TEXT  # shown cleaned, whatever it holds
    return ViewKind.OTHER


def open_risk(info: AttachmentInfo) -> str | None:
    """None when the system's handler may open ``info`` at once; else the type to name in the
    question the agent must answer first ("an executable (.exe, application/x-msdownload)")."""
    ext = extension(info.name)
    media = info.media_type
    shown = clean_line(f".{ext}, {media}" if ext else media) or UNKNOWN_TYPE
    if ext in EXECUTABLE_EXTENSIONS or media in EXECUTABLE_TYPES:
        return f"an executable ({shown})"
    known_type = (media in _KNOWN_TYPES or media.startswith(_KNOWN_PREFIXES)
                  or media.startswith(_KNOWN_PREFIXES_APPLICATION))
    if ext in _KNOWN_EXTENSIONS:
        return None
    if ext or not known_type:  # an extension nobody here knows picks a handler nobody here knows
        return f"an unknown type ({shown})"
    return None


@dataclass(frozen=True)
class TextPreview:
    text: str  # cleaned: no escape codes, no bidi or control characters
    size: int  # bytes in the file
    read: int  # bytes read for ``text``

    @property
    def truncated(self) -> bool:
        return self.read < self.size


def read_text(path: Path, *, limit: int = TEXT_LIMIT) -> TextPreview:
    """The start of a text attachment (at most ``limit`` bytes), cleaned like a message body."""
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            data = file.read(limit)
    except OSError as exc:
        raise ServiceError(f"Could not read the attachment: {exc.strerror or exc}.") from None
    if len(data) < size:
        data = data[:data.rfind(b"\n") + 1] or data  # end on a whole line when there is one
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return TextPreview(clean_text(text.replace("\r\n", "\n")), size, len(data))


def decode_image(path: Path, *, name: str = "", max_pixels: int = MAX_PIXELS,
                 box: tuple[int, int] = PREVIEW_BOX) -> Image:
    """The picture in ``path`` decoded and scaled into ``box``; one sentence when it cannot be."""
    import warnings

    from PIL import Image as PILImage

    shown = display_name(name, limit=40) if name else "The picture"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(path) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ServiceError(f"{shown} is {width:,}×{height:,} pixels, too big to preview here: "
                                       "press s to save it or o to open it.")
                image.draft("RGB", box)  # JPEG: decode at a fraction of the size (much faster)
                image.seek(0)  # an animated GIF or WebP: its first frame
                picture = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info
                                        else "RGB")
    except ServiceError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning, MemoryError):
        raise ServiceError(f"{shown} is too big to preview here (over {max_pixels:,} pixels): "
                           "press s to save it or o to open it.") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ServiceError(f"{shown} could not be read as a picture (damaged, or not the type it claims): "
                           "press s to save it or o to open it.") from None
    picture.thumbnail(box)
    return picture


def opener_command(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> list[str]:
    """The program (and its arguments) that opens a file: ``$HELPDESK_TUI_OPENER``, else ``open``
    on macOS, else ``xdg-open``. Split like a command line, run without a shell."""
    env = os.environ if env is None else env
    configured = env.get(OPENER_VARIABLE, "").strip()
    if configured:
        try:
            command = shlex.split(configured)
        except ValueError:
            command = []
        if not command:
            raise ServiceError(f"${OPENER_VARIABLE} is not a command: set it to a program, like xdg-open.")
        return command
    program = "open" if platform == "darwin" else "xdg-open"
    if shutil.which(program, path=env.get("PATH")) is None:
        raise ServiceError(f"There is no {program} here to open files with: set ${OPENER_VARIABLE} to a "
                           "program that opens a file, or press s to save it.")
    return [program]


COPY_PREFIX = "helpdesk-tui-open-"
COPY_KEPT_SECONDS = 86_400  # a handler may read its file long after it started: copies stay a day


def _forget_old_copies(now: float) -> None:
    """Remove this user's copies handed to a handler more than a day ago."""
    try:
        with os.scandir(tempfile.gettempdir()) as entries:
            old = [Path(e.path) for e in entries if e.name.startswith(COPY_PREFIX) and e.is_dir(follow_symlinks=False)
                   and e.stat(follow_symlinks=False).st_uid == os.getuid()
                   and now - e.stat(follow_symlinks=False).st_mtime > COPY_KEPT_SECONDS]
    except OSError:
        return
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)


def private_copy(source: Path, name: str, *, now: float | None = None) -> Path:
    """A copy of ``source`` under the cleaned ``name``, in a new folder only this user can enter
    (0700) and readable only by them (0600): the handler gets a file nobody else can swap.
    Copies made more than a day ago go first."""
    import time

    _forget_old_copies(time.time() if now is None else now)
    folder = Path(tempfile.mkdtemp(prefix=COPY_PREFIX))  # mkdtemp makes it 0700
    target = folder / safe_save_name(name)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as data:
            shutil.copyfileobj(data, out, 1 << 20)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise ServiceError(f"Could not make a copy to open: {exc.strerror or exc}.") from None
    return target


def open_externally(ws: Workspace, info: AttachmentInfo, *, env: Mapping[str, str] | None = None,
                    progress: Callable[[int, int], None] | None = None) -> Path:
    """Hand a private copy of the attachment to the system's handler; returns the copy's path.

    The caller asks the agent first when ``open_risk(info)`` says so: this function opens."""
    command = opener_command(env)
    copy = private_copy(attachments.ensure_local(ws, info.id, progress=progress), info.name)
    try:
        subprocess.Popen([*command, str(copy)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
                         env=dict(env) if env is not None else None)
    except OSError as exc:
        raise ServiceError(f"Could not start {clean_line(command[0])}: {exc.strerror or exc}; "
                           f"set ${OPENER_VARIABLE} to a program that opens files.") from None
    return copy


def default_folder(env: Mapping[str, str] | None = None) -> Path:
    """Where a saved attachment goes unless the agent says otherwise: ``$XDG_DOWNLOAD_DIR``, the
    desktop's download folder (``user-dirs.dirs``), else ~/Downloads."""
    env = os.environ if env is None else env
    configured = env.get("XDG_DOWNLOAD_DIR", "").strip()
    if configured:
        return Path(os.path.expandvars(configured)).expanduser()
    import platformdirs

    return Path(platformdirs.user_downloads_dir())


def save_target(info: AttachmentInfo, folder: Path | str) -> Path:
    """The file a save of ``info`` into ``folder`` writes (to ask before replacing it)."""
    return Path(folder).expanduser() / safe_save_name(info.name)


def complete_folder(typed: str, *, limit: int = 200) -> str | None:
    """``typed`` completed to the first folder it starts the name of, ending in "/"; None if none."""
    if not typed:
        return None
    path = Path(typed).expanduser()
    parent, stem = (path, "") if typed.endswith("/") else (path.parent, path.name)
    hidden = stem.startswith(".")  # hidden folders only when the agent starts typing one
    try:
        with os.scandir(parent) as entries:
            names = sorted(entry.name for _, entry in zip(range(limit), entries, strict=False)
                           if entry.name.startswith(stem) and (hidden or not entry.name.startswith("."))
                           and entry.is_dir())
    except OSError:
        return None
    if not names or names[0] == stem:
        return None
    return typed[: len(typed) - len(stem)] + names[0] + "/"
