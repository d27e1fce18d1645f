"""The garbage collector around start-up (so that the first frame comes sooner) and after it
(so that full collections stay off the agent's keys).

``open_app`` calls ``prepare()`` first thing. The cyclic garbage collector is off until the
first frame (``HelpdeskApp`` freezes what start-up built and turns it back on): start-up
allocates hundreds of thousands of objects that all live as long as the app, and the
collector walked them ~150 times on the way to the first frame (measured at 20k through the
pty: 126 young, 12 middle and one full collection, ~100 ms of a loaded machine's time).
"""

from __future__ import annotations

import gc


def prepare() -> None:
    gc.disable()


# Young-middle collections between two automatic full ones (Python's default is 10). The full
# ones walk every object the session made since start-up (rows and drawn lines the inbox keeps,
# closed dialogs): at 1M, 20-50k objects after a few dozen page-downs, and 2 of them landed on
# every run of 66 page-downs, the worst keys. Now they come when the agent pauses
# (``IdleCollector.tick``), and automatically only after ~1,000 young collections (~140
# page-downs in a row). Not later than that: garbage in cycles waits for a full collection,
# and with 1,000 here the benchmark's session peaked at 178 MB instead of 120 MB.
FULL_EVERY = 100
IDLE_SECONDS = 0.5  # no key for this long: a full collection may run


def settled() -> None:
    """After the first frame: what start-up built is kept out of the collector's view
    (full collections stay short: 35 ms → 4 ms measured), and the collector works again,
    with full collections left to quiet moments."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_EVERY)
    gc.enable()


class IdleCollector:
    """Full collections in the agent's pauses: ``key()`` on every key, ``tick()`` every second."""

    def __init__(self) -> None:
        self.last_key = 0.0  # time.monotonic() of the last key
        self._middle_seen = -1  # middle collections counted at the last full one

    def key(self, now: float) -> None:
        self.last_key = now

    def tick(self, now: float) -> bool:
        """A full collection, if no key came for ``IDLE_SECONDS`` and objects reached the old
        generation since the last one (an app left alone does not collect every second)."""
        if now - self.last_key < IDLE_SECONDS or not gc.isenabled():
            return False
        middle = gc.get_stats()[1]["collections"]
        if middle == self._middle_seen:
            return False
        gc.collect()
        self._middle_seen = gc.get_stats()[1]["collections"]
        return True
