"""The keyboard never types into a customer's reply by accident, Enter never sends, and
nothing the agent typed is lost when a widget fails or the cache cannot be written (#9)."""

from __future__ import annotations

import pytest

import os
import subprocess
import sys
import time
from pathlib import Path

from textual.widgets import TextArea

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.ui.screens.confirm import ConfirmScreen
from helpdesk_tui.ui.screens.help import HelpScreen
from helpdesk_tui.ui.screens.send import SendScreen
from helpdesk_tui.ui.widgets.inbox_list import InboxList

from tests.conftest import DEMO_NOW
from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)
SAVED = "Hi Aiko,\n\nthe site is back; please reload."


def first_ticket_with_draft(app, body: str = SAVED) -> int:
    """Give the ticket the inbox opens on a saved draft, before the app starts."""
    tid = app.cache.inbox_ids(app.workstation.inbox_views.current_query(), limit=1)[0]
    app.cache.save_draft(Draft(tid, MessageKind.PUBLIC_REPLY, body, DEMO_NOW, DEMO_NOW, cursor=(2, 5)))
    return tid


def draft_row(db: Path, tid: int):
    cache = Cache(db, "demo")
    try:
        with cache.connection() as conn:
            return conn.execute("SELECT * FROM drafts WHERE ticket_id = ?", (tid,)).fetchone()
    finally:
        cache.close()


