"""What changed since the last sync: the ``incremental:`` section and the cursor it keeps.

Types:
- ``updated_since`` / ``search_query``: a parameter filters the listing by the records' stamp
  (``value`` is a template over ``{since}``, formatted as ``format``); the record's own stamp
  (``field``) moves the cursor on.
- ``export_cursor``: the server hands out an opaque cursor (Zendesk's incremental export):
  ``start_param`` the first time, then ``cursor_param``; ``done`` says the stream is drained.
- ``full_scan``: no feed. Every record is read; a content hash per record, kept in the sync
  state store (``SyncStatus``, one row each, committed with the page), says which changed.

The cursor is JSON (``CursorState``), opaque to the engine. Within one listing the filter
stays fixed and the cursor holds the next page; when the listing ends, ``since`` moves to the
newest stamp seen and ``seen`` holds the ids already read at exactly that stamp: a server
whose ``>=`` brings the boundary second back never makes us re-emit those, and a ticket
updated in the same second as the last one we read is still read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from helpdesk_tui.sync.generic.fingerprint import fingerprint
from helpdesk_tui.sync.generic.node import Node
from helpdesk_tui.sync.generic.paging import PageState
from helpdesk_tui.sync.generic.paths import Path, compile_path
from helpdesk_tui.sync.generic.template import Template, compile_text
from helpdesk_tui.sync.generic.values import check_date_format, format_date, parse_date

TYPES = ("updated_since", "search_query", "export_cursor", "full_scan")
KEYS = {
    "updated_since": ("param", "value", "format", "field", "field_format", "lookback", "initial", "in", "overlap"),
    "search_query": ("param", "value", "format", "field", "field_format", "lookback", "initial", "in", "overlap"),
    "export_cursor": ("start_param", "start_format", "initial", "cursor_param", "cursor", "done", "field",
                      "field_format"),
    "full_scan": (),
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Incremental:
    type: str = "full_scan"
    param: str | None = None
    value: Template | None = None
    format: str = "iso8601z"
    field: Path | None = None
    field_format: str | None = None
    lookback: int = 0
    # Seconds before ``since`` that the server's filter brings back as well (Redmine: ``>=T`` is
    # ``> T-1s`` over stamps it keeps with fractions): what was read there, unchanged, is not
    # emitted again by every later sync.
    overlap: int = 0
    initial: datetime | None = None
    in_body: bool = False
    cursor_param: str | None = None
    cursor: Path | None = None
    done: Path | None = None

    @property
    def feed(self) -> str:
        """The contract's ``ChangeFeed`` for this type."""
        return {"export_cursor": "cursor", "full_scan": "full_scan"}.get(self.type, "timestamp")

    def filter(self, state: CursorState) -> dict[str, Any]:
        """The parameters that ask for what changed (the query, or a POST search's body)."""
        if self.type == "export_cursor":
            if state.token:
                return {str(self.cursor_param): state.token}
            start = self.initial or EPOCH
            return {str(self.param): format_date(start, self.format)}
        value = self.since(state)
        if self.param is None or value is None:
            return {}
        return {self.param: value}

    def since(self, state: CursorState) -> Any:
        """The ``{since}`` a request may name (formatted, ``value`` applied, lookback taken off);
        None on a first sync without ``initial`` (a key whose lone placeholder it is is left out)."""
        if self.type not in ("updated_since", "search_query"):
            return None
        since = parse_date(state.since, None) if state.since else self.initial
        if since is None:
            return None
        lookback = 0 if state.restart else self.lookback
        shown = format_date(since - timedelta(seconds=lookback), self.format)
        return self.value.render({"since": shown}) if self.value is not None else shown

    def stamp(self, record: Any) -> datetime | None:
        """The record's own stamp (None: it has none, or one we cannot read)."""
        if self.field is None:
            return None
        value = self.field(record)
        if value is None or value == "":
            return None
        try:
            return parse_date(value, self.field_format)
        except (ValueError, TypeError, OverflowError, OSError):
            return None


