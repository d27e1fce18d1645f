"""Reply template files: reading them, loading built-ins and the user's own, the fuzzy picker.

A template file is markdown with a front-matter header of simple ``key: value`` lines
between two ``---`` lines::

    ---
    name: Acknowledgement
    description: We have your request, what happens next, when you hear from us
    language: en
    tags: first reply, receipt
    status: open
    checkpoint: +4h
    ---
    Hi {{ customer.first_name | default("there") }}, …

Lines starting with ``#`` and blank lines in the header are ignored; a value may be
quoted; ``tags`` is a comma-separated list (``[a, b]`` works too). ``name`` and
``language`` are required; ``status`` (the status to suggest on send) and
``checkpoint`` (the next-update promise to suggest, e.g. ``+4h``) are optional. The body
may use placeholders (see ``sandbox``) and fill-in markers ``[[what to write]]`` that
block sending until the agent replaces them.

Built-ins live in ``builtin_templates/<language>/<slug>.md`` (id ``<language>/<slug>``).
User templates live anywhere under the user's templates directory; a user file's id is
its path there without ``.md``, so ``en/acknowledgement.md`` replaces the built-in.
Templates synced from the helpdesk (Zendesk macros…) come from the account's cache, already
in our placeholder syntax; their id is ``helpdesk/<remote id>`` and ``origin`` says where
they came from. They are untrusted like any template and compile in the same sandbox.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Protocol

from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.front_matter import read_header, slug
from helpdesk_tui.compose.limits import MAX_TEMPLATE_CHARS
from helpdesk_tui.domain.checkpoint import CheckpointError, check_checkpoint_syntax
from helpdesk_tui.domain.vocab import Status

BUILTIN = "builtin"
HELPDESK = "helpdesk"  # the id prefix of templates synced from the helpdesk
KEYS = ("name", "description", "language", "tags", "status", "checkpoint")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*")


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    language: str
    tags: tuple[str, ...]
    body: str
    default_status: str | None
    default_checkpoint: str | None
    """A checkpoint expression such as ``+4h`` or ``tomorrow 10:00``."""
    source: str
    """``builtin``, the path of the user's file, or the synced template (``Zendesk macro 42``)."""
    id: str
    """Unique: ``en/acknowledgement``; a user file with the same id replaces a built-in."""
    body_line: int = 1
    """The file line the body starts on, so render errors can name the file's line."""
    origin: str = ""
    """For a template synced from the helpdesk, what it is there (``Zendesk macro``); else empty."""


