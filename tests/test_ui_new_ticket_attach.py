"""Files on the new-ticket form (Pilot): ctrl+o opens the composer's file picker, each file is
listed under the message with its size and can be taken off again; the queued ticket carries
the copies, the helpdesk gets them with the first message, and a form closed without queueing
leaves no copy behind."""

from __future__ import annotations

import hashlib

from textual.widgets import Input, OptionList, TextArea

from helpdesk_tui.domain.new_ticket import NEW_TICKET_ACTION
from helpdesk_tui.store import outbox_files
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync.backends.demo_helpdesk import DemoHelpdesk
from helpdesk_tui.ui.screens.attach import AttachScreen
from helpdesk_tui.ui.screens.new_ticket import NewTicketScreen

from tests.test_ui_new_ticket import Gated
from tests.ui_support import make_app, screen_text, settle

SIZE = (140, 40)


async def open_form(pilot, app, *, to: str, subject: str, body: str) -> NewTicketScreen:
    await settle(pilot, app)
    await pilot.press("N")
    await settle(pilot, app)
    form = app.screen
    assert isinstance(form, NewTicketScreen)
    await pilot.press(*to, "tab", "tab", *subject)
    form.query_one("#new-ticket-body", TextArea).focus()
    await pilot.press(*body)
    return form


async def attach(pilot, app, path) -> None:
    """ctrl+o on the form, the path typed in the picker, enter."""
    await pilot.press("ctrl+o")
    await pilot.pause()
    assert isinstance(app.screen, AttachScreen)
    app.screen.query_one("#attach-path", Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()


def copies(app) -> list:
    return sorted(outbox_files.outbox_folder(app.cache.path).glob("*"))


async def test_ctrl_o_on_the_new_ticket_form_attaches_lists_removes_and_the_ticket_carries_the_file(
        demo_db, tmp_path):
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 60)  # 15,369 bytes: "15 KB"
    extra = tmp_path / "notes.txt"
    extra.write_text("not this one\n", encoding="utf-8")
    helpdesk = Gated()
    app = make_app(demo_db, tmp_path, backend=DemoBackend(helpdesk=helpdesk))
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, app, to="billing@example.com", subject="Your corrected invoice",
                               body="The corrected invoice is attached.")
        await attach(pilot, app, invoice)
        await attach(pilot, app, extra)
        assert "notes.txt · 13 bytes" in screen_text(app)  # the picker lists both
        assert "esc back to the new ticket" in screen_text(app)
        # take the second one off again: the list's selection is the newest, delete removes it
        app.screen.query_one("#attach-files", OptionList).focus()
        await pilot.press("delete")
        await pilot.pause()
        assert "notes.txt" not in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form and app.focused is form.query_one("#new-ticket-body", TextArea)
        shown = screen_text(app)
        assert "📎 invoice.pdf · 15 KB" in shown and "notes.txt" not in shown  # listed under the message
        assert len(copies(app)) == 1  # the removed file's copy went
        invoice.unlink()  # the copy taken when it was attached is what goes out
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, NewTicketScreen)
        [item] = [i for i in app.cache.outbox_items() if i.action == NEW_TICKET_ACTION]
        [meta] = item.payload["attachments"]
        assert (meta["name"], meta["size"]) == ("invoice.pdf", 15_369)
        helpdesk.reachable = True
        await app.workstation.drain_outbox().wait()
        await settle(pilot, app)
    [ticket] = [t for t in helpdesk.tickets.values() if t.subject == "Your corrected invoice"]
    [first] = ticket.messages
    assert [a["filename"] for a in first.attachments] == ["invoice.pdf"]
    sent = helpdesk.file(str(first.attachments[0]["key"]))
    assert hashlib.sha256(sent).hexdigest() == meta["sha256"]
    assert copies(app) == []  # delivered: the copy became the cached bytes of the first message


async def test_a_new_ticket_form_closed_without_queueing_leaves_no_copy(demo_db, tmp_path):
    shot = tmp_path / "screen.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 500)
    app = make_app(demo_db, tmp_path, backend=DemoBackend(helpdesk=DemoHelpdesk(adopts_unknown=True)))
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, app, to="x@example.com", subject="Never sent", body="Hello.")
        await attach(pilot, app, shot)
        assert len(copies(app)) == 1
        await pilot.press("escape", "escape")  # the picker, then the form
        await settle(pilot, app)
        assert not isinstance(app.screen, (NewTicketScreen, AttachScreen))
        assert copies(app) == []
        assert not [i for i in app.cache.outbox_items() if i.action == NEW_TICKET_ACTION]


async def test_a_file_beyond_the_helpdesks_limit_is_refused_in_the_picker_in_one_sentence(demo_db, tmp_path):
    big = tmp_path / "video.mp4"
    with open(big, "wb") as f:
        f.truncate(26 * 1000 * 1000)  # the demo takes 25 MB per file
    app = make_app(demo_db, tmp_path, backend=DemoBackend(helpdesk=DemoHelpdesk(adopts_unknown=True)))
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, app, to="x@example.com", subject="Too big", body="Hello.")
        await attach(pilot, app, big)
        assert "video.mp4 is 26.0 MB, more than the 25.0 MB" in screen_text(app)
        assert copies(app) == []
