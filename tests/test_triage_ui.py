"""Rotation triage driven by keys (Pilot), on a copy of the demo workspace at DEMO_NOW."""

from __future__ import annotations

import dataclasses

import pytest

from helpdesk_tui import cli
from helpdesk_tui.cli import triage as triage_commands
from helpdesk_tui.cli.context import Context
from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.errors import UserError
from helpdesk_tui.store import tickets, writer
from helpdesk_tui.store.db import transaction
from helpdesk_tui.store.triage_desk import TriageDesk
from helpdesk_tui.sync.contract import Capabilities
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.ui.screens.help import HelpScreen
from helpdesk_tui.ui.screens.triage import TriageScreen
from helpdesk_tui.ui.screens.triage_pickers import ChoicePicker, EscalationEditor, TagPrompt
from helpdesk_tui.ui.widgets.triage_list import MARK, TriageList

from tests.conftest import DEMO_NOW
from tests.ui_support import make_app, screen_text, settle

SIZE = (150, 42)
FIRST = 10405  # breached for weeks: the most urgent unowned ticket of the demo workspace


def record_notifications(app) -> list[tuple[str, dict]]:
    calls: list[tuple[str, dict]] = []
    original = app.notify

    def notify(message, **kw):
        calls.append((str(message), kw))
        original(message, **kw)

    app.notify = notify
    return calls


async def open_triage(pilot, app) -> TriageScreen:
    await settle(pilot, app)
    await pilot.press("t")
    await settle(pilot, app)
    assert isinstance(app.screen, TriageScreen)
    return app.screen


def queue_numbers(screen: TriageScreen) -> list[int]:
    return [row.number for row in screen.query_one(TriageList).rows]


async def until(pilot, condition, *, frames: int = 200) -> bool:
    """Let the app run frame by frame until ``condition()`` holds (the palette searches
    after a debounce, with no worker to wait on)."""
    for _ in range(frames):
        if condition():
            return True
        await pilot.pause(0.01)
    return condition()


def store_order(app) -> list[int]:
    """The queue as the store has it (its SLA order is checked in test_triage_store.py)."""
    desk = TriageDesk(app.cache, "probe", sends_tags=False, now=DEMO_NOW)
    return [row.number for row in desk.rows(desk.queue_ids())]


def queued_items(app):
    return [i for i in app.cache.outbox_items() if i.state == "queued"]


def waiting(app) -> int:
    """How many tickets the queue must hold, counted straight from the table."""
    with app.cache.connection() as conn:
        return conn.execute("SELECT count(*) FROM tickets WHERE assignee IS NULL AND deleted_at IS NULL"
                            " AND status IN ('new', 'open', 'pending', 'on_hold')").fetchone()[0]


def first_customer_line(app, number: int) -> str:
    """The first line of the customer's first message on ticket ``number``, straight from the table."""
    with app.cache.connection() as conn:
        (body,) = conn.execute("SELECT message_body(m.body) FROM messages m JOIN tickets t ON t.id = m.ticket_id"
                               " WHERE t.number = ? AND m.kind = 'customer' ORDER BY m.created_at, m.id LIMIT 1",
                               (number,)).fetchone()
    return body.strip().splitlines()[0].rstrip()


async def test_t_opens_the_queue_in_sla_order_with_the_first_message_and_an_empty_tally(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_triage(pilot, app)
        queue = store_order(app)
        n = waiting(app)
        assert queue_numbers(screen) == queue and len(queue) == n > 1 and queue[0] == FIRST
        text = screen_text(app)
        assert f"Triage · new and unassigned · {n}" in text and f"{n} waiting" in text
        assert "0 handled" in text and "nothing yet" in text
        lines = text.splitlines()
        assert "10405" in next(line for line in lines if "SSL証明書の期限切れ" in line)
        assert "#10405 SSL証明書の期限切れ" in text  # the preview's title
        assert "NET::ERR_CERT_DATE_INVALID" in text  # the customer's first message
        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, TriageScreen)