@dataclass(frozen=True)
class TemplateLoadResult:
    templates: list[Template]
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(file, sentence) for each user file that could not be used; the others still load."""


def parse_template(text: str, source: str, *, id: str | None = None) -> Template:
    """Read one template file; raises ``TemplateError`` naming the file (or id) and line."""
    where = id if source == BUILTIN and id else source
    values: dict[str, str] = {}
    lines_of: dict[str, int] = {}

    def field(number: int, key: str, value: str) -> None:
        key = key.lower()
        if key not in KEYS:
            raise TemplateError(f"unknown header key {key!r}: use {', '.join(KEYS)}", line=number, where=where)
        if key in values:
            raise TemplateError(f"{key!r} appears twice in the header", line=number, where=where)
        values[key], lines_of[key] = value, number

    lines, end = read_header(text, where, error=TemplateError, pair="'key: value'", field=field,
                             opening="a template must start with a '---' line, then 'name: …' and 'language: …' "
                                     "lines and a closing '---'")
    for key in ("name", "language"):
        if not values.get(key):
            raise TemplateError(f"the header needs a '{key}:' line", line=end, where=where)
    language = values["language"].lower().replace("_", "-")
    if not _LANGUAGE.fullmatch(language):
        raise TemplateError(f"{values['language']!r} is not a language code such as en, ja or pt-br",
                            line=lines_of["language"], where=where)
    status = values.get("status") or None
    if status is not None:
        status = status.lower().replace(" ", "_").replace("-", "_")
        if status not in Status._value2member_map_:
            raise TemplateError(f"{values['status']!r} is not a status: use one of "
                                f"{', '.join(s.value for s in Status)}", line=lines_of["status"], where=where)
    checkpoint = values.get("checkpoint") or None
    if checkpoint is not None:
        try:
            check_checkpoint_syntax(checkpoint)
        except CheckpointError as exc:
            raise TemplateError(str(exc), line=lines_of["checkpoint"], where=where) from None
    tags = tuple(t.strip().strip("\"'") for t in values.get("tags", "").strip("[]").split(",") if t.strip())
    body = "\n".join(lines[end:])
    leading = len(body) - len(body.lstrip("\n"))
    body = body.strip("\n") + "\n"
    if not body.strip():
        raise TemplateError("the template has no text after its header", line=end, where=where)
    body_line = end + 1 + leading
    from helpdesk_tui.compose.sandbox import compile_template  # Jinja: when a template is read

    try:
        compile_template(body)
    except TemplateError as exc:
        raise exc.located(where, body_line - 1) from None
    return Template(name=values["name"], description=values.get("description", ""), language=language,
                    tags=tags, body=body, default_status=status, default_checkpoint=checkpoint,
                    source=source, id=id or f"{language}/{slug(values['name'], 'template')}", body_line=body_line)


class SyncedRecord(Protocol):
    """A template synced from the helpdesk as the cache holds it (``store.sync_kb.SyncedTemplate``)."""

    remote_id: str
    name: str
    description: str
    language: str
    body: str
    origin: str


def synced_template(record: SyncedRecord) -> Template:
    """A synced template as a ``Template``; raises ``TemplateError`` if the sandbox refuses its body."""
    source = f"{record.origin} {record.remote_id}"
    body = record.body.strip("\n") + "\n"
    if not record.body.strip():
        raise TemplateError("the template has no text", where=source)
    if len(body) > MAX_TEMPLATE_CHARS:
        raise TemplateError(f"the text is longer than {MAX_TEMPLATE_CHARS} characters", where=source)
    refusal = _sandbox_refusal(body)
    if refusal is not None:
        raise TemplateError(refusal[0], line=refusal[1], where=source)
    language = record.language.lower().replace("_", "-")
    return Template(name=record.name, description=record.description,
                    language=language if _LANGUAGE.fullmatch(language) else "en",
                    tags=(record.origin,), body=body, default_status=None, default_checkpoint=None,
                    source=source, id=f"{HELPDESK}/{record.remote_id}", origin=record.origin)


@lru_cache(maxsize=4096)
def _sandbox_refusal(body: str) -> tuple[str, int | None] | None:
    """Why the sandbox refuses ``body`` (reason, line), or None. Remembered by text: an account
    may sync hundreds of macros, and the picker loads them all on every ctrl+t."""
    from helpdesk_tui.compose.sandbox import compile_template  # Jinja: when a template is read

    try:
        compile_template(body)
    except TemplateError as exc:
        return exc.reason, exc.line
    return None


def _builtin_files() -> Iterable[tuple[str, str]]:
    root = resources.files("helpdesk_tui.compose") / "builtin_templates"
    for folder in sorted(root.iterdir(), key=lambda p: p.name):
        if folder.is_dir():
            for item in sorted(folder.iterdir(), key=lambda p: p.name):
                if item.name.endswith(".md"):
                    yield f"{folder.name}/{item.name[:-3]}", item.read_text(encoding="utf-8")


def user_files(user_dir: Path, failed: list[tuple[str, str]], kind: str = "templates",
               ) -> Iterable[tuple[str, Path, str]]:
    """Each ``*.md`` under ``user_dir`` as (id, path, text); one that cannot be read goes to
    ``failed`` with a sentence (``kind`` names the folder: templates, macros)."""
    try:
        paths = sorted(user_dir.rglob("*.md"))
    except OSError as exc:
        failed.append((str(user_dir), f"The {kind} folder cannot be read: {exc.strerror or exc}."))
        return
    for path in paths:
        if not path.is_file():
            continue
        try:
            if path.stat().st_size > MAX_TEMPLATE_CHARS * 4:
                failed.append((str(path), f"The file is larger than {MAX_TEMPLATE_CHARS * 4 // 1000} KB."))
                continue
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            failed.append((str(path), "The file is not UTF-8 text: save it as UTF-8."))
            continue
        except OSError as exc:
            failed.append((str(path), f"The file cannot be read: {exc.strerror or exc}."))
            continue
        yield path.relative_to(user_dir).with_suffix("").as_posix(), path, text


def load_templates(user_dir: Path | None, synced: Iterable[SyncedRecord] = ()) -> TemplateLoadResult:
    """Built-in templates, those ``synced`` from the helpdesk, and the user's (which replace
    built-ins with the same id).

    A user file or synced template that cannot be used is reported in ``failed`` and
    skipped; a missing folder is not an error.
    """
    by_id: dict[str, Template] = {}
    failed: list[tuple[str, str]] = []
    for template_id, text in _builtin_files():
        try:
            by_id[template_id] = parse_template(text, BUILTIN, id=template_id)
        except TemplateError as exc:
            failed.append((f"{BUILTIN}:{template_id}", str(exc)))
    for record in synced:
        if not record.body.strip():
            continue  # a helpdesk macro that writes no text: offered among the macros only
        try:
            template = synced_template(record)
        except TemplateError as exc:
            failed.append((f"{record.origin} {record.remote_id}", str(exc)))
        else:
            by_id[template.id] = template
    if user_dir is not None and user_dir.is_dir():
        for template_id, path, text in user_files(user_dir, failed):
            try:
                by_id[template_id] = parse_template(text, str(path), id=template_id)
            except TemplateError as exc:
                failed.append((str(path), str(exc)))
    return TemplateLoadResult(list(by_id.values()), failed)


# --- the picker ------------------------------------------------------------------------------

def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _primary(language: str) -> str:
    return language.split("-")[0].lower()


def _is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


def _field_score(word: str, text: str) -> int:
    words = re.findall(r"\w+", text)
    if word in words:
        return 4
    if any(w.startswith(word) for w in words):
        return 3
    if word in text:
        return 2
    return 1 if _is_subsequence(word, text) else 0


def _score(template: Template, words: Sequence[str]) -> tuple[int, int]:
    """(match quality, quality weighted by field); (0, 0) when a word matches nowhere."""
    fields = ((_fold(template.name), 3), (_fold(" ".join(template.tags)), 2),
              (_fold(template.description), 1), (_fold(template.id), 1))
    quality = weighted = 0
    for word in words:
        scores = [(_field_score(word, text), weight) for text, weight in fields]
        best = max(score for score, _ in scores)
        if best == 0:
            return 0, 0
        quality += best
        weighted += max(score * weight for score, weight in scores)
    return quality, weighted


def rank_templates(templates: Iterable[Template], query: str, language: str) -> list[Template]:
    """Templates matching ``query`` best first, the customer's ``language`` first among equals.

    Every query word must match the name, tags, description or id: as a whole word (best),
    a word's start, a substring or (weakest) a subsequence of letters. Templates with the
    same match quality are ordered by language (the customer's first), then by where the
    words matched (name, tags, description), then by name; so "ack" for a Japanese
    customer puts the Japanese acknowledgement (tagged "acknowledgement") first. An empty
    query lists everything, the customer's language first, then by name.
    """
    words = _fold(query).split()
    wanted = _primary(language)
    ranked: list[tuple[int, bool, int, str, Template]] = []
    for template in templates:
        quality, weighted = _score(template, words) if words else (1, 1)
        if quality:
            ranked.append((-quality, _primary(template.language) != wanted, -weighted,
                           _fold(template.name), template))
    ranked.sort(key=lambda row: row[:4])
    return [row[4] for row in ranked]


def resolve_template(templates: Sequence[Template], key: str, language: str = "en") -> Template:
    """The template ``key`` names, for the command line: an id, a file name or a name.

    ``en/acknowledgement`` is exact; ``acknowledgement`` or ``Acknowledgement`` picks the
    one in ``language`` when there are several. Raises ``TemplateError`` with suggestions.
    """
    for template in templates:
        if template.id == key:
            return template
    folded = _fold(key)
    matches = [t for t in templates
               if _fold(t.id.rsplit("/", 1)[-1]) == folded or _fold(t.name) == folded]
    if matches:
        return rank_templates(matches, "", language)[0]
    near = [t.id for t in rank_templates(templates, key, language)[:3]]
    every = "'helpdesk-tui template list' shows them all"
    # One hint, one sentence: the nearest ids, or where to find them.
    if near:
        choices = near[0] if len(near) == 1 else f"{', '.join(near[:-1])} or {near[-1]}"
        hint = f": did you mean {choices} ({every})"
    else:
        hint = f": {every}"
    raise TemplateError(f"there is no template {key!r}{hint}")
