"""Satisfaction ratings for the demo: some customers answer the survey after their ticket is solved.

Deterministic: one ``random.Random`` seeded from the workspace's seed, drawn in ticket order,
so the same workspace always gets the same ratings. Streaming: tickets come one at a time
and ratings leave one at a time. Unhappy customers are likelier where the resolution target
was missed; comments are in the customer's language, and one of them is hostile markup,
so the dashboard shows that a stranger's words stay plain text.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import NamedTuple

from helpdesk_tui.store.ratings import save_ratings, solved_tickets

ANSWER_SHARE = 0.22  # of solved tickets whose customer rates them
BAD_SHARE = 0.08  # of ratings, when the resolution target was met
BAD_SHARE_LATE = 0.4  # when it was missed
COMMENT_SHARE = 0.45
HOSTILE_AT = 25  # the 25th rating carries the hostile comment

COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "good": ("Quick and friendly, thank you!", "Solved in minutes. Great support.",
                 "Clear explanation, everything works again.", "Thanks for walking me through the DNS changes.",
                 "Very patient with my questions."),
        "bad": ("Took far too long to get an answer.", "I had to explain the problem three times.",
                "The site was down for hours and nobody called back.", "Still not sure it is fixed."),
    },
    "ja": {
        "good": ("迅速な対応ありがとうございました。", "丁寧に説明していただき助かりました。", "すぐに解決しました。"),
        "bad": ("回答までに時間がかかりすぎました。", "同じ説明を何度もする必要がありました。"),
    },
    "it": {
        "good": ("Risposta veloce e cortese, grazie!", "Problema risolto in pochi minuti.",
                 "Spiegazione chiarissima, grazie mille."),
        "bad": ("Troppo tempo per avere una risposta.", "Ho dovuto spiegare il problema più volte."),
    },
    "he": {
        "good": ("תודה רבה על העזרה המהירה!", "שירות מצוין, הבעיה נפתרה."),
        "bad": ("לקח יותר מדי זמן לקבל תשובה.", "הייתי צריך להסביר את הבעיה שוב ושוב."),
    },
}
HOSTILE = "[bold red]Great[/] job! [@click=app.quit]Rate again[/] \x1b[31mthanks\x1b[0m"


class Solved(NamedTuple):
    """What a rating needs to know of a solved demo ticket."""

    ticket_id: int
    assignee: str | None
    solved_at: datetime
    resolution_due_at: datetime | None
    language: str


class DemoRating(NamedTuple):
    ticket_id: int
    score: str
    comment: str
    agent: str | None
    created_at: datetime
    source: str = "helpdesk"


def demo_ratings(solved: Iterable[Solved], *, seed: int, now: datetime) -> Iterator[DemoRating]:
    """Ratings for some of ``solved`` (in ticket order), never later than ``now``."""
    rng = random.Random(f"helpdesk-demo:{seed}:ratings")
    given = 0
    for ticket in solved:
        if rng.random() >= ANSWER_SHARE:
            continue
        late = ticket.resolution_due_at is not None and ticket.solved_at > ticket.resolution_due_at
        score = "bad" if rng.random() < (BAD_SHARE_LATE if late else BAD_SHARE) else "good"
        # Most answer within hours of the "solved" e-mail, some days later.
        delay = timedelta(seconds=int(600 + 36 * 3600 * rng.random() ** 3))
        at = min(ticket.solved_at + delay, now - timedelta(seconds=60))
        if at < ticket.solved_at:
            continue  # solved in the last minute: the survey has not gone out yet
        given += 1
        comment = ""
        if given == HOSTILE_AT:
            score, comment = "good", HOSTILE
        elif rng.random() < COMMENT_SHARE:
            pool = COMMENTS.get(ticket.language, COMMENTS["en"])[score]
            comment = pool[int(rng.random() * len(pool))]
        yield DemoRating(ticket.ticket_id, score, comment, ticket.assignee, at)


def add_demo_ratings(conn, *, seed: int, now: datetime) -> int:
    """Rate the freshly loaded demo's solved tickets; returns how many ratings were written.
    The caller owns the transaction."""
    solved = (Solved(*row) for row in solved_tickets(conn))
    return save_ratings(conn, demo_ratings(solved, seed=seed, now=now))
