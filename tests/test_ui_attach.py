"""Attaching files in the composer (Pilot): ctrl+o opens the picker, the file is listed with
its size under the composer, sent with the reply (the queued item carries it), kept with the
draft across a restart, and refused in one sentence beyond the helpdesk's limit."""

from __future__ import annotations

import hashlib
import os
import stat

from helpdesk_tui.store import outbox_files
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.ui.screens.attach import AttachScreen
from helpdesk_tui.ui.screens.send import SendScreen
from helpdesk_tui.ui.widgets.composer import Composer

from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)


async def open_reply(pilot, app) -> int:
    await settle(pilot, app)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("r")
    await pilot.pause()
    return app.workstation.ticket_id


async def attach(pilot, app, path) -> None:
    await pilot.press("ctrl+o")
    await pilot.pause()
    assert isinstance(app.screen, AttachScreen)
    app.screen.query_one("#attach-path").value = str(path)
    await pilot.press("enter")
    await pilot.pause()


async def test_attach_in_the_composer_lists_it_with_its_size_and_the_queued_reply_carries_it(demo_db, tmp_path):
    log = tmp_path / "boot.log.txt"
    log.write_bytes(b"kernel: ok\n" * 1200)  # 13,200 bytes: "13 KB"
    app = make_app(demo_db, tmp_path, backend=None)  # nothing sends it: the queued item stays to be read
    async with app.run_test(size=SIZE) as pilot:
        tid = await open_reply(pilot, app)
        await pilot.press(*"The boot log is attached.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SendScreen)
        assert "nothing is attached" in screen_text(app)  # the words say "attached", the draft has no file
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SendScreen)
        await attach(pilot, app, log)
        assert "boot.log.txt · 13 KB" in screen_text(app)  # listed in the picker
        await pilot.press("escape")
        await pilot.pause()
        composer = app.workstation.composer
        assert isinstance(app.screen.focused, type(composer.text_area))
        assert "📎 boot.log.txt · 13 KB" in screen_text(app)  # and under the composer
        log.unlink()  # the original goes: the copy taken when it was attached is what is sent
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SendScreen)
        assert "nothing is attached" not in screen_text(app)  # the "attached" check sees the file
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    [item] = [i for i in app.cache.outbox_items() if i.ticket_id == tid]
    [meta] = item.payload["attachments"]
    assert (meta["name"], meta["size"], meta["media_type"]) == ("boot.log.txt", 13_200, "text/plain")
    copy = os.fspath(meta["path"])
    with open(copy, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == meta["sha256"] == hashlib.sha256(b"kernel: ok\n" * 1200).hexdigest()
    folder = outbox_files.outbox_folder(demo_db)
    assert os.path.dirname(copy) == str(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert app.cache.draft(tid) is None


async def test_a_draft_keeps_its_attachment_across_a_restart(demo_db, tmp_path):
    shot = tmp_path / "screen.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    app = make_app(demo_db, tmp_path, backend=None)
    async with app.run_test(size=SIZE) as pilot:
        tid = await open_reply(pilot, app)
        await attach(pilot, app, shot)
        await pilot.press("escape")  # the picker
        await pilot.pause()
        await pilot.press("escape")  # the composer: the draft (files only) is kept
        await pilot.pause()
    again = make_app(demo_db, tmp_path, backend=None)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        again.workstation.open_ticket(tid, focus=True)
        await settle(pilot, again)
        await pilot.press("r")
        await pilot.pause()
        composer = again.workstation.composer
        assert isinstance(composer, Composer) and composer.draft.ticket_id == tid
        assert [m["name"] for m in composer.draft.attachments] == ["screen.png"]
        assert "📎 screen.png · 2 KB" in screen_text(again)


async def test_removing_an_attachment_deletes_its_copy(demo_db, tmp_path):
    note = tmp_path / "notes.txt"
    note.write_text("call back at 3", encoding="utf-8")
    app = make_app(demo_db, tmp_path, backend=None)
    async with app.run_test(size=SIZE) as pilot:
        await open_reply(pilot, app)
        await attach(pilot, app, note)
        [meta] = app.workstation.composer.draft.attachments
        assert os.path.exists(meta["path"])
        app.screen.query_one("#attach-files").focus()
        await pilot.pause()
        await pilot.press("delete")
        await pilot.pause()
        assert "Nothing attached yet." in screen_text(app)
        assert app.workstation.composer.draft.attachments == ()
        assert not os.path.exists(meta["path"])


async def test_a_file_over_the_helpdesk_limit_is_refused_in_one_sentence(demo_db, tmp_path):
    big = tmp_path / "capture.pcap"
    with open(big, "wb") as f:
        f.truncate(26 * 1000 * 1000)  # sparse: 26 MB on paper, the demo helpdesk takes 25 MB
    missing = tmp_path / "nowhere.txt"
    app = make_app(demo_db, tmp_path, backend=DemoBackend())
    async with app.run_test(size=SIZE) as pilot:
        await open_reply(pilot, app)
        await attach(pilot, app, big)
        text = screen_text(app)
        assert "capture.pcap is 26.0 MB, more than the 25.0 MB demo workspace takes per file" in text
        assert app.workstation.composer.draft.attachments == ()
        await attach_again(pilot, app, missing)
        said = str(app.screen.query_one("#attach-error").render())  # a long path wraps on the screen
        assert said == f"There is no file {missing}: check the path."
    assert not any(outbox_files.outbox_folder(demo_db).glob("*"))


async def attach_again(pilot, app, path) -> None:
    app.screen.query_one("#attach-path").value = str(path)
    await pilot.press("enter")
    await pilot.pause()
