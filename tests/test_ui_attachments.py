"""The thread lists each message's attachments under its body (Pilot, on the demo workspace)."""

from __future__ import annotations

from helpdesk_tui.content.file_names import BIDI_CONTROLS
from helpdesk_tui.ui.widgets.thread_view import ThreadView

from tests.test_services_attachments import HOSTILE, set_attachments
from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)


def thread_text(app) -> str:
    """The thread as laid out, its gutter off and its wrapped lines joined again."""
    thread = app.query_one(ThreadView)
    return " ".join(strip.text.removeprefix("▌ ").rstrip() for strip in thread._lines)


async def open_number(pilot, app, number: str) -> None:
    await settle(pilot, app)
    ticket = app.cache.find_ticket(number)
    app.workstation.open_ticket(ticket.id, focus=True)
    await settle(pilot, app)


async def test_opening_10405_shows_the_screenshot_with_its_size_under_the_message(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_number(pilot, app, "10405")
        [shown] = [line for line in screen_text(app).splitlines() if "screenshot.png" in line]
        assert "↳ screenshot.png · image/png · 136 KB" in shown  # on screen, its size with it
        assert "↳ screenshot.png · image/png · 136 KB · not downloaded" in thread_text(app)
        thread = app.query_one(ThreadView)
        texts = [strip.text for strip in thread._lines]
        at = next(i for i, text in enumerate(texts) if "screenshot.png" in text)
        assert thread._starts[0] < at < thread._starts[1]  # under the first message, not the second


async def test_a_hostile_attachment_name_reaches_the_screen_as_plain_text(demo_db, tmp_path):
    set_attachments(demo_db, 10405, [
        {"name": HOSTILE, "content_type": "application/x-msdownload", "size": 5},
        {"name": "[@click=app.quit]x[/]\x1b[2J../../.bashrc", "size": 2_500_000},
    ])
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_number(pilot, app, "10405")
        text = thread_text(app)
        assert "↳ invoicegpj.exe (really .exe) · application/x-msdownload · 5 bytes · not downloaded" in text
        assert "[@click=app.quit]x[\u2215]\ufffd[2J..\u2215..\u2215.bashrc · application/octet-stream · 2.5 MB" in text
        screen = screen_text(app)
        assert "invoicegpj.exe (really .exe)" in screen
        assert not BIDI_CONTROLS & set(screen + text) and "\x1b" not in screen + text
        assert app.is_running  # the markup in the name did nothing


async def test_a_narrow_thread_wraps_an_attachments_line_instead_of_hiding_its_end(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_number(pilot, app, "10405")
        assert "↳ screenshot.png · image/png · 136 KB · not downloaded" in thread_text(app)
        assert "not downloaded" in screen_text(app)  # wrapped onto the next line, not cut off
