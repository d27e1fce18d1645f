"""An export of an account's cache for analysts (``helpdesk-tui export``)."""

from __future__ import annotations

from pathlib import Path

from helpdesk_tui.services.errors import ServiceError
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.export import FORMATS, ExportError, ExportFormat, ExportResult, export_cache

__all__ = ["FORMATS", "export"]


def export(cache: Cache, output: str, *, fmt: str, overwrite: bool, caches: Path) -> ExportResult:
    """Write the cache's synced records to ``output`` (a SQLite file, or a folder of CSV or JSON
    files). Refuses the folder of the accounts' caches: a replaced file there would be a cache."""
    target = Path(output).expanduser()
    if target.resolve().parent == caches.resolve() or target.resolve() == caches.resolve():
        raise ServiceError(f"Cannot write {output}: that folder holds the accounts' caches ({caches}); "
                           "give a name somewhere else.")
    if fmt not in FORMATS:
        raise ServiceError(f"Unknown export format {fmt!r}: use one of {', '.join(FORMATS)}.")
    chosen: ExportFormat = "sqlite" if fmt == "sqlite" else "csv" if fmt == "csv" else "json"
    try:
        with cache.connection() as conn:
            return export_cache(conn, target, fmt=chosen, overwrite=overwrite)
    except ExportError as exc:
        raise ServiceError(str(exc)) from None
    except OSError as exc:
        raise ServiceError(f"Cannot write {output}: {exc.strerror or exc}.") from None
