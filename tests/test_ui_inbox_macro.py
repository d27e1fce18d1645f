"""A macro on the inbox's marked tickets (issue 11), driven by keys (Pilot) on a copy of the demo
workspace: m → the picker (reply-writing macros greyed out) → the preview for N tickets →
apply → one outbox item per ticket with the macro's fields → U takes all of it back."""

from __future__ import annotations

import random

from textual.widgets import OptionList

from helpdesk_tui.config.settings import AgentSettings, SendSettings, Settings, UISettings
from helpdesk_tui.domain.vocab import Status
from helpdesk_tui.services.macros import REPLY_MACROS_ON_MANY
from helpdesk_tui.ui.screens.macros import MacroPicker, MacroPreviewScreen
from helpdesk_tui.ui.screens.triage_pickers import ChoicePicker, TagPrompt
from helpdesk_tui.ui.screens.workstation import WorkstationScreen

from tests.test_inbox_macros import write_waiting_macro
from tests.test_triage_ui import until
from tests.test_ui_inbox_marks import all_view, queued_items, record_notifications
from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)
AGENT = "Aiko Tanaka"


def app_with_waiting_macro(demo_db, tmp_path, delay: int = 30):
    settings = Settings(ui=UISettings(clock=False), send=SendSettings(delay_seconds=delay),
                        agent=AgentSettings(name=AGENT))
    return make_app(demo_db, tmp_path, settings=settings, templates_dir=write_waiting_macro(tmp_path))


async def test_three_marked_one_macro_three_updates_queued_and_U_takes_them_all_back(demo_db, tmp_path):
    app = app_with_waiting_macro(demo_db, tmp_path)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        targets = list(inbox.ids[:3])
        before = {t: (app.cache.ticket(t).status, app.cache.ticket(t).tags) for t in targets}
        numbers = [app.cache.ticket(t).number for t in targets]
        await pilot.press("space", "space", "space", "m")
        await settle(pilot, app)
        assert isinstance(app.screen, MacroPicker)
        text = screen_text(app)
        assert "Apply a macro to 3 marked tickets" in text
        assert REPLY_MACROS_ON_MANY[:60] in text  # why Acknowledge and the others are greyed out
        picker = app.screen
        listed = picker.query_one(OptionList)
        greyed = {m.name for i, m in enumerate(picker.shown) if listed.get_option_at_index(i).disabled}
        assert "Acknowledge (next update in 20 min)" in greyed and "Waiting on customer, no reply" not in greyed
        await pilot.press(*"acknowledge", "enter")  # a macro that writes a reply cannot be chosen
        await settle(pilot, app)
        assert app.screen is picker
        await pilot.press(*["backspace"] * len("acknowledge"), *"no reply", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, MacroPreviewScreen)
        text = screen_text(app)
        assert "Macro: Waiting on customer, no reply on 3 tickets" in text
        assert all(f"#{n}:" in text for n in numbers)  # what changes on each
        assert queued_items(app) == []  # nothing before the agent says so
        await pilot.press("a")
        await settle(pilot, app)
        assert isinstance(app.screen, WorkstationScreen)
        items = queued_items(app)
        assert sorted(i.ticket_id for i in items) == sorted(targets)  # one update each, held for the undo window
        assert {i.action for i in items} == {"update"}
        assert all("waiting" in i.payload["tags"] for i in items)
        assert all(i.payload.get("status", "pending") == "pending" for i in items)
        assert all(app.cache.ticket(t).status == Status.PENDING for t in targets)
        assert all(app.cache.ticket(t).next_checkpoint_at is not None for t in targets)
        said = next(c for c in calls if c.startswith("Macro Waiting on customer, no reply applied to 3 tickets"))
        assert all(f"#{n}" in said for n in numbers) and inbox.marked == set()
        inbox.focus()
        await pilot.press("U")
        await settle(pilot, app)
        assert queued_items(app) == []
        assert {t: (app.cache.ticket(t).status, app.cache.ticket(t).tags) for t in targets} == before
        assert calls[-1].startswith("Undone: macro on #")


async def test_the_palette_entry_opens_the_same_picker_for_the_marked_tickets(demo_db, tmp_path):
    app = app_with_waiting_macro(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await all_view(pilot, app)
        await pilot.press("space", "space")
        await pilot.press("ctrl+p")
        await pilot.press(*"inbox apply macro")
        assert await until(pilot, lambda: "Inbox: Apply macro" in screen_text(app))
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, MacroPicker) and "Apply a macro to 2 marked tickets" in screen_text(app)


