"""Export a workspace's messages to a Maildir, one RFC 5322 file per message, a thread per ticket.

The peers (notmuch, neomutt) then read exactly the text our full-text index holds: each file's
body is the message's ``body`` column as stored (what ``store/writer.py`` hands to ``index_text``
for ``messages_fts``), its Subject the ticket's subject (what ``tickets_fts`` holds besides the
tags). The cache is read with plain sqlite3, read-only; nothing of the app is imported, so
this module also runs under Debian's ``/usr/bin/python3``.

The export is resumable: a file is written under ``tmp/`` and renamed into ``cur/`` (the
Maildir way), its name depends only on the message, so a run that was stopped skips what is
already in ``cur/``. A stamp next to the Maildir records which workspace it came from (counts
and newest ids and times), so a later run on the same workspace reuses it at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import sqlite3
import time
import zlib
from dataclasses import asdict, dataclass
from email.utils import formatdate
from pathlib import Path

FORMAT = 1  # bump when the files written change, so old exports are not reused
STAMP = "export.json"
DOMAIN = "helpdesk-tui.invalid"

# Header text kept as it is: printable ASCII, no leading/trailing blanks, no "=?" that a
# reader would decode as an encoded word (untrusted text is data), short enough for one line.
_PLAIN = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,898}[\x21-\x7e])?\Z")
# A body goes as 8bit when every line is short and it has no CR or NUL; else base64, which
# gives back the exact text whatever it holds.
_UNSAFE_8BIT = re.compile(r"[\r\x00]|[^\n]{990}")


def _read_packed_bodies(conn: sqlite3.Connection) -> None:
    """``message_body(body)`` for a plain connection: a body stored as a BLOB is a 4-byte
    dictionary id (``message_dictionaries``) and a raw deflate stream against that dictionary
    (the format ``helpdesk_tui/store/message_bodies.py`` writes; the app is not imported here)."""
    dictionaries: dict[int, bytes] = {}

    def body(value: str | bytes | None) -> str | None:
        if not isinstance(value, bytes):
            return value
        key = int.from_bytes(value[:4], "big")
        if key not in dictionaries:
            dictionaries[key] = conn.execute("SELECT zdict FROM message_dictionaries WHERE id = ?", (key,)).fetchone()[0]
        d = zlib.decompressobj(-15, dictionaries[key])
        return (d.decompress(value[4:]) + d.flush()).decode()

    conn.create_function("message_body", 1, body, deterministic=True)


@dataclass
class Export:
    maildir: Path
    messages: int  # files in cur/
    written: int  # files written by this run (0 when an earlier export was reused)
    seconds: float  # this run's time
    bytes: int  # sum of the files' sizes
    reused: bool
    first_seconds: float | None = None  # the time of the run that wrote them all, when known


def fingerprint(conn: sqlite3.Connection) -> dict:
    """What identifies a workspace's exportable content (cheap: indexed aggregates)."""
    row = conn.execute("SELECT count(*), max(id), max(created_at) FROM messages").fetchone()
    tickets = conn.execute("SELECT count(*), max(id), max(updated_at) FROM tickets").fetchone()
    return {"format": FORMAT, "messages": row[0], "max_message_id": row[1], "max_message_at": row[2],
            "tickets": tickets[0], "max_ticket_id": tickets[1], "max_ticket_updated": tickets[2]}


def encoded_words(text: str) -> str:
    """``text`` as RFC 2047 base64 encoded words, folded one per line.

    Written here rather than with ``email.header.Header``, which takes a newline in the text for
    folding and loses it: every character must come back. A word holds at most 45 bytes of
    UTF-8 (60 base64 characters, 75 with the wrapping), never half a character.
    """
    words, chunk = [], b""
    for ch in text:
        data = ch.encode("utf-8")
        if len(chunk) + len(data) > 45:
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def header_text(text: str) -> str:
    """A header value for ``text``: as is when plain ASCII, else RFC 2047 encoded words."""
    if _PLAIN.match(text) and "=?" not in text:
        return text
    return encoded_words(text)


def mailbox(name: str, address: str) -> str:
    """``"Name" <address>``, the name quoted or RFC 2047 encoded."""
    if not name:
        return f"<{address}>"
    if _PLAIN.match(name) and "=?" not in name:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{address}>'
    return f"{encoded_words(name)} <{address}>"


