"""Looking at attachments from the thread (Pilot, on a private copy of the demo workspace):
a selects one, v previews it, o opens it with the opener, s saves it."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from textual.widgets import Label

from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store.attachments import bytes_folder
from helpdesk_tui.ui.screens.attachment_viewer import ImageViewerScreen, TextViewerScreen
from helpdesk_tui.ui.screens.confirm import ConfirmScreen
from helpdesk_tui.ui.screens.save_attachment import SaveAttachmentScreen
from helpdesk_tui.ui.widgets.thread_view import ThreadView

from tests.test_services_attachments import set_attachments
from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)
HALF_BLOCKS = frozenset("▀▄")


@pytest.fixture
def ws(demo_home) -> Workspace:
    return Workspace.load(str(demo_home), "demo")


@pytest.fixture
def opener(tmp_path, monkeypatch) -> Path:
    """HELPDESK_TUI_OPENER set to a script that writes its argv (and the file's mode) as JSON."""
    record = tmp_path / "opened.json"
    script = tmp_path / "opener.py"
    script.write_text(
        "import json, os, stat, sys\n"
        f"record = {str(record)!r}\n"
        "path = sys.argv[-1]\n"
        "info = {'argv': sys.argv[1:], 'file_mode': stat.S_IMODE(os.stat(path).st_mode),\n"
        "        'dir_mode': stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode),\n"
        "        'bytes': open(path, 'rb').read().decode('latin-1')}\n"
        "open(record + '.tmp', 'w').write(json.dumps(info))\n"
        "os.replace(record + '.tmp', record)\n")
    monkeypatch.setenv("HELPDESK_TUI_OPENER", f"{sys.executable} {script}")
    return record


def put_bytes(ws: Workspace, attachment_id: str, data: bytes) -> Path:
    folder = bytes_folder(ws.db_path)
    folder.mkdir(exist_ok=True)
    path = folder / attachment_id
    path.write_bytes(data)
    return path


def toasts(app) -> list[str]:
    """The attachment toasts shown so far (the demo's start-up ones left out)."""
    return [n.message for n in app._notifications if "Promised updates" not in (n.title or "")
            and "promised" not in n.message]


async def open_ticket(pilot, app, number: str) -> ThreadView:
    await settle(pilot, app)
    ticket = app.cache.find_ticket(number)
    app.workstation.open_ticket(ticket.id, focus=True)
    await settle(pilot, app)
    return app.query_one(ThreadView)


async def wait_for(pilot, app, condition, tries: int = 100) -> None:
    for _ in range(tries):
        await app.workers.wait_for_complete()
        await pilot.pause(0.02)
        if condition():
            return
    raise AssertionError("the condition never came true")


async def test_a_selects_the_screenshot_and_v_previews_it_in_half_blocks(ws, tmp_path):
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        thread = await open_ticket(pilot, app, "10405")
        assert "v View" not in screen_text(app)  # nothing selected yet: no attachment keys in the footer
        await pilot.press("a")
        assert thread.selected_info is not None and thread.selected_info.name == "screenshot.png"
        assert "View" in screen_text(app) and "Save" in screen_text(app)  # now the footer offers v, o, s
        await pilot.press("v")
        await wait_for(pilot, app, lambda: isinstance(app.screen, ImageViewerScreen) and app.screen.loaded)
        image = app.screen.query_one("#viewer-image")
        assert image.size.width > 10 and image.size.height > 5
        drawn = screen_text(app)
        assert sum(drawn.count(ch) for ch in HALF_BLOCKS) > 100  # the picture, in half-blocks
        assert "screenshot.png · image/png · 136 KB" in drawn
        # The demo's bytes landed in the cache, the size the helpdesk announced.
        assert (bytes_folder(ws.db_path) / thread.selected_info.id).stat().st_size == 136_646
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is app.workstation
        assert "↳ screenshot.png · image/png · 136 KB · in cache" in " ".join(
            strip.text.removeprefix("▌ ").rstrip() for strip in thread._lines)  # no longer "not downloaded"


async def test_a_corrupt_picture_says_one_sentence_instead_of_a_preview(ws, tmp_path):
    mid = set_attachments(ws.db_path, 10405, [{"filename": "broken.png", "content_type": "image/png", "size": 9}])
    put_bytes(ws, f"{mid}-1", b"\x89PNG\r\n\x1a\nnope")
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket(pilot, app, "10405")
        await pilot.press("a", "v")
        await wait_for(pilot, app, lambda: isinstance(app.screen, ImageViewerScreen) and app.screen.error)
        assert "broken.png could not be read as a picture" in app.screen.error
        assert "Traceback" not in screen_text(app)


HOSTILE_TEXT = ("first line\n\x1b]0;pwned\x07\x1b[31mred[/]\n[@click=app.quit]click me[/] [bold]x[/bold]\n"
                "bidi \u202eexe.txt\n")


async def test_a_text_attachment_shows_escaped_hostile_content(ws, tmp_path):
    mid = set_attachments(ws.db_path, 10405, [{"filename": "server.log", "content_type": "text/plain",
                                               "size": len(HOSTILE_TEXT)}])
    put_bytes(ws, f"{mid}-1", HOSTILE_TEXT.encode())
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket(pilot, app, "10405")
        await pilot.press("a", "enter")
        await wait_for(pilot, app, lambda: isinstance(app.screen, TextViewerScreen) and app.screen.loaded)
        shown = screen_text(app)
        assert "[@click=app.quit]click me[/] [bold]x[/bold]" in shown  # markup shown literally
        assert "red[/]" in shown and "pwned" not in shown.replace("]0;pwned", "")  # the title sequence is gone
        assert "\x1b" not in shown and "\u202e" not in shown
        await pilot.click("#viewer-text", offset=(20, 3))  # a click on the "link" does nothing
        assert app.is_running


async def test_a_big_log_is_read_in_part_and_says_so(ws, tmp_path):
    mid = set_attachments(ws.db_path, 10405, [{"filename": "big.log", "content_type": "text/plain"}])
    put_bytes(ws, f"{mid}-1", b"".join(b"line %07d of the log\n" % i for i in range(200_000)))  # 4.8 MB
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket(pilot, app, "10405")
        await pilot.press("a", "v")
        await wait_for(pilot, app, lambda: isinstance(app.screen, TextViewerScreen) and app.screen.loaded)
        assert "Showing the first 1.9 MB of 4.8 MB: press s to save the whole file." in screen_text(app)
        lines = app.screen.query_one("#viewer-text").lines
        assert len(lines) == 1_999_992 // 24 and lines[-1] == "line 0083332 of the log"  # whole lines only


async def test_o_hands_a_private_copy_to_the_opener(ws, tmp_path, opener):
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        thread = await open_ticket(pilot, app, "10405")
        await pilot.press("a", "o")
        await wait_for(pilot, app, opener.exists)
        opened = json.loads(opener.read_text())
        copy = Path(opened["argv"][-1])
        assert copy.name == "screenshot.png" and copy.parent != bytes_folder(ws.db_path)
        assert opened["file_mode"] == 0o600 and opened["dir_mode"] == 0o700
        assert opened["bytes"].encode("latin-1") == (bytes_folder(ws.db_path) / thread.selected_info.id).read_bytes()
        await wait_for(pilot, app, lambda: toasts(app))
        assert toasts(app) == ["Opened screenshot.png with the system's handler."]


async def test_an_executable_opens_only_after_a_yes_that_names_its_type(ws, tmp_path, opener):
    mid = set_attachments(ws.db_path, 10405, [
        {"name": "invoice\u202egpj.exe", "content_type": "application/x-msdownload", "size": 4}])
    put_bytes(ws, f"{mid}-1", b"MZ\x90\x00")
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket(pilot, app, "10405")
        await pilot.press("a", "o")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one(Label).content)
        assert "an executable (.exe, application/x-msdownload)" in question
        assert "invoicegpj.exe (really .exe)" in question
        shown = " ".join(screen_text(app).replace("│", " ").split())  # the whole question is on screen, wrapped
        assert "application/x-msdownload). Opening it can run it on this machine" in shown
        await pilot.press("n")
        await settle(pilot, app)
        assert not opener.exists()  # no: nothing ran
        await pilot.press("o")
        await settle(pilot, app)
        await pilot.press("y")
        await wait_for(pilot, app, opener.exists)
        copy = Path(json.loads(opener.read_text())["argv"][-1])
        assert copy.name == "invoicegpj.exe" and "\u202e" not in str(copy)


