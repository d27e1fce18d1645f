"""Schema migrations, applied in order and recorded in ``PRAGMA user_version``.

Add a migration by appending to MIGRATIONS; never edit one that has shipped.
Full-text tables are contentless FTS5 tables: the text they index is prepared in Python
(CJK runs split into bigrams, see ``cjk.py``), so rows are added and removed by the
repositories in the same transaction as the row they index.
"""

from __future__ import annotations

import os
import sqlite3

from helpdesk_tui.store import message_bodies

_V1 = """
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    remote_id TEXT UNIQUE,
    name TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    raw TEXT,
    synced_at INTEGER
);
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    remote_id TEXT UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'en',
    organization_id INTEGER REFERENCES organizations(id),
    created_at INTEGER,
    raw TEXT,
    synced_at INTEGER
);
CREATE INDEX ix_customers_org ON customers(organization_id);
CREATE TABLE customer_notes (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    body TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX ix_customer_notes_customer ON customer_notes(customer_id);
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    remote_id TEXT UNIQUE,
    number INTEGER NOT NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    status_raw TEXT NOT NULL DEFAULT '',
    priority TEXT NOT NULL,
    priority_raw TEXT NOT NULL DEFAULT '',
    requester_id INTEGER REFERENCES customers(id),
    organization_id INTEGER REFERENCES organizations(id),
    assignee TEXT,
    grp TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    custom_fields TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    first_response_at INTEGER,
    first_response_due_at INTEGER,
    next_checkpoint_at INTEGER,
    resolution_due_at INTEGER,
    solved_at INTEGER,
    sla_due_at INTEGER,
    sla_kind TEXT,
    sla_key INTEGER NOT NULL,
    version TEXT,
    deleted_at INTEGER,
    raw TEXT,
    synced_at INTEGER
);
CREATE UNIQUE INDEX ix_tickets_number ON tickets(number);
CREATE INDEX ix_tickets_urgency ON tickets(sla_key, id);
CREATE INDEX ix_tickets_updated ON tickets(updated_at, id);
CREATE INDEX ix_tickets_assignee ON tickets(assignee, sla_key, id);
CREATE INDEX ix_tickets_status ON tickets(status, sla_key, id);
CREATE INDEX ix_tickets_requester ON tickets(requester_id, created_at);
CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, ticket_id)
) WITHOUT ROWID;
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    remote_id TEXT,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    body_format TEXT NOT NULL DEFAULT 'markdown',
    attachments TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    raw TEXT,
    synced_at INTEGER
);
CREATE INDEX ix_messages_ticket ON messages(ticket_id, created_at, id);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_events_ticket ON events(ticket_id, at, id);
CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY,
    remote_id TEXT UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'en',
    tags TEXT NOT NULL DEFAULT '[]',
    url TEXT NOT NULL DEFAULT '',
    updated_at INTEGER,
    raw TEXT,
    synced_at INTEGER
);
CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    remote_id TEXT UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'en',
    body TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'local',
    updated_at INTEGER,
    raw TEXT
);
CREATE TABLE drafts (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    cursor_row INTEGER NOT NULL DEFAULT 0,
    cursor_col INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (ticket_id)
);
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    ticket_id INTEGER REFERENCES tickets(id),
    message_id INTEGER REFERENCES messages(id),
    action TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX ix_outbox_state ON outbox(state, created_at);
CREATE TABLE sync_state (
    stream TEXT PRIMARY KEY,
    cursor TEXT,
    high_watermark INTEGER,
    rate_limit_reset INTEGER,
    updated_at INTEGER
);
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, tags, content='', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, content='', tokenize='unicode61 remove_diacritics 2');
"""

# v2: drafts remember the newest message seen when they began (collision check); the
# thread looks up delivery state by message; the "recently updated" view filters deleted
# tickets from its index alone.
_V2 = """
ALTER TABLE drafts ADD COLUMN seen_message_id INTEGER;
CREATE INDEX ix_outbox_message ON outbox(message_id);
DROP INDEX ix_tickets_updated;
CREATE INDEX ix_tickets_updated ON tickets(updated_at, id, sla_key);
"""

