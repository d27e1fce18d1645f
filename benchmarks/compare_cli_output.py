"""Run the read-only commands with two checkouts of the app and compare what they print, byte for byte.

    python benchmarks/compare_cli_output.py --old /work/main --home DIR
    python benchmarks/compare_cli_output.py --old /work/main --new . --home DIR --ticket 10003

For each command line (``list``, ``show``, ``search`` with and without ``--json``, and the mistakes a
user makes: an unknown ticket, view or filter, an empty query) both checkouts run it as a whole
process against the same workspace; stdout, stderr and the exit status must be equal. ``list``
prints SLA clocks that move with every second, so both run with ``datetime.now()`` pinned to one
instant (a ``sitecustomize`` on ``PYTHONPATH`` that only this script uses). Exit status 1 when any
command differs.

The workspace must have the schema both checkouts know (build it with the older one); the
commands only read it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def command_lines(ticket: int) -> list[list[str]]:
    t = str(ticket)
    lines = [
        ["list"], ["list", "--json"], ["list", "--limit", "20"], ["list", "--limit", "20", "--json"],
        ["list", "--view", "mine", "--limit", "50"], ["list", "--view", "due", "--json", "--limit", "50"],
        ["list", "--filter", "priority:high status:open", "--limit", "30"],
        ["list", "--filter", "refund", "--limit", "30", "--json"],
        ["list", "--filter", "返金", "--limit", "30"],
        ["show", t], ["show", t, "--json"], ["show", f"#{t}"],
        ["show", "99999999"], ["show", "abc"], ["list", "--view", "nope"], ["list", "--filter", "status:nope"],
        ["list", "--limit", "x"], ["search", ""], ["search", "xylophone"], ["bogus"],
    ]
    for q in ("refund", '"reset password"', "passw", "返金", "החזר", "fattura", "the"):
        lines.append(["search", q, "--limit", "20", "--json"])
        lines.append(["search", q])
    for n in range(ticket + 1, ticket + 6):
        lines.append(["show", str(n)])
        lines.append(["show", str(n), "--json"])
    return lines


# Loaded at start-up by both checkouts' processes: every `datetime.now()` answers the same instant.
PINNED_CLOCK = """
import datetime as _datetime
import os as _os

_AT = float(_os.environ["HELPDESK_COMPARE_NOW"])


class _Pinned(_datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls.fromtimestamp(_AT, tz)


_datetime.datetime = _Pinned
"""


def run(root: Path, python: str, home: Path, argv: list[str], shim: Path) -> tuple[bytes, bytes, int]:
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{root}{os.pathsep}{shim}"
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode kept out of both trees, as in bench_cli.py
    env["PYTHONPYCACHEPREFIX"] = str(HERE / "out" / "pycache")
    done = subprocess.run([python, "-m", "helpdesk_tui", "--home", str(home), *argv], env=env, cwd=root,
                          stdin=subprocess.DEVNULL, capture_output=True)
    return done.stdout, done.stderr, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, required=True, help="the checkout to compare with (e.g. main)")
    parser.add_argument("--new", type=Path, default=HERE.parent, help="the checkout under test (default: this one)")
    parser.add_argument("--home", type=Path, required=True, help="a demo workspace both can read")
    parser.add_argument("--ticket", type=int, default=10003, help="a ticket to show (and the 5 after it)")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()

    shim = Path(tempfile.mkdtemp(prefix="pinned-clock-"))
    (shim / "sitecustomize.py").write_text(PINNED_CLOCK)
    os.environ["HELPDESK_COMPARE_NOW"] = str(int(time.time()))
    differing = 0
    lines = command_lines(args.ticket)
    for argv in lines:
        old = run(args.old, args.python, args.home, argv, shim)
        new = run(args.new, args.python, args.home, argv, shim)
        same = old == new
        differing += not same
        print(f"{'same' if same else 'DIFFERENT'}  exit {old[2]}  {len(old[0]):>9,} B out  {len(old[1]):>5,} B err  "
              f"{' '.join(argv)}")
        if not same:
            for name, a, b in (("stdout", old[0], new[0]), ("stderr", old[1], new[1])):
                if a != b:
                    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
                    print(f"    {name} differs at byte {at}: old {a[at - 40:at + 80]!r}\n"
                          f"    {' ' * len(name)}               new {b[at - 40:at + 80]!r}")
            if old[2] != new[2]:
                print(f"    exit status: old {old[2]}, new {new[2]}")
    shutil.rmtree(shim, ignore_errors=True)
    print(f"\n{len(lines) - differing} of {len(lines)} command lines print the same bytes and exit the same way.")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
