"""Starting and stopping a real helpdesk server for a session fixture (``tests/server_rt.py``,
``server_redmine.py``, ``server_roundup.py``, ``server_django_helpdesk.py``).

Each fixture keeps its script, environment, failure sentence and server dataclass; what they
share is here: the start script run under a file lock with a free loopback port and a ROOT of
that run's own, a start that fails the tests loudly (never a skip), and the stop at the end.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

REPO = Path(__file__).resolve().parent.parent

Done = subprocess.CompletedProcess[str]


@dataclass(frozen=True)
class Started:
    port: int
    root: Path  # this run's own: pid file, database, logs, the files the script writes for the tests
    env: dict[str, str]  # what the script ran with (the stop needs the same)
    seconds: float  # the start itself, not the wait for another worker's


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_script(script: Path, env: dict[str, str], *args: str, timeout: float) -> Done | None:
    """Run ``bash script args``; None when it took longer than ``timeout`` seconds."""
    try:
        return subprocess.run(["bash", str(script), *args], env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def tail(done: Done) -> str:
    """The script's last lines: what a failed start says to the reader."""
    return "\n".join((done.stdout + done.stderr).splitlines()[-25:])


@contextmanager
def real_server(script: Path, lock_dir: Path, prepare: Callable[[int], tuple[Path, dict[str, str]]],
                explain: Callable[[Done | None], str], *, timeout: float = 900,
                port_taken: Callable[[Done], bool] | None = None) -> Iterator[Started]:
    """Start a server with ``script``: ``prepare(port)`` names the run's ROOT and the script's
    environment; a start that times out (``done`` None) or fails fails the test with
    ``explain(done)``. ``port_taken``: the failure was another process taking the port first
    (up to three ports are tried). The server is stopped and its ROOT removed on the way out."""
    # pytest-xdist workers each start a server of their own, one at a time: what the scripts
    # install and their templates are shared, and a port is only taken for sure once its
    # server listens, so the next worker's free port is another one.
    with FileLock(str(lock_dir / "start.lock")):
        started = time.monotonic()  # the start itself, not the wait for another worker's
        for _ in range(3 if port_taken else 1):
            port = free_port()
            root, env = prepare(port)
            done = run_script(script, env, timeout=timeout)
            if port_taken is None or done is None or done.returncode == 0 or not port_taken(done):
                break
            run_script(script, env, "stop", timeout=60)
            shutil.rmtree(root, ignore_errors=True)
    if done is None or done.returncode != 0:
        run_script(script, env, "stop", timeout=60)
        pytest.fail(explain(done), pytrace=False)
    try:
        yield Started(port, root, env, time.monotonic() - started)
    finally:
        run_script(script, env, "stop", timeout=60)
        for _ in range(3):  # a process that was still exiting may recreate a file as we go
            shutil.rmtree(root, ignore_errors=True)
            if not root.exists():
                break
            time.sleep(0.5)


__all__ = ["REPO", "Started", "free_port", "real_server", "run_script", "tail"]