# v3: filters on priority (priority:urgent -status:solved) get an index in SLA order.
_V3 = """
CREATE INDEX ix_tickets_priority ON tickets(priority, sla_key, id);
"""

# v4: the outbox remembers what each delivered item became on the server, so a look-up for
# one update ("set solved") cannot take an earlier identical update's result for its own.
_V4 = """
ALTER TABLE outbox ADD COLUMN remote_id TEXT;
"""

# v5: SLA policies, rotation triage, focus sessions, KPIs.
# - The first substantive update (after a mere acknowledgement) has its own clock.
# - Triage actions are logged per rotation so the screen can show what was handled and `u`
#   can take back the last one while its outbox item is still queued.
# - Focus sessions and the tickets each one served (with skip reasons).
# - Satisfaction ratings: from the helpdesk where it has them, recorded locally otherwise.
# - Messages marked as product feedback, for `insights export`.
# - KPIs read the timeline by kind and date.
_V5 = """
ALTER TABLE tickets ADD COLUMN first_update_at INTEGER;
ALTER TABLE tickets ADD COLUMN first_update_due_at INTEGER;
CREATE TABLE rotations (
    id INTEGER PRIMARY KEY,
    agent TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER
);
CREATE TABLE triage_actions (
    id INTEGER PRIMARY KEY,
    rotation_id INTEGER REFERENCES rotations(id),
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    at INTEGER NOT NULL,
    agent TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    outbox_id TEXT,
    undone_at INTEGER
);
CREATE INDEX ix_triage_actions_rotation ON triage_actions(rotation_id, at);
CREATE TABLE focus_sessions (
    id INTEGER PRIMARY KEY,
    agent TEXT NOT NULL DEFAULT '',
    view TEXT NOT NULL,
    filter TEXT NOT NULL DEFAULT '',
    planned_seconds INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    paused_at INTEGER,
    paused_seconds INTEGER NOT NULL DEFAULT 0,
    ended_at INTEGER,
    summary TEXT
);
CREATE TABLE focus_session_tickets (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES focus_sessions(id),
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    served_at INTEGER NOT NULL,
    finished_at INTEGER,
    outcome TEXT,
    skip_reason TEXT
);
CREATE INDEX ix_focus_session_tickets ON focus_session_tickets(session_id, served_at);
CREATE TABLE ratings (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    remote_id TEXT UNIQUE,
    score TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    agent TEXT,
    created_at INTEGER NOT NULL,
    source TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX ix_ratings_created ON ratings(created_at);
CREATE INDEX ix_ratings_ticket ON ratings(ticket_id);
CREATE TABLE feedback_marks (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    message_id INTEGER REFERENCES messages(id),
    note TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    marked_at INTEGER NOT NULL
);
CREATE INDEX ix_feedback_marks_at ON feedback_marks(marked_at);
CREATE INDEX ix_events_kind_at ON events(kind, at);
"""

# v6: the SLA policy's update interval (and the reply owed to a reopened ticket) has its
# own due time; tickets remember whether the helpdesk supplied their due times.
_V6 = """
ALTER TABLE tickets ADD COLUMN update_due_at INTEGER;
ALTER TABLE tickets ADD COLUMN sla_source TEXT NOT NULL DEFAULT 'policy';
"""

# v7: the KPIs read status changes by kind and date with the detail and ticket in the
# index itself (the backlog replays them without touching the table).
_V7 = """
DROP INDEX ix_events_kind_at;
CREATE INDEX ix_events_kind_at ON events(kind, at, detail, ticket_id);
"""

# v8: undo send. A draft keeps the status and promise the send dialog starts from (a
# template's suggestion, or what the agent chose before taking a held send back) and its
# attachments. An outbox item is not sent before ``not_before``: a reply held in the undo
# window waits there in state "held" (its local effects are applied when it is released),
# a triage change waits as "queued".
_V8 = """
ALTER TABLE drafts ADD COLUMN status TEXT;
ALTER TABLE drafts ADD COLUMN next_checkpoint_at INTEGER;
ALTER TABLE drafts ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
ALTER TABLE outbox ADD COLUMN not_before INTEGER;
CREATE INDEX ix_outbox_not_before ON outbox(state, not_before);
"""

