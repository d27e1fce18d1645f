"""A commented starter settings file, written where ``helpdesk-tui locate config`` points.

Every line is a comment, so the file means exactly the defaults until the user takes a
``#`` away; it exists so that ``$EDITOR "$(helpdesk-tui locate config)"`` opens a file
that says what can go in it.
"""

from __future__ import annotations

import os
from pathlib import Path

STARTER = """\
# helpdesk-tui settings (TOML). Every setting is optional: remove a '#' to change one.
# The README's "Configuration" section explains each of them.

# [agent]
# name = "Aiko Tanaka"           # wins over the name 'account test' learned: assignee:me, signatures

# [ui]
# theme = "helpdesk-dark"        # or helpdesk-light, helpdesk-high-contrast, or your own

# [inbox]
# default_view = "all"           # mine, unassigned, due, waiting, recent or all

# [sync]
# interval_seconds = 60          # background sync; 0 turns it off

# [sla]                          # due times your helpdesk sets itself win
# business_hours = "09:00-17:30" # leave out for clocks that run around the clock
# business_days = ["mon", "tue", "wed", "thu", "fri"]
# timezone = "Europe/Rome"
# holidays = ["2026-12-25"]
# checkpoint_warning_minutes = 15

# [sla.urgent]                   # also [sla.high], [sla.normal], [sla.low]
# acknowledge = "10m"
# first_update = "20m"
# update_interval = "1h"         # "off": no regular updates owed
# resolution = "8h"

# [triage]
# experts = ["dana", "kenji"]
# groups = ["Tier 2"]

# [focus]
# default_minutes = 50
# warning_minutes = 5            # 0: no warning

# [keymap]                       # binding id = keys; press ? in the app for the ids
# "inbox.down" = "j,down,J"

# Accounts are added with 'helpdesk-tui account add NAME --backend … --url …', which
# writes an [accounts.NAME] table here; tokens go to the system keyring, never here.
"""


def write_starter(path: Path) -> bool:
    """Create ``path`` with the commented starter (mode 0600) unless it exists; True if created."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(STARTER)
    return True
