"""Account options a backend declares (a Redmine project, a Freshdesk domain, a mapping file).

A backend lists the settings it takes as ``Option`` values (``sync/contract.py``:
``Backend.options``); an account keeps its values as strings in the ``options`` table of its
``[accounts.NAME]`` section. ``check_options`` compares the two and says, one sentence per
mistake, what to fix. It lives in config so the settings file and ``account add`` share it
without config knowing any backend: the caller passes the declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from helpdesk_tui.content.sanitize import clean_line


@dataclass(frozen=True)
class Option:
    """One setting a backend takes. ``validate`` returns what is wrong with a value (a few
    words, e.g. "must be a number"), or None when it is fine."""

    name: str
    help: str
    required: bool = False
    validate: Callable[[str], str | None] | None = None
    # A file's path: made absolute when the account is added, as the account outlives the
    # folder the command ran in (a sync from elsewhere must still find the file).
    file: bool = False
    # ``validate`` answers a whole sentence that says what to fix (a mapping file's mistake,
    # naming its file, line and key): shown as it is, not inside "The option 'x' …: help.".
    sentence: bool = False


def check_options(backend: str, declared: Sequence[Option], given: Mapping[str, str]) -> list[str]:
    """One sentence per mistake in ``given`` against ``declared`` (empty: all fine)."""
    known = {option.name: option for option in declared}
    problems: list[str] = []
    for key in given:
        if key not in known:
            shown = clean_line(key)[:60]
            if known:
                problems.append(f"The {backend} backend takes no option '{shown}': use one of "
                                f"{', '.join(known)}.")
            else:
                problems.append(f"The {backend} backend takes no options: remove '{shown}'.")
    for option in declared:
        value = given.get(option.name)
        if value is None or not value.strip():
            if option.required:
                problems.append(f"The {backend} backend needs the option '{option.name}' ({option.help}): add "
                                f"--option {option.name}=VALUE.")
            continue
        reason = option.validate(value) if option.validate is not None else None
        if reason and option.sentence:
            problems.append(clean_line(reason))
        elif reason:
            # The value itself is not quoted back: a mistyped option may hold something secret.
            # A reason may quote a path or a server's words: made one clean line.
            problems.append(f"The option '{option.name}' {clean_line(reason).rstrip('.')}: {option.help}.")
    return problems


def absolute_files(given: Mapping[str, str], declared: Sequence[Option]) -> dict[str, str]:
    """``given`` with the value of each file option made an absolute path (``~`` expanded)."""
    files = {option.name for option in declared if option.file}
    return {key: str(Path(value.strip()).expanduser().absolute()) if key in files and value.strip() else value
            for key, value in given.items()}


def parse_option(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` from the command line → (key, value); ``ValueError`` with a sentence."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"An option is written KEY=VALUE, not '{clean_line(text)[:60]}'.")
    return key, value.strip()
