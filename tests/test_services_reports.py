"""services.reports and services.ratings over a copy of the demo workspace; the reports layer's
one CSV guard and the one atomic write."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest

from helpdesk_tui.atomic_file import write_atomic
from helpdesk_tui.csv_cells import spreadsheet_text
from helpdesk_tui.services import ratings, reports
from helpdesk_tui.services.errors import InvalidRequest, NotFound, ServiceError
from helpdesk_tui.services.workspace import Workspace
from tests.conftest import DEMO_NOW


@pytest.fixture
def workspace(demo_home) -> Workspace:
    return Workspace.load(str(demo_home), None)


@pytest.fixture
def cache(workspace):
    with workspace.cache() as cache:
        yield cache


@pytest.mark.parametrize("since, words", [
    ("3x", "'3x' is not a window"),
    ("2099-01-01", "is in the future"),
    ("400d", "'400d' is more than a year: give a window of at most 366 days."),
])
def test_a_kpi_window_that_cannot_be_read_is_an_invalid_request(since, words):
    with pytest.raises(InvalidRequest, match=words) as caught:
        reports.kpi_window(since, DEMO_NOW)
    assert caught.value.status == 2


def test_the_kpi_report_covers_the_window_asked(cache):
    window = reports.kpi_window("7d", DEMO_NOW)
    assert window.end - window.start == timedelta(days=7)
    report = reports.kpi_report(cache, window)
    assert report.window == window and report.total.created > 0


def test_a_kpi_report_stops_when_its_worker_is_cancelled(cache):
    class Cancelled(Exception):
        pass

    def pause() -> None:
        raise Cancelled

    with pytest.raises(Cancelled):  # the whole demo: more rows than one pause apart
        reports.kpi_report(cache, reports.kpi_window("2026-01-01", DEMO_NOW), pause=pause)


@pytest.mark.parametrize("hours", [0, 24 * 14 + 1])
def test_a_handover_looks_ahead_between_an_hour_and_two_weeks(cache, hours):
    with pytest.raises(InvalidRequest, match=r"^--hours must be between 1 and 336 \(two weeks\)\.$"):
        reports.handover(cache, agent="Dana", hours=hours, now=DEMO_NOW)


def test_a_handover_is_markdown_for_the_account(cache):
    text = reports.handover(cache, agent="Dana", hours=24, now=DEMO_NOW)
    assert text.startswith("# Handover: demo\n") and "## At risk" in text


def test_insights_start_reads_the_window_and_names_the_option_when_it_cannot(cache):
    assert reports.insights_start("30d", DEMO_NOW) == DEMO_NOW - timedelta(days=30)
    with pytest.raises(InvalidRequest, match="^--since "):
        reports.insights_start("soon", DEMO_NOW)
    text = reports.insights(cache, start=DEMO_NOW - timedelta(days=30), fmt="csv", now=DEMO_NOW)
    assert text.startswith("tag,ticket,subject,")


def test_a_rating_is_recorded_on_the_ticket_and_a_wrong_one_is_refused(cache):
    ticket = ratings.rate_ticket(cache, "#10005", "good", DEMO_NOW, comment="Quick!")
    assert ticket.number == 10005
    assert [(r.score, r.comment) for r in cache.ticket_ratings(ticket.id)][-1] == ("good", "Quick!")
    with pytest.raises(InvalidRequest, match="'meh' is not a rating: use good or bad."):
        ratings.rate_ticket(cache, "10005", "meh", DEMO_NOW)
    with pytest.raises(NotFound, match="^No ticket 99999 in the 'demo' cache"):
        ratings.rate_ticket(cache, "99999", "bad", DEMO_NOW)


def test_a_report_file_is_written_whole_and_private(tmp_path, workspace):
    target = reports.write_report("# Report\n", str(tmp_path / "out.md"), workspace.locations.accounts_dir)
    assert target.read_text() == "# Report\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left


def test_a_report_is_never_written_over_a_cache_or_a_directory(tmp_path, workspace):
    caches = workspace.locations.accounts_dir
    with pytest.raises(ServiceError, match="that folder holds the accounts' caches"):
        reports.write_report("x", str(caches / "demo.sqlite"), caches)
    with pytest.raises(ServiceError, match="it is a directory; give a file name"):
        reports.write_report("x", str(tmp_path), caches)
    with pytest.raises(ServiceError, match=r"^Cannot write .*/missing/out.md: No such file or directory\.$"):
        reports.write_report("x", str(tmp_path / "missing" / "out.md"), caches)


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_is_kept_text(text):
    assert spreadsheet_text(text) == "'" + text


def test_ordinary_cells_are_left_alone():
    assert spreadsheet_text("Site down - again") == "Site down - again"
    assert spreadsheet_text("") == ""


def test_an_atomic_write_refused_by_its_check_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("old\n")

    def refuse(temp):
        assert temp.read_text() == "new\n" and temp.parent == tmp_path
        raise ValueError("no")

    with pytest.raises(ValueError):
        write_atomic(path, "new\n", check=refuse)
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["settings.toml"]
    write_atomic(path, "new\r\n", mode=0o640)
    assert path.read_bytes() == b"new\r\n" and stat.S_IMODE(path.stat().st_mode) == 0o640
