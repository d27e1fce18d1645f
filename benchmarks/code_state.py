"""Which app code a benchmark measures, and where its workspace's database is.

Shared by ``run_all.py`` and ``bench_peers.py``: both record the code next to their figures, so
that figures of one code are never read as another's. Read-only git; "unknown" without git.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def database_path(root: Path, home: Path) -> Path:
    """The demo account's cache in the workspace ``home``, as the app at ``root`` places it."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from helpdesk_tui.config.paths import resolve_locations

    return resolve_locations(str(home)).account_db("demo")


def _stamp(root: Path, rev: str) -> str:
    """``rev`` resolved at ``root``, with the count of locally modified files under helpdesk_tui/."""
    try:
        name = subprocess.run(["git", "rev-parse", "--short", rev], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "helpdesk_tui"],
                               cwd=root, capture_output=True, text=True, check=True).stdout.split("\n")
        changed = [line for line in dirty if line.strip()]
        return name + (f" + {len(changed)} modified files" if changed else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def git_state(root: Path) -> str:
    """The commit the app code comes from, and whether the tree had local changes."""
    return _stamp(root, "HEAD")


def app_tree(root: Path) -> str:
    """The tree of helpdesk_tui/ at HEAD: unlike the commit, a change elsewhere (to a benchmark)
    keeps it, so figures taken before such a change still count for the same app code."""
    return _stamp(root, "HEAD:helpdesk_tui")
