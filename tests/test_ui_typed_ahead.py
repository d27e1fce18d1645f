"""A hurried agent types the key that opens a box and what goes in it in one burst, as a
terminal delivers it: every character must land in the box, none on the inbox behind it
(where 's', 't' and 'a' set a status, open triage and take a ticket)."""

from __future__ import annotations

import sqlite3

from textual import events
from textual.widgets import Input

from helpdesk_tui.domain.query import describe
from helpdesk_tui.ui.screens.search import SearchScreen

from tests.ui_support import make_app, settle

SIZE = (120, 40)
CHARACTERS = {"slash": "/", "colon": ":", "space": " ", "enter": "\r", "number_sign": "#"}


def burst(app, *keys: str) -> None:
    """Post every key at once: none waits for the one before to be handled."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None)))


def typed(text: str) -> list[str]:
    return [{":": "colon", " ": "space", "#": "number_sign"}.get(c, c) for c in text]


def rows(db, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


async def test_slash_and_a_filter_typed_in_one_burst_filter_the_inbox_and_act_on_nothing(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        before = rows(demo_db, "outbox"), rows(demo_db, "triage_actions")
        burst(app, "slash", *typed("status:pending tag:billing"), "enter")
        await settle(pilot, app)
        assert app.screen is app.workstation  # no picker, no triage, no jump prompt opened
        assert describe(app.workstation.inbox_views.filter) == "status:pending tag:billing"
        assert (rows(demo_db, "outbox"), rows(demo_db, "triage_actions")) == before


async def test_ctrl_k_and_words_typed_in_one_burst_search_for_them(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        burst(app, "ctrl+k", *typed("password"))
        await settle(pilot, app)
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_one("#search-query", Input).value == "password"
