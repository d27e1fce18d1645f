"""An export of the cache for analysts: tickets, messages, customers, organizations, ratings.

sqlite-utils does the job here that hand-written SQL did badly: it creates the target's tables
from column declarations with their keys and foreign keys, and inserts streamed rows in
batches, so a cache of a million messages is copied without holding it in memory. The cache's
own reads and writes stay on plain sqlite3 (see the note at the top of ``store/db.py``).

Only the columns listed in ``TABLES`` leave the cache: never the outbox, drafts, sync state,
meta, search indexes or the servers' raw JSON. Deleted tickets (and their messages and
ratings) are left out. Times are ISO 8601 in UTC, which every analysis tool reads.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from helpdesk_tui.csv_cells import spreadsheet_text
from helpdesk_tui.store.schema import format_sql, raw_sql

ExportFormat = Literal["sqlite", "csv", "json"]
FORMATS: tuple[ExportFormat, ...] = ("sqlite", "csv", "json")


class ExportError(Exception):
    """The export cannot be written; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # the name in the export
    type: type  # int or str, for the SQLite target's declaration
    source: str  # the SQL expression in the cache (a column of the table, aliased "t")
    time: bool = False  # epoch seconds in the cache, ISO 8601 text in the export
    json_text: bool = False  # JSON text in the cache: a JSON export holds the value itself


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    where: str = ""  # SQL condition on the cache's rows (alias "t")
    foreign_keys: tuple[tuple[str, str], ...] = ()  # (column, other table), to its "id"


def _c(name: str, kind: type = str, source: str | None = None, *, time: bool = False,
       json_text: bool = False) -> Column:
    return Column(name, kind, f"t.{name}" if source is None else source, time, json_text)


_LIVE_TICKET = "t.ticket_id IN (SELECT id FROM tickets WHERE deleted_at IS NULL)"

# Export order: a table comes after those its foreign keys point to.
TABLES: tuple[Table, ...] = (
    Table("organizations", (_c("id", int), _c("remote_id"), _c("name"), _c("domain"), _c("notes"))),
    Table("customers", (_c("id", int), _c("remote_id"), _c("name"), _c("email"), _c("phone"), _c("language"),
                        _c("organization_id", int), _c("created_at", time=True)),
          foreign_keys=(("organization_id", "organizations"),)),
    Table("tickets", (_c("id", int), _c("remote_id"), _c("number", int), _c("subject"), _c("status"),
                      _c("status_raw", str, raw_sql("t.status_raw", "t.status")), _c("priority"),
                      _c("priority_raw", str, raw_sql("t.priority_raw", "t.priority")), _c("requester_id", int),
                      _c("organization_id", int), _c("assignee"), _c("group", str, "t.grp"), _c("tags", json_text=True),
                      _c("custom_fields", json_text=True), _c("created_at", time=True), _c("updated_at", time=True),
                      _c("first_response_at", time=True), _c("first_response_due_at", time=True),
                      _c("first_update_at", time=True), _c("first_update_due_at", time=True),
                      _c("update_due_at", time=True), _c("next_checkpoint_at", time=True),
                      _c("resolution_due_at", time=True), _c("solved_at", time=True)),
          where="t.deleted_at IS NULL",
          foreign_keys=(("requester_id", "customers"), ("organization_id", "organizations"))),
    Table("messages", (_c("id", int), _c("remote_id"), _c("ticket_id", int), _c("kind"), _c("author"),
                       _c("body", str, "message_body(t.body)"), _c("body_format", str, format_sql("t.body_format")), _c("attachments", json_text=True), _c("created_at", time=True)),
          where=_LIVE_TICKET, foreign_keys=(("ticket_id", "tickets"),)),
    Table("ratings", (_c("id", int), _c("remote_id"), _c("ticket_id", int), _c("score"), _c("comment"),
                      _c("agent"), _c("source"), _c("created_at", time=True)),
          where=_LIVE_TICKET, foreign_keys=(("ticket_id", "tickets"),)),
)


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path  # the SQLite file, or the folder of CSV or JSON files
    rows: dict[str, int] = field(default_factory=dict)  # rows written per table


