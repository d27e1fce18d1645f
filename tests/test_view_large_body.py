"""A huge message body: the ticket shows at once, the rest is laid out without freezing."""

from __future__ import annotations

import random
import time

import pytest

from helpdesk_tui.store import writer
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.tickets import thread
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.thread_view import LOOKAHEAD, ThreadView

from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)
FIVE_MB = 5_000_000
WORDS = ["connection", "timeout", "while", "fetching", "/var/log/app.log", "retrying", "[bold]x[/]",
         "**not bold**", "# no heading", "ok"]


def log_body(size: int, *, seed: int = 3) -> str:
    """A pasted log: many short lines of words, first line recognisable."""
    rng = random.Random(seed)
    lines = ["FIRST LINE of the pasted log"]
    total = len(lines[0])
    while total < size:
        line = f"{len(lines):07d} " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 20)))
        lines.append(line)
        total += len(line) + 1
    lines.append("LAST LINE of the pasted log")
    return "\n".join(lines)


def put_body(demo_db, body: str, body_format: str) -> int:
    """Make the first customer message of the inbox's first ticket ``body``; return the ticket id."""
    conn = open_database(demo_db)
    tid = conn.execute("SELECT id FROM tickets ORDER BY sla_key LIMIT 1").fetchone()[0]
    message = thread(conn, tid)[0]
    message.body, message.body_format = body, body_format
    with transaction(conn):
        writer.save_messages(conn, [message])
    conn.close()
    return tid


@pytest.mark.parametrize("body_format, wrap", [
    ("text", lambda body: body),
    ("markdown", lambda body: body),
    ("html", lambda body: "<div>" + body.replace("\n", "<br>\n") + "</div>"),
])
async def test_a_five_megabyte_body_shows_its_first_lines_within_a_second_and_a_half(
        demo_db, tmp_path, body_format, wrap):
    body = wrap(log_body(FIVE_MB))
    assert len(body) >= FIVE_MB
    tid = put_body(demo_db, body, body_format)
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.query_one(InboxList).current_id == tid
        app.workstation.open_ticket(app.query_one(InboxList).ids[1], focus=False)  # move off, then back
        await pilot.pause()
        started = time.perf_counter()
        app.workstation.open_ticket(tid, focus=False)
        await pilot.pause()
        elapsed = time.perf_counter() - started
        assert "FIRST LINE of the pasted log" in screen_text(app)
        # 12 s before the body came in pieces; about 0.05 s after, on a 2-core box.
        assert elapsed < 1.5, f"showing the ticket took {elapsed:.2f} s"


async def test_a_huge_body_is_laid_out_only_a_few_thousand_lines_ahead_of_the_screen(demo_db, tmp_path):
    tid = put_body(demo_db, log_body(FIVE_MB), "text")
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.workstation.open_ticket(tid, focus=True)
        await pilot.pause(1.0)
        view = app.query_one(ThreadView)
        assert not view.complete
        assert LOOKAHEAD <= view.lines_laid_out < LOOKAHEAD + 1000
        assert view.virtual_size.height > 50_000  # the scrollbar still tells how long it is
        await pilot.press("space")  # paging on lays out more as it goes
        await pilot.pause()
        assert "FIRST LINE" not in screen_text(app)


async def test_the_app_stays_responsive_while_G_lays_out_a_huge_body_and_shows_its_end(demo_db, tmp_path):
    tid = put_body(demo_db, log_body(FIVE_MB), "text")
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.workstation.open_ticket(tid, focus=True)
        await pilot.pause()
        view = app.query_one(ThreadView)
        beats: list[float] = []
        app.set_interval(0.02, lambda: beats.append(time.perf_counter()))
        await pilot.press("G")
        deadline = time.perf_counter() + 60
        while not view.complete and time.perf_counter() < deadline:
            await pilot.pause(0.05)
        assert view.complete
        await pilot.pause(0.05)
        assert "LAST LINE of the pasted log" in screen_text(app)
        # The longest the event loop was busy without a heartbeat: laying out the whole
        # 5 MB in one go was 12 s.
        longest = max(b - a for a, b in zip(beats, beats[1:], strict=False))
        assert longest < 0.5, f"the app did not answer for {longest:.2f} s"
