"""Macro files: reading them, the built-ins and the user's own (a folder beside the templates).

A macro file is markdown with a front-matter header, like a template's; each header line
after ``name``/``description`` is one action, in the order they are listed::

    ---
    name: Escalate to tier 2 with context
    description: Tier 2 takes over, with what we know so far
    group: Tier 2
    priority: up
    add tags: escalated
    var.escalation.to: Tier 2
    ---
    (text inserted into the reply; may be empty)
    --- note ---
    (an internal note queued with the changes; may be left out)

Actions: ``template`` (a template's id or name, inserted before the body), ``status``,
``priority`` (a priority, or ``up``/``down``), ``add tags``/``remove tags``/``set tags``
(comma-separated), ``assignee`` (a name, or ``me``), ``group``, ``promise`` (the promised
update: ``+20m``, ``tomorrow 10:00``; ``checkpoint`` is the same), ``note`` (a one-line
note, instead of the note section). ``var.NAME: value`` gives the template and the note a
value (``{{ escalation.to }}``). A mistake is one sentence naming the file and line; that
file is skipped, the others load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.front_matter import read_header, slug
from helpdesk_tui.compose.templates import user_files
from helpdesk_tui.domain.checkpoint import CheckpointError, check_checkpoint_syntax
from helpdesk_tui.domain.macros import DOWN, ME, UP, Kind, Macro, MacroAction
from helpdesk_tui.domain.vocab import Priority, Status

BUILTIN = "builtin"
NOTE_SEPARATOR = "--- note ---"
ALIASES = {"checkpoint": Kind.PROMISE.value, "next update": Kind.PROMISE.value, "tags": Kind.ADD_TAGS.value}
_VARIABLE = re.compile(r"var\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")


class MacroError(TemplateError):
    """A macro file cannot be used: one sentence naming the file, the line and what to do."""


@dataclass(frozen=True)
class MacroLoadResult:
    macros: list[Macro]
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(file, sentence) for each macro that could not be used; the others still load."""


def _keys() -> str:
    return ", ".join(["name", "description", *(k.value for k in Kind), "var.NAME"])


def parse_action(key: str, value: str) -> MacroAction:
    """One header line as an action; ``ValueError`` with the reason for a value it cannot take."""
    kind = Kind(ALIASES.get(key, key))
    if not value:
        raise ValueError(f"'{key}:' needs a value")
    if kind == Kind.STATUS:
        status = value.lower().replace(" ", "_").replace("-", "_")
        if status not in Status._value2member_map_:
            raise ValueError(f"{value!r} is not a status: use one of {', '.join(s.value for s in Status)}")
        return MacroAction(kind, status)
    if kind == Kind.PRIORITY:
        priority = value.lower()
        if priority not in (UP, DOWN) and priority not in Priority._value2member_map_:
            raise ValueError(f"{value!r} is not a priority: use up, down or one of "
                             f"{', '.join(p.value for p in Priority)}")
        return MacroAction(kind, priority)
    if kind in (Kind.ADD_TAGS, Kind.REMOVE_TAGS, Kind.SET_TAGS):
        tags = tuple(t.strip().strip("\"'") for t in value.strip("[]").split(",") if t.strip())
        if not tags and kind != Kind.SET_TAGS:
            raise ValueError(f"'{key}:' needs one or more tags, separated by commas")
        return MacroAction(kind, tags=tags)
    if kind == Kind.PROMISE:
        try:
            check_checkpoint_syntax(value)
        except CheckpointError as exc:
            raise ValueError(str(exc).rstrip(".")) from None
        return MacroAction(kind, value)
    if kind == Kind.ASSIGNEE:
        return MacroAction(kind, ME if value.lower() == ME else value)
    return MacroAction(kind, value)


