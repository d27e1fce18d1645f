"""Reading a ``token_command`` into the words of the program to run, as a shell would split them.

Kept apart from running it (``config/token_sources.py``) so the settings parser can refuse
a command that cannot work without importing anything that reads a keyring.
"""

from __future__ import annotations

import shlex


class TokenCommandError(ValueError):
    """A token command that cannot be run; the message completes "token_command …"."""


def split_token_command(command: str) -> list[str]:
    """The program and its arguments; ``TokenCommandError`` when ``command`` cannot be one.

    Split with ``shlex`` (quotes and backslashes as in a POSIX shell) and never given to a
    shell: ``|``, ``;`` or ``$(…)`` are plain arguments, so nothing in the settings file is
    executed by a shell on our behalf.
    """
    if not command.strip():
        raise TokenCommandError("is empty: give a command that prints the token, such as "
                                "'pass show helpdesk/work'.")
    if not command.isprintable():
        raise TokenCommandError("contains a line break or control character: write it on one line.")
    try:
        words = shlex.split(command)
    except ValueError:  # "No closing quotation", "No escaped character"
        raise TokenCommandError("has an unclosed quote or a trailing backslash: quote it as you would in "
                                "a shell.") from None
    if not words or not words[0]:  # only quotes around nothing
        raise TokenCommandError("names no program: give a command that prints the token, such as "
                                "'pass show helpdesk/work'.")
    return words
