"""A monkey at the keyboard: thousands of random keys over every screen find no crash and
lose no draft (issue #9). The seed is fixed, so a failure replays exactly."""

from __future__ import annotations

import random
import time
import traceback
from pathlib import Path

import pytest
from textual import events

from helpdesk_tui.domain.models import Draft
from helpdesk_tui.domain.vocab import MessageKind
from helpdesk_tui.ui import app as app_module
from helpdesk_tui.ui.app import HelpdeskApp
from helpdesk_tui.ui.screens.workstation import WorkstationScreen
from helpdesk_tui.ui.widgets.composer import Composer

from tests.conftest import DEMO_NOW
from tests.ui_support import make_app, settle

SEED = 9
KEYS_PRESSED = 3000
BURST = 10  # keys sent before waiting for the screen: a hurried typist does not wait either
TIME_LIMIT = 75.0  # seconds; the suite must stay fast

# Weighted: plain letters and digits are most of what a hurried agent types; the screen keys
# (r n t K F ? ctrl+p …) come often enough to visit every screen many times.
KEYS = (
    list("abcdefghijklmnopqrstuvwxyz") * 2 + list("0123456789") + list("jjjkkkrrnnttKFSAGEl")
    + ["enter"] * 6 + ["escape"] * 6 + ["tab", "shift+tab", "space", "backspace", "delete"] * 2
    + ["up", "down", "left", "right", "pageup", "pagedown", "home", "end"] * 2
    + ["ctrl+s"] * 3 + ["ctrl+z", "ctrl+y", "ctrl+t", "ctrl+g", "ctrl+r", "ctrl+p", "ctrl+n", "f5"] * 2
    + ["question_mark", "slash", "plus", "number_sign", "full_stop", "comma", "minus"] * 2
)


class WatchedApp(HelpdeskApp):
    """The app, noting the drafts the monkey explicitly took up or agreed to discard."""

    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))  # relative to the app's module
    written: set[int]
    quits_chosen = 0

    def on_composer_activated(self, event: Composer.Activated) -> None:
        self.written.add(event.ticket_id)

    async def action_quit(self) -> None:
        self.quits_chosen += 1  # "App: Quit" picked in the palette: a choice, not a crash; stay

    def on_workstation_screen_draft_discarded(self, event: WorkstationScreen.DraftDiscarded) -> None:
        self.written.add(event.ticket_id)


CHARACTERS = {"enter": "\r", "escape": "\x1b", "tab": "\t", "space": " ", "backspace": "\x7f",
              "question_mark": "?", "slash": "/", "plus": "+", "number_sign": "#", "full_stop": ".",
              "comma": ",", "minus": "-"}


def key_event(key: str) -> events.Key:
    """The event a terminal sends for ``key`` (printable keys carry their character)."""
    return events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None))


def raised_in_our_code(error: BaseException) -> bool:
    """Whether a contained error came from helpdesk_tui (not from a race inside Textual)."""
    seen: list[BaseException] = []
    while error is not None and error not in seen:
        seen.append(error)
        for frame in traceback.extract_tb(error.__traceback__):
            if "helpdesk_tui" in frame.filename and "error_guard" not in frame.filename:
                return True
        error = getattr(error, "error", None) or error.__cause__ or error.__context__
    return False


def draft_rows(cache) -> dict[int, tuple]:
    with cache.connection() as conn:
        return {r[0]: tuple(r) for r in conn.execute("SELECT * FROM drafts ORDER BY ticket_id")}


@pytest.mark.slow
@pytest.mark.contains_errors  # Textual's own races are contained and counted; ours fail below
async def test_a_monkey_at_the_keyboard_crashes_nothing_and_loses_no_draft(demo_db, tmp_path):
    app = WatchedApp(make_app(demo_db, tmp_path).options)  # the options of every UI test
    app.written = set()
    ids = list(app.cache.inbox_ids(app.workstation.inbox_views.current_query(), limit=40))
    # Drafts under the cursor from the start and a little further down the inbox.
    for n, tid in enumerate(ids[:6] + ids[20:24]):
        kind = MessageKind.INTERNAL_NOTE if n % 3 == 2 else MessageKind.PUBLIC_REPLY
        app.cache.save_draft(Draft(tid, kind, f"Draft {n} for ticket {tid}.\n\nSecond paragraph, kept.",
                                   DEMO_NOW, DEMO_NOW, cursor=(2, 3)))
    before = draft_rows(app.cache)
    rng = random.Random(SEED)
    screens: set[str] = set()
    started = time.monotonic()
    n = 0
    async with app.run_test(size=(100, 30)) as pilot:  # the smallest size the app supports
        await settle(pilot, app)
        while n < KEYS_PRESSED and time.monotonic() - started < TIME_LIMIT:
            burst = [rng.choice(KEYS) for _ in range(BURST)]
            for key in burst:  # queued at once, as from a fast typist: no waiting between keys
                app.post_message(key_event(key))
            await pilot.pause()
            n += BURST
            screens.add(type(app.screen).__name__)
            if n % 200 == 0:
                await pilot.pause(0.15)  # let the preview timer and workers swap tickets under the keys
            assert app.is_running, f"the app stopped after key {n} ({burst!r})"
        await pilot.pause()
        # The app contains what Textual itself raises in a race the monkey's speed provokes
        # (a palette closed while its search runs, a removed widget drawn behind a dialog):
        # one sentence, the app goes on. A bug of ours must not be among them.
        log = tmp_path / "errors.log"
        ours = [e for e in app.error_guard.contained_errors if raised_in_our_code(e)]
        assert ours == [], log.read_text()
        app.workstation.save_open_draft()
        after = draft_rows(app.cache)
    print(f"monkey: {n} keys in {time.monotonic() - started:.0f} s over {sorted(screens)}; "
          f"took up the drafts of {sorted(app.written)}; {len(app.error_guard.contained_errors)} Textual races contained")
    assert n >= 1000, f"only {n} keys in {TIME_LIMIT} s (a machine this loaded proves little)"
    untouched = {tid: row for tid, row in before.items() if tid not in app.written}
    assert untouched, "the monkey wrote in every draft: the test proves nothing"
    for tid, row in untouched.items():
        assert after.get(tid) == row, f"draft of ticket {tid} changed though the monkey never wrote in it"
    # Every screen was visited (the names of the classes the keys lead to).
    assert {"WorkstationScreen", "SendScreen", "TriageScreen", "DashboardScreen", "HelpScreen",
            "CommandPalette"} <= screens, screens
