"""Focus sessions (issue 5): owned by the focus-session work."""

from __future__ import annotations


class FocusMixin:
    pass
