"""Running KPI figures per (agent, queue, day), added up into the report's rows (see ``kpis.py``)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from helpdesk_tui.domain.kpi_report import Durations, KpiReport, KpiRow, RatingComment, TargetStats, Window
from helpdesk_tui.domain.sla import Target


@dataclass
class Cell:
    """The figures of one (agent, queue, day) so far; durations in seconds."""

    created: int = 0
    first_response: list[int] = field(default_factory=list)
    resolution: list[int] = field(default_factory=list)
    # Per target of ``Target.ALL``, in that order: settled, met in time, breached.
    targets: list[list[int]] = field(default_factory=lambda: [[0, 0, 0] for _ in Target.ALL])
    solved: int = 0
    first_contact: int = 0
    replies: int = 0
    hours: set[tuple[str, int]] = field(default_factory=set)  # (author, local clock hour) with a reply
    good: int = 0
    bad: int = 0


class Cells:
    """The cells of every (agent, queue) and day, created on first use."""

    def __init__(self, days: list[date], day_ends: list[int]) -> None:
        self.days = days
        self.day_ends = day_ends  # epoch seconds, see ``WindowSeconds.day_ends``
        self.rows: dict[tuple[str, str], list[Cell | None]] = {}

    def row(self, who: tuple[str, str]) -> list[Cell | None]:
        """The cells of ``who`` (agent, queue), one per day, for ``cell_at``."""
        row = self.rows.get(who)
        if row is None:
            row = self.rows[who] = [None] * len(self.days)
        return row

    def at(self, who: tuple[str, str], moment: int) -> Cell:
        """The cell of ``who`` (agent, queue) on the day of ``moment``, which lies in the window."""
        return cell_at(self.row(who), self.day_ends, moment)

    def items(self) -> Iterator[tuple[tuple[str, str, int], Cell]]:
        for (agent, queue), row in self.rows.items():
            for day, cell in enumerate(row):
                if cell is not None:
                    yield (agent, queue, day), cell

    def report(self, window: Window, backlog: list[int], comments: list[RatingComment]) -> KpiReport:
        """The report: everyone, per agent, per queue and per day; ``backlog`` is the difference
        array of active tickets over the day ends."""
        everyone: list[Cell] = []
        agents: dict[str, list[Cell]] = {}
        queues: dict[str, list[Cell]] = {}
        days: list[list[Cell]] = [[] for _ in self.days]
        for (agent, queue, day), cell in self.items():
            everyone.append(cell)
            agents.setdefault(agent, []).append(cell)
            queues.setdefault(queue, []).append(cell)
            days[day].append(cell)
        running, active_at_end = 0, []
        for delta in backlog[:-1]:
            running += delta
            active_at_end.append(running)
        agent_rows = [_row(name, cells) for name, cells in agents.items()]
        agent_rows.sort(key=lambda r: (-r.replies, -r.solved, r.key))
        return KpiReport(
            window=window,
            total=_row("all", everyone, active_at_end[-1]),
            agents=tuple(agent_rows),
            queues=tuple(_row(name, cells) for name, cells in sorted(queues.items())),
            days=tuple(_row(d.isoformat(), cells, active_at_end[i])
                       for i, (d, cells) in enumerate(zip(self.days, days, strict=True))),
            comments=tuple(comments),
        )


def cell_at(row: list[Cell | None], day_ends: list[int], moment: int) -> Cell:
    """The cell of ``row`` (``Cells.row``) on the day of ``moment``, which lies in the window."""
    # The day by its end: a bisect is several times cheaper than converting the zone.
    day = bisect_right(day_ends, moment)
    cell = row[day]
    if cell is None:
        cell = row[day] = Cell()
    return cell


def _row(key: str, cells: Iterable[Cell], backlog: int | None = None) -> KpiRow:
    """One group's row. Its durations are gathered into scratch lists, one group at a time, so
    a quarter of a big helpdesk is never copied into every group at once."""
    first_response: list[int] = []
    resolution: list[int] = []
    targets = [[0, 0, 0] for _ in Target.ALL]
    hours: set[tuple[str, int]] = set()
    created = solved = first_contact = replies = good = bad = 0
    for cell in cells:
        created += cell.created
        first_response += cell.first_response
        resolution += cell.resolution
        for mine, counts in zip(targets, cell.targets, strict=True):
            for i, n in enumerate(counts):
                mine[i] += n
        solved += cell.solved
        first_contact += cell.first_contact
        replies += cell.replies
        hours |= cell.hours
        good += cell.good
        bad += cell.bad
    stats = dict(zip(Target.ALL, (TargetStats(*counts) for counts in targets), strict=True))
    return KpiRow(key, created, Durations.of(first_response, may_sort=True), Durations.of(resolution, may_sort=True),
                  stats[Target.ACKNOWLEDGE], stats[Target.FIRST_UPDATE], stats[Target.RESOLUTION],
                  solved, first_contact, replies, len(hours), good, bad, backlog)
