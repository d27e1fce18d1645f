"""The handlers and the filter ``logs.configure`` installs; imported only when logging is.

Apart from ``logs`` so that a command that logs nothing (a script's ``list``, ``show`` or
``search``) does not import logging (~3 ms with traceback, threading and string).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, traceback and stack with ``redact`` before it is written
    (``logs.redact``, passed in: this module is imported by ``logs``, never the other way)."""

    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what can be kept, never the arguments
            message = str(record.msg)
        redact = self.redact
        record.msg, record.args = redact(message), None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class LastWord(logging.NullHandler):
    """Stands in for the last-resort handler, which would print to the terminal."""


class LogFile(logging.FileHandler):
    """The file ``configure`` opened (so ``reset`` removes only its own handlers)."""


def file_handler(path: Path) -> logging.FileHandler:
    from helpdesk_tui.errors import UserError

    path = path.absolute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Created private before logging opens it: records name tickets and customers.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        return LogFile(path, mode="a", encoding="utf-8")
    except OSError as error:
        raise UserError(f"Cannot write the log file {path}: {error.strerror or error}; "
                        "give another file with --log.") from None
