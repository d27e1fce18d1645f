"""A second process that reads and computes the next batch of a whole-cache SLA recompute
while the first one writes the batch before it.

Reading and computing are most of a recompute; writing stays with the one process that owns
the write (``sla_refresh.install_policy``). This process only reads, in one read transaction
per batch. It is asked with a line holding the id after which the batch starts and answers
with one pickle: (tickets in the batch, its last id, ``Plan`` lists). The writer checks, when
it writes, that no other connection committed since it asked (``PRAGMA data_version``);
otherwise it reads and computes the batch again itself, under the lock. If this process
cannot start or fails, the writer computes the remaining batches itself.

    python -m helpdesk_tui.store.sla_ahead DB POLICY_JSON BATCH
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from helpdesk_tui.domain.sla_epochs import prepare
from helpdesk_tui.domain.sla_policy import SlaPolicy
from helpdesk_tui.store import sla_batches
from helpdesk_tui.store.db import open_database


class Ahead:
    """The writer's side: ask for the batch after an id, then take the answer."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.asked: tuple[int, int] | None = None  # (after id, data_version when asked)

    @classmethod
    def start(cls, conn: sqlite3.Connection, policy: SlaPolicy, batch: int) -> Ahead | None:
        """The helper process for recomputing ``conn``'s cache under ``policy``; None when it
        cannot compute exactly what this process would (an in-memory cache, a policy that does
        not survive its text form) or cannot start."""
        path = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
        text = policy.to_json()
        if not path or prepare(policy) is None or SlaPolicy.from_json(text) != policy:
            return None
        # This very package, wherever it was imported from, not another one on the path.
        root = str(Path(__file__).resolve().parent.parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        try:
            process = subprocess.Popen([sys.executable, "-m", __name__, path, text, str(batch)],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                       env=env)
        except OSError:
            return None
        return cls(process)

    def ask(self, after_id: int, version: int) -> None:
        """Start computing the batch after ``after_id``; ``version``: the writer's data_version now."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(b"%d\n" % after_id)
            self.process.stdin.flush()
        except (OSError, ValueError):  # the helper died (a broken pipe; closed since): answer() gives None
            self.close()
            self.asked = None
            return
        self.asked = (after_id, version)

    def answer(self, after_id: int, version: int) -> tuple[int, int, int, sla_batches.Plan] | None:
        """The batch after ``after_id``: (data_version when asked, tickets, last id, plan); None
        when the helper failed (it is stopped; the writer goes on alone). ``version``: the
        writer's data_version now, should the batch have to be asked for first."""
        try:
            if self.asked is not None and self.asked[0] != after_id:
                self._receive()  # computed for another start (the writer redid a batch that changed)
                self.asked = None
            if self.asked is None:
                self.ask(after_id, version)
            count, last_id, keeping_key, with_key, declined = self._receive()
        except (OSError, EOFError, ValueError, pickle.UnpicklingError):
            self.close()
            return None
        assert self.asked is not None
        asked_version, self.asked = self.asked[1], None
        return asked_version, count, last_id, sla_batches.Plan(keeping_key, with_key, declined)

    def _receive(self) -> Any:
        assert self.process.stdout is not None
        return pickle.load(self.process.stdout)

    def close(self) -> None:
        if self.process.stdin is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        self.process.kill()
        self.process.wait()


def serve(path: str, policy: SlaPolicy, batch: int, requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer each request (an id) with the batch of ``batch`` tickets after it, computed."""
    prepared = prepare(policy)
    conn = open_database(path, readonly=True)
    try:
        for line in iter(requests.readline, b""):
            after_id = int(line)
            conn.execute("BEGIN")  # one state of the cache for the whole batch
            try:
                found = sla_batches.read_batch(conn, after_id, batch)
                plan = sla_batches.plan_batch(conn, found, policy, prepared, by_range=True)
            finally:
                conn.execute("COMMIT")
            pickle.dump((len(found), found[-1][0] if found else after_id, plan.keeping_key, plan.with_key,
                         plan.declined), answers, protocol=pickle.HIGHEST_PROTOCOL)
            answers.flush()
    finally:
        conn.close()


if __name__ == "__main__":
    # Not niced: on busy cores a lower priority starved this process and the writer waited for
    # its answers (a recompute at 1M beside another full one: the helper got 9% of a core).
    serve(sys.argv[1], SlaPolicy.from_json(sys.argv[2]), int(sys.argv[3]), sys.stdin.buffer, sys.stdout.buffer)
