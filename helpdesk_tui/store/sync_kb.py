"""Applying the helpdesk's knowledge base and reply templates to the cache, in the caller's transaction.

Articles come in pages after an opaque cursor (stream ``articles``); a page and its cursor
are written together, so a sync killed between pages resumes after the last page written.
Local ids stay stable across updates (the KB sidebar and links into it keep working); an
article the backend reports as archived is removed together with its index rows.

Templates come as the server's whole list: what the list no longer holds is deleted, but
only among the synced ones (``source = 'helpdesk'``); the agent's own are never touched.
Text from the server is cleaned of terminal control sequences before it is stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from helpdesk_tui.content import clean_line, clean_text
from helpdesk_tui.domain.models import Article
from helpdesk_tui.domain.remote import RemoteArticle, RemoteTemplate
from helpdesk_tui.store import writer
from helpdesk_tui.store.timeconv import from_epoch, to_epoch

ARTICLES = "articles"
TEMPLATES = "templates"
HELPDESK = "helpdesk"  # templates.source of a template synced from the server
_ORIGIN_KEY = "templates.origin"  # meta: what the server calls its templates ("Zendesk macro")


@dataclass
class KbApplyResult:
    new: int = 0
    updated: int = 0
    removed: int = 0


@dataclass(frozen=True)
class SyncedTemplate:
    """A template synced from the helpdesk, as the compose layer loads it."""

    remote_id: str
    name: str
    description: str
    language: str
    body: str
    origin: str  # e.g. "Zendesk macro"
    updated_at: datetime | None = None


def _latest(items: Iterable, key) -> list:
    """One record per remote id (the last one wins): a page may repeat an item that changed twice."""
    return list({key(item): item for item in items}.values())


def save_cursor(conn: sqlite3.Connection, stream: str, cursor: str | None, now: datetime) -> None:
    conn.execute("INSERT INTO sync_state (stream, cursor, updated_at) VALUES (?, ?, ?) "
                 "ON CONFLICT(stream) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
                 (stream, cursor, to_epoch(now)))


def apply_articles(conn: sqlite3.Connection, articles: Iterable[RemoteArticle], *, cursor: str | None,
                   now: datetime) -> KbApplyResult:
    """Upsert a page of articles by remote id, remove archived ones, store ``cursor``."""
    result = KbApplyResult()
    synced = to_epoch(now)
    page = _latest(articles, lambda a: a.remote_id)
    known = _local_ids(conn, "kb_articles", [a.remote_id for a in page])
    next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM kb_articles").fetchone()[0]
    gone = [known[a.remote_id] for a in page if a.archived and a.remote_id in known]
    writer.delete_articles(conn, gone)
    result.removed = len(gone)
    keep: list[tuple[Article, RemoteArticle]] = []
    for remote in page:
        if remote.archived:
            continue
        local_id = known.get(remote.remote_id)
        if local_id is None:
            local_id, next_id = next_id, next_id + 1
            result.new += 1
        else:
            result.updated += 1
        keep.append((Article(
            id=local_id, remote_id=remote.remote_id, title=clean_line(remote.title) or f"Article {remote.remote_id}",
            body=clean_text(remote.body), language=clean_line(remote.language) or "en",
            tags=tuple(t for t in (clean_line(tag) for tag in remote.tags) if t), url=clean_line(remote.url),
            updated_at=remote.updated_at), remote))
    writer.save_articles(conn, [article for article, _ in keep])
    conn.executemany("UPDATE kb_articles SET raw = ?, synced_at = ? WHERE id = ?",
                     [(json.dumps(remote.raw, ensure_ascii=False, default=str), synced, article.id)
                      for article, remote in keep])
    save_cursor(conn, ARTICLES, cursor, now)
    return result


def _local_ids(conn: sqlite3.Connection, table: str, remote_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(remote_ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = remote_ids[start:start + 500]
        found.update(conn.execute(f"SELECT remote_id, id FROM {table} WHERE remote_id IN "
                                  f"({', '.join('?' * len(chunk))})", chunk).fetchall())
    return found


def apply_templates(conn: sqlite3.Connection, templates: Iterable[RemoteTemplate], *, origin: str,
                    now: datetime) -> KbApplyResult:
    """Make the synced templates the server's list ``templates``; local templates stay as they are."""
    result = KbApplyResult()
    stamp = to_epoch(now)
    existing = {remote_id: (tid, tuple(values)) for remote_id, tid, *values in conn.execute(
        "SELECT remote_id, id, name, description, language, body FROM templates "
        "WHERE source = ? AND remote_id IS NOT NULL", (HELPDESK,))}
    wanted = _latest(templates, lambda t: t.remote_id)
    for remote in wanted:
        values = (clean_line(remote.name) or f"Template {remote.remote_id}", clean_line(remote.description),
                  clean_line(remote.language) or "en", clean_text(remote.body))
        raw = json.dumps(remote.raw, ensure_ascii=False, default=str)
        old = existing.get(remote.remote_id)
        if old is None:
            # A local template never has this remote id; if one did, it is left alone (DO NOTHING).
            cur = conn.execute(
                "INSERT INTO templates (remote_id, name, description, language, body, source, updated_at, raw) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(remote_id) DO NOTHING",
                (remote.remote_id, *values, HELPDESK, stamp, raw))
            result.new += cur.rowcount
        elif old[1] != values:
            conn.execute("UPDATE templates SET name = ?, description = ?, language = ?, body = ?, updated_at = ?, "
                         "raw = ? WHERE id = ?", (*values, stamp, raw, old[0]))
            result.updated += 1
        else:
            conn.execute("UPDATE templates SET raw = ? WHERE id = ?", (raw, old[0]))
    seen = {t.remote_id for t in wanted}
    gone = [tid for remote_id, (tid, _) in existing.items() if remote_id not in seen]
    conn.executemany("DELETE FROM templates WHERE id = ?", ((tid,) for tid in gone))
    result.removed = len(gone)
    writer.set_meta(conn, _ORIGIN_KEY, clean_line(origin) or "helpdesk template")
    save_cursor(conn, TEMPLATES, None, now)
    return result


def synced_templates(conn: sqlite3.Connection) -> list[SyncedTemplate]:
    """The templates synced from the helpdesk, by name."""
    origin = writer.get_meta(conn, _ORIGIN_KEY) or "helpdesk template"
    return [SyncedTemplate(remote_id=r[0], name=r[1], description=r[2], language=r[3], body=r[4], origin=origin,
                           updated_at=from_epoch(r[5]))
            for r in conn.execute("SELECT remote_id, name, description, language, body, updated_at FROM templates "
                                  "WHERE source = ? AND remote_id IS NOT NULL ORDER BY name, id", (HELPDESK,))]
