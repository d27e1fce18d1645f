"""The libnotmuch side of bench_peers.py, in a process of its own.

Runs under the Python that has Debian's notmuch2 bindings (``/usr/bin/python3``; they are
built for it, not for the project's venv) and imports nothing else. It reads one JSON request
per line on stdin, ``{"query": Q, "repeats": N, "limit": 20}``, and answers one JSON line:
the wall and CPU times of N runs after one untimed run, the number of matching messages and threads, and
the first threads found. Each run is what ``notmuch search`` does for its first screen of
results: threads newest first (libnotmuch has no relevance order), and for each of the first
``limit`` its id, matched/total counts, authors, subject, newest date and tags.
"""

from __future__ import annotations

import itertools
import json
import sys
import time

import notmuch2


def first_threads(db: notmuch2.Database, query: str, limit: int) -> list[list]:
    found = db.threads(query, sort=notmuch2.Database.SORT.NEWEST_FIRST, exclude_tags=None)
    return [[t.threadid, t.matched, len(t), t.authors, t.subject, t.last, sorted(t.tags)]
            for t in itertools.islice(found, limit)]


def main() -> None:
    db = notmuch2.Database(mode=notmuch2.Database.MODE.READ_ONLY)  # NOTMUCH_CONFIG names it
    try:
        for line in sys.stdin:
            request = json.loads(line)
            query, repeats, limit = request["query"], request["repeats"], request.get("limit", 20)
            first_threads(db, query, limit)  # warm-up, untimed
            times, cpu = [], []
            for _ in range(repeats):
                started, cpu_started = time.perf_counter(), time.thread_time()
                threads = first_threads(db, query, limit)
                times.append(time.perf_counter() - started)
                cpu.append(time.thread_time() - cpu_started)
            answer = {"query": query, "times": times, "cpu": cpu, "messages": db.count_messages(query, exclude_tags=None),
                      "threads": db.count_threads(query, exclude_tags=None),
                      "first": [[t[0], t[1], t[2], t[4]] for t in threads[:3]], "hits": len(threads)}
            print(json.dumps(answer, ensure_ascii=False), flush=True)
    finally:
        db.close()


if __name__ == "__main__":
    main()