async def test_s_saves_a_hostile_name_inside_the_folder_and_asks_before_replacing(ws, tmp_path, monkeypatch):
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(downloads))
    mid = set_attachments(ws.db_path, 10405, [{"name": "../../.bashrc", "content_type": "text/plain", "size": 6}])
    put_bytes(ws, f"{mid}-1", b"echo 1")
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket(pilot, app, "10405")
        await pilot.press("a", "s")
        await settle(pilot, app)
        assert isinstance(app.screen, SaveAttachmentScreen)
        assert app.screen.query_one("#save-folder").value == str(downloads)  # Downloads by default
        await pilot.press("enter")
        await wait_for(pilot, app, lambda: any(downloads.iterdir()))
        [saved] = downloads.iterdir()
        assert saved.name == "bashrc" and saved.read_bytes() == b"echo 1"
        await wait_for(pilot, app, lambda: toasts(app))
        assert toasts(app)[-1] == f"Saved to {saved}."
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith("bashrc")) == []  # not outside
        saved.write_bytes(b"mine")
        await pilot.press("s")
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"{saved} already exists" in str(app.screen.query_one(Label).content)
        await pilot.press("n")
        await settle(pilot, app)
        assert saved.read_bytes() == b"mine"  # kept
        await pilot.press("s")
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("y")
        await wait_for(pilot, app, lambda: saved.read_bytes() == b"echo 1")
        assert [p.name for p in downloads.iterdir()] == ["bashrc"]
        assert stat.S_ISREG(os.lstat(saved).st_mode)