# v9: sync state that is not a cursor (``store/sync_status.py``): a full-scan backend's
# per-ticket content hashes, one row each, instead of a cursor string rewritten on every page.
_V9 = """
CREATE TABLE sync_status (
    stream TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (stream, key)
) WITHOUT ROWID;
"""

# The inbox's typed filters (``store/inbox_plan.py``) walk one index in SLA order and check the
# other conditions on the same index entry, never on the table row:
# - status, priority and assignee each carry the other two after (sla_key, id);
# - the requester index carries sla_key, so a customer's tickets are sorted from the index alone;
# - a tag row carries its ticket's sla_key, so tag:billing is one range of ticket_tags already in
#   inbox order, and tag:x as an extra condition is one primary-key probe. The trigger keeps the
#   copy in step whatever statement writes sla_key (sync, the SLA refresh, the demo's clock
#   shift); ix_ticket_tags_ticket finds a ticket's tag rows for it and for the writer's
#   replace-the-tags delete (a scan of every tag row without it).
_V10_INBOX_FILTER_INDEXES = """
DROP INDEX IF EXISTS ix_tickets_status;
CREATE INDEX ix_tickets_status ON tickets(status, sla_key, id, priority, assignee);
DROP INDEX IF EXISTS ix_tickets_priority;
CREATE INDEX ix_tickets_priority ON tickets(priority, sla_key, id, status, assignee);
DROP INDEX IF EXISTS ix_tickets_assignee;
CREATE INDEX ix_tickets_assignee ON tickets(assignee, sla_key, id, status, priority);
DROP INDEX IF EXISTS ix_tickets_requester;
CREATE INDEX ix_tickets_requester ON tickets(requester_id, created_at, sla_key);
CREATE TABLE ticket_tags_by_urgency (
    tag TEXT NOT NULL,
    sla_key INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    PRIMARY KEY (tag, sla_key, ticket_id)
) WITHOUT ROWID;
INSERT INTO ticket_tags_by_urgency (tag, sla_key, ticket_id)
    SELECT g.tag, t.sla_key, g.ticket_id FROM ticket_tags g JOIN tickets t ON t.id = g.ticket_id
    ORDER BY 1, 2, 3;
DROP TABLE ticket_tags;
ALTER TABLE ticket_tags_by_urgency RENAME TO ticket_tags;
CREATE INDEX ix_ticket_tags_ticket ON ticket_tags(ticket_id);
CREATE TRIGGER ticket_tags_follow_sla_key AFTER UPDATE OF sla_key ON tickets
WHEN NEW.sla_key IS NOT OLD.sla_key
BEGIN
    UPDATE ticket_tags SET sla_key = NEW.sla_key WHERE ticket_id = NEW.id;
END;
"""

# The status changes that start or end a ticket's activity (``domain.kpis.activity_changes``),
# written out: a shipped migration never changes, and the KPIs' query names the same list so
# that SQLite knows the partial index below holds every row it asks for.
KPI_FLIP_DETAILS: tuple[str, ...] = (
    'new → solved', 'new → closed', 'open → solved', 'open → closed', 'pending → solved',
    'pending → closed', 'on_hold → solved', 'on_hold → closed', 'solved → new', 'solved → open',
    'solved → pending', 'solved → on_hold', 'closed → new', 'closed → open', 'closed → pending',
    'closed → on_hold',
)
_FLIP_WHERE_V11 = ("kind = 'status_changed' AND detail IN ("
                   + ", ".join(f"'{detail}'" for detail in KPI_FLIP_DETAILS) + ")")

# The KPIs read only the status changes that start or end activity (about 7 % of the events,
# see ``store/kpi_data.py``); v7's index held every event of every kind (190 MB at a million
# tickets) and nothing else reads it. A partial index of those changes alone replaces it.
_V11_KPI_FLIPS_INDEX = f"""
DROP INDEX IF EXISTS ix_events_kind_at;
CREATE INDEX ix_events_flips ON events(at, ticket_id, detail, kind) WHERE {_FLIP_WHERE_V11};
"""

