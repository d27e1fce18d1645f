"""Rotation triage (issue 5): owned by the triage work."""

from __future__ import annotations


class TriageMixin:
    pass