def export_cache(conn: sqlite3.Connection, target: Path, *, fmt: ExportFormat = "sqlite",
                 overwrite: bool = False) -> ExportResult:
    """Write the cache read through ``conn`` to ``target``: a standalone SQLite file, or a
    folder with one ``<table>.csv`` or ``<table>.json`` per table.

    The cache is read in one snapshot (a reader sees no half-applied sync page), the export is
    made beside ``target`` and moved into place when complete, readable by its owner alone
    (it holds customers' names and messages). An existing ``target`` is refused unless
    ``overwrite``.
    """
    if fmt not in FORMATS:
        raise ExportError(f"Unknown export format {fmt!r}: use one of {', '.join(FORMATS)}.")
    target = Path(target)
    if _is_the_cache(conn, target):
        raise ExportError(f"{target} is the cache itself: choose another file for the export.")
    if target.exists() and not overwrite:
        raise ExportError(f"{target} already exists: choose another name, or overwrite it.")
    if not target.parent.is_dir():
        raise ExportError(f"The folder {target.parent} does not exist: create it first.")
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        conn.execute("SAVEPOINT export")  # one read snapshot for every table
        try:
            if fmt == "sqlite":
                rows = _write_sqlite(conn, work / "export.sqlite")
                built = work / "export.sqlite"
            else:
                built = work / "export"
                built.mkdir(mode=0o700)
                rows = _write_files(conn, built, fmt)
        finally:
            conn.execute("RELEASE export")
        _replace(built, target, overwrite)
    finally:
        _remove(work)
    return ExportResult(target, rows)


def _is_the_cache(conn: sqlite3.Connection, target: Path) -> bool:
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main" and file and target.exists() and os.path.samefile(file, target):
            return True
    return False


def _rows(conn: sqlite3.Connection, table: Table, *, decode_json: bool = False) -> Iterator[dict[str, Any]]:
    select = ", ".join(column.source for column in table.columns)
    where = f" WHERE {table.where}" if table.where else ""
    for row in conn.execute(f"SELECT {select} FROM {table.name} t{where} ORDER BY t.id"):
        yield {column.name: _value(column, value, decode_json) for column, value in zip(table.columns, row, strict=True)}


def _value(column: Column, value: Any, decode_json: bool) -> Any:
    if value is None:
        return None
    if column.time:
        return datetime.fromtimestamp(value, UTC).isoformat()
    if column.json_text and decode_json:
        return json.loads(value)
    return value


def _write_sqlite(conn: sqlite3.Connection, path: Path) -> dict[str, int]:
    path.touch(mode=0o600)
    db = sqlite_utils.Database(path)
    counts: dict[str, int] = {}
    try:
        for table in TABLES:
            created = db.create_table(
                table.name, {column.name: column.type for column in table.columns}, pk="id",
                foreign_keys=[(column, other, "id") for column, other in table.foreign_keys])
            rows = _counted(_rows(conn, table), counts, table.name)
            created.insert_all(rows, batch_size=1000)
            for column, _ in table.foreign_keys:
                created.create_index([column])
    finally:
        db.close()
    return counts


def _counted(rows: Iterator[dict[str, Any]], counts: dict[str, int], name: str) -> Iterator[dict[str, Any]]:
    counts[name] = 0
    for row in rows:
        counts[name] += 1
        yield row


def _csv_cell(value: object) -> object:
    # Customer text that starts like a formula stays text in a spreadsheet (the one guard).
    return spreadsheet_text(value) if isinstance(value, str) else value


def _write_files(conn: sqlite3.Connection, folder: Path, fmt: ExportFormat) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in TABLES:
        path = folder / f"{table.name}.{fmt}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "w", encoding="utf-8", newline="") as out:
            rows = _counted(_rows(conn, table, decode_json=fmt == "json"), counts, table.name)
            if fmt == "csv":
                writer = csv.writer(out)
                writer.writerow([column.name for column in table.columns])
                for row in rows:
                    writer.writerow([_csv_cell(value) for value in row.values()])
            else:  # a JSON array of objects, written row by row
                out.write("[")
                for number, row in enumerate(rows):
                    out.write(",\n" if number else "\n")
                    out.write(json.dumps(row, ensure_ascii=False))
                out.write("\n]\n")
    return counts


def _replace(built: Path, target: Path, overwrite: bool) -> None:
    if overwrite and target.is_dir() and not built.is_dir():
        raise ExportError(f"{target} is a folder: choose a file name for a SQLite export.")
    if overwrite and target.exists() and target.is_dir() != built.is_dir():
        raise ExportError(f"{target} is a file: choose a folder name for a CSV or JSON export.")
    if built.is_dir() and target.is_dir():
        old = target.with_name(f".{target.name}.old")
        _remove(old)
        os.replace(target, old)
        os.replace(built, target)
        _remove(old)
    else:
        os.replace(built, target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