# The active statuses (``domain.kpis.ACTIVE``) written out, for the same reason: SQLite uses a
# partial index only when the query's WHERE repeats the index's terms as literal text.
KPI_ACTIVE_STATUSES: tuple[str, ...] = ('new', 'on_hold', 'open', 'pending')
KPI_ACTIVE_WHERE = ("status IN (" + ", ".join(f"'{status}'" for status in KPI_ACTIVE_STATUSES)
                    + ") AND deleted_at IS NULL")

# The reopening changes (``domain.kpis.reopen_details``), written out like the flips above.
KPI_REOPEN_DETAILS: tuple[str, ...] = (
    'solved → new', 'solved → open', 'solved → pending', 'solved → on_hold', 'closed → new', 'closed → open',
    'closed → pending', 'closed → on_hold',
)
_REOPEN_WHERE_V12 = ("kind = 'status_changed' AND detail IN ("
                     + ", ".join(f"'{detail}'" for detail in KPI_REOPEN_DETAILS) + ")")

# Covering indexes for the KPIs' reads (``store/kpi_data.py``), none holding more than it must:
# - Every window reads every active ticket (a target may breach, the backlog counts it): a
#   hundred thousand at a million tickets, each a table row fetched by id. Most of them only
#   add one to the backlog; ``ix_tickets_kpi_active`` holds the moments that say so, so they
#   are counted from it without the table, and the others are read from it too: it holds
#   every column the KPIs read of an active ticket, in id order (the order the rows are merged
#   in: no sort). The filter's columns are in it as well: SQLite 3.40 reads them from the
#   table otherwise.
# - Public replies (a fifth of the messages) by ticket and time, with their author: the
#   replies of the window and the replies before a solve, without reading message rows.
# - Reopenings by ticket (rare): whether a ticket was ever reopened is one lookup.
_V12_KPI_COVERING_INDEXES = f"""
CREATE INDEX ix_tickets_kpi_active ON tickets(id, created_at, updated_at, first_response_at,
    first_response_due_at, first_update_at, first_update_due_at, resolution_due_at, solved_at, assignee, grp,
    status, deleted_at) WHERE {KPI_ACTIVE_WHERE};
CREATE INDEX ix_messages_kpi_replies ON messages(ticket_id, created_at, author, kind) WHERE kind = 'public_reply';
CREATE INDEX ix_events_kpi_reopens ON events(ticket_id, kind, detail) WHERE {_REOPEN_WHERE_V12};
"""

# The free-text filter's whole list (``store/inbox_text.py``) follows each matching message to
# its ticket and sorts the tickets by sla_key. Without these it read a message row and a ticket
# row for each (wide rows spread over 670 MB of table pages, one OS read each without a memory
# map): 250 ms for "refund" at a million tickets. Keyed by id, with the one column wanted,
# consecutive ids share a page (22 + 19 MB at 1M).
_V13_TEXT_FILTER_INDEXES = """
CREATE INDEX ix_messages_ticket_of ON messages(id, ticket_id);
CREATE INDEX ix_tickets_sla_key_of ON tickets(id, sla_key);
"""

# Message bodies packed with a dictionary trained on the cache's newest bodies
# (``store/message_bodies.py``): 442 → ~190 MB of messages at a million demo tickets. The
# functions it calls are added to the connection by ``migrate``. A cache with too few messages
# to train on gets its dictionary later, from the writer. The rows are rewritten in place: the
# pages they leave free stay in the file for later writes (VACUUM gives them back), and the
# write needs about the table's size again in the -wal file; a full disk stops it with the
# cache unchanged (the step is one transaction) and the disk-full sentence. The rows are packed
# in 32 ranges of ids: SQLite keeps a copy of every page one statement changes (to undo that
# statement alone), in memory here (temp_store), which for one UPDATE of every row was the whole
# table: 504 MB resident at a million tickets.
_PACK_PARTS = 32
_PACK_IN_PARTS = "\n".join(
    "UPDATE messages SET body = pack_message_body(body) WHERE typeof(body) = 'text'"
    + ("" if part == 0 else f" AND id > (SELECT max(id) FROM messages) * {part} / {_PACK_PARTS}")
    + ("" if part == _PACK_PARTS - 1 else f" AND id <= (SELECT max(id) FROM messages) * {part + 1} / {_PACK_PARTS}")
    + ";" for part in range(_PACK_PARTS))
