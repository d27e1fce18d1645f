"""Other processes on an account's cache, for tests/cache_workload.py: the CLI, sqlite3, /proc.

``Crowd`` loops the CLI (``list``, ``show``, ``search``, ``outbox``, ``reply --queue-only``,
``rate``, ``sync``), a plain ``sqlite3`` reader and ``sqlite3 .backup`` until stopped, and
remembers what the CLI acknowledged (exit 0) and which text each message id held.
``FdWatch`` looks in ``/proc/PID/fd`` for a -wal or -shm the watched process still holds
after someone deleted it. The sqlite3 shell is used when installed; without it, the same
statements run through Python's sqlite3 module in a process of its own.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE3 = shutil.which("sqlite3")
TOKEN = re.compile(r"TKN-[a-z-]+-\d{6}")


def private_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_TUI")}
    env["HELPDESK_TUI_HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT)
    return env


def cli(env: dict[str, str], *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def sqlite3_shell(db: Path, *commands: str, timeout: float = 30.0) -> subprocess.CompletedProcess:
    """The sqlite3 command-line shell on ``db``; without it, the same through Python in its own process."""
    if SQLITE3:
        return subprocess.run([SQLITE3, "-bail", "-cmd", ".timeout 10000", str(db), *commands], capture_output=True, text=True,
                              timeout=timeout)
    code = (
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], timeout=10)\n"
        "for command in sys.argv[2:]:\n"
        "    if command.startswith('.backup '):\n"
        "        target = sqlite3.connect(command.split(' ', 1)[1]); conn.backup(target); target.close()\n"
        "    else:\n"
        "        for row in conn.execute(command): print('|'.join(map(str, row)))\n"
        "conn.close()\n"
    )
    return subprocess.run([sys.executable, "-c", code, str(db), *commands], capture_output=True, text=True,
                          timeout=timeout)


class FdWatch(threading.Thread):
    """Polls the app's open files for a cache file that was deleted while it held it."""

    def __init__(self, db: Path) -> None:
        super().__init__(daemon=True)
        self.db = str(db)
        self.pid: int | None = None
        self.deleted: list[str] = []
        self.looks = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            pid = self.pid
            if pid is not None:
                for link in links(pid):
                    if link.startswith(self.db) and link.endswith("(deleted)"):
                        self.deleted.append(link)
                self.looks += 1
            self._halt.wait(0.02)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def links(pid: int) -> list[str]:
    found = []
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return found
    for name in names:
        try:
            found.append(os.readlink(f"/proc/{pid}/fd/{name}"))
        except OSError:
            pass
    return found


@dataclass
class Crowd:
    """Other processes on the same cache, in a loop, until stopped."""

    env: dict[str, str]
    db: Path
    tickets: list[str]  # ticket numbers the CLI may write to (never those the app works on)
    rng: random.Random
    workdir: Path
    queued: list[str] = field(default_factory=list)  # tokens of CLI replies acknowledged (exit 0)
    rated: dict[str, str] = field(default_factory=dict)  # ticket -> its last rating's token (one per ticket)
    failures: list[str] = field(default_factory=list)
    runs: int = 0
    ids: dict[int, str] = field(default_factory=dict)  # message id -> the token it held when read
    id_clashes: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._cli_loop, daemon=True),
                         threading.Thread(target=self._sqlite_loop, daemon=True)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=90)

    def _cli_loop(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            ticket = self.rng.choice(self.tickets)
            choice = self.rng.choice(("list", "show", "search", "outbox", "reply", "reply", "rate", "sync"))
            if choice == "list":
                self._run(["list", "--limit", "20"])
            elif choice == "show":
                self._run(["show", ticket])
            elif choice == "search":
                self._run(["search", self.rng.choice(("password", "backup", "invoice", "TKN"))])
            elif choice == "outbox":
                self._run(["outbox"])
            elif choice == "sync":
                self._run(["sync"])
            elif choice == "reply":
                token = f"TKN-cli-reply-{n:06d}"
                body = self.workdir / f"{token}.txt"
                body.write_text(f"{token} from another terminal\n", encoding="utf-8")
                if self._run(["reply", ticket, "--queue-only", "--file", str(body)]):
                    self.queued.append(token)
            else:
                token = f"TKN-cli-rating-{n:06d}"
                if self._run(["rate", ticket, "good", "--comment", token]):
                    self.rated[ticket] = token  # a ticket's local rating is replaced, not added

    def _run(self, args: list[str]) -> bool:
        try:
            result = cli(self.env, *args)
        except subprocess.TimeoutExpired:
            self.failures.append(f"helpdesk-tui {' '.join(args)} hung for a minute")
            return False
        self.runs += 1
        if result.returncode != 0 or "Traceback" in result.stderr:
            self.failures.append(f"helpdesk-tui {' '.join(args)} -> {result.returncode}: {result.stderr.strip()[-300:]}")
            return False
        return True

    def _sqlite_loop(self) -> None:
        backup = self.workdir / "backup.sqlite"
        while not self._stop.is_set():
            try:
                self._sqlite_round(backup)
            except subprocess.TimeoutExpired as exc:
                self.failures.append(f"sqlite3 hung: {exc.cmd}")
            self._stop.wait(0.1)

    def _sqlite_round(self, backup: Path) -> None:
        result = sqlite3_shell(self.db, "SELECT id, body FROM messages WHERE body LIKE '%TKN-%'")
        self.runs += 1
        if result.returncode != 0:
            self.failures.append(f"sqlite3 reader -> {result.returncode}: {result.stderr.strip()[-300:]}")
        else:
            self._note_ids(result.stdout)
        if self.rng.random() < 0.3:
            backup.unlink(missing_ok=True)
            result = sqlite3_shell(self.db, f".backup {backup}")
            self.runs += 1
            if result.returncode != 0:
                self.failures.append(f"sqlite3 .backup -> {result.returncode}: {result.stderr.strip()[-300:]}")

    def _note_ids(self, output: str) -> None:
        for line in output.splitlines():
            head, _, body = line.partition("|")
            if not head.isdigit() or "TKN-" not in body:
                continue
            token = TOKEN.search(body)
            if token is None:
                continue
            seen = self.ids.setdefault(int(head), token.group())
            if seen != token.group():
                self.id_clashes.append(f"message {head} held {seen}, later {token.group()}")


def cli_targets(db: Path, count: int = 12) -> list[str]:
    """Tickets for the CLI to write to: the least urgent ones, far from the top of the app's inbox."""
    conn = sqlite3.connect(db, timeout=10)
    try:
        rows = conn.execute("SELECT number FROM tickets WHERE deleted_at IS NULL ORDER BY sla_key DESC LIMIT ?",
                            (count,)).fetchall()
    finally:
        conn.close()
    return [str(r[0]) for r in rows]
