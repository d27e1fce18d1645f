"""Running the real app in a pseudo-terminal, as a user's terminal would (for crash tests)."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")


class PtyApp:
    """``helpdesk-tui`` in a 160x45 pty; ``screen_text`` is everything it printed, escapes removed."""

    def __init__(self, *args: str, env: dict[str, str], cwd: Path) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
        self.proc = subprocess.Popen([sys.executable, "-m", "helpdesk_tui", *args], stdin=slave, stdout=slave,
                                     stderr=slave, env={**env, "TERM": "xterm-256color"}, cwd=cwd,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.master = master
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._output += chunk

    def text(self) -> str:
        with self._lock:
            return _ESCAPES.sub("", self._output.decode("utf-8", "replace"))

    def wait_for(self, needle: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never appeared; last output: {self.text()[-800:]!r}")
            if self.proc.poll() is not None:
                raise AssertionError(f"the app exited ({self.proc.returncode}): {self.text()[-800:]!r}")
            time.sleep(0.05)

    def send(self, data: str, pause: float = 0.15) -> None:
        os.write(self.master, data.encode())
        time.sleep(pause)

    def kill9(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it had already exited: the assertions that follow say why
        self.proc.wait(timeout=10)
        self.close()

    def quit(self) -> None:
        if self.proc.poll() is None:
            self.send("\x11")  # ctrl+q
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.close()

    def close(self) -> None:
        try:
            os.close(self.master)
        except OSError:
            pass
