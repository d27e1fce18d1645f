"""A value's fingerprint: its JSON with keys sorted, hashed (BLAKE2b). One function for what the
engine compares by content: a record read before (the cursor's boundary, a full scan's change
test), a page seen before (paging that goes round, a page answered twice).

Each caller keeps its own digest size: the fingerprints are stored (cursors, sync status rows)
and compared only with their own kind.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fingerprint(value: Any, *, size: int) -> str:
    """``size`` bytes of BLAKE2b over ``value``'s JSON (keys sorted, compact), as hex."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=size).hexdigest()
