"""KPIs: how support is doing over a window, per agent, per queue and per day.

Pure functions over plain records that the store reads (``store/kpi_data.py``); no clock of
their own: the window carries its end (``now``) and the agent's time zone. The report's
shapes and the median/p90 methods are in ``kpi_report.py``.

Definitions (the same in the CLI, the dashboard and the tests):

- **First-response time**: ``first_response_at - created_at`` of each ticket whose first
  public reply fell in the window, counted on that reply's day.
- **Resolution time**: ``solved - created_at`` of each ticket solved in the window (and still
  solved or closed), counted on the day it was solved.
- **Targets** (acknowledge, first update, resolution) are judged by ``sla.target_results``
  alone. A target *settles* once: when it is met in time (at that moment), or when it is
  breached (at its due moment, even if it is met later). A target counts in the window
  where it settled, so consecutive windows never count one twice. "Within target" is met in
  time / settled; a target with no due time owed nothing and is not judged.
- **First-contact resolution (FCR)**: a solved ticket whose thread has exactly one public
  agent reply before it was solved and that was never reopened, out of the solved tickets.
- **Replies per hour**: public replies / the clock hours (in the agent's zone) in which the
  agent sent at least one. For a group of agents (a queue, a day, everyone) the hours are
  added up per agent, so it stays replies per agent-hour of work.
- **Backlog**: tickets active (not solved or closed) at the end of each day; the last day
  ends at the window's end. Status changes in the window say when a ticket stopped or
  started being active; without them a ticket is active from creation until solved.
- **Satisfaction**: good / (good + bad) of the ratings given in the window.

Ticket-level figures belong to the ticket's assignee and queue; replies to their author;
ratings to the agent they name (the assignee when the rating was given). Deleted tickets
count nowhere.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from helpdesk_tui.domain.kpi_report import (
    NO_QUEUE, UNASSIGNED, KpiReport, KpiRow, RatingComment, TargetStats, Durations, Window,
)
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.sla import Target, target_results
from helpdesk_tui.domain.vocab import Status

GOOD, BAD = "good", "bad"
COMMENTS_KEPT = 20  # the newest rating comments a report carries
# Status.is_active as a set: asked several times per ticket, a property call is measurable.
ACTIVE = frozenset(s for s in Status if s.is_active)


# -- what the store reads ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TicketFacts:
    """A ticket, with what its thread and timeline say for first-contact resolution."""

    ticket: Ticket
    public_replies_before_solve: int = 0
    reopened: bool = False


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A ``status_changed`` event: ``before``/``after`` are None when the detail is unreadable."""

    ticket_id: int
    at: datetime
    before: Status | None
    after: Status | None


@dataclass(frozen=True, slots=True)
class Reply:
    author: str
    at: datetime
    queue: str | None = None


@dataclass(frozen=True, slots=True)
class RatingFact:
    ticket_id: int
    score: str  # "good" or "bad"
    at: datetime
    agent: str | None = None
    queue: str | None = None
    comment: str = ""
    ticket_number: int | None = None
    source: str = "local"


def transition(detail: str) -> tuple[Status | None, Status | None]:
    """``"open → solved"`` → (OPEN, SOLVED); a side that names no known status is None."""
    before, _, after = detail.partition("→")

    def status(text: str) -> Status | None:
        try:
            return Status(text.strip())
        except ValueError:
            return None

    return status(before), status(after)


def activity_changes() -> list[str]:
    """Every status-change detail that starts or ends a ticket's activity (what the backlog needs)."""
    return [f"{a.value} → {b.value}" for a in Status for b in Status if a.is_active != b.is_active]


def reopen_details() -> list[str]:
    """Every status-change detail that reopens a solved or closed ticket."""
    return [f"{a.value} → {b.value}" for a in Status for b in Status if not a.is_active and b.is_active]


# -- computing ---------------------------------------------------------------------------

