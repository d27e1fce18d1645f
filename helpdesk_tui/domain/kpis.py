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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from helpdesk_tui.domain.kpi_cells import Cell, Cells
from helpdesk_tui.domain.kpi_report import (
    NO_QUEUE, UNASSIGNED, KpiReport, LocalHours, RatingComment, Window, WindowSeconds, floor_second,
)
from helpdesk_tui.domain.models import Ticket
from helpdesk_tui.domain.sla import target_breached
from helpdesk_tui.domain.vocab import Status

GOOD, BAD = "good", "bad"
COMMENTS_KEPT = 20  # the newest rating comments a report carries
# Status.is_active as a set: asked several times per ticket, a property call is measurable.
ACTIVE = frozenset(s for s in Status if s.is_active)


# -- records (what callers with a few tickets pass to ``compute``) ------------------------

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


# -- rows (what the store reads for a million tickets) -------------------------------------
# Plain tuples with moments in whole epoch seconds, as the cache keeps them (None: unknown):
# a dataclass and a few datetimes per ticket cost more than all the arithmetic below.
#
# A ticket row, in this order (the store selects the columns in it):
TICKET_ROW = ("id", "active", "assignee", "queue", "created_at", "updated_at", "first_response_at",
              "first_response_due_at", "first_update_at", "first_update_due_at", "resolution_due_at",
              "solved_at", "public_replies_before_solve", "reopened", "flips")
# ``active``: whether the status is one of ``ACTIVE`` (1 or 0 from SQLite).
# ``public_replies_before_solve`` and ``reopened`` matter only for a ticket solved in the window,
# ``reopened`` only when it had one reply (None: not looked up). ``flips``: the ticket's status
# changes in the window that started or ended its activity, as (at, became_active), oldest first.
# Deleted tickets are not passed. A reply row is (author, at, queue).
#
# A rating row is (score, at, agent, queue, comment, ticket number, moment): ``at`` in whole
# seconds counts it, ``moment`` is the datetime its comment carries (None: ``at`` itself, as the
# cache keeps it). A month of ratings is tens of thousands: a datetime is built only for the
# comments a report keeps.
TicketRow = tuple
Flips = tuple[tuple[int, bool], ...]
ReplyRow = tuple[str, int, "str | None"]
RatingRow = tuple[str, int, "str | None", "str | None", str, "int | None", "datetime | None"]


def ticket_row(facts: TicketFacts, flips: Iterable[tuple[int, bool]] = ()) -> TicketRow:
    """``facts`` as a row (moments rounded down to the second)."""
    t = facts.ticket
    second = _second
    return (t.id, t.status in ACTIVE, t.assignee, t.group, second(t.created_at), second(t.updated_at),
            second(t.first_response_at), second(t.first_response_due_at), second(t.first_update_at),
            second(t.first_update_due_at), second(t.resolution_due_at), second(t.solved_at),
            facts.public_replies_before_solve, facts.reopened, tuple(flips))


def _second(moment: datetime | None) -> int | None:
    return None if moment is None else floor_second(moment)


def compute(window: Window, tickets: Iterable[TicketFacts], changes: Iterable[StatusChange] = (),
            replies: Iterable[Reply] = (), ratings: Iterable[RatingFact] = ()) -> KpiReport:
    """The report for ``window`` from records. Records outside it are ignored, so callers may
    pass a superset; ``changes`` need only be those in the window. The records are turned into
    rows for ``compute_rows``: moments count in whole seconds, as the cache keeps them."""
    span = window.seconds()
    flips: dict[int, list[tuple[int, bool]]] = {}
    for change in changes:
        at = floor_second(change.at)
        if span.start <= at < span.end and _is_flip(change):
            flips.setdefault(change.ticket_id, []).append((at, change.after in ACTIVE))
    for seq in flips.values():
        seq.sort(key=lambda flip: flip[0])
    rows = (ticket_row(f, flips.get(f.ticket.id, ()) if f.ticket.id is not None else ())
            for f in tickets if f.ticket.deleted_at is None)
    return compute_rows(window, rows, ((r.author, floor_second(r.at), r.queue) for r in replies),
                        (rating_row(r) for r in ratings))


