"""KPI figures as people read them (``3h05``, ``93%``).

Presentation, like the rest of ``reports``: the CLI table and the dashboard tiles take their
numbers from here, so a person comparing the dashboard with ``helpdesk-tui stats`` sees the
same figures. The csv/json export, as
machines read them (seconds, 0..1), is ``reports.kpi_export``.
"""

from __future__ import annotations

NONE = "–"  # a figure with nothing to measure (no replies, no ratings…)


def format_duration(seconds: float | None) -> str:
    """``45s``, ``12m``, ``3h05``, ``2d07h``; ``–`` when there is nothing to measure."""
    if seconds is None:
        return NONE
    total = int(round(seconds))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m"
    if total < 86400:
        hours, rest = divmod(total, 3600)
        return f"{hours}h{rest // 60:02d}"
    days, rest = divmod(total, 86400)
    return f"{days}d{rest // 3600:02d}h"


def format_percent(share: float | None) -> str:
    """``93%`` for 0.93 (rounded down above 99 so that 99.6 % never reads as 100 %)."""
    if share is None:
        return NONE
    percent = share * 100
    shown = round(percent)
    if shown == 100 and percent < 100:
        shown = 99
    return f"{shown}%"


def format_rate(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}"
