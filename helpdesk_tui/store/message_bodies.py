"""Message bodies kept deflated with a dictionary trained on the cache's own mail.

Bodies are three quarters of the messages table (334 of 442 MB at a million demo tickets).
Each body is compressed on its own, since a thread view reads a handful, and deflate alone
does little for a few hundred bytes (the first round measured 78 MB saved). What repeats
is across messages: greetings, sign-offs, the same questions and answers in several
languages. A preset dictionary of the account's most repeated lines lets each body point
back into it.

Stored form of ``messages.body``:
- TEXT, as before: rows written before the cache had a dictionary, and any body the
  dictionary does not make shorter;
- BLOB: the dictionary's id (4 bytes, big-endian) and the raw deflate stream.

A dictionary's id is random, so a process reading two accounts' caches never confuses their
dictionaries in the cache kept here. Dictionaries are never changed or deleted once written:
packed bodies refer to them.

Readers select ``message_body(body)``, an SQL function ``register`` adds to a connection;
``messages_fts`` is contentless and gets the text from the writer, so the index is the same
whatever the stored form.
"""

from __future__ import annotations

import os
import sqlite3
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable

DICTIONARY_BYTES = 32 * 1024  # deflate's window: a longer dictionary could not be reached
MIN_SAMPLE = 1000  # fewer bodies than this say too little about the account's mail
SAMPLE = 20_000  # newest bodies a dictionary is trained on
_LEVEL = 6  # level 9 measured the same size on demo mail, level 1 about 5 % larger
_ID = 4  # bytes of dictionary id in front of a packed body

_dictionaries: dict[int, bytes] = {}
_compressors: dict[int, zlib._Compress] = {}

CREATE_TABLE = """CREATE TABLE IF NOT EXISTS message_dictionaries (
    id INTEGER PRIMARY KEY,
    zdict BLOB NOT NULL,
    created_at INTEGER NOT NULL
)"""


def train(bodies: Iterable[str]) -> bytes:
    """A preset dictionary from the lines that repeat most among ``bodies``, by bytes saved.

    The most valuable lines go last: deflate reaches the end of the dictionary with the
    shortest distances. The order of equal scores is by text, so a sample trains the same
    dictionary every time.
    """
    counts = Counter(line for body in bodies for line in body.splitlines() if line.strip())
    scored = sorted(((count - 1) * len(line.encode()), line) for line, count in counts.items() if count > 1)
    picked: list[bytes] = []
    size = 0
    for _score, line in reversed(scored):
        data = (line + "\n").encode()
        if size + len(data) <= DICTIONARY_BYTES:
            picked.append(data)
            size += len(data)
    return b"".join(reversed(picked))


def pack(text: str, dictionary_id: int, zdict: bytes) -> str | bytes:
    """``text`` deflated against the dictionary, or ``text`` itself when that is not shorter."""
    raw = text.encode()
    compressor = _compressors.get(dictionary_id)
    if compressor is None:
        compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict)
        _compressors[dictionary_id] = compressor
        _dictionaries[dictionary_id] = zdict
    # copy() takes the dictionary's prepared state: setting 32 KB of dictionary per body cost
    # 40-60 µs a body, the copy 13 µs.
    c = compressor.copy()
    packed = dictionary_id.to_bytes(_ID, "big") + c.compress(raw) + c.flush()
    return packed if len(packed) < len(raw) else text


UNREADABLE = ("[This message cannot be read: the cache lacks the dictionary it was packed with, "
              "or that dictionary is damaged (README: \"Reading the cache itself\").]")


def text(conn: sqlite3.Connection, value: str | bytes | None) -> str | None:
    """The body ``value`` (as stored in ``messages.body``) holds.

    A body whose dictionary row is missing or damaged (a cache restored from a partial copy,
    a hand edit in the sqlite3 shell) reads as ``UNREADABLE``: one message lost must not make
    the thread, the search or the export raise for every other one.
    """
    if not isinstance(value, bytes):
        return value
    dictionary_id = int.from_bytes(value[:_ID], "big")
    zdict = _dictionaries.get(dictionary_id)
    try:
        if zdict is None:
            row = conn.execute("SELECT zdict FROM message_dictionaries WHERE id = ?", (dictionary_id,)).fetchone()
            if row is None or not isinstance(row[0], bytes):
                return UNREADABLE
            zdict = _dictionaries[dictionary_id] = row[0]
        d = zlib.decompressobj(-15, zdict)
        out = d.decompress(value[_ID:]) + d.flush()
        if not d.eof:  # a stream cut short gives no error, only less text
            return UNREADABLE
        return out.decode()
    except (zlib.error, UnicodeDecodeError, ValueError):
        return UNREADABLE