async def test_with_nothing_marked_m_on_the_open_ticket_is_the_tickets_own_macro(demo_db, tmp_path):
    app = app_with_waiting_macro(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        app.workstation.open_ticket(inbox.current_id, focus=False)
        inbox.focus()
        await settle(pilot, app)
        assert app.workstation.ticket_id == inbox.current_id
        await pilot.press("m")
        await settle(pilot, app)
        picker = app.screen
        assert isinstance(picker, MacroPicker) and "Apply a macro" in screen_text(app)
        assert REPLY_MACROS_ON_MANY[:60] not in screen_text(app)  # every macro, reply and all
        await pilot.press(*"ack", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, MacroPreviewScreen)


async def test_the_pickers_say_how_many_tickets_they_act_on(demo_db, tmp_path):
    app = app_with_waiting_macro(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        number = app.cache.ticket(inbox.current_id).number
        await pilot.press("s")
        await settle(pilot, app)
        assert isinstance(app.screen, ChoicePicker) and f"Status of #{number}" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("space", "space", "space", "s")
        await settle(pilot, app)
        assert "Status of 3 marked tickets" in screen_text(app)
        await pilot.press("escape", "p")
        await settle(pilot, app)
        assert "Priority of 3 marked tickets" in screen_text(app)
        await pilot.press("escape", "A")
        await settle(pilot, app)
        assert "Assign 3 marked tickets to…" in screen_text(app)
        await pilot.press("escape", "plus")
        await settle(pilot, app)
        assert isinstance(app.screen, TagPrompt) and "Add a tag to 3 marked tickets" in screen_text(app)


async def test_random_keys_with_marks_and_the_macro_key_never_crash(demo_db, tmp_path):
    keys = (["space", "v", "j", "k", "down", "pagedown", "home", "end", "escape", "m", "m", "U", "enter", "a",
             "tab", "shift+tab", "1", "6", "backspace"] + list("nowaiti"))
    rng = random.Random(1111)
    app = app_with_waiting_macro(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await all_view(pilot, app)
        for _ in range(15):
            await pilot.press(*[rng.choice(keys) for _ in range(10)])
            await pilot.pause()
            assert app.is_running
            if app.screen is not app.workstation and rng.random() < 0.5:
                await pilot.press("escape")
                await pilot.pause()
        await settle(pilot, app)
        assert app.is_running  # and the error guard contained nothing (conftest fails the test if it did)


async def test_the_inboxs_U_after_the_open_tickets_macro_takes_it_back_once(demo_db, tmp_path):
    app = app_with_waiting_macro(demo_db, tmp_path)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        ticket_id = inbox.current_id
        app.workstation.open_ticket(ticket_id, focus=True)
        await settle(pilot, app)
        await pilot.press("m")  # the ticket's own m (the thread has the focus)
        await settle(pilot, app)
        await pilot.press(*"no reply", "enter")
        await settle(pilot, app)
        await pilot.press("a")
        await settle(pilot, app)
        assert app.workstation.macros.last is not None and len(queued_items(app)) == 1
        inbox.focus()
        await pilot.press("U")  # the inbox's undo: the macro was the last thing done
        await settle(pilot, app)
        assert queued_items(app) == [] and app.workstation.macros.last is None
        app.workstation.query_one("#thread").focus()
        await pilot.press("U")  # the ticket's U: off, nothing left to take back twice
        await settle(pilot, app)
        assert queued_items(app) == [] and not any("undone already" in c for c in calls)


async def test_many_marked_apply_in_a_worker_with_a_summary_preview_and_one_toast(demo_db, tmp_path):
    app = app_with_waiting_macro(demo_db, tmp_path)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        inbox = await all_view(pilot, app)
        targets = list(inbox.ids[:12])  # more than the runner changes on the UI thread
        await pilot.press(*["space"] * 12, "m")
        await settle(pilot, app)
        await pilot.press(*"no reply", "enter")
        await settle(pilot, app)
        text = screen_text(app)
        assert "on 12 tickets" in text and "promised update → " in text  # a summary, not 12 lines
        await pilot.press("a")
        await settle(pilot, app)
        assert sorted(i.ticket_id for i in queued_items(app)) == sorted(targets)
        assert sum(c.startswith("Macro Waiting on customer, no reply applied to 12 tickets") for c in calls) == 1
        assert not app.workstation.inbox_actions.runner.busy and inbox.marked == set()