def rating_row(rating: RatingFact) -> RatingRow:
    """``rating`` as a row; its comment keeps the rating's own moment."""
    return (rating.score, floor_second(rating.at), rating.agent, rating.queue, rating.comment,
            rating.ticket_number, rating.at)


def _is_flip(change: StatusChange) -> bool:
    return (change.before is not None and change.after is not None
            and (change.before in ACTIVE) != (change.after in ACTIVE))


# -- computing ---------------------------------------------------------------------------

def compute_rows(window: Window, tickets: Iterable[TicketRow], replies: Iterable[ReplyRow] = (),
                 ratings: Iterable[RatingRow] = (), quiet_active: int = 0, *,
                 active_before: int | None = None) -> KpiReport:
    """The report for ``window`` from rows (see ``TICKET_ROW``). ``tickets`` and ``replies`` may
    be generators: each row is looked at once and not kept.

    ``quiet_active``: active tickets not passed as rows because all they count is one in the
    backlog of every day (created before the window, no moment of their row in it, no change
    of activity in it; ``store/kpi_data.py`` counts them).
    ``active_before``: instead of ``quiet_active``, every active ticket created before the
    window; those of them not passed as rows are the quiet ones. A count of an index with one
    test per entry: the store need not judge "quiet" for each active ticket.
    """
    span = window.seconds()
    cells = Cells(window.days(), span.day_ends)
    backlog = [0] * (len(span.day_ends) + 1)  # a difference array over the day ends
    passed_before = _add_tickets(cells, span, backlog, tickets)
    if active_before is not None:
        quiet_active = active_before - passed_before
    # What ``_add_tickets`` adds for each of them: active since before the first day's end.
    backlog[0] += quiet_active
    backlog[len(span.day_ends)] -= quiet_active

    start, end = span.start, span.end
    hour_of = LocalHours(window.tz)
    for author, at, queue in replies:
        if start <= at < end:
            cell = cells.at(_who(author, queue), at)
            cell.replies += 1
            cell.hours.add((author, hour_of(at)))

    commented: list[RatingRow] = []
    for rating in ratings:
        score, at, agent, queue, comment = rating[:5]
        if not start <= at < end or score not in (GOOD, BAD):
            continue
        cell = cells.at(_who(agent, queue), at)
        if score == GOOD:
            cell.good += 1
        else:
            cell.bad += 1
        if comment.strip():
            commented.append(rating)
    return cells.report(window, backlog, _newest_comments(commented))


def _newest_comments(commented: list[RatingRow]) -> list[RatingComment]:
    """The ``COMMENTS_KEPT`` newest comments, newest first (a stable sort: of two given in the
    same moment, the one passed first comes first)."""
    commented.sort(key=_newness, reverse=True)
    kept = []
    for score, at, agent, _, comment, number, moment in commented[:COMMENTS_KEPT]:
        kept.append(RatingComment(datetime.fromtimestamp(at, UTC) if moment is None else moment,
                                  score, comment, agent, number))
    return kept


def _newness(row: RatingRow) -> tuple[int, int]:
    """A row's moment as (whole seconds, microseconds), which orders as the moments do (zone
    offsets are whole seconds), without building a datetime for a row that has none."""
    moment = row[6]
    return row[1], 0 if moment is None else moment.microsecond


def _who(agent: str | None, queue: str | None) -> tuple[str, str]:
    return agent or UNASSIGNED, queue or NO_QUEUE