async def test_inbox_keys_never_reach_a_draft_shown_under_the_cursor(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    tid = first_ticket_with_draft(app)
    before = draft_row(demo_db, tid)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert app.workstation.ticket_id == tid and app.workstation.composer is not None  # the draft is shown…
        assert app.workstation.composer.text == SAVED
        assert app.query_one(InboxList).has_focus  # …but the keyboard stays with the inbox
        await pilot.press("j", "j", "j", "k")
        await pilot.pause(0.3)  # the preview timer swaps the ticket while keys arrive
        await pilot.press("k", "k")
        await pilot.pause(0.3)
        assert app.workstation.ticket_id == tid and app.workstation.composer is not None
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        # Keys typed while the ticket is being swapped in land in the inbox, not in a text field.
        await pilot.press("j", "k", *"1jjjr")
        await pilot.pause(0.3)
        assert not isinstance(app.focused, TextArea) or app.workstation.composer.active
    assert draft_row(demo_db, tid) == before


async def test_r_and_enter_on_the_shown_draft_continue_it(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    tid = first_ticket_with_draft(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        composer = app.workstation.composer
        assert not composer.active and composer.text_area.read_only
        composer.text_area.focus()  # tab or a click reaches the draft: still read-only
        await pilot.pause()
        await pilot.press("x")
        assert composer.text == SAVED
        await pilot.press("enter")  # enter on the draft continues it
        await pilot.pause()
        assert composer.active and composer.text_area.has_focus
        await pilot.press("end", *" Thanks!")
        await pilot.pause(1.0)
        assert app.cache.draft(tid).body == SAVED + " Thanks!"
        await pilot.press("escape")
        await pilot.pause()
        app.query_one(InboxList).focus()
        app.workstation.open_ticket(tid, focus=False)
        await pilot.pause()
        assert not app.workstation.composer.active
        await pilot.press("r")
        await pilot.pause()
        assert app.workstation.composer.active and app.workstation.composer.text_area.has_focus


async def test_enter_in_the_send_dialog_never_sends(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("enter", "r", *"We found the cause and fixed it.", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SendScreen)
        assert app.screen.focused.id == "send-status"  # not a button, not the promise field
        for key in ("enter", "escape", "tab", "enter", *"+2h", "enter", "enter", "tab", "tab", "enter"):
            await pilot.press(key)
            await pilot.pause()
        assert isinstance(app.screen, SendScreen)
        assert app.cache.outbox_items() == []
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        if isinstance(app.screen, SendScreen):  # a warning to confirm: ctrl+s again
            await pilot.press("ctrl+s")
            await settle(pilot, app)
        assert len(app.cache.outbox_items()) == 1


async def test_the_note_dialog_promises_the_customer_nothing(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("enter", "n", *"Checked the logs on web-12.", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SendScreen)
        text = screen_text(app)
        assert "Add internal note" in text
        assert "customer hears" not in text and "next update" not in text
        assert not app.screen.query("#send-checkpoint")


async def test_undo_after_a_template_takes_the_template_back(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("enter", "r", "ctrl+t")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.workstation.composer.text.count("\n") > 3  # a template long enough to need a scrollbar
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert app.workstation.composer.text == ""
        assert app.is_running and app.error_guard.contained_errors == []


@pytest.mark.contains_errors
async def test_an_error_in_a_widget_keeps_the_drafts_and_the_app(demo_db, tmp_path):
    """A plain soft-wrapped TextArea still has Textual's undo bug: it stands for any widget bug."""
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("enter", "r", *"Half a reply")
        tid = app.workstation.ticket_id
        plain = TextArea(soft_wrap=True, id="plain")
        await app.screen.mount(plain)
        plain.focus()
        plain.insert("\n".join(f"line {i}" for i in range(60)))
        await pilot.pause()
        await pilot.press("ctrl+z")  # raises ValueError inside Textual
        await pilot.pause()
        assert app.is_running and len(app.error_guard.contained_errors) == 1
        assert isinstance(app.error_guard.contained_errors[0], ValueError)
        assert app.cache.draft(tid).body == "Half a reply"  # saved before anything else
        assert "ValueError" in (tmp_path / "errors.log").read_text()
        await plain.remove()
        await pilot.pause()
        assert "Something went wrong" in screen_text(app)
        app.workstation.composer.text_area.focus()
        await pilot.press(*", and the rest.")
        await pilot.pause(1.0)
        assert app.cache.draft(tid).body == "Half a reply, and the rest."


async def test_discard_asks_first_and_works_with_the_composer_closed(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    tid = first_ticket_with_draft(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert app.workstation.composer is not None and not app.workstation.composer.active
        await pilot.press("escape")  # the inbox keeps the keyboard
        app.workstation.close_composer()
        await pilot.pause()
        assert app.workstation.composer is None and app.cache.draft(tid) is not None
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Discard draft")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # enter keeps (the focused button is "Keep")
        await pilot.pause()
        assert app.cache.draft(tid).body == SAVED
        app.workstation.action_discard_draft()
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.cache.draft(tid) is None
        assert "Draft discarded." in screen_text(app)


LOCKER = """
import sqlite3, sys, time, pathlib
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
pathlib.Path(sys.argv[2]).touch()
time.sleep(float(sys.argv[3]))
conn.execute("ROLLBACK")
"""


async def test_a_draft_save_blocked_by_another_process_is_kept_retried_and_said(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("enter", "r", *"Before the lock.")
        await pilot.pause(1.0)
        tid = app.workstation.ticket_id
        flag = tmp_path / "locked"
        locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(demo_db), str(flag), "5"])
        try:
            while not flag.exists():
                time.sleep(0.05)
            started = time.monotonic()
            await pilot.press(*" Typed while locked.")
            await pilot.pause(1.5)
            assert time.monotonic() - started < 4.5  # the keyboard did not wait SQLite's 10 s
            assert app.is_running
            assert "not saved yet" in screen_text(app)
            assert "another program is writing to the cache" in app.workstation.composer.status_line
            assert app.workstation.composer.text == "Before the lock. Typed while locked."
            assert app.workstation.drafts.unsaved_draft(tid).body == "Before the lock. Typed while locked."
        finally:
            locker.wait(timeout=30)
        await pilot.pause(4.0)  # the retry timer runs every 3 s
        assert app.workstation.drafts.unsaved_drafts == {}
        assert "Draft saved again." in screen_text(app)
        assert app.cache.draft(tid).body == "Before the lock. Typed while locked."
        assert "not saved yet" not in screen_text(app)


async def test_a_full_disk_keeps_the_draft_in_memory_until_there_is_room(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("enter", "r")
        await pilot.pause()
        tid = app.workstation.ticket_id
        app.cache.close()  # one pooled connection from here on: it is the one made "full"
        with app.cache.connection() as conn:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
        long_text = "A long explanation of the fix. " * 600  # needs pages the file may not grow by
        app.workstation.composer.text_area.insert(long_text)
        app.workstation.composer.save_now()
        await pilot.pause()
        assert app.is_running and app.workstation.drafts.unsaved_draft(tid).body == long_text
        assert "not saved yet" in screen_text(app)
        assert "disk holding the cache is full" in app.workstation.composer.status_line
        await pilot.press("escape")  # closing keeps it in memory; reopening brings it back
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert app.workstation.composer.text == long_text and "not saved yet" in app.workstation.composer.status_line
        with app.cache.connection() as conn:
            conn.execute("PRAGMA max_page_count = 1073741823")
        await pilot.pause(3.5)
        assert app.workstation.drafts.unsaved_drafts == {} and app.cache.draft(tid).body == long_text
        assert "Draft saved again." in screen_text(app)


async def test_quitting_with_an_unsaved_draft_asks_for_a_second_ctrl_q(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("enter", "r")
        await pilot.pause()
        app.cache.close()
        with app.cache.connection() as conn:
            conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        app.workstation.composer.text_area.insert("Words the disk has no room for. " * 600)
        app.workstation.composer.save_now()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and "ctrl+q again quits" in screen_text(app)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


def test_a_cli_reply_or_note_leaves_the_apps_draft_alone(demo_home, tmp_path):
    db = demo_home / "data" / "accounts" / "demo.sqlite"
    cache = Cache(db, "demo")
    ticket = cache.ticket(cache.inbox_ids(__import__("helpdesk_tui.store.inbox", fromlist=["x"]).InboxQuery(),
                                          limit=1)[0])
    cache.save_draft(Draft(ticket.id, MessageKind.PUBLIC_REPLY, SAVED, DEMO_NOW, DEMO_NOW))
    cache.close()
    before = draft_row(db, ticket.id)
    body = tmp_path / "reply.md"
    body.write_text("Sent from a script.\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(demo_home)
    for extra in ([], ["--note"]):
        out = subprocess.run([sys.executable, "-m", "helpdesk_tui", "reply", str(ticket.number), "--file", str(body),
                              "--queue-only", *extra], capture_output=True, text=True, env=env, timeout=120)
        assert out.returncode == 0, out.stderr
    assert draft_row(db, ticket.id) == before
    cache = Cache(db, "demo")
    try:
        assert [i.action for i in cache.outbox_items()] == ["reply", "note"]
    finally:
        cache.close()