_V14_MESSAGE_BODIES_PACKED = f"""
{message_bodies.CREATE_TABLE};
INSERT INTO message_dictionaries (id, zdict, created_at)
    SELECT new_message_dictionary_id(), zdict, CAST(strftime('%s', 'now') AS INTEGER)
    FROM (SELECT count(*) AS n, train_message_dictionary(body) AS zdict
          FROM (SELECT body FROM messages ORDER BY id DESC LIMIT {message_bodies.SAMPLE}))
    WHERE n >= {message_bodies.MIN_SAMPLE};
{_PACK_IN_PARTS}
"""

# A ticket's tag rows found from its own tags instead of an index by ticket (ix_ticket_tags_ticket:
# 43 MB at a million demo tickets, and one more index entry for every tag row written). The
# writer stores each tag folded by Python's str.lower() (``writer.save_ticket_rows``), and SQLite's
# lower() folds ASCII letters only; of all the characters outside ASCII, only the Kelvin sign
# (U+212A) folds to ASCII in Python ("k"). So the trigger folds a tag as SQLite can (the Kelvin
# sign first) and probes the primary key (tag, sla_key, ticket_id) for it; that finds every row
# whose stored tag is ASCII. A stored tag with any other character outside ASCII ("ärger",
# "i̇stanbul", "ß") is found through a partial index holding only those rows (nearly empty in
# practice; more rows in it cost disk, never correctness). The writer's forgetting of a
# ticket's tag rows folds in Python (``tag_rows.forget``) and needs no index.
# Measured (100k demo, the app's PRAGMAs): 4.3 MB less (143.9 -> 139.6 MB fresh); a sync-style
# re-save of a ticket costs the same; a changed sla_key costs ~7 us more (the JSON probe). At 1M:
# 43.5 MB less, 0.8 s to apply (an upgraded cache keeps the pages free for its later writes).
TAG_UNFOLDED_WHERE = "length(CAST(tag AS BLOB)) <> length(tag)"
_V15_TAG_ROWS_FOUND_BY_TAGS = f"""
DROP TRIGGER IF EXISTS ticket_tags_follow_sla_key;
DROP INDEX IF EXISTS ix_ticket_tags_ticket;
CREATE INDEX ix_ticket_tags_unfolded ON ticket_tags(ticket_id) WHERE {TAG_UNFOLDED_WHERE};
CREATE TRIGGER ticket_tags_follow_sla_key AFTER UPDATE OF sla_key ON tickets
WHEN NEW.sla_key IS NOT OLD.sla_key
BEGIN
    UPDATE ticket_tags SET sla_key = NEW.sla_key
    WHERE tag IN (SELECT lower(replace(value, char(8490), 'k')) FROM json_each(OLD.tags))
        AND sla_key = OLD.sla_key AND ticket_id = NEW.id;
    UPDATE ticket_tags SET sla_key = NEW.sla_key
    WHERE ticket_id = NEW.id AND sla_key = OLD.sla_key AND {TAG_UNFOLDED_WHERE};
END;
"""

