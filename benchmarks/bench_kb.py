"""Knowledge-base search figures: the sidebar's queries on the demo, a 10k-article base and 1M messages.

    python benchmarks/bench_kb.py [--workspace benchmarks/out/home-1000000/data/accounts/demo.sqlite]

Prints p50/p99 (ms) of: article search and past-answer search as typed in the sidebar, and
suggestions for a ticket, per data set. Nothing is asserted; figures depend on the machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpdesk_tui.demo.generate import DemoSpec, DemoWorkspace  # noqa: E402
from helpdesk_tui.demo.workspace_db import ensure_demo_workspace  # noqa: E402
from helpdesk_tui.domain.models import Article  # noqa: E402
from helpdesk_tui.store import kb, writer  # noqa: E402
from helpdesk_tui.store.db import open_database, transaction  # noqa: E402

QUERIES = ["password", "reset password", "dns", "dns propagation", "mx record", "spf", "ssl certificate",
           "backup", "restore backup", "refund", "invoice", "php version", "ftp", "sftp", "2fa", "cancel",
           "site down", "502", "database", "email bounce", "返金", "解約", "パスワード", "請求", "証明書",
           "fattura", "rimborso", "password dimenticata", "סיסמה", "חשבונית", "cert", "renew", "pro",
           "the", "how to", "outlook", "spam", "nameserver", "wordpress", "quota"]
# What the sidebar sends while the agent types "reset password" and "dns propagation".
TYPING = ["res", "rese", "reset", "reset p", "reset pa", "reset pass", "reset password",
          "dns", "dns p", "dns pro", "dns propa", "dns propagation"]


def stats(samples: list[float]) -> str:
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return f"p50 {statistics.median(samples):6.2f} ms  p99 {p99:6.2f} ms  (n={len(samples)})"


def timed(fn, queries, repeats=5) -> list[float]:
    out = []
    for _ in range(repeats):
        for q in queries:
            start = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - start) * 1000)
    return out


def big_kb(path: Path, n: int) -> None:
    """``n`` articles made from the demo's, varied so they are not copies."""
    base = list(DemoWorkspace(DemoSpec(now=datetime.now(UTC))).articles())
    rng = random.Random(3)
    words = " ".join(a.body for a in base).split()
    conn = open_database(path)
    batch = []
    for i in range(n):
        a = base[i % len(base)]
        extra = " ".join(rng.choice(words) for _ in range(60))
        batch.append(Article(title=f"{a.title} ({i})", body=f"{a.body}\n\n{extra}", language=a.language,
                             tags=a.tags, id=i + 1))
    with transaction(conn):
        writer.save_articles(conn, batch, fresh=True)
    conn.close()


def run(label: str, path: Path, suggest_texts: list[str]) -> None:
    conn = open_database(path)
    print(f"\n{label}")
    print(f"  article search, 40 queries      {stats(timed(lambda q: kb.search_articles(conn, q), QUERIES))}")
    print(f"  article search while typing     {stats(timed(lambda q: kb.search_articles(conn, q), TYPING))}")
    print(f"  past answers (solved, public)   {stats(timed(lambda q: kb.search_past_replies(conn, q), QUERIES))}")
    print(f"  suggestions for a ticket        {stats(timed(lambda t: kb.suggest_articles(conn, t), suggest_texts))}")
    conn.close()


def ticket_texts(path: Path, n: int = 40) -> list[str]:
    conn = open_database(path)
    rows = conn.execute(
        "SELECT t.subject || char(10) || substr(message_body(m.body), 1, 2000) FROM tickets t JOIN messages m "
        "ON m.ticket_id = t.id AND m.kind = 'customer' WHERE t.id % 97 = 0 LIMIT ?", (n,)).fetchall()
    conn.close()
    return [r[0] for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=Path, default=Path("benchmarks/out/home-1000000/data/accounts/demo.sqlite"),
                        help="a 1M-ticket demo cache (built by run_all.py); skipped when missing")
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo.sqlite"
        ensure_demo_workspace(demo, seed=7, tickets=1200, now=datetime.now(UTC))
        run("demo workspace (1,200 tickets, 110 articles)", demo, ticket_texts(demo))
        big = Path(tmp) / "kb.sqlite"
        start = time.perf_counter()
        big_kb(big, args.articles)
        print(f"\n(built {args.articles:,} articles in {time.perf_counter() - start:.1f} s)")
        run(f"{args.articles:,}-article knowledge base", big, ticket_texts(demo))
    if args.workspace.exists():
        run(f"1M-ticket workspace ({args.workspace})", args.workspace, ticket_texts(args.workspace))
    else:
        print(f"\n(no workspace at {args.workspace}: run benchmarks/run_all.py first for the 1M figures)")


if __name__ == "__main__":
    main()
