"""The shape of the demo helpdesk: SLA targets, how many tickets are active at what age,
how long threads get. Tables are expanded once so the hot loop draws with one index.

Hot-path objects are built positionally (3x faster than keywords for ``Ticket``); the
field order is checked here at import so a model change fails loudly, not silently.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

from helpdesk_tui.demo.text_common import TOPICS
from helpdesk_tui.domain.models import Event, Message, Ticket
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status

SPAN = 180 * 86400  # tickets cover the last 180 days
MIN_AGE = 90
RICH_LIMIT = 20_000  # above this, threads get short so a million tickets stay ~1.3M messages
LONG_THREAD = 50
FIRST_RESPONSE_TARGET = {Priority.URGENT: 3600, Priority.HIGH: 4 * 3600,
                         Priority.NORMAL: 8 * 3600, Priority.LOW: 24 * 3600}
RESOLUTION_TARGET = {Priority.URGENT: 8 * 3600, Priority.HIGH: 24 * 3600,
                     Priority.NORMAL: 72 * 3600, Priority.LOW: 168 * 3600}
# The default SLA policy's time to acknowledge: demo agents answer most tickets within it,
# so the KPIs show a team that mostly keeps its targets (and sometimes does not).
ACKNOWLEDGE_TARGET = 600
AUTO_CLOSE = 4 * 86400

CUST, PUB, NOTE, SYS = (MessageKind.CUSTOMER, MessageKind.PUBLIC_REPLY,
                        MessageKind.INTERNAL_NOTE, MessageKind.SYSTEM)
NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED = (Status.NEW, Status.OPEN, Status.PENDING,
                                               Status.ON_HOLD, Status.SOLVED, Status.CLOSED)
PRIORITIES = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)


def _table(weights: dict, size: int = 1000) -> tuple:
    """Expand {value: weight} into a lookup table indexed by ``int(random() * len)``."""
    total = sum(weights.values())
    table: list = []
    for value, weight in weights.items():
        table.extend([value] * round(weight * size / total))
    return tuple(table)


TOPIC_TABLE = _table({i: t.weight for i, t in enumerate(TOPICS)}, 200)
PRIORITY_TABLES = tuple(_table(dict(zip(PRIORITIES, t.priorities, strict=True)), 20) for t in TOPICS)
RICH_LENGTHS = _table({1: 3, 2: 22, 3: 18, 4: 15, 5: 10, 6: 8, 7: 6, 8: 4,
                        **{n: 2 for n in range(9, 13)}, **{n: 0.5 for n in range(13, 21)},
                        **{n: 0.1 for n in range(21, 41)}}, 1000)
LEAN_LENGTHS = _table({1: 78, 2: 16, 3: 4, 4: 1.5, 5: 0.5}, 200)
# Active tickets by age: young ones are mostly untouched, old ones mostly waiting.
ACTIVE_AGES = (2 * 3600, 86400, 7 * 86400)  # bucket i holds ages below ACTIVE_AGES[i]
ACTIVE_TABLES = (
    _table({NEW: 75, OPEN: 25}, 100),
    _table({NEW: 30, OPEN: 35, PENDING: 30, ON_HOLD: 5}, 100),
    _table({NEW: 6, OPEN: 36, PENDING: 42, ON_HOLD: 16}, 100),
    _table({NEW: 2, OPEN: 30, PENDING: 38, ON_HOLD: 30}, 100),
)
# Share of tickets still active, by age: most old tickets are solved or closed.
SHARE_AGES = (6 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 90 * 86400)
ACTIVE_SHARES = (0.97, 0.9, 0.75, 0.5, 0.2, 0.07, 0.015, 0.004)
CHECKPOINT_SHARE = {OPEN: 0.5, PENDING: 0.35, ON_HOLD: 0.7}
TRANSITION = {(a, b): f"{a.value} → {b.value}" for a in Status for b in Status}
CHANNELS = ("email", "email", "web form", "chat")
VALUE: dict[Status | Priority, str] = {**{s: s.value for s in Status}, **{p: p.value for p in Priority}}
FRT_DELTA = {p: timedelta(seconds=s) for p, s in FIRST_RESPONSE_TARGET.items()}
RES_DELTA = {p: timedelta(seconds=s) for p, s in RESOLUTION_TARGET.items()}

_TICKET_FIELDS = ("number", "subject", "status", "priority", "requester_id", "created_at", "updated_at",
                  "organization_id", "assignee", "group", "tags", "custom_fields", "status_raw",
                  "priority_raw", "first_response_at", "first_response_due_at", "next_checkpoint_at",
                  "resolution_due_at", "solved_at", "version", "deleted_at", "id", "remote_id")
_MESSAGE_FIELDS = ("ticket_id", "kind", "author", "body", "created_at", "body_format", "attachments", "id",
                   "remote_id")
_EVENT_FIELDS = ("ticket_id", "kind", "at", "actor", "detail", "id")
for _cls, _names in ((Ticket, _TICKET_FIELDS), (Message, _MESSAGE_FIELDS), (Event, _EVENT_FIELDS)):
    if tuple(f.name for f in fields(_cls))[:len(_names)] != _names:  # pragma: no cover
        raise ImportError(f"demo generator: {_cls.__name__} fields changed, update demo/shape.py and demo/threads.py")
SCREENSHOT = "screenshot.png"

# What every workspace must show; forced near the end of the stream if chance did not provide.
REQUIREMENTS = ("breach", "checkpoint_soon", "pending", "unassigned_new", "mine",
                "open", "on_hold", "new", "low", "normal", "high", "urgent")
