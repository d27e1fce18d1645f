"""The app and other processes on one cache at once, as an agent's machine really runs them.

A ``Workload`` drives the real app in a pseudo-terminal (drafts, replies, internal notes,
customer notes, ratings, triage takes, all by keys) while a ``Crowd`` of other processes
loops the CLI (``list``, ``show``, ``search``, ``outbox``, ``reply --queue-only``, ``rate``,
``sync``), a plain ``sqlite3`` reader and ``sqlite3 .backup``, and an ``FdWatch`` looks in
``/proc/PID/fd`` of the app for a -wal or -shm it still holds after someone deleted it.

Every write is marked with a unique token. A write counts as acknowledged only once the
screen (or the CLI's exit status) said it was done; ``check`` then asserts each acknowledged
token is in the file, ``integrity_check`` is ok, no message id was given to two different
texts over the run, and the WAL was never unlinked while the app held it.

Used by tests/test_cache_processes.py (short) and scripts/soak_cache_processes.py (long).
"""

from __future__ import annotations

import random
import re
import sqlite3
import time
from pathlib import Path

from helpdesk_tui.store import message_bodies

from tests.cache_crowd import ROOT, Crowd, FdWatch, links, private_env
from tests.pty_app import PtyApp

ESC_PAUSE = 0.35  # a lone ESC followed too soon by a key reads as alt+key


class KeysMissed(AssertionError):
    """The screen never showed what the keys should have brought up (the app is still running)."""


class AppExited(AssertionError):
    """The app closed by itself (a crash): a finding, whatever the file says."""


