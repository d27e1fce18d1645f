"""Announcing arrivals: one toast per sync, and optionally the desktop and the terminal bell.

A sync that brings new tickets or customer replies into the agent's views says so once
("2 new: #10412 Site down, #10413 …"), however many pages it took. With ``[notify]
desktop = true`` the same line goes to the desktop: through the terminal (OSC 9, and OSC
777 for the terminals that read that one instead), or ``notify-send`` on a local graphical
session where it is installed. Subjects are a stranger's text: cleaned of control
characters before they reach a toast, an escape sequence or a command line.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from helpdesk_tui.config.settings import NotifySettings
from helpdesk_tui.content import clean_line

if TYPE_CHECKING:  # the sync engine's types: imported with the first sync
    from helpdesk_tui.services.sync import Arrivals
    from helpdesk_tui.services.types import SyncReport

log = logging.getLogger(__name__)

APP_NAME = "helpdesk-tui"
MAX_TEXT = 110  # about three lines of a toast: the rest is in the inbox
MAX_SUBJECT = 32
MAX_LISTED = 3

DesktopSender = Callable[[str, str], None]  # title, body (both already clean)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _listed(arrivals: Sequence[Any]) -> str:
    shown = [f"#{a.number} {_shorten(clean_line(a.subject), MAX_SUBJECT)}".rstrip() for a in arrivals[:MAX_LISTED]]
    more = len(arrivals) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def arrivals_text(arrivals: Arrivals) -> str:
    """``2 new: #10412 Site down, #10413 Invoice · Customer replied: #10405 Screenshot``, cut to fit."""
    parts = []
    if arrivals.new:
        parts.append(f"{len(arrivals.new)} new: {_listed(arrivals.new)}")
    if arrivals.replies:
        parts.append(f"Customer replied: {_listed(arrivals.replies)}")
    return _shorten(" · ".join(parts), MAX_TEXT)


def osc_notification(title: str, body: str) -> str:
    """The desktop notification as terminal escapes: OSC 9 (iTerm2, WezTerm, kitty, Windows
    Terminal, ghostty) and OSC 777 (urxvt, foot, VTE). Both parts are cleaned again here:
    an ESC, BEL or ST inside would end the sequence early and let the rest reach the terminal."""
    title, body = clean_line(title), clean_line(body)
    title = title.replace(";", ",")  # a field separator in OSC 777
    return f"\x1b]9;{title}: {body}\x07\x1b]777;notify;{title};{body}\x07"


def desktop_sender(write: Callable[[str], None], *, env: Mapping[str, str] = os.environ,
                   which: Callable[[str], str | None] = shutil.which,
                   spawn: Callable[..., Any] = subprocess.Popen) -> DesktopSender:
    """How this session reaches the desktop: ``notify-send`` on a local graphical session where
    it is installed, else escapes written to the terminal (which also crosses ssh)."""
    local_desktop = bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")) and not env.get("SSH_CONNECTION")
    program = which("notify-send") if local_desktop else None
    if program is None:
        return lambda title, body: write(osc_notification(title, body))

    def send(title: str, body: str) -> None:
        # No shell, and "--" first: a subject starting with "-" is text, not an option.
        try:
            spawn([program, f"--app-name={APP_NAME}", "--", clean_line(title), clean_line(body)],
                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as exc:  # a desktop notification is a courtesy: never an error for the agent
            log.warning("notify-send failed: %s", exc)
    return send


class Announcer:
    """Says what a sync brought into the agent's views: one toast, and the extras the settings ask for."""

    def __init__(self, *, me: str, settings: NotifySettings, notify: Callable[..., object],
                 bell: Callable[[], None], desktop: DesktopSender) -> None:
        self.me = me
        self.settings = settings
        self._notify = notify
        self._bell = bell
        self.desktop = desktop  # replaceable: tests record instead of notifying

    def sync_done(self, report: SyncReport) -> Arrivals:
        from helpdesk_tui.services.sync import arrivals_in_views  # the sync engine: not at start-up

        arrivals = arrivals_in_views(report, self.me)
        if not arrivals:
            return arrivals
        text = arrivals_text(arrivals)
        # markup=False: the subjects are a stranger's text ("[b]" stays "[b]").
        self._notify(text, title="Arrived", severity="information", timeout=8, markup=False)
        if self.settings.desktop:
            self.desktop(APP_NAME, text)
        if self.settings.bell:
            self._bell()
        return arrivals


def announcer_for(screen: Any) -> Announcer:
    """The workstation's announcer: its toasts, the app's bell, the terminal the app writes to."""
    def write(text: str) -> None:
        app = screen.app
        driver = app._driver  # Textual writes its own escapes (bell, clipboard) the same way
        if driver is not None and not app.is_headless:
            driver.write(text)

    return Announcer(me=screen.me, settings=screen.options.settings.notify, notify=screen.notify,
                     bell=lambda: screen.app.bell(), desktop=desktop_sender(write))
