"""# then a number the cache does not have fetches that ticket from the helpdesk, then opens it (issue 11)."""

from __future__ import annotations

import threading

from textual.widgets import Label

from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync.backends.demo_helpdesk import DemoHelpdesk
from helpdesk_tui.sync.errors import Unreachable
from helpdesk_tui.ui.screens.jump import JumpScreen
from helpdesk_tui.ui.widgets.thread_view import ThreadView
from tests.conftest import DEMO_NOW
from tests.ui_support import make_app, screen_text, settle

SIZE = (120, 40)


def helpdesk_with_one_ticket() -> tuple[DemoHelpdesk, str]:
    helpdesk = DemoHelpdesk(now=lambda: DEMO_NOW, first_number=20001)  # the workspace has 10001-11200
    remote_id = helpdesk.create_ticket("Fetched over the jump", "The VPN drops every hour [bold]x[/bold]",
                                       customer="Noa Levi", email="noa@example.com")
    return helpdesk, remote_id


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_number_not_in_the_cache_is_fetched_stored_and_opened(demo_db, tmp_path):
    helpdesk, remote_id = helpdesk_with_one_ticket()
    number = helpdesk.ticket(remote_id).number
    app = make_app(demo_db, tmp_path, backend=DemoBackend(helpdesk=helpdesk))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert app.cache.find_ticket(str(number)) is None
        await pilot.press("number_sign", *str(number), "enter")
        await settle(pilot, app)
        stored = app.cache.find_ticket(str(number))
        assert stored is not None and stored.subject == "Fetched over the jump"
        assert not isinstance(app.screen, JumpScreen)
        assert app.workstation.ticket_id == stored.id
        assert app.query_one(ThreadView).has_focus
        text = screen_text(app)
        assert "Fetched over the jump" in text and "[bold]x[/bold]" in text  # the body as text, not markup
        assert f"#{number} fetched from the helpdesk." in toasts(app)


async def test_the_prompt_says_fetching_while_the_helpdesk_is_asked(demo_db, tmp_path):
    helpdesk, remote_id = helpdesk_with_one_ticket()
    number = helpdesk.ticket(remote_id).number
    backend = DemoBackend(helpdesk=helpdesk)
    gate = threading.Event()
    real = backend.fetch_ticket

    def slow_fetch(wanted: int):
        gate.wait(10)
        return real(wanted)

    backend.fetch_ticket = slow_fetch  # type: ignore[method-assign]
    app = make_app(demo_db, tmp_path, backend=backend)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("number_sign", *str(number), "enter")
        await pilot.pause()
        assert isinstance(app.screen, JumpScreen)
        assert f"fetching #{number} from the helpdesk…" in screen_text(app)
        gate.set()
        await settle(pilot, app)
        assert app.workstation.ticket_id == app.cache.find_ticket(str(number)).id


async def test_escape_while_fetching_opens_nothing(demo_db, tmp_path):
    helpdesk, remote_id = helpdesk_with_one_ticket()
    number = helpdesk.ticket(remote_id).number
    backend = DemoBackend(helpdesk=helpdesk)
    gate = threading.Event()
    real = backend.fetch_ticket
    backend.fetch_ticket = lambda wanted: (gate.wait(10), real(wanted))[1]  # type: ignore[method-assign]
    app = make_app(demo_db, tmp_path, backend=backend)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        before = app.workstation.ticket_id
        await pilot.press("number_sign", *str(number), "enter")
        await pilot.pause()
        await pilot.press("escape")
        gate.set()
        await settle(pilot, app)
        assert not isinstance(app.screen, JumpScreen)
        assert app.workstation.ticket_id == before


async def test_a_number_the_helpdesk_does_not_have_either_is_one_sentence_in_the_prompt(demo_db, tmp_path):
    helpdesk, _ = helpdesk_with_one_ticket()
    app = make_app(demo_db, tmp_path, backend=DemoBackend(helpdesk=helpdesk))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("number_sign", *"424242", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, JumpScreen)
        assert "#424242 is neither in the cache nor on demo workspace: check the number." in screen_text(app)
        await pilot.press(*["backspace"] * 6, *"10015", "enter")  # fixed in place
        await settle(pilot, app)
        assert app.workstation.ticket_id == app.cache.find_ticket("10015").id


class OfflineDemo(DemoBackend):
    """The demo backend with the network down."""

    def fetch_ticket(self, number: int):
        raise Unreachable("The demo helpdesk cannot be reached.")


async def test_offline_the_prompt_says_so_in_one_sentence_and_stays(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path, backend=OfflineDemo(helpdesk=DemoHelpdesk()))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("number_sign", *"20001", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, JumpScreen)
        said = str(app.screen.query_one("#jump-error", Label).render())
        assert said == ("#20001 is not in the cache and demo workspace cannot be reached: check the number, or jump "
                        "again once online.")
        assert "#20001 is not in the cache" in screen_text(app) and "fetching" not in screen_text(app)
