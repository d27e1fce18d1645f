"""The workstation over a mapped helpdesk (Freshdesk's mapping on the generic engine, against
its fake): a hostile subject and body the background sync brings in are shown as text in the
inbox and the thread (never markup, never escape codes), and the app lives on."""

from __future__ import annotations

from helpdesk_tui.sync.testing import hostile
from tests.fakes.freshdesk import FakeFreshdesk
from tests.test_conformance_freshdesk import FreshdeskActions
from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)


async def test_a_hostile_ticket_from_a_mapped_helpdesk_is_shown_as_text(demo_db, tmp_path) -> None:
    with FakeFreshdesk() as fake:
        actions = FreshdeskActions(fake)
        remote_id = actions.create_ticket(hostile.HOSTILE_SUBJECT, hostile.HOSTILE_BODY)
        app = make_app(demo_db, tmp_path, backend=actions.backend())
        app.options.sync_interval = 3600  # the sync at start brings it in; no other runs
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            await pilot.press("#", *remote_id, "enter")  # jump to it by its number (Freshdesk's id)
            await settle(pilot, app)
            text = screen_text(app)
            assert f"#{remote_id}" in text
            assert "[bold red]boom[/]" in text and "[@click=app.quit]" in text  # markup shown, not obeyed
            assert "not bold" in text  # the body's first line is in the thread
            assert "PWNED" not in text and "\x1b" not in text and "\x07" not in text
            assert hostile.unsafe_characters(text) == []
            assert app.is_running
