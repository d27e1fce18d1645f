"""``helpdesk-tui reply TICKET --file F --attach P`` on the demo workspace (a real process):
the files go out with the reply, the private copies end as the sent message's cached bytes,
and every refusal (a missing file, a folder, too big, too many) is one sentence that leaves
nothing queued and nothing copied."""

from __future__ import annotations

import hashlib
import json
import sqlite3

from helpdesk_tui.store import outbox_files
from helpdesk_tui.store.attachments import bytes_folder

from tests.test_cli import assert_one_sentence, run

TICKET = "10405"


def db_of(home):
    return home / "data" / "accounts" / "demo.sqlite"


def outbox_rows(home) -> list[tuple[str, dict]]:
    with sqlite3.connect(db_of(home)) as conn:
        return [(state, json.loads(payload)) for state, payload in conn.execute("SELECT state, payload FROM outbox")]


def test_reply_attach_sends_the_files_and_keeps_their_bytes_in_the_cache(demo_home, tmp_path):
    body = tmp_path / "reply.md"
    body.write_text("Logs attached, as asked.", encoding="utf-8")
    first = tmp_path / "app.log"
    first.write_bytes(b"boot ok\n" * 500)
    second = tmp_path / "shot.png"
    second.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    out = run(demo_home, "reply", TICKET, "--file", str(body), "--attach", str(first), "--attach", str(second))
    assert "with 2 attached" in out.stdout and "Sent 1." in out.stdout, out.stdout
    [(state, payload)] = outbox_rows(demo_home)
    assert state == "sent"
    assert [(m["name"], m["size"]) for m in payload["attachments"]] == [("app.log", 4000), ("shot.png", 264)]
    assert not any(outbox_files.outbox_folder(db_of(demo_home)).glob("*")), "a copy stayed in the outbox folder"
    cached = sorted(bytes_folder(db_of(demo_home)).iterdir())
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in cached}
    assert digests == {hashlib.sha256(first.read_bytes()).hexdigest(), hashlib.sha256(second.read_bytes()).hexdigest()}
    shown = run(demo_home, "show", TICKET).stdout
    assert "↳ app.log · " in shown and "↳ shot.png · image/png" in shown


def test_a_missing_file_is_one_sentence_and_nothing_is_queued(demo_home, tmp_path):
    body = tmp_path / "reply.md"
    body.write_text("See attached.", encoding="utf-8")
    here = tmp_path / "here.txt"
    here.write_text("x", encoding="utf-8")
    out = run(demo_home, "reply", TICKET, "--file", str(body), "--attach", str(here), "--attach",
              str(tmp_path / "gone.txt"), check=False)
    line = assert_one_sentence(out, 2)
    assert line == f"helpdesk-tui: There is no file {tmp_path / 'gone.txt'}: check the path."
    assert outbox_rows(demo_home) == []
    assert not any(outbox_files.outbox_folder(db_of(demo_home)).glob("*")), "the first file's copy was left"


def test_a_folder_and_a_file_too_big_are_one_sentence_each(demo_home, tmp_path):
    body = tmp_path / "reply.md"
    body.write_text("See attached.", encoding="utf-8")
    line = assert_one_sentence(run(demo_home, "reply", TICKET, "--file", str(body), "--attach", str(tmp_path),
                                   check=False), 2)
    assert "is not a file" in line
    big = tmp_path / "dump.bin"
    with open(big, "wb") as f:
        f.truncate(30 * 1000 * 1000)
    line = assert_one_sentence(run(demo_home, "reply", TICKET, "--file", str(body), "--attach", str(big),
                                   check=False), 2)
    assert line == ("helpdesk-tui: dump.bin is 30.0 MB, more than the 25.0 MB demo workspace takes per file: "
                    "send a smaller file or a link to it.")
    assert outbox_rows(demo_home) == []


def test_too_many_files_are_refused_before_anything_is_queued(demo_home, tmp_path):
    body = tmp_path / "reply.md"
    body.write_text("Eleven files.", encoding="utf-8")
    args = []
    for n in range(11):
        path = tmp_path / f"part{n}.txt"
        path.write_text(str(n), encoding="utf-8")
        args += ["--attach", str(path)]
    line = assert_one_sentence(run(demo_home, "reply", TICKET, "--file", str(body), *args, check=False), 2)
    assert line == "helpdesk-tui: demo workspace takes at most 10 attachments per message: remove 1."
    assert outbox_rows(demo_home) == []
    assert not any(outbox_files.outbox_folder(db_of(demo_home)).glob("*"))