def _add_tickets(cells: Cells, span: WindowSeconds, backlog: list[int], tickets: Iterable[TicketRow]) -> int:
    """Add each ticket row's figures to ``cells`` and its active stretches to ``backlog``; how
    many of the rows are of active tickets created before the window.

    A month of a big helpdesk is hundreds of thousands of rows: the loop binds what it uses to
    locals and finds a day's cell inline (``cell_at``), which halves its cost per row.
    """
    start, end, day_ends, now = span.start, span.end, span.day_ends, span.now
    ends = span.day_ends_floor
    last = len(ends)
    rows_of = cells.rows
    n_days = len(cells.days)
    breached = target_breached
    active_before = 0
    for (_, active, agent, queue, created, updated, responded, response_due, first_update, update_due,
         resolution_due, solved_at, replies_before_solve, reopened, flips) in tickets:
        who = (agent or UNASSIGNED, queue or NO_QUEUE)
        days = rows_of.get(who)
        if days is None:
            days = rows_of[who] = [None] * n_days
        if start <= created < end:
            day = bisect_right(day_ends, created)
            cell = days[day] or _new_cell(days, day)
            cell.created += 1
        if responded is not None and start <= responded < end:
            day = bisect_right(day_ends, responded)
            cell = days[day] or _new_cell(days, day)
            cell.first_response.append(responded - created if responded > created else 0)
        # When it was solved; without a stamp from the helpdesk, its last change to inactive.
        solved = None if active else solved_at if solved_at is not None else _last_end(flips)
        if solved is not None and start <= solved < end:
            day = bisect_right(day_ends, solved)
            cell = days[day] or _new_cell(days, day)
            cell.resolution.append(solved - created if solved > created else 0)
            cell.solved += 1
            cell.first_contact += replies_before_solve == 1 and not reopened

        # Targets (in the order of ``Target.ALL``) settle where met in time or breached. Most old
        # tickets settled all of them before the window: no need to judge those.
        if ((response_due is not None and response_due >= start) or (update_due is not None and update_due >= start)
                or (resolution_due is not None and resolution_due >= start)
                or (responded is not None and responded >= start) or (first_update is not None and first_update >= start)
                or (solved_at is not None and solved_at >= start)):
            for index, due, met in ((0, response_due, responded), (1, update_due, first_update),
                                    (2, resolution_due, solved_at)):
                if due is None:
                    continue  # nothing was owed
                if breached(due, met, now, active):
                    if start <= due < end:
                        day = bisect_right(day_ends, due)
                        counts = (days[day] or _new_cell(days, day)).targets[index]
                        counts[0] += 1
                        counts[2] += 1
                elif met is not None and start <= met < end:  # met, and not late: in time
                    day = bisect_right(day_ends, met)
                    counts = (days[day] or _new_cell(days, day)).targets[index]
                    counts[0] += 1
                    counts[1] += 1

        # Active at a day's end E when since <= E < until: a difference array over the day ends.
        if created < end:
            # The two commonest cases of ``_active_spans``, inlined.
            if active:
                if created < start:
                    active_before += 1
                if not flips:  # active since created
                    backlog[bisect_left(ends, created)] += 1
                    backlog[last] -= 1
                    continue
            elif len(flips) == 1 and not flips[0][1]:  # solved once in the window: active until then
                backlog[bisect_left(ends, created)] += 1
                backlog[bisect_left(ends, flips[0][0])] -= 1
                continue
            for since, until in _active_spans(created, updated, active, solved_at, flips):
                backlog[bisect_left(ends, since)] += 1
                backlog[bisect_left(ends, until) if until is not None else last] -= 1
    return active_before


def _new_cell(days: list[Cell | None], day: int) -> Cell:
    cell = days[day] = Cell()
    return cell


def _last_end(flips: Flips) -> int | None:
    ends = [at for at, became_active in flips if not became_active]
    return ends[-1] if ends else None


def _active_spans(created: int, updated: int, active: bool, solved_at: int | None,
                  flips: Flips) -> list[tuple[int, int | None]]:
    """The stretches ``[since, until)`` (until None: still active) in which the ticket was active."""
    if flips:
        spans: list[tuple[int, int | None]] = []
        since: int | None = None if flips[0][1] else created
        for at, became_active in flips:
            if became_active and since is None:
                since = at
            elif not became_active and since is not None:
                spans.append((since, at))
                since = None
        if since is not None:
            spans.append((since, None))
        return spans
    if active:
        return [(created, None)]
    until = solved_at if solved_at is not None else updated
    return [(created, until)] if until > created else []
