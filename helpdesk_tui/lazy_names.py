"""A package's names imported from their modules on first use (PEP 562).

Read-only commands start faster when a package's ``__init__`` does not import every module it
re-exports; ``config`` and ``content`` map each name to its module and resolve it once.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_getattr(package: str, homes: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``: ``homes`` maps a name to its submodule."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{home}"), name)
        namespace[name] = value  # later look-ups skip this function
        return value

    return __getattr__
