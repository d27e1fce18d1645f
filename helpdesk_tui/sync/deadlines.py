"""One thread for every request's deadline, instead of a timer thread started per request.

``HttpClient`` cuts a request off at its whole-request deadline (``http_answer.read_answer``).
A ``threading.Timer`` per request starts and joins a thread each time (~0.5 ms), which a
sync of one request per ticket pays thousands of times. Here one daemon thread keeps the
armed deadlines in a heap and runs the callback of each that comes due before it is disarmed.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable


class Deadlines:
    """``arm(seconds, callback)`` → a token; ``disarm(token)``. Callbacks run on the watch thread."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._disarmed: set[int] = set()
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, callback: Callable[[], None]) -> int:
        with self._changed:
            token = next(self._tokens)
            heapq.heappush(self._heap, (time.monotonic() + seconds, token, callback))
            if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
                self._thread = threading.Thread(target=self._watch, name="http-deadlines", daemon=True)
                self._thread.start()
            self._changed.notify()
            return token

    def disarm(self, token: int) -> None:
        with self._changed:
            self._disarmed.add(token)
            if len(self._disarmed) > 256 and len(self._disarmed) * 2 > len(self._heap):
                # Requests end long before their deadline: drop their entries now, not in 90 s.
                self._heap = [entry for entry in self._heap if entry[1] not in self._disarmed]
                heapq.heapify(self._heap)
                self._disarmed.clear()

    def _watch(self) -> None:
        with self._changed:
            while True:
                while self._heap and self._heap[0][1] in self._disarmed:
                    self._disarmed.discard(heapq.heappop(self._heap)[1])
                if not self._heap:
                    self._changed.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                _, _, callback = heapq.heappop(self._heap)
                self._changed.release()
                try:
                    callback()
                except Exception:  # noqa: BLE001  (a callback's failure must not stop every other deadline)
                    pass
                finally:
                    self._changed.acquire()


DEADLINES = Deadlines()  # one for the process: its thread starts on first use
