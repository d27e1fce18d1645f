"""A search renders the snippets of the hits it returns, not of the ones it drops.

Each body's snippet renders its markdown (store.search.readable, ~0.5 ms); up to ``limit``
hits per kind are gathered, merged, and all but ``limit`` dropped.
"""

from __future__ import annotations

from helpdesk_tui.store import search as search_module
from helpdesk_tui.store.db import open_database


def test_only_the_kept_hits_have_their_bodies_rendered(demo_db, monkeypatch):
    rendered: list[str] = []
    real = search_module.readable

    def counting(body: str, body_format: str, terms: list[str]) -> str:
        rendered.append(body)
        return real(body, body_format, terms)

    monkeypatch.setattr(search_module, "readable", counting)
    conn = open_database(demo_db)
    try:
        for query in ("password", "refund", "invoice"):
            rendered.clear()
            hits = search_module.search(conn, query, limit=5, kinds=("ticket", "message", "article"))
            assert len(hits) == 5, query
            with_body = [h for h in hits if h.kind in ("message", "article")]
            assert with_body, query
            assert all(h.snippet for h in with_body), query  # every kept hit still has its snippet
            # Before: every gathered message and article (up to 10 here) was rendered.
            assert len(rendered) == len(with_body), (query, len(rendered), len(with_body))
    finally:
        conn.close()