class Workload:
    """The app in a pty on ``home``'s demo cache, driven by keys; it remembers what was acknowledged."""

    def __init__(self, home: Path, rng: random.Random, *, account: str = "demo",
                 env: dict[str, str] | None = None) -> None:
        self.home = home
        self.db = home / "data" / "accounts" / f"{account}.sqlite"
        self.env = {**private_env(home), **(env or {})}
        self.rng = rng
        self.app: PtyApp | None = None
        self.watch = FdWatch(self.db)
        self.expected: list[tuple[str, str]] = []  # (kind, token) acknowledged on screen
        self.rated: dict[str, str] = {}  # ticket -> the token of its last rating (one per ticket)
        self.kills = 0
        self.serial = 0
        self.missed: list[str] = []  # actions whose keys went elsewhere (nothing is expected of them)
        self.crashes: list[str] = []  # the app's last words each time it closed by itself

    # ----- the app
    def connections(self) -> int:
        """How many connections the app has open on the cache (its pool never shrinks)."""
        assert self.app is not None
        return sum(1 for link in links(self.app.proc.pid) if link == str(self.db))

    def start(self) -> None:
        self.app = PtyApp("open", env=self.env, cwd=ROOT)
        self.watch.pid = self.app.proc.pid
        self.app.wait_for("Recently updated", timeout=60)  # counts loaded: idle and answering keys
        time.sleep(0.3)

    def kill9(self) -> None:
        assert self.app is not None
        self.watch.pid = None
        self.app.kill9()
        self.kills += 1
        self.app = None

    def quit(self) -> None:
        if self.app is not None:
            self.watch.pid = None
            self.app.quit()
            self.app = None

    def _mark(self) -> int:
        assert self.app is not None
        return len(self.app.text())

    def _wait_new(self, since: int, *needles: str, timeout: float = 20.0) -> str:
        assert self.app is not None
        deadline = time.monotonic() + timeout
        while True:
            fresh = self.app.text()[since:]
            for needle in needles:
                if needle in fresh:
                    return needle
            if self.app.proc.poll() is not None:
                raise AppExited(f"the app exited ({self.app.proc.returncode}): {self.app.text()[-1500:]!r}")
            if time.monotonic() > deadline:
                raise KeysMissed(f"none of {needles!r} appeared; screen: {self.app.text()[-1500:]!r}")
            time.sleep(0.05)

    def _keys(self, data: str, pause: float = 0.15) -> None:
        assert self.app is not None
        self.app.send(data, pause)

    def _type(self, text: str, token: str) -> None:
        """Type ``text`` and wait until the screen echoes ``token``: keys that went elsewhere
        (a field that had not taken the focus yet) must not count as a write."""
        since = self._mark()
        self._keys(text, 0.05)
        self._wait_new(since, token, timeout=8)

    def _token(self, kind: str) -> str:
        self.serial += 1
        return f"TKN-app-{kind}-{self.serial:06d}"  # fixed width: no token is a prefix of another

    def to_inbox(self) -> None:
        for _ in range(3):
            self._keys("\x1b", ESC_PAUSE)

    def open_first_ticket(self) -> None:
        self.to_inbox()
        self._keys("g", 0.2)
        since = self._mark()
        self._keys("\r", 0.4)
        self._wait_new(since, "Ticket #")

    def _composer_has_focus(self) -> bool:
        """Whether the footer drawn last is the composer's (it may open by itself on a ticket with a draft)."""
        assert self.app is not None
        text = self.app.text()
        footer = text.rfind("^q Quit")
        composer = text.rfind("Close (keep draft)")
        return composer >= 0 and abs(footer - composer) < 200

    def _open_composer(self, key: str) -> None:
        time.sleep(0.5)  # the ticket's draft, if any, is shown by now
        if self._composer_has_focus():
            return
        since = self._mark()
        self._keys(key, 0.4)
        self._wait_new(since, "ctrl+s send")

    def write_draft(self, *, wait_for_save: bool = True, leave_open: bool = False) -> str:
        """Open the composer on the first ticket and type a line; saved once the autosave ran."""
        self.open_first_ticket()
        self._open_composer("r")
        token = self._token("draft")
        self._type(f" {token} ", token)
        if wait_for_save:
            time.sleep(1.5)  # the composer saves 0.4 s after the last key, at most a second behind
            self.expected.append(("draft", token))
            if not leave_open:
                self._keys("\x1b", ESC_PAUSE)
        return token

    def type_more(self, wait_for_save: bool = True) -> str:
        """More text in the composer that is already open."""
        token = self._token("draft")
        self._type(f" {token} ", token)
        if wait_for_save:
            time.sleep(1.5)
            self.expected.append(("draft", token))
        return token

    def send(self, key: str, kind: str, *, wait: bool = True) -> str:
        """A public reply (``r``) or an internal note (``n``) on the first ticket, sent with ctrl+s twice."""
        self.open_first_ticket()
        self._open_composer(key)
        token = self._token(kind)
        self._type(f" {token} ", token)
        time.sleep(0.5)
        since = self._mark()
        self._keys("\x13", 0.4)
        self._wait_new(since, "next update", "Send")
        since = self._mark()
        self._keys("\x13", 0.2)
        if wait:
            self._wait_new(since, "⏳ queued", "✓ sent")
            self.expected.append((kind, token))
        return token

    def customer_note(self, *, wait: bool = True) -> str:
        self.open_first_ticket()
        self._keys("\t", 0.3)  # the customer pane's notes take the focus
        since = self._mark()
        self._keys("a", 0.4)
        self._wait_new(since, "ctrl+s save")
        token = self._token("cnote")
        self._type(f"{token} prefers phone", token)
        since = self._mark()
        self._keys("\x13", 0.2)
        if wait:
            self._wait_new(since, "Note saved")
            self.expected.append(("cnote", token))
        return token

    def rating(self, *, wait: bool = True) -> str:
        self.open_first_ticket()
        self._keys("\x10", 0.4)  # ctrl+p: the command palette
        self._keys("satisfaction rating", 0.3)
        since = self._mark()
        self._keys("\r", 0.5)
        self._wait_new(since, "g good · b bad · ctrl+s save")  # the rating dialog is up
        time.sleep(0.3)
        self._keys("b", 0.4)  # bad, and on to the comment box (its text selected: typing replaces it)
        token = self._token("rating")
        self._type(token, token)
        since = self._mark()
        self._keys("\x13", 0.2)
        if wait:
            self._wait_new(since, "Rating recorded for #")
            time.sleep(0.2)
            number = re.findall(r"Rating recorded for #(\d+)", self.app.text()[since:])[0]
            self.rated[number] = token
        return token

    def triage_take(self, *, wait: bool = True) -> None:
        self.to_inbox()
        since = self._mark()
        self._keys("t", 0.6)
        self._wait_new(since, "handled")
        before = _count(self.db, "SELECT count(*) FROM triage_actions WHERE action = 'take' AND undone_at IS NULL")
        since = self._mark()
        self._keys("a", 0.2)
        if wait:
            self._wait_new(since, "took", "Nothing to act on")
            time.sleep(0.3)
            after = _count(self.db, "SELECT count(*) FROM triage_actions WHERE action = 'take' AND undone_at IS NULL")
            if after > before:
                self.expected.append(("take", str(after)))
        self._keys("\x1b", ESC_PAUSE)

    def triage_burst(self) -> None:
        """Two triage keys back to back: their workers run at once, so the app's connection pool
        grows to two connections (as a background sync beside the UI makes it on any account)."""
        self.to_inbox()
        since = self._mark()
        self._keys("t", 0.6)
        self._wait_new(since, "handled")
        self._keys("4", 0.0)
        self._keys("3", 1.0)
        self._keys("\x1b", ESC_PAUSE)

    # ----- a random session with kill -9 at random points
    ACTIONS = ("draft", "reply", "note", "cnote", "rating", "take", "draft", "burst")

    def acknowledged(self) -> int:
        return len(self.expected) + len(self.rated)

    def random_session(self, actions: int, kills: int) -> None:
        kill_at = set(self.rng.sample(range(2, actions), kills))
        for index in range(actions):
            self._attempt(self.rng.choice(self.ACTIONS), index in kill_at)

    def until_acknowledged(self, count: int, *, at_most: int) -> None:
        """More actions (no kills) until ``count`` writes were acknowledged on screen: on a loaded
        machine keys do go astray, and the run must still check enough writes to mean something."""
        for _ in range(at_most):
            if self.acknowledged() >= count:
                return
            self._attempt(self.rng.choice(self.ACTIONS), False)

    def _attempt(self, action: str, doomed: bool) -> None:
        try:
            self._act(action, doomed)
        except KeysMissed as exc:
            # Keys that reached another widget than meant (the composer takes the keyboard when
            # the cursor rests on a ticket with a draft): nothing was acknowledged, carry on.
            self.missed.append(f"{action}: {str(exc)[:120]}")
            self.to_inbox()
        except AppExited as exc:
            # Not the cache's doing as such, but a finding: note it, restart, and let the final
            # check say whether anything acknowledged before it was lost.
            self.crashes.append(f"{action}: {str(exc)[-400:]}")
            assert self.app is not None
            self.app.close()
            self.app = None
            self.start()
            return
        if doomed:
            time.sleep(self.rng.uniform(0.0, 0.6))  # somewhere in the middle of the write, or after it
            self.kill9()
            self.start()

    def _act(self, action: str, doomed: bool) -> None:
        if action == "draft":
            self.write_draft(wait_for_save=not doomed)
        elif action == "reply":
            self.send("r", "reply", wait=not doomed)
        elif action == "note":
            self.send("n", "note", wait=not doomed)
        elif action == "cnote":
            self.customer_note(wait=not doomed)
        elif action == "rating":
            self.rating(wait=not doomed)
        elif action == "take":
            self.triage_take(wait=not doomed)
        else:
            self.triage_burst()


