"""What the app does before its own imports, so that the first frame comes sooner.

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


# Young collections between two automatic full ones (Python's default is 10). The full ones
# walk every object the session made since start-up (rows and drawn lines kept by the inbox,
# closed dialogs): at 1M, 20-50k objects after a few dozen page-downs, and 4-6 of them landed
# on 66 page-downs, the worst keys. Now they come when the agent pauses (``collect_if_idle``),
# and automatically only after ~10,000 young collections (~1,400 page-downs).
FULL_EVERY = 1000
IDLE_SECONDS = 2.0  # no key for this long: a full collection may run


def settled() -> None:
    """After the first frame: what start-up built is kept out of the collector's view
    (full collections stay short: 35 ms → 4 ms measured), and the collector works again,
    with full collections left to quiet moments."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_EVERY)
    gc.enable()


def collect_if_idle(now: float, last_key: float) -> bool:
    """A full collection, if no key came for ``IDLE_SECONDS`` (times from ``time.monotonic``)."""
    if now - last_key < IDLE_SECONDS or not gc.isenabled():
        return False
    gc.collect()
    return True