# Events kept in ticket order, keyed by (ticket_id, id) WITHOUT ROWID: a ticket's timeline is one
# range of the table itself, so the index that found it (ix_events_ticket, ticket_id, at, id: 102 MB
# at a million demo tickets, one more entry for every event written) goes. An event keeps its id,
# unique in the cache: SQLite numbers only rowid tables, so the writer gives new events the ids
# after the last one given (``LAST_EVENT_ID`` in meta, ``writer.add_events``), never one given
# before. A look-up by id alone would read the whole table: every one names the ticket too
# (triage undo, triage marks). The copy is written in the old index's order (near the key's:
# no sort in memory), then the file is VACUUMed like v14's (``_give_back_space``).
LAST_EVENT_ID = "events_last_id"
_V16_EVENTS_BY_TICKET = f"""
CREATE TABLE events_by_ticket (
    id INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (ticket_id, id)
) WITHOUT ROWID;
INSERT INTO events_by_ticket (id, ticket_id, kind, at, actor, detail)
    SELECT id, ticket_id, kind, at, actor, detail FROM events ORDER BY ticket_id;
INSERT OR REPLACE INTO meta (key, value)
    SELECT '{LAST_EVENT_ID}', max(coalesce((SELECT max(id) FROM events), 0),
                                  coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = '{LAST_EVENT_ID}'), 0));
DROP TABLE events;
ALTER TABLE events_by_ticket RENAME TO events;
CREATE INDEX ix_events_flips ON events(at, ticket_id, detail, kind) WHERE {_FLIP_WHERE_V11};
CREATE INDEX ix_events_kpi_reopens ON events(ticket_id, kind, detail) WHERE {_REOPEN_WHERE_V12};
"""

# An event's kind stored as a small integer, its place in this list (``rows.event_params``), not
# its name: 11 bytes a row on average, 60 MB of events and their KPI index at a million demo
# tickets. The commonest kinds come first: SQLite stores 0 and 1 in the row's header alone.
# Append a new kind at the end; never reorder (stored rows hold the places). The KPI indexes'
# filters name the status changes by their code (``KPI_FLIP_WHERE``, ``KPI_REOPEN_WHERE``).
EVENT_KIND_CODES: tuple[str, ...] = (
    'status_changed', 'received', 'assigned', 'replied', 'first_response', 'customer_replied',
    'checkpoint_set', 'note_added', 'priority_changed',
)
STATUS_CHANGED_CODE = EVENT_KIND_CODES.index('status_changed')
KPI_FLIP_WHERE = (f"kind = {STATUS_CHANGED_CODE} AND detail IN ("
                  + ", ".join(f"'{detail}'" for detail in KPI_FLIP_DETAILS) + ")")
KPI_REOPEN_WHERE = (f"kind = {STATUS_CHANGED_CODE} AND detail IN ("
                    + ", ".join(f"'{detail}'" for detail in KPI_REOPEN_DETAILS) + ")")
# A kind not in the list (none is written) keeps its text: nothing is lost.
_KIND_CODE_OF_TEXT = ("CASE kind " + " ".join(f"WHEN '{kind}' THEN {code}" for code, kind in enumerate(EVENT_KIND_CODES))
                      + " ELSE kind END")
_V17_EVENT_KINDS_CODED = f"""
CREATE TABLE events_coded (
    id INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    kind INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (ticket_id, id)
) WITHOUT ROWID;
INSERT INTO events_coded (id, ticket_id, kind, at, actor, detail)
    SELECT id, ticket_id, {_KIND_CODE_OF_TEXT}, at, actor, detail FROM events ORDER BY ticket_id, id;
DROP TABLE events;
ALTER TABLE events_coded RENAME TO events;
CREATE INDEX ix_events_flips ON events(at, ticket_id, detail, kind) WHERE {KPI_FLIP_WHERE};
CREATE INDEX ix_events_kpi_reopens ON events(ticket_id, kind, detail) WHERE {KPI_REOPEN_WHERE};
"""

# Values the cache can imply, stored as '' (no bytes in the row but its header's one): a
# ticket's ``status_raw``/``priority_raw`` equal to its normalized ``status``/``priority`` (every
# demo ticket, most synced ones), its ``sla_source`` 'policy' (all but helpdesk-supplied due
# times), a message's ``body_format`` 'markdown' (every message written here). Nothing is lost:
# a value that really is '', or begins with ``RAW_KEPT``, is stored with ``RAW_KEPT`` in front
# (``rows.stored_raw``/``rows.raw_of``; in SQL ``raw_sql``, which every reader of these columns
# uses). Tickets' tags and custom fields are kept as compact JSON (no blank after ',' and ':';
# every reader parses them). No index holds these columns and no trigger watches them: the
# UPDATEs rewrite the rows alone, and VACUUM (``_give_back_space``) gives the space back.
RAW_KEPT = "\x1f"
MESSAGE_FORMAT = "markdown"