async def test_the_viewer_shows_download_progress_then_the_picture(ws, tmp_path, monkeypatch):
    from helpdesk_tui.services import attachments

    real = attachments.ensure_local
    seen: list[str] = []

    def downloading(ws_, attachment_id, *, progress=None):
        for done in (0, 400_000, 800_000):
            progress(done, 1_000_000)
        path = real(ws_, attachment_id, progress=progress)
        seen.append("done")
        fetched.append(path)
        return path

    fetched: list = []
    monkeypatch.setattr(attachments, "ensure_local", downloading)
    from helpdesk_tui.ui.screens.attachment_viewer import AttachmentScreen

    statuses: list[str] = []
    original = AttachmentScreen.set_status

    def recording(self, sentence, **kw):
        statuses.append(sentence)
        original(self, sentence, **kw)

    monkeypatch.setattr(AttachmentScreen, "set_status", recording)
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket(pilot, app, "10405")
        await pilot.press("a", "v")
        await wait_for(pilot, app, lambda: isinstance(app.screen, ImageViewerScreen) and app.screen.loaded)
        assert seen == ["done"]
        assert statuses[:3] == ["Downloading… 0% of 1.0 MB", "Downloading… 40% of 1.0 MB", "Downloading… 80% of 1.0 MB"]
        from PIL import Image

        with Image.open(fetched[0]) as picture:  # the demo's screenshot, whatever its drawing
            width, height = picture.size
        assert statuses[-1] == f"{width}×{height} pixels shown"


async def test_random_keys_on_the_viewers_never_crash(ws, tmp_path, opener, monkeypatch):
    import random

    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(downloads))
    mid = set_attachments(ws.db_path, 10405, [
        {"filename": "screenshot.png", "content_type": "image/png", "size": 136_646},
        {"filename": "notes [b]x[/b].txt", "content_type": "text/plain", "size": len(HOSTILE_TEXT)},
        {"filename": "tool.sh", "content_type": "application/x-sh", "size": 9}])
    put_bytes(ws, f"{mid}-2", HOSTILE_TEXT.encode() * 50)
    put_bytes(ws, f"{mid}-3", b"echo hi\n")
    rng = random.Random(11)
    keys = (list("abcdefghijklmnopqrstuvwxyzAGOSV") + ["enter", "escape", "tab", "shift+tab", "up", "down",
            "left", "right", "pageup", "pagedown", "home", "end", "space", "backspace", "ctrl+p"]
            + ["o", "s", "v", "y", "n", "q"] * 3)
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        thread = await open_ticket(pilot, app, "10405")
        visits = 0
        for _ in range(40):
            if app.screen is app.workstation:
                thread.focus()
                for _ in range(rng.randrange(1, 4)):
                    await pilot.press("a")
                await pilot.press("v")
                visits += 1
            await pilot.press(*(rng.choice(keys) for _ in range(8)))
            await pilot.pause()
            assert app.is_running
        await app.workers.wait_for_complete()
        assert visits > 5 and app.is_running
        assert all(p.parent == downloads for p in downloads.iterdir())


