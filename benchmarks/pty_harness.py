"""Drive a terminal app through a real pseudo-terminal and time what it draws.

The harness plays the terminal: it owns the pty master, sets the window size with
TIOCSWINSZ, answers the queries a modern terminal answers, and watches the output.

End of frame. Textual writes every frame between ``ESC[?2026h`` and ``ESC[?2026l``
(synchronized output) once the terminal has said it supports mode 2026: the driver asks
with the DECRQM query ``ESC[?2026$p`` at start-up, and we answer ``ESC[?2026;2$y`` ("reset,
supported") as kitty, WezTerm, iTerm2, foot or Windows Terminal would. So every
``ESC[?2026l`` is the end of one complete frame. We also answer ``ESC[?2048$p``
(in-band resize) with ``;0$y`` (not recognised), like xterm. The picture viewer asks, at
start-up, the device attributes (``ESC[c``: we answer a VT220 with ANSI colour and no Sixel,
as most terminals do) and, where the window size has no pixels, the cell size (``ESC[16t``).
A terminal that answers nothing costs the app a 0.1 s timeout per question, which real
terminals never make it wait; so the window size we set carries pixels (10×20 per cell, as
xterm, kitty, WezTerm and foot report theirs) and both questions are answered.

Frames written before our answer reached the app are not bracketed; for those (at most
the first frame) the chunk in which the expected text appeared is taken as the end.

Times are ``time.perf_counter()`` in the harness process, taken when ``os.read`` returns
the bytes; the pty adds a few microseconds, not more.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"
ANSWERS = {
    b"\x1b[?2026$p": b"\x1b[?2026;2$y",  # synchronized output: supported, currently reset
    b"\x1b[?2048$p": b"\x1b[?2048;0$y",  # in-band window resize: not recognised
    b"\x1b[c": b"\x1b[?62;22c",  # device attributes: VT220 with ANSI colour, no Sixel
    b"\x1b[16t": b"\x1b[6;20;10t",  # cell size in pixels: 20 high, 10 wide
}
CELL_PIXELS = (10, 20)
_LONGEST = max(len(k) for k in (*ANSWERS, SYNC_START, SYNC_END))

# CSI, OSC, DCS/APC/PM strings and two-byte escapes.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x1b[()*+][0-9A-Za-z]"
)

KEYS = {
    "j": b"j", "k": b"k", "enter": b"\r", "escape": b"\x1b", "tab": b"\t",
    "down": b"\x1b[B", "up": b"\x1b[A", "pagedown": b"\x1b[6~", "pageup": b"\x1b[5~",
    "home": b"\x1b[H", "end": b"\x1b[F", "ctrl+q": b"\x11", "slash": b"/",
}


def plain(text: str) -> str:
    """``text`` with terminal escape sequences removed."""
    return _ESCAPES.sub("", text)


@dataclass
class Frame:
    end: float  # perf_counter when its last byte arrived
    start_offset: int  # offsets into the output stream
    end_offset: int


@dataclass
class KeyTiming:
    key: str
    sent: float
    first_frame: float | None  # seconds from send to the end of the first frame after it
    settled: float | None  # ... to the end of the last frame of the burst it started
    frames: int
    bytes: int


@dataclass
class Terminal:
    argv: Sequence[str]
    cols: int = 160
    rows: int = 45
    env: dict[str, str] | None = None
    cwd: str | None = None

    proc: subprocess.Popen | None = None
    spawned_at: float = 0.0
    output: bytearray = field(default_factory=bytearray)
    chunks: list[tuple[float, int]] = field(default_factory=list)  # (time, end offset)
    frames: list[Frame] = field(default_factory=list)
    answered: dict[bytes, float] = field(default_factory=dict)
    _open_sync: int | None = None
    _scan_from: int = 0
    _master: int = -1
    _closed: bool = False

    # ----- life cycle
    def spawn(self) -> float:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, self.cols * CELL_PIXELS[0],
                                                                 self.rows * CELL_PIXELS[1]))
        env = dict(os.environ if self.env is None else self.env)
        env.update(TERM="xterm-256color", COLUMNS=str(self.cols), LINES=str(self.rows))
        for noisy in ("TEXTUAL", "TEXTUAL_DEBUG", "NO_COLOR", "TERM_PROGRAM"):
            env.pop(noisy, None)

        def become_session_leader_with_tty() -> None:  # what a terminal emulator does
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.spawned_at = time.perf_counter()
        self.proc = subprocess.Popen(
            list(self.argv), stdin=slave, stdout=slave, stderr=slave, env=env, cwd=self.cwd,
            start_new_session=True, preexec_fn=become_session_leader_with_tty, close_fds=True,
        )
        os.close(slave)
        self._master = master
        os.set_blocking(master, False)
        return self.spawned_at

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def close(self, timeout: float = 10.0) -> int | None:
        """Quit with ctrl+q, then escalate; returns the exit status."""
        if self.proc is None or self._closed:
            return None if self.proc is None else self.proc.returncode
        if self.proc.poll() is None:
            try:
                self.send(KEYS["ctrl+q"])
            except OSError:
                pass
            deadline = time.perf_counter() + timeout
            while self.proc.poll() is None and time.perf_counter() < deadline:
                self.pump(0.05)
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        try:
            while self.pump(0.0):
                pass
        except OSError:
            pass
        os.close(self._master)
        self._closed = True
        return self.proc.returncode

    def __enter__(self) -> Terminal:
        self.spawn()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----- reading
    def pump(self, timeout: float) -> int:
        """Read whatever arrives within ``timeout`` seconds (one read); returns bytes read."""
        ready, _, _ = select.select([self._master], [], [], max(0.0, timeout))
        if not ready:
            return 0
        try:
            data = os.read(self._master, 1 << 16)
        except BlockingIOError:
            return 0
        except OSError:  # EIO: the child closed the terminal
            return 0
        now = time.perf_counter()
        if not data:
            return 0
        self.output += data
        self.chunks.append((now, len(self.output)))
        self._scan(now)
        return len(data)

    def _scan(self, now: float) -> None:
        out = self.output
        start = max(0, self._scan_from - _LONGEST)
        pos = start
        while True:
            i = out.find(b"\x1b[", pos)
            if i < 0:
                break
            if out.startswith(SYNC_START, i) and i >= self._scan_from - len(SYNC_START) + 1:
                if self._open_sync is None:
                    self._open_sync = i
            elif out.startswith(SYNC_END, i) and i >= self._scan_from - len(SYNC_END) + 1:
                self.frames.append(Frame(now, self._open_sync if self._open_sync is not None else i,
                                         i + len(SYNC_END)))
                self._open_sync = None
            else:
                for query, answer in ANSWERS.items():
                    if out.startswith(query, i) and i >= self._scan_from - len(query) + 1:
                        os.write(self._master, answer)
                        self.answered.setdefault(query, now)
            pos = i + 2
        self._scan_from = len(out)

    def drain(self, quiet: float = 0.0) -> None:
        """Read until nothing has arrived for ``quiet`` seconds (at least one poll)."""
        while self.pump(quiet):
            pass

    def wait_quiet(self, quiet: float, timeout: float) -> bool:
        """Read until the app has written nothing for ``quiet`` seconds; False on timeout."""
        deadline = time.perf_counter() + timeout
        last = time.perf_counter()
        while time.perf_counter() < deadline:
            if self.pump(min(quiet, max(0.0, deadline - time.perf_counter()))):
                last = time.perf_counter()
            elif time.perf_counter() - last >= quiet:
                return True
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the app exited ({self.proc.returncode}):\n{self.screen_tail()}")
        return False

    def text(self, start: int = 0, end: int | None = None) -> str:
        data = bytes(self.output[start:end])
        return plain(codecs.decode(data, "utf-8", "replace"))

    def screen_tail(self, n: int = 3000) -> str:
        return self.text(max(0, len(self.output) - n))

    def wait_for_text(self, predicate: Callable[[str], bool], timeout: float,
                      since: int = 0) -> float | None:
        """Time (perf_counter) of the end of the first frame whose output satisfies ``predicate``.

        ``predicate`` sees the plain text of everything written since offset ``since``;
        once it holds, the frame in progress is read to its end (``ESC[?2026l``).
        """
        deadline = time.perf_counter() + timeout
        checked_to = -1  # what was read before the call counts too
        while True:
            if len(self.output) != checked_to:
                checked_to = len(self.output)
                if self.chunks and predicate(self.text(since)):
                    hit_time = self.chunks[-1][0]
                    if self._open_sync is None:
                        # Not inside a bracketed frame: either a frame ended in this read, or the
                        # write was not bracketed (before sync mode was on); this read ends it.
                        return hit_time
                    frames_before = len(self.frames)
                    while len(self.frames) == frames_before and time.perf_counter() < deadline:
                        self.pump(0.05)
                    return self.frames[frames_before].end if len(self.frames) > frames_before else None
            if time.perf_counter() >= deadline:
                return None
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the app exited ({self.proc.returncode}):\n{self.screen_tail()}")
            self.pump(0.05)

    # ----- keys
    def send(self, data: bytes) -> float:
        t = time.perf_counter()
        os.write(self._master, data)
        return t

    def press(self, key: str, *, timeout: float = 5.0, settle: float = 0.03) -> KeyTiming:
        """Send one key and time the frame(s) it causes.

        ``first_frame``: send → end of the first complete frame after it.
        ``settled``: send → end of the last frame of the burst (frames following each other
        within ``settle`` seconds), for keys whose effect takes more than one frame.
        """
        self.drain(0.0)
        frames_before = len(self.frames)
        bytes_before = len(self.output)
        sent = self.send(KEYS.get(key, key.encode()))
        deadline = sent + timeout
        while len(self.frames) == frames_before and time.perf_counter() < deadline:
            self.pump(max(0.0, deadline - time.perf_counter()))
        if len(self.frames) == frames_before:
            return KeyTiming(key, sent, None, None, 0, len(self.output) - bytes_before)
        last_end = self.frames[-1].end
        while self.pump(max(0.0, last_end + settle - time.perf_counter())):
            last_end = self.frames[-1].end if self.frames else last_end
        new = self.frames[frames_before:]
        return KeyTiming(key, sent, new[0].end - sent, new[-1].end - sent, len(new),
                         len(self.output) - bytes_before)

    # ----- process figures
    def memory(self) -> dict[str, int]:
        """VmHWM (peak RSS) and VmRSS of the app process, in kB."""
        found: dict[str, int] = {}
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    found[key] = int(value.split()[0])
        return found


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(min(rank, len(ordered))) - 1]


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {"n": len(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99),
            "max": max(ms) if ms else float("nan"), "min": min(ms) if ms else float("nan")}