def raw_sql(stored: str, value: str) -> str:
    """SQL reading a column kept by ``rows.stored_raw`` as ``rows.raw_of`` does: ``value`` is the
    SQL of the implied value (a column, or a quoted constant)."""
    return (f"CASE WHEN {stored} = '' THEN {value} WHEN substr({stored}, 1, 1) = char(31) "
            f"THEN substr({stored}, 2) ELSE {stored} END")


def format_sql(column: str) -> str:
    """SQL reading a message's stored ``body_format`` (``column``, e.g. "m.body_format")."""
    return raw_sql(column, f"'{MESSAGE_FORMAT}'")


def _raw_stored_sql(raw: str, value: str) -> str:
    return (f"CASE WHEN {raw} = {value} THEN '' WHEN {raw} = '' OR substr({raw}, 1, 1) = char(31) "
            f"THEN char(31) || {raw} ELSE {raw} END")


def _compact_json_sql(column: str) -> str:
    return f"CASE WHEN json_valid({column}) THEN json({column}) ELSE {column} END"


_V18_IMPLIED_VALUES = f"""
UPDATE tickets SET status_raw = {_raw_stored_sql('status_raw', 'status')},
    priority_raw = {_raw_stored_sql('priority_raw', 'priority')},
    sla_source = CASE sla_source WHEN 'policy' THEN '' ELSE sla_source END,
    tags = {_compact_json_sql('tags')}, custom_fields = {_compact_json_sql('custom_fields')};
UPDATE messages SET body_format = {_raw_stored_sql('body_format', f"'{MESSAGE_FORMAT}'")}
    WHERE body_format IN ('{MESSAGE_FORMAT}', '') OR substr(body_format, 1, 1) = char(31);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9, _V10_INBOX_FILTER_INDEXES,
                               _V11_KPI_FLIPS_INDEX, _V12_KPI_COVERING_INDEXES,
                               _V13_TEXT_FILTER_INDEXES, _V14_MESSAGE_BODIES_PACKED,
                               _V15_TAG_ROWS_FOUND_BY_TAGS, _V16_EVENTS_BY_TICKET,
                               _V17_EVENT_KINDS_CODED, _V18_IMPLIED_VALUES)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; returns the resulting version.

    Two processes may start on the same old cache at once (the app and a CLI command): each
    step takes the write lock first (BEGIN IMMEDIATE) and reads ``user_version`` again under
    it, so a step another process has just applied is never applied twice.
    """
    message_bodies.register(conn)
    version = _user_version(conn)
    if version > len(MIGRATIONS):
        raise SchemaTooNew(version, len(MIGRATIONS))
    shrunk_here = False
    # A step's undo copy of the pages one statement changes (SQLite's statement journal) goes to
    # a temporary file, not memory (the connection's temp_store): v16's DROP TABLE of the old
    # events held 400 MB resident at a million tickets otherwise.
    # Foreign keys are not checked while tables are rebuilt (SQLite's own procedure for schema
    # changes): v16 copies every event into a new table that names tickets(id), and a row whose
    # ticket is gone (written by an older release or another program with the checks off) would
    # fail the copy, and with it every later open of the cache. Such rows are kept as they were.
    if version < len(MIGRATIONS):
        temp_store = conn.execute("PRAGMA temp_store").fetchone()[0]
        foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
        conn.execute("PRAGMA temp_store=FILE")
        conn.execute("PRAGMA foreign_keys=OFF")
        try:
            while version < len(MIGRATIONS):
                version, shrunk = _step(conn)
                shrunk_here = shrunk_here or shrunk
        finally:
            conn.execute(f"PRAGMA temp_store={int(temp_store)}")
            conn.execute(f"PRAGMA foreign_keys={int(foreign_keys)}")
    if shrunk_here:
        _give_back_space(conn)
    elif conn.execute("SELECT 1 FROM meta WHERE key = ?", (_VACUUM_PENDING,)).fetchone():
        # Left by an upgrade killed before its VACUUM ended, or still running in another
        # process: never wait for that one's lock, nor VACUUM again behind it.
        busy = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            _give_back_space(conn)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(busy)}")
    return len(MIGRATIONS)


