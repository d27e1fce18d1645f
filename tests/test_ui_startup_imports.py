"""The way to the workstation's first frame imports only what that frame needs.

Each module named here cost the first inbox frame milliseconds (measured after the rest of the
app's start-up, bytecode kept): httpx 37 ms, Jinja 14 ms, textual-image's renderables with
Pillow 14 ms, the demo generator 6 ms, the triage, dashboard, new-ticket and rating screens 3-9 ms each;
the sync engine with its outbox sender and the store's sync writers 34 M instructions (1.6%) at 1M.
They are imported when first used (a sync, a template, a picture, a key).

The probe runs ``helpdesk-tui demo`` through the real entry point in a fresh interpreter; only
``HelpdeskApp.run`` is replaced by a headless run (Textual's ``run_test``, 160x45) that lists
``sys.modules`` once the first frame is painted, with the first ticket beside the inbox (the
picture probe runs first, as in ``run``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NOT_BEFORE_THE_FIRST_FRAME = (
    "httpx", "jinja2", "PIL", "textual_image.renderable", "textual_image.widget",
    "helpdesk_tui.compose.sandbox", "helpdesk_tui.sync.http", "helpdesk_tui.sync.auth",
    "helpdesk_tui.demo.generate", "helpdesk_tui.store.bulk",
    "helpdesk_tui.sync.engine", "helpdesk_tui.sync.outbox_sender", "helpdesk_tui.services.sync",
    "helpdesk_tui.store.sync_apply",
    "helpdesk_tui.ui.screens.triage", "helpdesk_tui.ui.screens.dashboard", "helpdesk_tui.ui.screens.new_ticket",
    "helpdesk_tui.ui.screens.rating", "textual.widgets._radio_set",
)

_PROBE = """
import asyncio, json, sys
from helpdesk_tui.ui import app as ui_app

async def first_frame(app):
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        workstation = app.workstation
        found = {"modules": sorted(sys.modules), "ticket": workstation.ticket_id}
        app.exit()
    print(json.dumps(found))

def run(self, *args, **kwargs):
    ui_app.graphics_probe.ask()  # as HelpdeskApp.run does (here stdout is no terminal: nothing is asked)
    asyncio.run(first_frame(self))

ui_app.HelpdeskApp.run = run
from helpdesk_tui.cli import main
main(["--home", sys.argv[1], "demo", "--tickets", "1200"])
"""


def test_the_first_frame_imports_no_http_client_template_engine_picture_code_or_unopened_screen(demo_home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
    env.update(PYTHONPATH=str(ROOT), HELPDESK_TUI_FORCE_TTY="1")
    done = subprocess.run([sys.executable, "-c", _PROBE, str(demo_home)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["ticket"] is not None, "the first ticket was not opened beside the inbox: not the first frame"
    modules = set(found["modules"])
    assert "helpdesk_tui.ui.screens.workstation" in modules and "markdown_it" in modules  # the frame was drawn
    early = sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in NOT_BEFORE_THE_FIRST_FRAME))
    assert early == []
