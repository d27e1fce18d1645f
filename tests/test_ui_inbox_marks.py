"""Marking tickets in the inbox and one action on all of them (issue 11), driven by keys and
the mouse (Pilot) on a copy of the demo workspace at DEMO_NOW."""

from __future__ import annotations

import random
import time
from array import array

from textual.app import App, ComposeResult

from helpdesk_tui.domain.models import InboxRow
from helpdesk_tui.domain.vocab import Priority, Status
from helpdesk_tui.ui.screens.triage_pickers import ChoicePicker, TagPrompt
from helpdesk_tui.ui.themes import APP_THEME_VARIABLE_DEFAULTS
from helpdesk_tui.ui.widgets.inbox_list import MARK, InboxList

from tests.conftest import DEMO_NOW
from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)
BURSTS = 15  # of ten keys each


def record_notifications(app) -> list[str]:
    calls: list[str] = []
    original = app.notify

    def notify(message, **kw):
        calls.append(str(message))
        original(message, **kw)

    app.notify = notify
    return calls


def marked_lines(app) -> int:
    """Inbox lines that show the mark in their first column."""
    return sum(line.lstrip("│ ").startswith(MARK) for line in screen_text(app).splitlines())


def queued_items(app):
    return [i for i in app.cache.outbox_items() if i.state == "queued"]


async def all_view(pilot, app) -> InboxList:
    """The "All" view (1,200 tickets), wholly loaded, with the inbox focused."""
    await settle(pilot, app)
    await pilot.press("6")
    await settle(pilot, app)
    inbox = app.query_one(InboxList)
    assert inbox.has_focus and len(inbox.ids) > 1000
    return inbox


async def test_three_marked_with_space_get_one_status_each_through_the_outbox_and_the_marks_go(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        first_three = list(inbox.ids[:3])
        await pilot.press("space", "space", "space")
        assert inbox.marked == set(first_three) and inbox.cursor == 3  # each mark moves down
        text = screen_text(app)
        assert "3 marked" in text
        assert marked_lines(app) == 3  # the mark column
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePicker)
        await pilot.press(*"pend", "enter")
        await settle(pilot, app)
        items = queued_items(app)
        assert sorted(i.ticket_id for i in items) == sorted(first_three)  # one item per ticket
        assert {i.action for i in items} == {"update"} and {i.payload["status"] for i in items} == {"pending"}
        assert all(app.cache.ticket(t).status == Status.PENDING for t in first_three)
        assert inbox.marked == set() and "marked" not in screen_text(app).splitlines()[2]
        assert any(c.startswith("Set 3 tickets to pending: #") for c in calls)


