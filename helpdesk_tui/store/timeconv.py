"""The cache keeps times as integer epoch seconds (UTC): compact, indexable, sortable."""

from __future__ import annotations

from datetime import UTC, datetime


def to_epoch(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def from_epoch(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)
