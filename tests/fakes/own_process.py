"""A fake in a process of its own (``python -m tests.fakes.<name>_process``), for benchmarks (the
client is measured, not the fake) and CLI tests (a CLI subprocess can reach it).

The child prints one line once it listens (its URL, or a JSON object) and serves until its stdin
closes; closing stdin is how the parent stops it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def fake_process(module: str, *args: str, name: str, starts_with: str = "http://") -> Iterator[
        tuple[subprocess.Popen[str], str]]:
    """Run ``python -m module args`` from the checkout; the process and its first line (which must
    start with ``starts_with``, else the fake ``name`` did not start). Stopped on the way out."""
    process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith(starts_with):
            raise RuntimeError(f"the fake {name} did not start")
        yield process, line
    finally:
        if process.stdin is not None:
            process.stdin.close()  # the fake stops when its stdin closes
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait(timeout=5)


class Discarded(list):  # type: ignore[type-arg]
    """A request log that keeps nothing: a long benchmark must not keep every request."""

    def append(self, item: object) -> None:
        pass


__all__ = ["Discarded", "fake_process"]