def author_address(author: str, kind: str) -> str:
    """A neutral address per author: a hash, so it adds no searchable word of its own."""
    digest = hashlib.blake2b(author.encode("utf-8"), digest_size=5).hexdigest()
    return f"a{digest}@{'customers' if kind == 'customer' else 'agents'}.{DOMAIN}"


def message_id(mid: int, ticket_id: int) -> str:
    return f"<m{mid}.t{ticket_id}@{DOMAIN}>"


def file_name(mid: int, created_at: int) -> str:
    return f"{created_at}.m{mid}.helpdesk:2,S"


def render(*, mid: int, ticket_id: int, number: int, subject_header: str, kind: str, author: str,
           body: str, created_at: int, references: list[str]) -> bytes:
    """One message file."""
    own = message_id(mid, ticket_id)
    lines = [
        f"From: {mailbox(author, author_address(author, kind))}",
        f"Subject: {subject_header}",
        f"Date: {formatdate(created_at, usegmt=True)}",
        f"Message-ID: {own}",
    ]
    if references:
        lines.append(f"In-Reply-To: {references[-1]}")
        lines.append("References: " + "\n ".join(references))
    lines += [f"X-Helpdesk-Ticket: {number}", f"X-Helpdesk-Kind: {kind}", "MIME-Version: 1.0",
              "Content-Type: text/plain; charset=utf-8"]
    if _UNSAFE_8BIT.search(body):
        encoded = base64.encodebytes(body.encode("utf-8"))
        head = "\n".join([*lines, "Content-Transfer-Encoding: base64", "", ""]).encode("ascii")
        return head + encoded
    head = "\n".join([*lines, "Content-Transfer-Encoding: 8bit", "", ""]).encode("ascii")
    return head + body.encode("utf-8")


def export_maildir(db: Path, maildir: Path, *, stamp: Path | None = None, progress=None) -> Export:
    """Write (or reuse) the Maildir of ``db``'s messages; ``progress(done, total)`` is called now and then.

    ``stamp``: the file saying which workspace the Maildir holds (default: beside it); keep it
    out of a notmuch mail root, which would take it for a message.
    """
    started = time.perf_counter()
    stamp_file = stamp or maildir.parent / f"{maildir.name}.{STAMP}"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    _read_packed_bodies(conn)
    try:
        identity = fingerprint(conn)
        record = json.loads(stamp_file.read_text()) if stamp_file.exists() else None
        cur = maildir / "cur"
        if record is not None and record.get("fingerprint") == identity and record.get("complete"):
            return Export(maildir, record["files"], 0, time.perf_counter() - started, record["bytes"], True,
                          record.get("seconds"))
        if record is not None and record.get("fingerprint") != identity or record is None and maildir.exists():
            shutil.rmtree(maildir)  # another workspace's (or an unknown) export: start again
            started = time.perf_counter()  # the export's time, not the clean-up's
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        stamp_file.write_text(json.dumps({"fingerprint": identity, "complete": False}))
        done_before = set(os.listdir(cur))
        tmp = maildir / "tmp"
        total = identity["messages"]
        written = files = size = 0
        ticket = None
        references: list[str] = []
        subject_header = ""
        rows = conn.execute(
            "SELECT m.id, m.ticket_id, m.kind, m.author, message_body(m.body), m.created_at, t.number, t.subject "
            "FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.deleted_at IS NULL "
            "ORDER BY m.ticket_id, m.created_at, m.id")
        for mid, tid, kind, author, body, created_at, number, subject in rows:
            if tid != ticket:  # a new thread
                ticket, references = tid, []
                subject_header = header_text(subject)
            name = file_name(mid, created_at)
            if name not in done_before:
                data = render(mid=mid, ticket_id=tid, number=number, subject_header=subject_header, kind=kind,
                              author=author, body=body, created_at=created_at, references=references)
                with open(tmp / name, "wb") as f:
                    f.write(data)
                os.rename(tmp / name, cur / name)
                written += 1
                size += len(data)
            else:
                size += (cur / name).stat().st_size
            references.append(message_id(mid, tid))
            files += 1
            if progress is not None and files % 10_000 == 0:
                progress(files, total)
        seconds = time.perf_counter() - started
        first = seconds if written == files else None
        stamp_file.write_text(json.dumps({"fingerprint": identity, "complete": True, "files": files, "bytes": size,
                                          "seconds": first, "db": str(db)}))
        return Export(maildir, files, written, seconds, size, False, first)
    finally:
        conn.close()


def export_record(result: Export) -> dict:
    record = asdict(result)
    record["maildir"] = str(result.maildir)
    return record
