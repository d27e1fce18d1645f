"""run_all.py's table reads every benchmark's JSON as those scripts write it: a figure for each
target of the performance issue with its verdict, "not measured" for a part that has no JSON,
and never a line over 100 columns."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from figure_table import format_table  # noqa: E402
from run_all import table  # noqa: E402

MILLION = 1_000_000


def ms(p50: float, p99: float, n: int = 5) -> dict:
    return {"n": n, "p50": p50, "p99": p99, "max": p99}


FIGURES = {
    "facts": {"tickets": MILLION, "messages": 1_385_528, "bytes": 1_700_000_000},
    "build": {"seconds": 139.2, "reused": False},
    "pty": {"launch": [0.796, 0.773, 1.038], "ids_loaded": [1.2], "counts_shown": [1.5],
            "keys": {"pagedown": {**ms(13.8, 38.0, 66), "bytes_per_key": 9000},
                     "j/k on screen": {**ms(3.8, 9.0, 120), "bytes_per_key": 800}},
            "memory_kb": {"VmHWM": 154 * 1024, "VmRSS": 140 * 1024}},
    "store": {"filters": [{"filter": "status:open", "first_page": ms(0.1, 0.1), "all_ids": ms(9.3, 14.7)},
                          {"filter": "priority:high assignee:me", "first_page": ms(109, 330),
                           "all_ids": ms(400, 512)}],
              "search": {"queries": [{"query": "the", **ms(30.7, 40.7)}, {"query": "返金", **ms(3.0, 4.0)}],
                         "overall": ms(5.0, 40.7, 10)}},
    "sla": {"tickets": MILLION, "install_seconds": 76.0, "install_tickets_per_second": 13158,
            "one_ticket_ms": {"p50": 0.4, "p99": 1.1}},
    "kpis": [{"days": 7, "median_seconds": 1.4, "peak_rss_mb": 90}, {"days": 90, "median_seconds": 7.6,
                                                                       "peak_rss_mb": 120}],
    "cli": {"tickets": 100_000, "commands": {"search": {**ms(232, 250, 20), "argv": []},
                                             "list": {**ms(40, 45, 20), "argv": []}},
            "bare_python": {"p50": 12.0}},
    "sync": {"zendesk": {"tickets": 100_000, "raw_rate": 31_000.0, "sync_rate": 4226.0,
                         "sync": {"vm_hwm_kb": 140 * 1024}}},
    "peers": {"tickets": 100_000, "taken": "2026-12-07 17:00:00", "code": "abc", "load_at_start": "1.00",
              "search_in_process": {"ours": ms(5.0, 11.5, 260), "notmuch": ms(1.9, 5.2, 260)},
              "search_command": {"ours": ms(232, 260, 156), "notmuch": ms(13, 20, 156)}},
}


def rows_by_name(rows) -> dict[str, tuple[str, ...]]:
    return {r[0]: r for r in rows}


def test_every_target_is_shown_with_its_verdict():
    rows = rows_by_name(table(FIGURES, MILLION))
    expected = {
        "cache size (database + WAL)": "MISSED",
        "launch → first inbox frame (median)": "MISSED",
        "page-down key → frame": "MISSED",
        "peak RSS of the app (VmHWM)": "MISSED",
        "typed filters (2), first page of 200": "MISSED",
        "typed filters, all ids": "MISSED",
        "search in-process (Cache.search, limit 20)": "MISSED",
        "search in-process ÷ libnotmuch, p99 (100k, peers run)": "MISSED",
        "search as a whole command (100k, peers run)": "MISSED",
        "`search` as a whole command": "(MISSED)",  # measured at 100k, this run is 1M
        "`list` as a whole command": "(ok)",
        "KPIs (stats, dashboard) per window": "MISSED",
        "SLA policy change (every ticket recomputed)": "MISSED",
        "sync, Zendesk fake export (100,000 tickets)": "MISSED",
        "sync ÷ raw paging of the same feed": "MISSED",
        "sync, peak RSS of the syncing process": "ok",
    }
    for name, word in expected.items():
        assert rows[name][3] == word, (name, rows[name])
    assert "priority:high assignee:me" in rows["typed filters (2), first page of 200"][1]
    assert rows["`show` as a whole command"][1] == "not measured"


def test_a_part_without_json_says_not_measured_and_the_table_fits_100_columns():
    bare = {"facts": FIGURES["facts"], "build": FIGURES["build"]}
    rows = table(bare, 20_000)
    text = "\n".join(format_table(rows))
    assert text.count("not measured") >= 6
    assert max(len(line) for line in format_table(table(FIGURES, MILLION))) <= 100
    assert max(len(line) for line in text.splitlines()) <= 100