def current(conn: sqlite3.Connection) -> tuple[int, bytes] | None:
    """The dictionary new bodies are packed with (the newest), None when the cache has none."""
    # A dictionary edited into text by hand cannot pack: the newest one still a blob does.
    row = conn.execute("SELECT id FROM message_dictionaries WHERE typeof(zdict) = 'blob' "
                       "ORDER BY created_at DESC, id LIMIT 1").fetchone()
    if row is None:
        return None
    dictionary_id = int(row[0])
    zdict = _dictionaries.get(dictionary_id)
    if zdict is None:  # read once per process: 32 KB each time would cost every write
        zdict = bytes(conn.execute("SELECT zdict FROM message_dictionaries WHERE id = ?", (dictionary_id,)).fetchone()[0])
        _dictionaries[dictionary_id] = zdict
    return dictionary_id, zdict


def packer(conn: sqlite3.Connection, incoming: list[str]) -> Callable[[str], str | bytes]:
    """How the writer stores the bodies ``incoming``: packed with the cache's dictionary.

    A cache without one gets one as soon as it and ``incoming`` hold ``MIN_SAMPLE`` bodies
    (a first sync, the demo's first batch); until then bodies are stored as text.
    """
    try:
        found = current(conn)
    except sqlite3.OperationalError:  # a cache of the release before (only tests write those)
        return lambda body: body
    if found is None:
        found = _create(conn, incoming)
    if found is None:
        return lambda body: body
    dictionary_id, zdict = found
    return lambda body: pack(body, dictionary_id, zdict)


def _create(conn: sqlite3.Connection, incoming: list[str]) -> tuple[int, bytes] | None:
    stored = conn.execute("SELECT count(*) FROM (SELECT 1 FROM messages LIMIT ?)", (MIN_SAMPLE,)).fetchone()[0]
    if stored + len(incoming) < MIN_SAMPLE:
        return None
    sample = incoming[-SAMPLE:]
    if len(sample) < SAMPLE:
        sample += [text(conn, r[0]) or "" for r in conn.execute(
            "SELECT body FROM messages ORDER BY id DESC LIMIT ?", (SAMPLE - len(sample),))]
    if len(sample) < MIN_SAMPLE:
        return None
    zdict = train(sample)
    dictionary_id = _new_id(conn)
    conn.execute("INSERT INTO message_dictionaries (id, zdict, created_at) VALUES (?, ?, ?)",
                 (dictionary_id, zdict, int(time.time())))
    return dictionary_id, zdict


def _new_id(conn: sqlite3.Connection) -> int:
    while True:
        # os.urandom, not the random module: every command imports this module, random costs ~1 ms
        candidate = int.from_bytes(os.urandom(4), "big") & 0x7FFFFFFF
        if candidate == 0:
            continue
        if candidate not in _dictionaries and conn.execute(
                "SELECT 1 FROM message_dictionaries WHERE id = ?", (candidate,)).fetchone() is None:
            return candidate


class _Trainer:
    """``train_message_dictionary(body)``: the aggregate the migration trains with."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def step(self, body: str | None) -> None:
        if isinstance(body, str):
            self.bodies.append(body)

    def finalize(self) -> bytes:
        return train(self.bodies)


def register(conn: sqlite3.Connection) -> None:
    """Add the SQL functions the schema and the readers use to ``conn``.

    - ``message_body(body)``: the text of a stored body;
    - ``pack_message_body(body)``: a text body packed with the cache's newest dictionary
      (unchanged when there is none);
    - ``train_message_dictionary(body)`` (aggregate) and ``new_message_dictionary_id()``:
      what the migration builds the first dictionary with.
    """
    conn.create_function("message_body", 1, lambda value: text(conn, value), deterministic=True)
    chosen: list[tuple[int, bytes]] = []  # found once per connection: dictionaries never change

    def pack_body(value: str | bytes | None) -> str | bytes | None:
        if not isinstance(value, str):
            return value
        if not chosen:
            found = current(conn)
            if found is None:
                return value
            chosen.append(found)
        return pack(value, *chosen[0])

    conn.create_function("pack_message_body", 1, pack_body)
    conn.create_function("new_message_dictionary_id", 0, lambda: _new_id(conn))
    # typeshed types an aggregate's step and finalize as taking and giving int only
    conn.create_aggregate("train_message_dictionary", 1, _Trainer)  # type: ignore[arg-type]