def parse_incremental(node: Node | None) -> Incremental:
    """The ``incremental:`` table; absent → ``full_scan``."""
    if node is None:
        return Incremental()
    kind = node.need("type").choice(*TYPES)
    node.only("type", *KEYS[kind])
    if kind == "full_scan":
        return Incremental()
    initial = node.get("initial")
    start = None
    if initial is not None:
        try:
            start = parse_date(initial.value, None)
        except (ValueError, TypeError, OverflowError):
            raise initial.error("must be a time such as 1970-01-01T00:00:00Z") from None
    field_node = node.get("field")
    field_format = node.get("field_format")
    common: dict[str, Any] = {
        "type": kind, "initial": start,
        "field": compile_path(field_node.text(), field_node) if field_node else None,
        "field_format": check_date_format(field_format) if field_format else None,
    }
    if kind == "export_cursor":
        start_format = node.get("start_format")
        done = node.get("done")
        return Incremental(**common, param=node.need("start_param").text(),
                           format=check_date_format(start_format) if start_format else "epoch",
                           cursor_param=node.need("cursor_param").text(),
                           cursor=compile_path(node.need("cursor").text(), node.need("cursor")),
                           done=compile_path(done.text(), done) if done else None)
    if field_node is None:
        raise node.error("needs 'field': the record's own updated stamp, which moves the cursor on")
    fmt = node.get("format")
    value = node.get("value")
    lookback = node.get("lookback")
    overlap = node.get("overlap")
    where = node.get("in")
    param = node.get("param")
    return Incremental(**common, param=param.text() if param is not None else None,
                       value=compile_text(value.text(), value, ("since",)) if value else None,
                       format=check_date_format(fmt) if fmt else "iso8601z",
                       lookback=lookback.integer(minimum=0) if lookback else 0,
                       overlap=overlap.integer(minimum=0) if overlap else 0,
                       in_body=where.choice("query", "body") == "body" if where else False)


