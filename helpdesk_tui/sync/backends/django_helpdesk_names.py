"""The ``names`` option of a django-helpdesk account: a TOML file naming users and queues.

django-helpdesk's API lists neither users nor queues, so tickets show "user 3" and "queue 2"
unless the account points at a file such as::

    [users]
    3 = "Aiko Tanaka"

    [queues]
    2 = "Billing"

(``helpdesk-tui account add … --option names=~/desk-names.toml``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from helpdesk_tui.config.account_options import Option


class NamesError(ValueError):
    """The file cannot be used; ``str(error)`` says why in a few words."""


def read_names(value: str) -> tuple[dict[int, str], dict[int, str]]:
    """(users, queues) by primary key from the file at ``value``; ``NamesError`` if unusable."""
    path = Path(value).expanduser()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise NamesError(f"is not a file that can be read ({path})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise NamesError(f"is not a valid TOML file ({path}: {error})") from None
    tables = []
    for table in ("users", "queues"):
        entries = data.get(table, {})
        if not isinstance(entries, dict) or not all(k.isdigit() and isinstance(v, str) for k, v in entries.items()):
            raise NamesError(f"has a [{table}] table that is not numbers = \"names\" ({path})")
        tables.append({int(k): v for k, v in entries.items()})
    return tables[0], tables[1]


def _check(value: str) -> str | None:
    try:
        read_names(value)
    except NamesError as error:
        return str(error)
    return None


NAMES = Option("names", "a TOML file with [users] and [queues] tables mapping ids to names", validate=_check)
