"""The ``helpdesk-tui`` command: open the workstation, or script the cache.

``parser`` is the grammar, ``dispatch`` the one table from a command to its handler, and
one module per command group does the work. Only the grammar is imported before the
arguments are parsed, so ``--help`` and ``--version`` answer at once; heavy imports
(textual, the store) happen inside the commands that need them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from helpdesk_tui.cli.parser import build_parser
from helpdesk_tui.errors import UserError

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    try:
        words = sys.argv[1:] if argv is None else list(argv)
        args = build_parser(words).parse_args(words)
        from helpdesk_tui.cli.dispatch import dispatch  # after parsing: --help pays for the grammar only

        return dispatch(args)
    except UserError as exc:
        from helpdesk_tui.content import clean_line

        # A sentence may quote a file name, a setting's key or a server's words: never escapes.
        print(f"helpdesk-tui: {clean_line(str(exc))}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `helpdesk-tui list | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
