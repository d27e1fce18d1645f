"""A pull killed anywhere resumes with no duplicate and no missing rows, against real servers.

The pull runs in a subprocess (``_pull_worker``) against the real django-helpdesk and Request
Tracker, with a small page size so there are many pages, and is SIGKILLed at chosen points:

- ``fetched``: the k-th page has been read from the server, no transaction has begun;
- ``thread``: inside the k-th page's transaction, after the n-th ticket's thread was written;
- ``applying``: the k-th page and its cursor are written, the COMMIT has not happened;
- ``committed``: right after the k-th page's COMMIT;
- at seeded random points of these kinds, and after a seeded random delay, wherever the pull
  happens to be (the seed is in the failure message; set RESUME_SEED to vary it).

After every kill the cache must be consistent (integrity check, no ticket without its
thread); after a clean pull it must hold exactly the server's tickets, each once, each with
its complete thread (for RT: the server's tickets from this test on; the feed still runs
over all of them). Then the server changes (new tickets, new followups, a status change,
for django-helpdesk a deletion; for RT several tickets updated within one second) and the
same is done to the second scan.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync.backends import django_helpdesk as dh
from helpdesk_tui.sync.backends import rt
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.http import RetryPolicy
from tests.server_django_helpdesk import django_helpdesk_server  # noqa: F401
from tests.server_rt import rt_server  # noqa: F401

pytestmark = pytest.mark.server  # every test here talks to a real RT or django-helpdesk

REPO = Path(__file__).resolve().parent.parent
PAGE = 3  # tickets per page: many pages, many boundaries
SEED = int(os.environ.get("RESUME_SEED", "20261122"))


def build_backend(kind: str, url: str, token: str):
    account = AccountSettings(name=kind, url=url, user=None, token=token)
    policy = RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.2, timeout=30)
    if kind == "django-helpdesk":
        return dh.DjangoHelpdeskBackend(account, dh.make_client(account, policy=policy), page_size=PAGE)
    return rt.RequestTrackerBackend(account, rt.make_client(account, policy=policy), per_page=PAGE)


# ==================================================================== the subprocess


def _pull_worker(config_json: str) -> None:
    """Pull into the cache, SIGKILL-ing this process at the point ``config["kill"]`` names."""
    from helpdesk_tui.store import sync_apply

    config = json.loads(config_json)
    kill = config.get("kill") or {}
    at, page_no, nth = kill.get("at"), kill.get("page", 0), kill.get("n", 0)
    state = {"pulled": 0, "threads": 0}

    def die(where: str) -> None:
        sys.stderr.write(f"KILLED {where}\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    backend = build_backend(config["kind"], config["url"], config["token"])
    real_pull = backend.pull

    def pull(cursor):
        page = in_scope(real_pull(cursor), config.get("min_id", 0))
        state["pulled"] += 1
        state["threads"] = 0
        if at == "fetched" and state["pulled"] == page_no:
            die(f"fetched page {page_no}")
        return page

    backend.pull = pull
    real_apply_page, real_apply_thread = sync_apply.apply_page, sync_apply.apply_thread

    def apply_thread(*args, **kw):
        new_from_customer = real_apply_thread(*args, **kw)
        state["threads"] += 1
        if at == "thread" and state["pulled"] == page_no and state["threads"] == nth:
            die(f"in the transaction of page {page_no}, after thread {nth}")
        return new_from_customer  # the engine reads it: a wrapper must hand it on

    def apply_page(*args, **kw):
        result = real_apply_page(*args, **kw)
        if at == "applying" and state["pulled"] == page_no:
            die(f"page {page_no} written, before COMMIT")
        return result

    sync_apply.apply_thread, sync_apply.apply_page = apply_thread, apply_page

    def progress(p):
        if at == "committed" and p.pages == page_no:
            die(f"after the COMMIT of page {page_no}")

    sys.stderr.write("READY\n")
    sys.stderr.flush()
    SyncEngine(Cache(config["cache"], config["kind"]), backend, lambda: datetime.now(UTC)).pull(progress)
    sys.stderr.write("DONE\n")


def in_scope(page, min_id: int):
    """The page without the tickets numbered below ``min_id`` (the feed and its cursor unchanged)."""
    if min_id:
        page.tickets = [t for t in page.tickets if int(t.remote_id) >= min_id]
    return page


def run_pull(kind: str, url: str, token: str, cache: Path, kill: dict | None = None,
             delay: float | None = None, min_id: int = 0) -> str:
    """One pull in a subprocess; returns how it ended ("done" or where it was killed)."""
    config = {"kind": kind, "url": url, "token": token, "cache": str(cache), "kill": kill, "min_id": min_id}
    code = "import sys; from tests.test_sync_resume import _pull_worker; _pull_worker(sys.argv[1])"
    proc = subprocess.Popen([sys.executable, "-c", code, json.dumps(config)], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if delay is not None:
        assert proc.stderr.readline().strip() == "READY"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    if proc.returncode == 0:
        return "done" if kill is None and delay is None else f"done before the kill point ({kill or delay})"
    assert proc.returncode == -signal.SIGKILL, f"the pull failed ({proc.returncode}):\n{err[-3000:]}"
    killed = [line for line in err.splitlines() if line.startswith("KILLED")]
    if delay is not None:
        return f"killed after {delay:.2f}s" + (" (it had finished)" if "DONE" in err else "")
    assert killed, f"killed, but not where planned ({kill}):\n{err[-3000:]}"
    return killed[0]


# ==================================================================== the verdict


def assert_consistent(cache_path: Path) -> None:
    """What any committed state must look like: intact, every ticket with its thread."""
    cache = Cache(cache_path, "check")
    try:
        with cache.connection() as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            orphans = conn.execute("SELECT remote_id FROM tickets t WHERE NOT EXISTS "
                                   "(SELECT 1 FROM messages m WHERE m.ticket_id = t.id)").fetchall()
            assert orphans == [], f"tickets without their thread: {orphans}"
            dup = conn.execute("SELECT ticket_id, remote_id, count(*) FROM messages GROUP BY ticket_id, remote_id "
                               "HAVING count(*) > 1").fetchall()
            assert dup == [], f"duplicate messages: {dup}"
    finally:
        cache.close()


def server_truth(kind: str, url: str, token: str, min_id: int = 0) -> dict[str, tuple[int, list[str]]]:
    """Every ticket on the server (remote id → number, message ids), read by a fresh full pull."""
    backend = build_backend(kind, url, token)
    if kind == "django-helpdesk":
        backend.page_size = 1000
    else:
        backend.per_page = 100
    truth: dict[str, tuple[int, list[str]]] = {}
    cursor = None
    while True:
        page = in_scope(backend.pull(cursor), min_id)
        for t in page.tickets:
            messages = t.messages if t.messages is not None else backend.fetch_thread(t)
            truth[t.remote_id] = (t.number, [m.remote_id for m in messages])
        cursor = page.cursor
        if page.done:
            return truth


def assert_matches_server(cache_path: Path, truth: dict[str, tuple[int, list[str]]], story: list[str]) -> None:
    cache = Cache(cache_path, "check")
    try:
        with cache.connection() as conn:
            rows = conn.execute("SELECT id, remote_id, number FROM tickets WHERE deleted_at IS NULL").fetchall()
            messages = conn.execute("SELECT t.remote_id, m.remote_id FROM messages m JOIN tickets t "
                                    "ON t.id = m.ticket_id WHERE t.deleted_at IS NULL").fetchall()
    finally:
        cache.close()
    how = "\n".join(story)
    remote_ids = [r[1] for r in rows]
    numbers = [r[2] for r in rows]
    assert len(remote_ids) == len(set(remote_ids)), f"duplicate tickets:\n{how}"
    assert len(numbers) == len(set(numbers)), f"duplicate numbers {Counter(numbers).most_common(3)}:\n{how}"
    missing = set(truth) - set(remote_ids)
    extra = set(remote_ids) - set(truth)
    assert not missing and not extra, f"missing {sorted(missing)}, extra {sorted(extra)} after:\n{how}"
    assert {r[1]: r[2] for r in rows} == {rid: number for rid, (number, _) in truth.items()}
    local: dict[str, list[str]] = {}
    for ticket, message in messages:
        local.setdefault(ticket, []).append(message)
    for rid, (_, expected) in truth.items():
        got = local.get(rid, [])
        assert len(got) == len(set(got)), f"ticket {rid}: duplicate messages {got}:\n{how}"
        assert sorted(got) == sorted(expected), f"ticket {rid}: cache {sorted(got)} != server {sorted(expected)}" \
                                                f" after:\n{how}"


def kill_everywhere(kind: str, url: str, token: str, cache: Path, plan: list, rng: random.Random,
                    story: list[str], min_id: int = 0) -> None:
    """Run the plan of killed pulls (each resuming from the last), checking consistency each time."""
    for step in plan:
        if step == "random-time":  # wherever the pull is then: network, Python, SQLite
            story.append(run_pull(kind, url, token, cache, delay=rng.uniform(0.0, 0.4), min_id=min_id))
        elif step == "random-point":
            kill = {"at": rng.choice(["fetched", "thread", "applying", "committed"]), "page": rng.randint(1, 3),
                    "n": rng.randint(1, PAGE)}
            story.append(run_pull(kind, url, token, cache, kill, min_id=min_id))
        else:
            at, page, *n = step
            kill = {"at": at, "page": page, "n": n[0] if n else 0}
            story.append(run_pull(kind, url, token, cache, kill, min_id=min_id))
        assert_consistent(cache)
    story.append(run_pull(kind, url, token, cache, min_id=min_id) + " (clean pull)")


FIRST_SCAN = [("fetched", 1), ("thread", 1, 2), ("applying", 1), ("committed", 1), ("thread", 2, 3),
              ("committed", 2), ("fetched", 3), "random-point", "random-point", "random-time"]
SECOND_SCAN = [("fetched", 1), ("applying", 2), ("committed", 1), "random-point", "random-time"]
RT_FIRST_SCAN = [("fetched", 1), ("thread", 1, 2), ("applying", 1), ("committed", 1), ("thread", 2, 3),
                 "random-point", "random-time"]  # RT reads each thread: fewer, slower runs


# ==================================================================== django-helpdesk


def test_django_helpdesk_pull_killed_anywhere_resumes(django_helpdesk_server, tmp_path):  # noqa: F811
    server = django_helpdesk_server
    api = httpx.Client(base_url=server.api, headers={"Authorization": f"Token {server.token}"}, timeout=30)
    made = []
    for n in range(30):
        r = api.post("/tickets/", json={"queue": 1, "title": f"Resume {n}", "description": f"body {n}",
                                        "submitter_email": f"r{n}@example.com", "priority": 1 + n % 5})
        assert r.status_code == 201, r.text[:300]
        made.append(r.json()["id"])
        if n % 4 == 0:
            api.post("/followups/", json={"ticket": made[-1], "comment": f"first answer {n}", "public": True})
    rng = random.Random(SEED)
    cache = tmp_path / "dh.sqlite"
    story = [f"seed {SEED}"]
    kill_everywhere("django-helpdesk", server.url, server.token, cache, FIRST_SCAN, rng, story)
    assert_matches_server(cache, server_truth("django-helpdesk", server.url, server.token), story)

    # The server changes; the next scan is killed too.
    for tid in (made[0], made[13], made[-1]):
        api.post("/followups/", json={"ticket": tid, "comment": f"news on {tid}", "public": False})
    api.post("/followups/", json={"ticket": made[7], "comment": "", "public": False, "new_status": 3})
    assert api.delete(f"/tickets/{made[20]}/").status_code == 204
    for n in range(3):
        api.post("/tickets/", json={"queue": 1, "title": f"Late {n}", "description": "late",
                                    "submitter_email": "late@example.com", "priority": 3})
    story.append("-- server changed --")
    kill_everywhere("django-helpdesk", server.url, server.token, cache, SECOND_SCAN, rng, story)
    truth = server_truth("django-helpdesk", server.url, server.token)
    assert str(made[20]) not in truth
    assert_matches_server(cache, truth, story)
    print("\n".join(story))  # shown with -s, or -rP
    api.close()


# ==================================================================== Request Tracker


def settle() -> None:
    """RT's feed only takes seconds that are over on the server."""
    time.sleep(2.1)