def parse_macro(text: str, source: str, *, id: str | None = None) -> Macro:
    """Read one macro file; raises ``MacroError`` naming the file (or id) and line."""
    where = id if source == BUILTIN and id else source
    values: dict[str, str] = {}
    actions: list[MacroAction] = []
    variables: list[tuple[str, str]] = []

    def field(number: int, key: str, value: str) -> None:
        key = " ".join(key.lower().split())
        if key in ("name", "description"):
            if key in values:
                raise MacroError(f"{key!r} appears twice in the header", line=number, where=where)
            values[key] = value
            return
        variable = _VARIABLE.fullmatch(key.replace(" ", ""))
        if variable:
            variables.append((variable.group(1), value))
            return
        if ALIASES.get(key, key) not in Kind._value2member_map_:
            raise MacroError(f"unknown action {key!r}: use {_keys()}", line=number, where=where)
        try:
            actions.append(parse_action(key, value))
        except ValueError as exc:
            raise MacroError(str(exc), line=number, where=where) from None

    lines, end = read_header(text, where, error=MacroError, pair="'action: value'", field=field,
                             opening="a macro must start with a '---' line, then 'name: …' and its actions, "
                                     "and a closing '---'")
    if not values.get("name"):
        raise MacroError("the header needs a 'name:' line", line=end, where=where)
    body_lines = lines[end:]
    note_at = next((i for i, line in enumerate(body_lines) if line.strip() == NOTE_SEPARATOR), None)
    note = ""
    note_line = 1
    if note_at is not None:
        if any(a.kind == Kind.NOTE for a in actions):
            raise MacroError("the macro has both a 'note:' line and a note section: keep one",
                             line=end + 1 + note_at, where=where)
        note = "\n".join(body_lines[note_at + 1:]).strip("\n")
        note_line = end + 2 + note_at
        body_lines = body_lines[:note_at]
    one_line = [a for a in actions if a.kind == Kind.NOTE]
    if one_line:
        note = one_line[-1].value
    body = "\n".join(body_lines)
    body_line = end + 1 + len(body) - len(body.lstrip("\n"))
    body = body.strip("\n")
    from helpdesk_tui.compose.sandbox import compile_template  # Jinja: when a macro is read

    for part, first_line in ((body, body_line), (note, note_line)):
        if part.strip():
            try:
                compile_template(part)
            except TemplateError as exc:
                raise MacroError(exc.reason, line=(exc.line or 1) + first_line - 1, where=where) from None
    if not actions and not body.strip() and not note.strip():
        raise MacroError("the macro does nothing: list at least one action, or write its text", line=end, where=where)
    return Macro(id=id or slug(values["name"], "macro"), name=values["name"], description=values.get("description", ""),
                 actions=tuple(actions), body=body + "\n" if body.strip() else "", note=note + "\n" if note.strip() else "",
                 variables=tuple(variables), source=source, body_line=body_line, note_line=note_line)


def _builtin_files() -> Iterable[tuple[str, str]]:
    root = resources.files("helpdesk_tui.compose") / "builtin_macros"
    for item in sorted(root.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".md"):
            yield item.name[:-3], item.read_text(encoding="utf-8")


def load_macros(user_dir: Path | None, synced: Iterable[Macro] = ()) -> MacroLoadResult:
    """Built-in macros, those ``synced`` from the helpdesk, and the user's (a user file with a
    built-in's id replaces it). A file that cannot be used is reported in ``failed`` and skipped."""
    by_id: dict[str, Macro] = {}
    failed: list[tuple[str, str]] = []
    for macro_id, text in _builtin_files():
        try:
            by_id[macro_id] = parse_macro(text, BUILTIN, id=macro_id)
        except MacroError as exc:
            failed.append((f"{BUILTIN}:{macro_id}", str(exc)))
    for macro in synced:
        by_id[macro.id] = macro
    if user_dir is not None and user_dir.is_dir():
        for macro_id, path, text in user_files(user_dir, failed, "macros"):
            try:
                by_id[macro_id] = parse_macro(text, str(path), id=macro_id)
            except MacroError as exc:
                failed.append((str(path), str(exc)))
    return MacroLoadResult(list(by_id.values()), failed)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def resolve_macro(macros: Iterable[Macro], key: str) -> Macro:
    """The macro ``key`` names (its id or its name, any case; a unique start of either will do);
    ``MacroError`` with the names to use."""
    macros = list(macros)
    folded = _fold(key)
    for macro in macros:
        if macro.id == key or _fold(macro.id) == folded or _fold(macro.name) == folded:
            return macro
    starts = [m for m in macros if _fold(m.name).startswith(folded) or _fold(m.id).startswith(folded)]
    if len(starts) == 1:
        return starts[0]
    names = ", ".join(m.id for m in (starts or macros)[:6])
    raise MacroError(f"there is no macro {key!r}: use one of {names} ('helpdesk-tui macro list' shows them all)")


def rank_macros(macros: Iterable[Macro], query: str) -> list[Macro]:
    """Macros whose name, description or id holds every word of ``query``, by name."""
    words = _fold(query).split()
    found = [m for m in macros if all(w in _fold(f"{m.name} {m.description} {m.id}") for w in words)]
    return sorted(found, key=lambda m: (bool(m.origin), _fold(m.name)))