@dataclass
class _Cell:
    """Running figures of one (agent, queue, day); cells are added up into the report's rows."""

    created: int = 0
    first_response: list[int] = field(default_factory=list)
    resolution: list[int] = field(default_factory=list)
    targets: dict[str, list[int]] = field(default_factory=lambda: {t: [0, 0, 0] for t in Target.ALL})
    solved: int = 0
    first_contact: int = 0
    replies: int = 0
    hours: set[tuple[str, date, int]] = field(default_factory=set)  # (author, day, hour) with a reply
    good: int = 0
    bad: int = 0

    def add(self, other: _Cell) -> None:
        self.created += other.created
        self.first_response += other.first_response
        self.resolution += other.resolution
        for target, counts in other.targets.items():
            mine = self.targets[target]
            for i, n in enumerate(counts):
                mine[i] += n
        self.solved += other.solved
        self.first_contact += other.first_contact
        self.replies += other.replies
        self.hours |= other.hours
        self.good += other.good
        self.bad += other.bad

    def row(self, key: str, backlog: int | None = None) -> KpiRow:
        stats = {t: TargetStats(*v) for t, v in self.targets.items()}
        return KpiRow(key, self.created, Durations.of(self.first_response), Durations.of(self.resolution),
                      stats[Target.ACKNOWLEDGE], stats[Target.FIRST_UPDATE], stats[Target.RESOLUTION],
                      self.solved, self.first_contact, self.replies, len(self.hours), self.good, self.bad,
                      backlog)


class _Cells:
    """The running cells of every (agent, queue) and day, created on first use."""

    def __init__(self, window: Window) -> None:
        self.days = window.days()
        self.day_ends = window.day_ends()
        self.rows: dict[tuple[str, str], list[_Cell | None]] = {}

    def at(self, who: tuple[str, str], moment: datetime) -> _Cell:
        """The cell of ``who`` (see ``_who``) on the day of ``moment``, which lies in the window."""
        row = self.rows.get(who)
        if row is None:
            row = self.rows[who] = [None] * len(self.days)
        # The day by its end: a bisect is several times cheaper than converting the zone.
        day = bisect_right(self.day_ends, moment)
        cell = row[day]
        if cell is None:
            cell = row[day] = _Cell()
        return cell

    def items(self) -> Iterator[tuple[tuple[str, str, date], _Cell]]:
        for (agent, queue), row in self.rows.items():
            for day, cell in zip(self.days, row):
                if cell is not None:
                    yield (agent, queue, day), cell


def _who(agent: str | None, queue: str | None) -> tuple[str, str]:
    return agent or UNASSIGNED, queue or NO_QUEUE


def compute(window: Window, tickets: Iterable[TicketFacts], changes: Iterable[StatusChange] = (),
            replies: Iterable[Reply] = (), ratings: Iterable[RatingFact] = ()) -> KpiReport:
    """The report for ``window``. Records outside it are ignored, so callers may pass a superset.

    ``changes`` need only be those in the window; ``tickets`` may be a generator: each is
    looked at once and not kept.
    """
    cells = _Cells(window)
    flips: dict[int, list[StatusChange]] = {}
    for change in changes:
        if change.at in window and _is_flip(change):
            flips.setdefault(change.ticket_id, []).append(change)
    for seq in flips.values():
        seq.sort(key=lambda c: c.at)
    day_ends = window.day_ends()
    backlog = [0] * (len(day_ends) + 1)  # a difference array over the day ends

    for facts in tickets:
        if facts.ticket.deleted_at is not None:
            continue
        ticket_flips = flips.get(facts.ticket.id, ())
        _add_ticket(cells, window, facts, ticket_flips)
        for start, end in _active_spans(facts.ticket, ticket_flips, window):
            # active at a day's end E when start <= E < end
            backlog[bisect_left(day_ends, start)] += 1
            backlog[bisect_left(day_ends, end) if end is not None else len(day_ends)] -= 1

    for reply in replies:
        if reply.at in window:
            cell = cells.at(_who(reply.author, reply.queue), reply.at)
            local = reply.at.astimezone(window.tz)
            cell.replies += 1
            cell.hours.add((reply.author, local.date(), local.hour))

    comments = []
    for rating in ratings:
        if rating.at not in window or rating.score not in (GOOD, BAD):
            continue
        cell = cells.at(_who(rating.agent, rating.queue), rating.at)
        if rating.score == GOOD:
            cell.good += 1
        else:
            cell.bad += 1
        if rating.comment.strip():
            comments.append(RatingComment(rating.at, rating.score, rating.comment, rating.agent,
                                          rating.ticket_number))
    comments.sort(key=lambda c: c.at, reverse=True)
    return _report(window, cells, backlog, comments[:COMMENTS_KEPT])


