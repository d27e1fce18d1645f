"""Product feedback for the demo: a few customer messages an agent marked for engineering.

So `helpdesk-tui insights export` on the demo shows what the export is for. Deterministic
(seeded from the workspace's seed, drawn in ticket order); the note is what the agent took
from the message, by the ticket's topic tag.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from helpdesk_tui.config.settings import DEMO_AGENT
from helpdesk_tui.store.feedback import mark_feedback
from helpdesk_tui.store.timeconv import from_epoch_not_null

MARK_SHARE = 0.03  # of tickets with a topic below, whose first message an agent marked
NOTES = {
    "ssl": "Wants an e-mail warning a week before a certificate expires.",
    "dns": "Asks for a propagation checker in the control panel.",
    "backup": "Would restore a single folder from the panel instead of the whole site.",
    "billing": "Invoice should show the VAT number on the first page.",
    "refund": "Expected the refund status to be visible in the account.",
    "2fa": "Asks for backup codes when enabling two-factor login.",
    "performance": "Would like a page-speed report per site.",
    "email": "Wants bounce reasons shown in the mail log, not only codes.",
    "php": "Asks to switch PHP versions per folder.",
    "cancellation": "Could not find how to cancel in the panel: make it findable.",
}


def add_demo_feedback(conn, *, seed: int, now: datetime) -> int:
    """Mark feedback on the demo's tickets; returns how many marks. The caller owns the transaction."""
    rnd = random.Random(seed * 7919 + 17)
    marks = 0
    rows = conn.execute("SELECT t.id, t.tags, t.assignee, m.id, m.created_at FROM tickets t "
                        "JOIN messages m ON m.id = (SELECT id FROM messages WHERE ticket_id = t.id "
                        "AND kind = 'customer' ORDER BY created_at, id LIMIT 1) ORDER BY t.id").fetchall()
    for ticket_id, tags, assignee, message_id, created in rows:
        note = next((NOTES[tag] for tag in _tags(tags) if tag in NOTES), None)
        if note is None or rnd.random() >= MARK_SHARE:
            continue
        marked = min(from_epoch_not_null(created) + timedelta(minutes=5 + int(rnd.random() * 600)), now)
        mark_feedback(conn, ticket_id, marked, message_id=message_id, note=note, author=assignee or DEMO_AGENT.name)
        marks += 1
    return marks


def _tags(text: str) -> list[str]:
    return [str(t) for t in json.loads(text or "[]")]
