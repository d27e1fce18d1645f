"""The users and organizations a page of tickets names, as ``users:`` / ``organizations:`` say:
an object inside each ticket record (``in_ticket``), a side-load of the tickets' answer
(``side_load``), or a request per id (``request``: each id read once per listing, i.e. per sync).

``name_for`` is the built-in ``join: users``: the name of a person this backend has read, or
(when the section has a ``request``) of one read now by id, so a message's author id shows as
the person's name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from helpdesk_tui.content.sanitize import clean_line
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.generic.fields import Unreadable
from helpdesk_tui.sync.generic.mapping import People
from helpdesk_tui.sync.generic.streams import Reader
from helpdesk_tui.sync.generic.values import Env, text_key


class PeopleReader:
    def __init__(self, spec: People, reader: Reader, base: Callable[[], Mapping[str, Any]]) -> None:
        self.spec = spec
        self._reader = reader
        self._base = base
        self._fetched: dict[str, Any] = {}  # id → our record (None: the helpdesk has none)
        self._names: dict[str, str] = {}  # id → name of everyone read so far, for ``join: users``

    def name_for(self, ident: Any) -> str | None:
        key = text_key(ident)
        name = self._names.get(key)
        if name is None and self.spec.request is not None and key and key not in self._fetched:
            self._fetched[key] = self._fetch(key, Env(context=dict(self._base())), [])
            name = self._names.get(key)
        return name

    def forget(self) -> None:
        """A new listing begins (a new sync): people read by request are read again when named."""
        self._fetched.clear()

    def collect(self, raws: Iterable[Any], ids: Iterable[str | None], env: Env, skipped: list[str]) -> list[Any]:
        """Ours for ``raws`` (the ticket records, for ``in_ticket``) and ``ids`` (who they name)."""
        spec = self.spec
        found: dict[str, Any] = {}
        if spec.in_ticket is not None:
            for raw in raws:
                inner = spec.in_ticket(raw)
                for item in inner if isinstance(inner, list) else [inner]:
                    # One customer writes many tickets: each is read once a page.
                    if isinstance(item, dict) and spec.reader.remote_id(item, env) not in found:
                        self._read(item, env, found, skipped)
            return list(found.values())
        wanted = {text_key(i) for i in ids if i is not None and i != ""}
        if spec.side_load is not None:
            loaded = env.side_loads.get(spec.side_load, {})
            for ident in sorted(wanted):
                record = loaded.get(ident)
                if record is not None:
                    self._read(record, env, found, skipped)
            return list(found.values())
        for ident in sorted(wanted):
            if ident not in self._fetched:
                self._fetched[ident] = self._fetch(ident, env, skipped)
            if self._fetched[ident] is not None:
                found[ident] = self._fetched[ident]
        return list(found.values())

    def _read(self, record: Any, env: Env, found: dict[str, Any], skipped: list[str]) -> None:
        try:
            ours = self.spec.reader.read(record, env)
        except Unreadable as exc:
            ident = self.spec.reader.remote_id(record, env)
            name = f"{self.spec.what} {clean_line(ident)[:40]}" if ident else f"a {self.spec.what} record"
            skipped.append(f"{name} was skipped: {exc}.")
            return
        found[ours.remote_id] = ours
        label = getattr(ours, "name", None)
        if isinstance(label, str) and label.strip():
            self._names[text_key(ours.remote_id)] = label

    def _fetch(self, ident: str, env: Env, skipped: list[str]) -> Any:
        assert self.spec.request is not None
        try:
            answer = self._reader.send(self.spec.request, {**self._base(), "id": ident})
        except errors.NotFound:
            return None
        record = self.spec.record(answer.body)
        if not isinstance(record, dict):
            return None
        found: dict[str, Any] = {}
        self._read(record, env, found, skipped)
        return next(iter(found.values()), None)
