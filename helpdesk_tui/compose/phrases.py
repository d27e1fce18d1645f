"""The editable list of phrases that blame or argue with the customer.

The built-in list is ``blame_phrases.txt`` next to this module; the user's file (same
format: one phrase a line, ``#`` comments) adds phrases, and a line ``!phrase`` switches
a built-in one off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

MAX_FILE_BYTES = 200_000


@dataclass(frozen=True)
class PhraseLoadResult:
    phrases: tuple[str, ...]
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(file, sentence) when the user's file could not be read; the built-in list still applies."""


def parse_phrases(text: str) -> tuple[list[str], list[str]]:
    """(phrases to add, phrases to switch off) from one file's text."""
    add: list[str] = []
    remove: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            if line[1:].strip():
                remove.append(line[1:].strip())
        else:
            add.append(line)
    return add, remove


@cache
def default_blame_phrases() -> tuple[str, ...]:
    """The built-in list."""
    text = (resources.files("helpdesk_tui.compose") / "blame_phrases.txt").read_text(encoding="utf-8")
    return tuple(parse_phrases(text)[0])


def load_blame_phrases(user_file: Path | None) -> PhraseLoadResult:
    """The built-in phrases, edited by the user's file when there is one."""
    phrases = list(default_blame_phrases())
    if user_file is None or not user_file.exists():
        return PhraseLoadResult(tuple(phrases))
    try:
        if user_file.stat().st_size > MAX_FILE_BYTES:
            too_big = f"The file is larger than {MAX_FILE_BYTES // 1000} KB."
            return PhraseLoadResult(tuple(phrases), [(str(user_file), too_big)])
        add, remove = parse_phrases(user_file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return PhraseLoadResult(tuple(phrases), [(str(user_file), "The file is not UTF-8 text: save it as UTF-8.")])
    except OSError as exc:
        return PhraseLoadResult(tuple(phrases), [(str(user_file), f"The file cannot be read: {exc.strerror or exc}.")])
    switched_off = {phrase.casefold() for phrase in remove}
    kept = [p for p in phrases if p.casefold() not in switched_off]
    known = {p.casefold() for p in kept}
    for phrase in add:
        if phrase.casefold() not in known:
            known.add(phrase.casefold())
            kept.append(phrase)
    return PhraseLoadResult(tuple(kept))
