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
import logging
import os
import re
from pathlib import Path

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


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, traceback and stack with ``redact`` before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what can be kept, never the arguments
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _LastWord(logging.NullHandler):
    """Stands in for the last-resort handler, which would print to the terminal."""


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
    root = logging.getLogger()
    root.addHandler(_LastWord())
    if log_file is None and debug:
        log_file = data_dir / DEFAULT_LOG
    if log_file is None:
        return None
    handler = _file_handler(log_file)
    handler.setLevel(logging.DEBUG if debug else logging.INFO)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    # The package's records at the chosen level; other libraries' only from WARNING (root's
    # level), so an HTTP library's own request lines with full URLs stay out.
    logging.getLogger(PACKAGE_LOGGER).setLevel(logging.DEBUG if debug else logging.INFO)
    logging.getLogger(__name__).info("log started: pid %d", os.getpid())
    return log_file


def reset() -> None:
    """Remove what ``configure`` set up (tests that run commands in-process call it)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, (_LastWord, _LogFile)):
            root.removeHandler(handler)
            handler.close()
    logging.getLogger(PACKAGE_LOGGER).setLevel(logging.NOTSET)


class _LogFile(logging.FileHandler):
    """The file ``configure`` opened (so ``reset`` removes only its own handlers)."""


def _file_handler(path: Path) -> logging.FileHandler:
    from helpdesk_tui.errors import UserError

    path = path.absolute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created private before logging opens it: records name tickets and customers.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        return _LogFile(path, mode="a", encoding="utf-8")
    except OSError as error:
        raise UserError(f"Cannot write the log file {path}: {error.strerror or error}; "
                        "give another file with --log.") from None