def _count(db: Path, query: str) -> int:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return int(conn.execute(query).fetchone()[0])
    finally:
        conn.close()


def check(workload: Workload, crowd: Crowd | None) -> list[str]:
    """Everything wrong with the file after the run (an empty list when all is well)."""
    problems: list[str] = []
    if workload.watch.deleted:
        problems.append(f"the app held deleted cache files: {sorted(set(workload.watch.deleted))}")
    conn = sqlite3.connect(workload.db, timeout=10)
    message_bodies.register(conn)  # bodies may be stored packed
    try:
        verdict = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            problems.append(f"integrity_check: {verdict[:5]}")
            return problems
        queries = {
            "draft": "SELECT (SELECT count(*) FROM drafts WHERE body LIKE :t) "
                     "+ (SELECT count(*) FROM messages WHERE body LIKE :t)",
            # (a reply opened on a ticket that holds a note's draft continues that draft: any kind)
            "reply": "SELECT count(*) FROM messages WHERE body LIKE :t",
            "note": "SELECT count(*) FROM messages WHERE body LIKE :t",
            "cnote": "SELECT count(*) FROM customer_notes WHERE body LIKE :t",
            "rating": "SELECT count(*) FROM ratings WHERE comment LIKE :t",
            "cli-reply": "SELECT count(*) FROM messages WHERE body LIKE :t",
            "cli-rating": "SELECT count(*) FROM ratings WHERE comment LIKE :t",
        }
        wanted = list(workload.expected)
        if crowd is not None:
            wanted += [("cli-reply", t) for t in crowd.queued] + [("cli-rating", t) for t in crowd.rated.values()]
        wanted += [("rating", t) for t in workload.rated.values()]
        takes = conn.execute("SELECT count(*) FROM triage_actions WHERE action = 'take' AND undone_at IS NULL").fetchone()[0]
        for kind, token in wanted:
            if kind == "take":
                if takes < int(token):
                    problems.append(f"triage take number {token} acknowledged on screen, {takes} in the file")
                continue
            found = conn.execute(queries[kind], {"t": f"%{token}%"}).fetchone()[0]
            if found == 0:
                problems.append(f"{kind} {token} was acknowledged but is not in the file")
            elif kind in ("reply", "note", "cli-reply") and found > 1:
                problems.append(f"{kind} {token} is in the file {found} times")
        if crowd is not None:
            problems += crowd.id_clashes
            for message_id, token in crowd.ids.items():
                row = conn.execute("SELECT message_body(body) FROM messages WHERE id = ?", (message_id,)).fetchone()
                if row is None or token not in row[0]:
                    problems.append(f"message {message_id} held {token} during the run, at the end "
                                    f"{(row[0][:60] if row else 'nothing')!r}")
    finally:
        conn.close()
    return problems
