"""The cache keeps times as integer epoch seconds (UTC): compact, indexable, sortable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def to_epoch(value: datetime) -> int: ...
@overload
def to_epoch(value: None) -> None: ...
@overload
def to_epoch(value: datetime | None) -> int | None: ...
def to_epoch(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def from_epoch(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def from_epoch_not_null(value: int) -> datetime:
    """``from_epoch`` for a NOT NULL column: the time is always there."""
    return datetime.fromtimestamp(value, UTC)
