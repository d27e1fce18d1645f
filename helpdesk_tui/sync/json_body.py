"""Reading an answer's JSON with orjson (~3× faster than ``json``), to exactly the values ``json`` gives.

orjson reads strict RFC 8259 JSON only and reads an integer beyond 64 bits as a float. So a body
with a run of 19 digits (perhaps such an integer; else a long number inside a string) and a body
orjson refuses (NaN, a lone surrogate escape, a byte-order mark, UTF-16, nesting deeper than
orjson's limit) go to ``json.loads`` as before: the same value, or the same error.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_DIGITS = re.compile(rb"\d{19}")


def loads(body: bytes) -> Any:
    """``json.loads(body)``, faster for the bodies helpdesks send."""
    if _LONG_DIGITS.search(body) is None:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # json reads some of what orjson refuses; it says why it refuses the rest
    return json.loads(body)