async def test_with_nothing_marked_the_action_applies_to_the_ticket_under_the_cursor(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        await pilot.press("down")
        current = inbox.current_id
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("4", "enter")  # the picker's "4 low"
        await settle(pilot, app)
        [item] = queued_items(app)
        assert item.ticket_id == current and item.payload["priority"] == "low"
        assert app.cache.ticket(current).priority == Priority.LOW


async def test_shift_click_marks_without_opening_and_a_click_does_not_mark(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        third, fifth = inbox.ids[2], inbox.ids[4]
        # Row n of the list is at y = n + 2: under the border and the header.
        await pilot.click(InboxList, offset=(10, 4), shift=True)
        await pilot.click(InboxList, offset=(10, 6), shift=True)
        await settle(pilot, app)
        assert inbox.marked == {third, fifth}
        assert "2 marked" in screen_text(app)
        await pilot.click(InboxList, offset=(10, 6), shift=True)  # again: unmarked
        await settle(pilot, app)
        assert inbox.marked == {third}
        await pilot.click(InboxList, offset=(10, 3))
        await settle(pilot, app)
        assert inbox.marked == {third} and inbox.cursor == 1  # a plain click moves, never marks


async def test_escape_clears_the_marks_first(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        await pilot.press("v", "v")
        assert len(inbox.marked) == 2
        await pilot.press("escape")
        await settle(pilot, app)
        assert inbox.marked == set() and "2 marked tickets unmarked." in calls
        assert "marked" not in screen_text(app).splitlines()[2]
        assert marked_lines(app) == 0


async def test_marks_kept_across_pages_are_all_acted_on_in_list_order(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        await pilot.press("space")  # the first ticket
        await pilot.press(*["pagedown"] * 8)  # hundreds of rows further down
        await pilot.press("space")
        await pilot.press("end")  # the last ticket of the view
        await pilot.press("space")
        last = inbox.ids[-1]
        assert last in inbox.marked and len(inbox.marked) == 3
        wanted = inbox.targets()
        assert wanted[0] == inbox.ids[0] and wanted[-1] == last
        await pilot.press("home")
        await settle(pilot, app)
        assert inbox.cursor == 0 and len(inbox.marked) == 3  # scrolling back kept every mark
        await pilot.press("A")
        await pilot.pause()
        await pilot.press(*"Zed Nobody", "enter")  # a name no ticket has yet: every mark changes
        await settle(pilot, app)
        items = queued_items(app)
        assert [i.ticket_id for i in items] == wanted  # in the list's order, once each
        assert {i.payload["assignee"] for i in items} == {"Zed Nobody"}


async def test_a_view_switch_clears_the_marks_and_says_how_many_first(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        await pilot.press("space", "space")
        await pilot.press("2")  # Unassigned
        await settle(pilot, app)
        assert inbox.marked == set()
        assert "2 marked tickets unmarked: the view changed." in calls
        await pilot.press("a")  # nothing marked: takes the ticket under the cursor only
        await settle(pilot, app)
        assert len(queued_items(app)) == 1


async def test_U_takes_the_last_inbox_action_back_while_it_is_queued(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        targets = list(inbox.ids[:2])
        before = {t: app.cache.ticket(t).assignee for t in targets}
        await pilot.press("space", "space", "A")
        await pilot.pause()
        await pilot.press(*"dana", "enter")
        await settle(pilot, app)
        assert {app.cache.ticket(t).assignee for t in targets} == {"dana"}
        assert any(c.startswith("Assigned 2 tickets to dana") for c in calls)
        await pilot.press("U")
        await settle(pilot, app)
        assert app.cache.outbox_items() == []
        assert {t: app.cache.ticket(t).assignee for t in targets} == before
        assert calls[-1].startswith("Undone: assigned #")


async def test_a_tag_on_a_helpdesk_without_tags_stays_in_the_cache_and_says_so(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)  # no backend: nothing known about tags, so they stay local
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        targets = list(inbox.ids[:2])
        await pilot.press("space", "space", "plus")
        await pilot.pause()
        assert isinstance(app.screen, TagPrompt) and "this helpdesk has no tags" in screen_text(app)
        await pilot.press(*"VIP customer", "enter")
        await settle(pilot, app)
        assert all("vip-customer" in app.cache.ticket(t).tags for t in targets)
        assert app.cache.outbox_items() == []
        assert any("has no tags: the tag is kept in this cache only" in c for c in calls)


async def test_an_inbox_action_is_not_counted_in_the_triage_rotation(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await all_view(pilot, app)
        await pilot.press("a")
        await settle(pilot, app)
        assert len(queued_items(app)) == 1
        await pilot.press("t")
        await settle(pilot, app)
        assert "0 handled" in screen_text(app)
        await pilot.press("u")  # triage's undo does not reach the inbox's action
        await settle(pilot, app)
        assert len(queued_items(app)) == 1


async def test_random_keys_on_the_inbox_with_marks_never_crash(demo_db, tmp_path):
    keys = (["space", "v", "j", "k", "down", "up", "pagedown", "pageup", "home", "end", "escape", "a", "U",
             "s", "p", "A", "plus", "enter", "tab", "shift+tab", "1", "2", "6", "g", "G"] + list("xyz1234"))
    rng = random.Random(11)
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await all_view(pilot, app)
        for _ in range(BURSTS):
            burst = [rng.choice(keys) for _ in range(10)]
            await pilot.press(*burst)
            await pilot.pause()
            assert app.is_running
            if app.screen is not app.workstation:
                await pilot.press("escape")  # out of a picker, or back from a ticket screen
                await pilot.pause()
        await settle(pilot, app)
        assert app.is_running  # and the error guard contained nothing (conftest fails the test if it did)
        for item in app.cache.outbox_items():
            assert item.action == "update"  # only the inbox's actions went out


async def test_marks_at_200k_tickets_are_ids_kept_across_paging_and_read_in_list_order_at_once():
    """The inbox list alone, over 200,000 ticket ids whose rows are made up on demand."""
    total = 200_000
    fetched: list[int] = []

    def rows(ids):
        fetched.extend(ids)
        return [InboxRow(i, 100_000 + i, f"Ticket {i}", Status.OPEN, Priority.NORMAL, None, "Customer", "",
                         DEMO_NOW, None, None) for i in ids]

    class ListApp(App[None]):
        def get_theme_variable_defaults(self) -> dict[str, str]:
            return dict(APP_THEME_VARIABLE_DEFAULTS)  # the SLA colours the list's CSS names

        def compose(self) -> ComposeResult:
            yield InboxList(rows, lambda: DEMO_NOW)

    app = ListApp()
    async with app.run_test(size=(100, 30)) as pilot:
        inbox = app.query_one(InboxList)
        inbox.set_ids(array("q", range(total, 0, -1)))  # ids in the view's order, not sorted
        inbox.focus()
        await pilot.pause()
        await pilot.press("space", "space")  # ids 200000 and 199999
        await pilot.press(*["pagedown"] * 30, "space")
        middle = inbox.ids[inbox.cursor - 1]
        await pilot.press("end", "space")  # the last: id 1
        await pilot.press("home")
        await pilot.pause()
        assert inbox.marked == {total, total - 1, middle, 1}
        assert len(fetched) < 5_000  # only the rows drawn were read, never the 200k
        started = time.perf_counter()
        targets = inbox.targets()
        elapsed = time.perf_counter() - started
        assert targets == [total, total - 1, middle, 1]
        assert elapsed < 0.5, f"reading the marks in list order took {elapsed:.2f} s"
        assert sum(line.lstrip().startswith(MARK) for line in
                   "\n".join(s.text for s in app.screen._compositor.render_strips()).splitlines()) == 2