@dataclass
class CursorState:
    """What the cursor string holds (JSON)."""

    since: str | None = None  # the listing's filter: the newest stamp of the last complete listing
    seen: list[str] = field(default_factory=list)  # ids read at exactly ``since``
    page: PageState | None = None  # the next page of the listing under way (None: start one)
    newest: str | None = None  # the newest stamp this listing has shown so far
    newest_ids: list[str] = field(default_factory=list)
    token: str | None = None  # export_cursor: the server's cursor
    scan: int = 1  # full_scan: the scan under way (stamped on each record's hash row)
    gone_since: str | None = None  # tickets.gone: the newest stamp its listings showed, and the ids at it
    gone_seen: list[str] = field(default_factory=list)
    # The listing was restarted at its page cap: it goes on from ``since`` itself. A lookback
    # there would list the same capped pages again for ever when more records than the cap
    # changed within the lookback; the next sync looks back again.
    restart: bool = False
    # Records at ``newest`` not yet fingerprinted: hashed only when the cursor is written, so the
    # hot loop hashes the few records at the newest stamp, not every record.
    _pending: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # ``overlap``: id → "stamp#fingerprint" of what was read within that many seconds of the newest
    # stamp (kept in the cursor), and the records not yet fingerprinted.
    recent: dict[str, str] = field(default_factory=dict)
    overlap: int = 0  # the feed's ``overlap`` (set by the puller; not kept in the cursor)
    _recent_pending: dict[str, tuple[str, Any]] = field(default_factory=dict, repr=False, compare=False)
    # ``seen`` as a set for membership (the list it was made from, to notice a replaced list).
    _seen_of: list[str] | None = field(default=None, repr=False, compare=False)
    _seen: set[str] = field(default_factory=set, repr=False, compare=False)

    def dump(self) -> str:
        self._settle()
        data = {"since": self.since, "seen": self.seen, "page": self.page, "newest": self.newest,
                "newest_ids": self.newest_ids, "token": self.token, "scan": self.scan, "recent": self.recent,
                "gone_since": self.gone_since, "gone_seen": self.gone_seen, "restart": self.restart}
        return json.dumps({k: v for k, v in data.items() if v not in (None, [], {}, False)},
                          separators=(",", ":"), sort_keys=True)

    @classmethod
    def load(cls, cursor: str | None) -> CursorState:
        """A cursor from a sync before (None, or one this engine cannot read: from the start)."""
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        state = cls()
        for name, kind in (("since", str), ("newest", str), ("token", str), ("gone_since", str)):
            if isinstance(data.get(name), kind):
                setattr(state, name, data[name])
        for name in ("seen", "newest_ids", "gone_seen"):
            if isinstance(data.get(name), list):
                setattr(state, name, [str(v) for v in data[name]])
        if isinstance(data.get("page"), dict):
            state.page = data["page"]
        state.restart = data.get("restart") is True
        if isinstance(data.get("scan"), int) and data["scan"] >= 1:
            state.scan = data["scan"]
        if isinstance(data.get("recent"), dict):
            state.recent = {str(k): str(v) for k, v in data["recent"].items()}
        return state

    # --- one listing's bookkeeping --------------------------------------------------------

    def already_read(self, ident: str, stamp: datetime | None, record: Any = None) -> bool:
        """A record at exactly the last listing's newest stamp, read then with the same content
        (stamps in whole seconds: a ticket changed again within that second is read again). A
        plain id (a cursor written before fingerprints) counts as read."""
        if stamp is None:
            return False
        text = _iso(stamp)
        kept = self.recent.get(ident)
        if kept is not None:  # read within the overlap before: the same stamp, and the same content
            kept_stamp, _, kept_hash = kept.partition("#")
            if kept_stamp == text and (not kept_hash or record is None or kept_hash == content_hash(record)):
                return True
        if self.since is None or text != self.since:
            return False
        seen = self._seen_set()
        return ident in seen or (record is not None and _seen_as(ident, record) in seen)

    def _seen_set(self) -> set[str]:
        # ``seen`` may hold tens of thousands of ids (a bulk update in one second): searched as a
        # list once per record, a page at that stamp took minutes. Rebuilt when ``seen`` is replaced.
        if self._seen_of is not self.seen:
            self._seen_of, self._seen = self.seen, set(self.seen)
        return self._seen

    def saw(self, ident: str, stamp: datetime | None, record: Any = None) -> None:
        """Track the newest stamp of this listing and the records at it."""
        if stamp is None:
            return
        text = _iso(stamp)
        moved = self.newest is None or text > self.newest
        if moved:
            self.newest, self.newest_ids, self._pending = text, [], {ident: record}
        elif text == self.newest:
            self._pending[ident] = record
        if self.overlap:
            self._recent_pending[ident] = (text, record)
            if moved:
                self._prune()

    def _floor(self) -> str:
        assert self.newest is not None
        return _iso(datetime.fromisoformat(self.newest) - timedelta(seconds=self.overlap))

    def _prune(self) -> None:
        """Oldest first: what falls out of the overlap behind the newest stamp is never asked for again."""
        floor = self._floor()
        self.recent = {k: v for k, v in self.recent.items() if v.partition("#")[0] >= floor}
        self._recent_pending = {k: v for k, v in self._recent_pending.items() if v[0] >= floor}

    def _settle(self) -> None:
        known = set(self.newest_ids)  # a set: thousands of records at one stamp, never a list search each
        for ident, record in self._pending.items():
            key = _seen_as(ident, record) if record is not None else ident
            if key not in known:
                known.add(key)
                self.newest_ids.append(key)
        self._pending = {}
        if self._recent_pending:
            self._prune()
            for ident, (text, record) in self._recent_pending.items():
                self.recent[ident] = f"{text}#{content_hash(record)}" if record is not None else text
            self._recent_pending = {}

    def listing_done(self) -> None:
        """The listing is complete: the next one asks for what changed after its newest stamp."""
        self._settle()
        if self.newest is not None:
            if self.newest == self.since:
                self.seen = sorted(set(self.seen) | set(self.newest_ids))
            elif self.since is None or self.newest > self.since:
                self.since, self.seen = self.newest, list(self.newest_ids)
        self.page, self.newest, self.newest_ids = None, None, []


def content_hash(record: Any) -> str:
    """A record's fingerprint: its JSON, keys sorted (a full scan's change test, a boundary record's
    identity)."""
    return fingerprint(record, size=12)


def _seen_as(ident: str, record: Any) -> str:
    return f"{ident}#{content_hash(record)}"


def _iso(moment: datetime) -> str:
    """Stamps compare as text: UTC, a fixed width, microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