async def test_the_palette_selects_the_next_attachment_and_the_footer_then_offers_its_keys(ws, tmp_path):
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        thread = await open_ticket(pilot, app, "10405")
        app.query_one("InboxList").focus()
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Ticket: Next attachment")
        command.callback()
        await settle(pilot, app)
        assert thread.has_focus and thread.selected_info.name == "screenshot.png"
        footer = screen_text(app).splitlines()[-1]
        assert "v View" in footer and "o Open" in footer and "s Save" in footer


async def test_the_save_dialog_edits_the_default_folder_and_completes_a_folder_name(ws, tmp_path, monkeypatch):
    downloads = tmp_path / "Downloads"
    (tmp_path / "Documents" / "support").mkdir(parents=True)
    downloads.mkdir()
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(downloads))
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_ticket(pilot, app, "10405")
        await pilot.press("a", "s")
        await settle(pilot, app)
        field = app.screen.query_one("#save-folder")
        await pilot.press(*["backspace"] * len("Downloads"), "D", "o", "c")
        await pilot.pause(0.1)
        assert field.value == f"{tmp_path}/Doc"
        await pilot.press("right")  # takes the suggestion
        assert field.value == f"{tmp_path}/Documents/"
        await pilot.press("s", "right", "enter")
        await wait_for(pilot, app, lambda: (tmp_path / "Documents" / "support" / "screenshot.png").exists())
        await pilot.press("s")
        await settle(pilot, app)
        field = app.screen.query_one("#save-folder")
        await pilot.press(*["backspace"] * len("Downloads"), "n", "o", "p", "e", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, SaveAttachmentScreen)
        assert "is not a folder here: type an existing folder." in str(app.screen.query_one("#save-error").content)


class OfflineBackend:
    """The account's helpdesk while the network is down: every download is unreachable."""

    client = None

    def download_attachment(self, meta, sink, progress=None):
        from helpdesk_tui.sync.errors import Unreachable

        raise Unreachable("network is unreachable")


async def test_an_attachment_not_in_the_cache_says_it_needs_the_network_in_one_sentence(ws, tmp_path, opener,
                                                                                        monkeypatch):
    set_attachments(ws.db_path, 10405, [
        {"name": "report.pdf", "content_type": "application/pdf", "size": 9_000_000, "url": "https://x.invalid/1"},
        {"name": "trace.log", "content_type": "text/plain", "size": 10, "url": "https://x.invalid/2"}])
    monkeypatch.setattr(Workspace, "backend", lambda self: OfflineBackend())
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket(pilot, app, "10405")
        await pilot.press("a", "o")
        sentence = "report.pdf is not on this machine yet and downloading it needs the network: connect, then try again."
        await wait_for(pilot, app, lambda: sentence in toasts(app))
        assert "Downloading report.pdf (9.0 MB)…" in toasts(app)  # a large one says it started
        assert not opener.exists()
        await pilot.press("a", "v")
        await wait_for(pilot, app, lambda: isinstance(app.screen, TextViewerScreen) and app.screen.error)
        assert app.screen.error.startswith("trace.log is not on this machine yet and downloading it needs the network")
        assert "needs the network" in screen_text(app) and "Traceback" not in screen_text(app)


async def test_saving_an_attachment_being_downloaded_shows_its_progress_under_the_thread(ws, tmp_path, monkeypatch):
    from helpdesk_tui.services import attachments
    from helpdesk_tui.ui.widgets.ticket_pane import TicketPane

    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(downloads))
    real = attachments.ensure_local

    def downloading(ws_, attachment_id, *, progress=None):
        if progress is not None:
            for done in (0, 5_000, 5_000, 120_000, 136_646):
                progress(done, 136_646)
        return real(ws_, attachment_id, progress=None)

    monkeypatch.setattr(attachments, "ensure_local", downloading)
    lines: list[str | None] = []
    original = TicketPane.show_download
    monkeypatch.setattr(TicketPane, "show_download", lambda self, line: (lines.append(line), original(self, line)))
    app = make_app(ws.db_path, tmp_path, workspace=ws)
    async with app.run_test(size=SIZE) as pilot:
        await open_ticket(pilot, app, "10405")
        await pilot.press("a", "s")
        await settle(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, app, lambda: (downloads / "screenshot.png").exists() and None in lines)
        assert lines == ["Downloading screenshot.png… 0% of 136 KB", "Downloading screenshot.png… 3% of 136 KB",
                         "Downloading screenshot.png… 87% of 136 KB", "Downloading screenshot.png… 100% of 136 KB",
                         None]  # once per percent, then gone
        assert not app.query_one("#ticket-download").display