async def test_taking_queues_one_update_and_the_ticket_leaves_the_queue_with_a_notice(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=None)  # offline: the action waits in the outbox
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_triage(pilot, app)
        queue = store_order(app)
        await pilot.press("a")
        await settle(pilot, app)
        [item] = queued_items(app)
        assert item.payload["assignee"] == "Aiko Tanaka" and item.action == "update"
        assert app.cache.find_ticket("10405").assignee == "Aiko Tanaka"
        assert queue_numbers(screen) == queue[1:] == store_order(app)
        assert [message for message, _ in calls] == ["Taken by Aiko Tanaka: #10405. Left the queue."]
        text = screen_text(app)
        assert "1 handled" in text and "took 1" in text and "#10405 took" in text and "↑1 queued" in text
        assert screen.query_one(TriageList).current_id == app.cache.find_ticket(str(queue[1])).id


async def test_two_takes_back_to_back_take_the_first_two_tickets(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_triage(pilot, app)
        first, second = store_order(app)[:2]
        screen.action_take()  # two keys handled back to back, before the queue's reload runs
        screen.action_take()
        await settle(pilot, app)
        assert sorted(app.cache.ticket(i.ticket_id).number for i in queued_items(app)) == sorted([first, second])


async def test_marked_tickets_take_one_key_together_and_undo_takes_them_back(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_triage(pilot, app)
        second, third = store_order(app)[1:3]
        before = {n: app.cache.find_ticket(str(n)).priority for n in (second, third)}
        await pilot.press("down", "space", "space")  # marks the second and third tickets
        assert MARK in screen_text(app) and "2 marked" in screen_text(app)
        await pilot.press("4")
        await settle(pilot, app)
        items = queued_items(app)
        assert sorted(app.cache.ticket(i.ticket_id).number for i in items) == sorted([second, third])
        assert {i.payload["priority"] for i in items} == {"low"}
        assert screen.query_one(TriageList).marked == set()
        assert "2 handled" in screen_text(app) and "prioritised 2" in screen_text(app)
        await pilot.press("u")
        await settle(pilot, app)
        assert app.cache.outbox_items() == []
        assert {n: app.cache.find_ticket(str(n)).priority for n in (second, third)} == before
        assert screen.query_one(TriageList).current_id == app.cache.find_ticket(str(second)).id
        assert "0 handled" in screen_text(app)


async def test_escalation_by_keys_queues_the_completed_note_and_the_assignment_and_sends_them(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=DemoBackend())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_triage(pilot, app)
        queue = store_order(app)
        # Not the first ticket, and one whose subject the template must not escape.
        number = next(n for n in queue[1:] if "'" in app.cache.find_ticket(str(n)).subject)
        await pilot.press(*["down"] * queue.index(number))
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ChoicePicker)
        await pilot.press(*"dana", "enter")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, EscalationEditor)
        area = editor.query_one("#escalation-text")
        subject = app.cache.find_ticket(str(number)).subject
        assert area.text.startswith(f"**Escalated to dana** by Aiko Tanaka: ticket #{number}, \"{subject}\"\n")
        assert f"\n> {first_customer_line(app, number)}\n" in area.text
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EscalationEditor)  # not queued while fill-ins remain
        assert "Still to write: what you looked at, and what you found" in screen_text(app)
        area.text = (area.text.replace("[[what you looked at, and what you found]]", "Webroot answers 404.")
                     .replace("[[causes already excluded, and how you know]]", "DNS is right.")
                     .replace("[[what you would try next, or the question for the expert]]", "Check nginx."))
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)
        note, update = app.cache.outbox_items()
        assert (note.action, update.action) == ("note", "update")
        assert "Webroot answers 404." in note.payload["body"] and note.payload["public"] is False
        assert (update.payload["assignee"], update.payload["status"]) == ("dana", "open")
        assert [note.state, update.state] == ["sent", "sent"]
        ticket = app.cache.find_ticket(str(number))
        assert (ticket.assignee, ticket.status) == ("dana", Status.OPEN)
        assert app.cache.thread(ticket.id)[-1].kind == MessageKind.INTERNAL_NOTE
        assert number not in queue_numbers(screen)
        assert "escalated to dana" in screen_text(app)