def _step(conn: sqlite3.Connection) -> tuple[int, bool]:
    """Apply the next migration, if another process has not; returns the version then, and
    whether the step left pages free for VACUUM (``_left_pages_free``)."""
    shrunk = False
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _user_version(conn)
        if version > len(MIGRATIONS):
            raise SchemaTooNew(version, len(MIGRATIONS))
        if version < len(MIGRATIONS):
            # One statement at a time: executescript() would commit our transaction first.
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            if _left_pages_free(conn, MIGRATIONS[version]):
                shrunk = True
                # Committed with the rewritten rows: a process killed before VACUUM ends
                # leaves the note, and the next open gives the space back instead of never.
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", (_VACUUM_PENDING,))
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the exception on its way up says what went wrong
        raise
    return version, shrunk


# The name says v14, the first step to leave one; v16 leaves the same note.
_VACUUM_PENDING = "bodies_packed_vacuum_pending"


def _left_pages_free(conn: sqlite3.Connection, migration: str) -> bool:
    """Whether ``migration``, just applied, rewrote rows and left their old pages free (VACUUM
    then gives them back): v14 when it packed bodies, v16 and v17 when they moved events, v18
    when it shortened tickets' and messages' rows in place."""
    if migration is _V14_MESSAGE_BODIES_PACKED:
        return conn.execute("SELECT count(*) FROM message_dictionaries").fetchone()[0] > 0
    if migration is _V16_EVENTS_BY_TICKET or migration is _V17_EVENT_KINDS_CODED:
        return conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None
    if migration is _V18_IMPLIED_VALUES:
        return conn.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() is not None
    return False


def _give_back_space(conn: sqlite3.Connection) -> None:
    """VACUUM after a migration rewrote rows (``_left_pages_free``). Bodies packed in place leave
    their pages mostly empty, and only new rows of the same id range could fill them again (at a
    million demo tickets the file stays 1,687 MB with 263 MB unused in the messages' pages; VACUUM
    makes it 1,415 MB); the events' old table and index leave their pages on the free list.

    It rewrites the file through a temporary copy and the -wal file, so it needs free disk
    about twice the cache's size: with less, or when it fails anyway (a full disk, another
    program's lock), the cache is left as the migration made it (VACUUM is all or nothing),
    correct and only bigger than it could be. The copy is made on disk, not in memory (the
    connection keeps temporary tables in memory otherwise: 1.4 GB at a million tickets).
    """
    import shutil  # only an upgrade that rewrote rows needs it

    path = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
    size = conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
    try:
        if not path or shutil.disk_usage(os.path.dirname(path) or ".").free < 2 * size:
            return
        temp_store = conn.execute("PRAGMA temp_store").fetchone()[0]
        conn.execute("PRAGMA temp_store=FILE")
        try:
            conn.execute("VACUUM")
        finally:
            conn.execute(f"PRAGMA temp_store={int(temp_store)}")
        conn.execute("DELETE FROM meta WHERE key = ?", (_VACUUM_PENDING,))
    except (OSError, sqlite3.Error):
        pass  # see above: the cache stays valid, and as large as before
    finally:
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the -wal file holds a copy of the cache
        except sqlite3.Error:
            pass


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _statements(script: str) -> list[str]:
    """Split a migration into whole statements (triggers' BEGIN … END included)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements


class SchemaTooNew(RuntimeError):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"This cache was written by a newer helpdesk-tui (schema {found}, this one knows {known}): "
            "upgrade helpdesk-tui to open it (the cache itself is fine: keep it, it holds your outbox and drafts)."
        )
