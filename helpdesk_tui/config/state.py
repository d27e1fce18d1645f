"""What the app remembers between runs, in a small JSON file (``Locations.state_file``).

Known keys: ``"theme"`` (the theme the user picked, a name) and ``"last_view"`` (a dict
of account name → the inbox view last open). Other keys are kept as they are. Losing
this file costs nothing but a preference, so reading it never fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpdesk_tui.atomic_file import write_atomic


def load_state(path: Path) -> dict[str, Any]:
    """The remembered state, or an empty dict if the file is missing, unreadable or corrupt."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        state = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return state if isinstance(state, dict) else {}


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` atomically with mode 0600; a crash leaves the old file or the new one.

    Raises ``OSError`` if the file cannot be written and ``TypeError`` if ``state`` is not
    JSON-serialisable (a bug in the caller).
    """
    path = Path(path)
    text = json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(path, text, mode=0o600)