def _report(window: Window, cells: _Cells, backlog: list[int], comments: list[RatingComment]) -> KpiReport:
    total, agents, queues = _Cell(), {}, {}
    days: dict[date, _Cell] = {d: _Cell() for d in window.days()}
    for (agent, queue, day), cell in cells.items():
        for group in (total, agents.setdefault(agent, _Cell()), queues.setdefault(queue, _Cell()), days[day]):
            group.add(cell)
    running, active_at_end = 0, []
    for delta in backlog[:-1]:
        running += delta
        active_at_end.append(running)
    by_work = sorted(agents.items(), key=lambda kv: (-kv[1].replies, -kv[1].solved, kv[0]))
    return KpiReport(
        window=window,
        total=total.row("all", active_at_end[-1]),
        agents=tuple(cell.row(name) for name, cell in by_work),
        queues=tuple(cell.row(name) for name, cell in sorted(queues.items())),
        days=tuple(cell.row(d.isoformat(), active_at_end[i]) for i, (d, cell) in enumerate(days.items())),
        comments=tuple(comments),
    )


def _is_flip(change: StatusChange) -> bool:
    return (change.before is not None and change.after is not None
            and (change.before in ACTIVE) != (change.after in ACTIVE))


def _solved_moment(ticket: Ticket, flips) -> datetime | None:
    """When a solved or closed ticket was solved; the last change to inactive if the helpdesk gave no time."""
    if ticket.status in ACTIVE:
        return None
    if ticket.solved_at is not None:
        return ticket.solved_at
    ends = [c.at for c in flips if c.after not in ACTIVE]
    return ends[-1] if ends else None


def _seconds(later: datetime, earlier: datetime) -> int:
    return max(0, int((later - earlier).total_seconds()))


def _add_ticket(cells: _Cells, window: Window, facts: TicketFacts, flips) -> None:
    ticket = facts.ticket
    who = _who(ticket.assignee, ticket.group)
    start, end = window.start, window.end
    if start <= ticket.created_at < end:
        cells.at(who, ticket.created_at).created += 1
    responded = ticket.first_response_at
    if responded is not None and start <= responded < end:
        cells.at(who, responded).first_response.append(_seconds(responded, ticket.created_at))
    solved = _solved_moment(ticket, flips)
    if solved is not None and start <= solved < end:
        cell = cells.at(who, solved)
        cell.resolution.append(_seconds(solved, ticket.created_at))
        cell.solved += 1
        cell.first_contact += facts.public_replies_before_solve == 1 and not facts.reopened
    if not _may_settle_in(ticket, start):
        return
    for result in target_results(ticket, end):
        if result.due is None:
            continue  # nothing was owed
        if result.breached:
            settled = result.due
        elif result.met_in_time:
            settled = result.met_at
        else:
            continue  # still owed, not yet due
        if start <= settled < end:
            counts = cells.at(who, settled).targets[result.target]
            counts[0] += 1
            counts[2 if result.breached else 1] += 1


def _may_settle_in(ticket: Ticket, start: datetime) -> bool:
    """False when every target settled before ``start``: a target settles at its due moment or
    when it was met, so if all of those lie before the window there is nothing to judge."""
    for moment in (ticket.first_response_due_at, ticket.first_update_due_at, ticket.resolution_due_at,
                   ticket.first_response_at, ticket.first_update_at, ticket.solved_at):
        if moment is not None and moment >= start:
            return True
    return False


def _active_spans(ticket: Ticket, flips, window: Window) -> list[tuple[datetime, datetime | None]]:
    """The stretches ``[start, end)`` (end None: still active) in which the ticket was active."""
    if ticket.created_at >= window.end:
        return []
    if flips:
        spans, since = [], ticket.created_at if flips[0].before in ACTIVE else None
        for change in flips:
            if change.after in ACTIVE and since is None:
                since = change.at
            elif change.after not in ACTIVE and since is not None:
                spans.append((since, change.at))
                since = None
        if since is not None:
            spans.append((since, None))
        return spans
    if ticket.status in ACTIVE:
        return [(ticket.created_at, None)]
    end = ticket.solved_at or ticket.updated_at
    return [(ticket.created_at, end)] if end > ticket.created_at else []