def test_rt_pull_killed_anywhere_resumes(rt_server, tmp_path):  # noqa: F811
    server = rt_server
    api = server.client()
    # 24 tickets in one bulk request: most share one LastUpdated second, across many pages of 3.
    r = api.post("/tickets/bulk", json=[{"Queue": "General", "Subject": f"Resume {n}",
                                         "Requestor": f"r{n}@example.com", "Content": f"body {n}"}
                                        for n in range(24)])
    assert r.status_code == 201, r.text[:300]
    made = [str(row["id"]) for row in r.json()]
    # The feed covers every ticket on the server; only this test's are kept (others' threads
    # would cost a few requests each, on every run).
    scope = int(made[0])
    settle()
    rng = random.Random(SEED)
    cache = tmp_path / "rt.sqlite"
    story = [f"seed {SEED}"]
    kill_everywhere("rt", server.url, server.token, cache, RT_FIRST_SCAN, rng, story, scope)
    assert_matches_server(cache, server_truth("rt", server.url, server.token, scope), story)

    # Several tickets updated within one second, one answered, then the next scan is killed.
    r = api.put("/tickets/bulk", json=[{"id": int(n), "Subject": f"Resume {n} (edited)"} for n in made[3:21]])
    assert r.status_code == 200, r.text[:300]
    api.post(f"/ticket/{made[5]}/correspond", json={"Content": "On it.", "ContentType": "text/plain"})
    api.post(f"/ticket/{made[-1]}/comment", json={"Content": "internal", "ContentType": "text/plain"})
    api.post("/ticket", json={"Queue": "General", "Subject": "Late", "Requestor": "late@example.com",
                              "Content": "late"})
    settle()
    story.append("-- server changed --")
    kill_everywhere("rt", server.url, server.token, cache, SECOND_SCAN, rng, story, scope)
    assert_matches_server(cache, server_truth("rt", server.url, server.token, scope), story)
    print("\n".join(story))  # shown with -s, or -rP
    api.close()
