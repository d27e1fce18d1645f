"""Macros in the app (Pilot, on a copy of the demo workspace): m → picker → preview → apply,
the composer holds the reply and the outbox the update; U takes the changes back."""

from __future__ import annotations

from helpdesk_tui.config.settings import SendSettings, Settings, UISettings
from helpdesk_tui.ui.screens.macros import MacroPicker, MacroPreviewScreen
from helpdesk_tui.ui.screens.workstation import WorkstationScreen

from tests.test_triage_ui import until
from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)
AGENT = "Aiko Tanaka"


def settings(delay: int = 0) -> Settings:
    from helpdesk_tui.config.settings import AgentSettings

    return Settings(ui=UISettings(clock=False), send=SendSettings(delay_seconds=delay),
                    agent=AgentSettings(name=AGENT))


async def open_number(pilot, app, number: str) -> int:
    await settle(pilot, app)
    ticket = app.cache.find_ticket(number)
    app.workstation.open_ticket(ticket.id, focus=True)
    await settle(pilot, app)
    return ticket.id


def queued(app):
    return [i for i in app.cache.outbox_items() if i.state == "queued"]


async def choose(pilot, app, query: str) -> None:
    await pilot.press("m")
    await settle(pilot, app)
    assert isinstance(app.screen, MacroPicker)
    await pilot.press(*query)
    await pilot.press("enter")
    await settle(pilot, app)
    assert isinstance(app.screen, MacroPreviewScreen)


async def test_key_picker_preview_apply_fills_the_composer_and_queues_the_update(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, settings=settings())
    async with app.run_test(size=SIZE) as pilot:
        ticket_id = await open_number(pilot, app, "10405")
        await choose(pilot, app, "ack")
        shown = screen_text(app)
        assert "Macro: Acknowledge (next update in 20 min) on #10405" in shown
        assert "assignee: — → Aiko Tanaka" in shown
        assert "promised update: — → today" in shown
        assert queued(app) == []  # nothing happens before the agent says so
        await pilot.press("a")
        await settle(pilot, app)
        assert isinstance(app.screen, WorkstationScreen)
        composer = app.workstation.composer
        assert composer is not None and composer.draft.ticket_id == ticket_id
        assert "#10405" in composer.text_area.text and AGENT in composer.text_area.text
        assert composer.draft.status == "open" and composer.draft.next_checkpoint is not None
        [item] = queued(app)
        assert item.action == "update" and item.payload["assignee"] == AGENT
        assert app.cache.ticket(ticket_id).assignee == AGENT


async def test_escape_in_the_preview_changes_nothing(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, settings=settings())
    async with app.run_test(size=SIZE) as pilot:
        ticket_id = await open_number(pilot, app, "10405")
        await choose(pilot, app, "escalate")
        assert "Escalated to Tier 2" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert queued(app) == [] and app.cache.ticket(ticket_id).group == "Technical"


async def test_shift_u_takes_the_macro_back_while_it_waits_out_the_send_delay(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, settings=settings(delay=10))
    async with app.run_test(size=SIZE) as pilot:
        ticket_id = await open_number(pilot, app, "10405")
        await choose(pilot, app, "escalate")
        await pilot.press("enter")
        await settle(pilot, app)
        assert [i.action for i in queued(app)] == ["note", "update"]
        assert app.cache.ticket(ticket_id).group == "Tier 2"
        app.workstation.query_one("#thread").focus()
        await pilot.press("U")
        await settle(pilot, app)
        assert queued(app) == []
        ticket = app.cache.ticket(ticket_id)
        assert (ticket.group, str(ticket.priority)) == ("Technical", "high")


async def test_the_palette_offers_apply_macro(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, settings=settings())
    async with app.run_test(size=SIZE) as pilot:
        await open_number(pilot, app, "10405")
        await pilot.press("ctrl+p")
        await pilot.press(*"apply macro")
        assert await until(pilot, lambda: "Ticket: Apply macro" in screen_text(app))
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, MacroPicker)