async def test_undo_after_the_change_was_sent_refuses_in_one_sentence(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=DemoBackend())
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await open_triage(pilot, app)
        await pilot.press("1")
        await settle(pilot, app)
        assert [i.state for i in app.cache.outbox_items()] == ["sent"]
        await pilot.press("u")
        await settle(pilot, app)
        assert calls[-1][0] == ("Too late to undo: the change to #10405 has already left the outbox (sent); "
                                "make the opposite change instead.")
        assert app.cache.find_ticket("10405").priority == "urgent"


class NoTagsBackend(DemoBackend):
    capabilities = Capabilities(change_feed="cursor", idempotency=True)  # declares no tags capability


async def test_a_tag_on_a_helpdesk_without_tags_stays_local_and_says_so(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=NoTagsBackend())
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await open_triage(pilot, app)
        await pilot.press("number_sign")
        await pilot.pause()
        assert isinstance(app.screen, TagPrompt)
        assert "this helpdesk has no tags" in screen_text(app)
        await pilot.press(*"VIP customer", "enter")
        await settle(pilot, app)
        assert "vip-customer" in app.cache.find_ticket("10405").tags
        assert app.cache.outbox_items() == []
        assert any("has no tags: the tag is kept in this cache only" in m for m, _ in calls)


async def test_a_typed_name_with_markup_is_assigned_and_shown_literally(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_triage(pilot, app)
        await pilot.press("A")
        await pilot.pause()
        await pilot.press(*"[b]Mallory[/b]", "enter")  # a new name, typed: assigned literally
        await settle(pilot, app)
        text = screen_text(app)
        assert "[b]Mallory[/b]" in text  # in the rotation's latest actions
        assert app.cache.find_ticket("10405").assignee == "[b]Mallory[/b]"
        assert app.is_running


async def test_a_hostile_subject_renders_literally_in_the_queue_and_the_preview(demo_db, tmp_path):
    hostile = "[bold red]PWNED[/] [@click=app.quit]x[/] \x1b]0;evil\x07\x1b[31mred"
    app = make_app(demo_db, tmp_path)
    with app.cache.connection() as conn, transaction(conn):
        ticket = tickets.find_ticket(conn, "10405")
        writer.save_tickets(conn, [dataclasses.replace(ticket, subject=hostile)])
    async with app.run_test(size=SIZE) as pilot:
        await open_triage(pilot, app)
        text = screen_text(app)
        queue_line = next(line for line in text.splitlines() if "10405" in line and "PWNED" in line)
        assert "[bold red]PWNED[/] [@click=app.quit]x[/] red" in queue_line
        assert "#10405 [bold red]PWNED[/] [@click=app.quit]x[/] red" in text  # the preview's title
        assert "\x1b" not in text and "evil" not in text
        await pilot.press("a")  # acting on it is no different
        await settle(pilot, app)
        assert app.is_running and app.cache.find_ticket("10405").assignee == "Aiko Tanaka"


async def test_enter_opens_the_ticket_in_the_workstation(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_triage(pilot, app)
        second = store_order(app)[1]
        await pilot.press("down", "enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, TriageScreen)
        assert app.workstation.ticket_id == app.cache.find_ticket(str(second)).id
        assert f"#{second}" in screen_text(app)


async def test_r_opens_the_ticket_with_a_reply_composer(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_triage(pilot, app)
        await pilot.press("r")
        await settle(pilot, app)
        assert not isinstance(app.screen, TriageScreen)
        assert app.workstation.ticket_id == app.cache.find_ticket(str(FIRST)).id
        assert app.workstation.composer is not None and app.workstation.composer.kind == MessageKind.PUBLIC_REPLY


async def test_the_command_palette_offers_the_triage_actions(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_triage(pilot, app)
        first = store_order(app)[0]
        await pilot.press("ctrl+p")
        await settle(pilot, app)
        await pilot.press(*"Triage: Take")
        assert await until(pilot, lambda: "Take back the last action" not in screen_text(app)
                           and "Assign the ticket" in screen_text(app))  # the palette's search ran
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.screen is screen
        assert app.cache.find_ticket(str(first)).assignee == "Aiko Tanaka"


async def test_status_picker_sets_the_chosen_status(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_triage(pilot, app)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"pend", "enter")
        await settle(pilot, app)
        assert app.cache.find_ticket("10405").status == Status.PENDING
        [item] = queued_items(app)
        assert item.payload["status"] == "pending"


async def test_the_app_can_open_on_triage_with_a_new_rotation_and_help_lists_the_keys(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    app.start_in_triage(new_rotation=True)
    async with app.run_test(size=(150, 200)) as pilot:  # tall enough for the whole help table
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)
        first = app.screen.desk.rotation
        await pilot.press("question_mark")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "triage.escalate" in text and "triage.undo" in text and "Escalate…" in text
    again = make_app(demo_db, tmp_path)
    again.start_in_triage(new_rotation=True)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        assert again.screen.desk.rotation.id == first.id + 1


def test_the_triage_command_parses_and_needs_a_terminal(tmp_path, monkeypatch):
    args = cli.build_parser().parse_args(["triage", "--new-rotation", "--account", "demo"])
    assert (args.command, args.new_rotation) == ("triage", True)
    monkeypatch.delenv("HELPDESK_TUI_FORCE_TTY", raising=False)
    ctx = Context.from_args(str(tmp_path / "home"), "demo")
    with pytest.raises(UserError, match="needs a terminal"):
        triage_commands.triage(ctx, new_rotation=False)


async def test_workstation_keys_are_off_while_triage_covers_the_panes(demo_db, tmp_path):
    from helpdesk_tui.ui.screens.triage import TriageScreen
    from helpdesk_tui.ui.widgets.inbox_list import InboxList

    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        assert app.workstation.check_action("filter", ()) is True
        await pilot.press("t")
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)
        assert app.workstation.check_action("filter", ()) is False and app.workstation.check_action("zoom", ()) is False
        footer = screen_text(app).splitlines()[-1]
        assert "Filter" not in footer and "Zoom" not in footer and "Take" in footer
        await pilot.press("slash", "z")  # nothing happens behind the triage screen
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.workstation.check_action("filter", ()) is True
        assert not app.query_one("#filter").display and app.query_one(InboxList).display


async def test_a_big_batch_runs_in_a_worker_and_holds_back_the_next_key(demo_db, tmp_path):
    import threading

    from helpdesk_tui.ui.screens import triage as triage_screen

    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_triage(pilot, app)
        release, entered = threading.Event(), threading.Event()
        set_priority = screen.desk.set_priority

        def slow_set_priority(*args, **kw):  # a big cache: the batch takes a while
            entered.set()
            release.wait(10)
            return set_priority(*args, **kw)

        screen.desk.set_priority = slow_set_priority
        count = triage_screen.BATCH_ON_UI_THREAD + 2
        await pilot.press(*["space"] * count)  # marks the first tickets, moving down
        marked = set(screen.query_one(TriageList).marked)
        assert len(marked) == count
        await pilot.press("4")
        assert entered.wait(5) and screen._busy  # running in a worker: the UI is free
        await pilot.press("3")  # the next key waits its turn
        await pilot.pause()
        assert "Still applying the last action to the marked tickets: one moment." in [
            n.message for n in app._notifications]
        release.set()
        await settle(pilot, app)
        assert not screen._busy
        items = queued_items(app)
        assert {i.ticket_id for i in items} == marked and {i.payload["priority"] for i in items} == {"low"}
