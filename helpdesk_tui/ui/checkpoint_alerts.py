"""Promised updates falling due (issue 5): owned by the checkpoint work."""

from __future__ import annotations


class CheckpointAlertsMixin:
    pass
