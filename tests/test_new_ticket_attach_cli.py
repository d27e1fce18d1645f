"""``helpdesk-tui new … --attach P`` on the demo workspace (a real process): the files go out with
the new ticket's first message and their copies end as that message's cached bytes; a missing
file or one beyond the helpdesk's limit is one sentence that leaves nothing queued and nothing
copied."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from helpdesk_tui.domain.new_ticket import NEW_TICKET_ACTION
from helpdesk_tui.store import outbox_files
from helpdesk_tui.store.attachments import bytes_folder

from tests.test_cli import assert_one_sentence, run


def db_of(home):
    return home / "data" / "accounts" / "demo.sqlite"


def new_ticket_rows(home) -> list[tuple[str, dict]]:
    with sqlite3.connect(db_of(home)) as conn:
        return [(state, json.loads(payload)) for state, payload in
                conn.execute("SELECT state, payload FROM outbox WHERE action = ?", (NEW_TICKET_ACTION,))]


def copies_left(home) -> list:
    return list(outbox_files.outbox_folder(db_of(home)).glob("*"))


def test_new_attach_sends_the_files_with_the_first_message_and_keeps_their_bytes(demo_home, tmp_path):
    message = tmp_path / "m.md"
    message.write_text("Your corrected invoice and the delivery note are attached.\n", encoding="utf-8")
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40)
    note = tmp_path / "delivery.txt"
    note.write_text("Delivered on Monday.\n", encoding="utf-8")
    out = run(demo_home, "new", "--to", "billing@example.com", "--subject", "Corrected invoice", "--file",
              str(message), "--attach", str(invoice), "--attach", str(note))
    assert "with 2 attached" in out.stdout and "Sent: ticket #" in out.stdout, out.stdout + out.stderr
    [(state, payload)] = new_ticket_rows(demo_home)
    assert state == "sent"
    assert [m["name"] for m in payload["attachments"]] == ["invoice.pdf", "delivery.txt"]
    assert copies_left(demo_home) == [], "a copy stayed in the outbox folder"
    cached = {hashlib.sha256(p.read_bytes()).hexdigest() for p in bytes_folder(db_of(demo_home)).iterdir()}
    assert cached == {hashlib.sha256(invoice.read_bytes()).hexdigest(), hashlib.sha256(note.read_bytes()).hexdigest()}
    number = out.stdout.split("Sent: ticket #")[1].split(".")[0]
    shown = run(demo_home, "show", number).stdout
    assert "↳ invoice.pdf · " in shown and "↳ delivery.txt · " in shown, shown


@pytest.mark.parametrize("which", ["missing", "too big"])
def test_new_attach_refuses_a_missing_or_too_big_file_in_one_sentence_and_queues_nothing(demo_home, tmp_path,
                                                                                          which):
    message = tmp_path / "m.md"
    message.write_text("See attached.\n", encoding="utf-8")
    fine = tmp_path / "fine.txt"
    fine.write_text("ok\n", encoding="utf-8")
    if which == "missing":
        bad = tmp_path / "gone.png"
        expected = f"helpdesk-tui: There is no file {bad}: check the path."
    else:
        bad = tmp_path / "video.mp4"
        with open(bad, "wb") as f:
            f.truncate(26 * 1000 * 1000)  # the demo workspace takes 25 MB per file
        expected = ("helpdesk-tui: video.mp4 is 26.0 MB, more than the 25.0 MB demo workspace takes per file: "
                    "send a smaller file or a link to it.")
    out = run(demo_home, "new", "--to", "a@example.com", "--subject", "With files", "--file", str(message),
              "--attach", str(fine), "--attach", str(bad), check=False)
    assert assert_one_sentence(out, 2) == expected
    assert new_ticket_rows(demo_home) == []  # nothing queued
    assert copies_left(demo_home) == [], "the first file's copy was left"
    listed = [json.loads(line) for line in run(demo_home, "list", "--json").stdout.splitlines()]
    assert not [r for r in listed if r["subject"] == "With files"]  # and no provisional row
