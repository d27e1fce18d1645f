"""`helpdesk-tui export`: the cache for analysts, run as a real process on the demo workspace."""

from __future__ import annotations

import csv
import json
import sqlite3

from tests.test_cli import assert_one_sentence, run


def test_export_writes_a_sqlite_file_with_the_synced_tables_and_counts_them(demo_home, tmp_path):
    target = tmp_path / "analysis.sqlite"
    out = run(demo_home, "export", str(target))
    conn = sqlite3.connect(target)
    tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert tickets > 100
    assert {"tickets", "messages", "customers", "organizations", "ratings"} <= tables
    assert not tables & {"outbox", "drafts", "sync_state", "sync_status", "meta"}
    assert f"{tickets} tickets" in out.stderr
    assert (target.stat().st_mode & 0o777) == 0o600  # it quotes customers


def test_export_as_csv_and_json_writes_one_file_per_table(demo_home, tmp_path):
    run(demo_home, "export", "--format", "csv", str(tmp_path / "csv"))
    with open(tmp_path / "csv" / "tickets.csv", newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert "subject" in header
    run(demo_home, "export", "--format", "json", str(tmp_path / "json"))
    rows = json.loads((tmp_path / "json" / "messages.json").read_text(encoding="utf-8"))
    assert rows and "body" in rows[0]


def test_export_keeps_an_existing_file_unless_overwrite(demo_home, tmp_path):
    target = tmp_path / "kept.sqlite"
    target.write_text("mine")
    line = assert_one_sentence(run(demo_home, "export", str(target), check=False), 1)
    assert "already exists" in line
    assert target.read_text() == "mine"
    run(demo_home, "export", "--overwrite", str(target))
    assert target.read_bytes().startswith(b"SQLite format 3")


def test_export_into_the_caches_folder_is_refused_and_changes_nothing(demo_home):
    accounts = demo_home / "data" / "accounts"
    before = sorted(p.name for p in accounts.iterdir())
    line = assert_one_sentence(run(demo_home, "export", "--overwrite", str(accounts / "demo.sqlite"), check=False), 1)
    assert "holds the accounts' caches" in line
    assert sorted(p.name for p in accounts.iterdir()) == before
