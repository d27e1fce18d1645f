"""The business calendar of ``[sla]``: hours, days, holidays and the time zone they are in."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date, time
from pathlib import Path
from typing import Any, NoReturn

from helpdesk_tui.domain.sla_policy import BusinessHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_business_hours(table: dict[str, Any], fail: Callable[[str], NoReturn], warn: Callable[[str], None],
                         path: Path) -> BusinessHours | None:
    """The calendar ``[sla]`` describes, or None for clocks that run around the clock.

    ``fail`` raises the settings error for a problem; ``warn`` notes what was assumed.
    The types of the values were checked by the caller.
    """
    if "business_hours" not in table:
        for key in ("business_days", "holidays"):
            if key in table:
                fail(f"sla.{key} needs sla.business_hours, such as \"09:00-17:30\"")
        return None
    match = re.fullmatch(r"\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*", table["business_hours"])
    try:
        start, end = (time.fromisoformat(part.zfill(5)) for part in match.groups()) if match else (None, None)
    except ValueError:
        start = end = None
    if start is None or end is None or end <= start:
        fail('sla.business_hours must be a range within one day, such as "09:00-17:30"')
    days = table.get("business_days", ["mon", "tue", "wed", "thu", "fri"])
    weekdays = set()
    for day in days:
        if day.strip().lower()[:3] not in WEEKDAYS:
            fail(f"sla.business_days has {day!r}: use mon, tue, wed, thu, fri, sat, sun")
        weekdays.add(WEEKDAYS.index(day.strip().lower()[:3]))
    if not weekdays:
        fail("sla.business_days cannot be empty")
    holidays = set()
    for text in table.get("holidays", []):
        try:
            holidays.add(date.fromisoformat(text.strip()))
        except ValueError:
            fail(f"sla.holidays has {text!r}: write dates as 2026-12-25")
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # reads the environment: import when used

    zone_name = table.get("timezone")
    if zone_name is None:
        system = _system_zone_name()
        if system is None:
            warn(f"In {path}, sla.timezone is not set and the system's time zone has no name: business hours "
                 "are taken as UTC.")
        zone = ZoneInfo(system or "UTC")
    else:
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            fail(f"sla.timezone {zone_name!r} is not a time zone name such as \"Europe/Rome\"")
    return BusinessHours(start, end, frozenset(weekdays), zone, frozenset(holidays))


def _system_zone_name() -> str | None:
    """The system's IANA zone name (business hours need one that knows its DST rules)."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        return name if _is_zone(name) else None
    try:
        link = os.readlink("/etc/localtime")
    except OSError:
        return None
    name = link.split("zoneinfo/", 1)[-1]
    return name if _is_zone(name) else None


def _is_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # reads the environment: import when used

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
