"""The KPI dashboard (issue 5): owned by the KPI work."""

from __future__ import annotations


class DashboardMixin:
    pass
