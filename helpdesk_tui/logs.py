"""Where log records go: a file chosen with ``--log FILE``, or a default one with ``--debug``.

Modules emit with ``logging.getLogger(__name__)``; only this module decides where records
end up. Without ``--log`` and ``--debug`` nothing is written anywhere. Records never go
to the terminal: the workstation paints the whole screen, and Python's "last resort"
handler would print warnings over it, so a handler that drops them stands in for it.

Every record passes a redaction filter before it is written, a safety net behind the
rule that no token is logged: the tokens this process loaded (``mask_secret``) and
anything shaped like an Authorization header, a bearer/basic credential or an API key in
a query string or ``key=value`` pair become ``***``.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader
    from importlib.machinery import ModuleSpec
    from types import ModuleType

PACKAGE_LOGGER = "helpdesk_tui"
DEFAULT_LOG = Path("logs") / "debug.log"
"""With ``--debug`` and no ``--log``: this file under the data directory."""
MASK = "***"
_MIN_SECRET = 4  # a shorter "token" would mask ordinary words all over the log
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_secrets: set[str] = set()
"""Tokens this process holds; logging is process-wide, so what it must hide is too."""

_KEY_WORDS = r"(?:api[_-]?key|api[_-]?token|access[_-]?token|refresh[_-]?token|token|password|passwd|secret|" \
             r"client[_-]?secret|auth|authorization|x-api-key|private[_-]?token)"


@functools.cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    """Compiled when the first record is written: a command that logs nothing does not pay for them."""
    return (
        # Authorization: Bearer abc / 'Authorization': 'Basic abc' / X-Api-Key: abc (headers, dict reprs)
        re.compile(r"(?i)(['\"]?(?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?)(?:[A-Za-z-]+\s+)?[^\s'\",}]+"),
        re.compile(r"(?i)(['\"]?x-[a-z-]*(?:key|token|auth)[a-z-]*['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
        # a credential after its scheme, wherever it appears ("basic information" is left alone:
        # a credential has a digit or a base64 character in it)
        re.compile(r"(?i)(\b(?:bearer|basic)\s+)(?=[A-Za-z0-9._~+/=-]*[0-9=+/])[A-Za-z0-9._~+/=-]{8,}"),
        # ?api_key=abc&…, token=abc, "password": "abc"
        re.compile(rf"(?i)(\b{_KEY_WORDS}['\"]?\s*[=:]\s*['\"]?)[^\s&'\",;}}]+"),
    )


def mask_secret(secret: str) -> None:
    """Mask ``secret`` in every log record from now on (called where a token is loaded)."""
    if isinstance(secret, str) and len(secret.strip()) >= _MIN_SECRET:
        _secrets.add(secret.strip())


def redact(text: str) -> str:
    """``text`` with known tokens and credential-shaped values replaced by ``***``."""
    for secret in sorted(_secrets, key=len, reverse=True):  # longest first: one may contain another
        text = text.replace(secret, MASK)
    for pattern in _patterns():
        text = pattern.sub(lambda match: match.group(1) + MASK, text)
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--log FILE`` and ``--debug``; SUPPRESS so a subcommand without them keeps the earlier ones."""
    parser.add_argument("--log", metavar="FILE", default=argparse.SUPPRESS,
                        help="append log records (HTTP requests, sync pages, outbox changes, failures; never a "
                             "token) to FILE, at INFO, or DEBUG with --debug")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help=f"log in detail; without --log the file is DATA/{DEFAULT_LOG.as_posix()} ('helpdesk-tui "
                             "locate data' prints DATA); never shown on the terminal")


def configure_from_args(args: argparse.Namespace, data_dir: Path) -> Path | None:
    """Apply ``--log``/``--debug`` from parsed arguments; the log file, or None when there is none."""
    log = getattr(args, "log", None)
    return configure(Path(log).expanduser() if log else None, debug=bool(getattr(args, "debug", False)),
                     data_dir=data_dir)


def configure(log_file: Path | None, *, debug: bool, data_dir: Path) -> Path | None:
    """Send records to ``log_file`` (DEBUG with ``debug``, else INFO); the file used, or None.

    ``debug`` without a file logs to ``data_dir/logs/debug.log``. Calling it again replaces
    what an earlier call set up. A file that cannot be opened raises ``UserError``.
    """
    reset()
    if log_file is None and debug:
        log_file = data_dir / DEFAULT_LOG
    if log_file is None:
        # Nothing to write: logging need not even be imported. If it is (now or later, by a
        # module that may log), the last-resort handler is replaced as soon as it exists.
        if "logging" in sys.modules:
            _replace_last_resort()
        elif not any(isinstance(finder, _WhenLoggingLoads) for finder in sys.meta_path):
            sys.meta_path.insert(0, _WhenLoggingLoads())
        return None
    import logging

    from helpdesk_tui.log_handlers import RedactingFilter, file_handler

    _replace_last_resort()
    handler = file_handler(log_file)
    handler.setLevel(logging.DEBUG if debug else logging.INFO)
    handler.addFilter(RedactingFilter(redact))
    handler.setFormatter(logging.Formatter(_FORMAT))
    logging.getLogger().addHandler(handler)
    # The package's records at the chosen level; other libraries' only from WARNING (root's
    # level), so an HTTP library's own request lines with full URLs stay out.
    logging.getLogger(PACKAGE_LOGGER).setLevel(logging.DEBUG if debug else logging.INFO)
    logging.getLogger(__name__).info("log started: pid %d", os.getpid())
    return log_file


def _replace_last_resort() -> None:
    import logging

    from helpdesk_tui.log_handlers import LastWord

    logging.getLogger().addHandler(LastWord())


def reset() -> None:
    """Remove what ``configure`` set up (tests that run commands in-process call it)."""
    for finder in [f for f in sys.meta_path if isinstance(f, _WhenLoggingLoads)]:
        sys.meta_path.remove(finder)
    if "logging" not in sys.modules:
        return
    import logging

    from helpdesk_tui.log_handlers import LastWord, LogFile

    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, (LastWord, LogFile)):
            root.removeHandler(handler)
            handler.close()
    logging.getLogger(PACKAGE_LOGGER).setLevel(logging.NOTSET)


class _WhenLoggingLoads:
    """On ``sys.meta_path`` until logging is imported: then, once the module has run, the handler
    that drops records goes on the root logger, as ``configure`` would have put it there."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name != "logging":
            return None
        import importlib.util

        sys.meta_path.remove(self)  # the finders after this one find logging as usual
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = cast("Loader", _ThenReplaceLastResort(spec.loader))
        return spec


class _ThenReplaceLastResort:
    """logging's own loader, which then installs the handler (everything else is the loader's)."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self._loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _replace_last_resort()

    def __getattr__(self, name: str) -> Any:  # get_source (for tracebacks), is_package, …
        return getattr(self._loader, name)
