"""The [sla] settings, and the cache keeping every ticket's clocks in step with the policy."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import DEMO_NOW
from helpdesk_tui.config.settings import ConfigError, load_settings
from helpdesk_tui.domain.reply import ReplyPlan
from helpdesk_tui.domain.remote import ChangePage, RemoteTicket
from helpdesk_tui.domain.sla_policy import DEFAULT_POLICY, SlaPolicy, SlaTargets
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.store import outbox, sla_refresh, sync_apply, tickets
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.store.inbox import InboxQuery, ordered_ids

M = timedelta(minutes=1)
H = timedelta(hours=1)


def settings_from(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_settings(path, env={})


def test_sla_section_sets_targets_per_priority_and_business_hours(tmp_path):
    settings = settings_from(tmp_path, """
        [sla]
        business_hours = "8:30-17:30"
        business_days = ["mon", "tue", "wed", "thu", "friday"]
        timezone = "Europe/Rome"
        holidays = ["2026-12-25"]
        checkpoint_warning_minutes = 20

        [sla.urgent]
        acknowledge = "5m"
        first_update = "15m"
        update_interval = "30m"
        resolution = "4h"

        [sla.low]
        update_interval = "off"
    """)
    policy = settings.sla.policy
    assert policy.for_priority("urgent") == SlaTargets(5 * M, 15 * M, 30 * M, 4 * H)
    assert policy.for_priority("low").update_interval is None
    assert policy.for_priority("normal") == DEFAULT_POLICY.for_priority("normal")
    assert policy.hours.start == time(8, 30) and policy.hours.end == time(17, 30)
    assert policy.hours.weekdays == frozenset(range(5)) and policy.hours.tz == ZoneInfo("Europe/Rome")
    assert policy.hours.holidays == frozenset({date(2026, 12, 25)})
    assert settings.sla.checkpoint_warning_minutes == 20


def test_without_an_sla_section_the_defaults_apply(tmp_path):
    settings = settings_from(tmp_path, "[agent]\nname = 'Aiko'\n")
    assert settings.sla.policy == DEFAULT_POLICY and settings.sla.policy.hours is None
    assert DEFAULT_POLICY.for_priority("high").acknowledge == 10 * M
    assert DEFAULT_POLICY.for_priority("high").first_update == 20 * M


@pytest.mark.parametrize("text, words", [
    ('[sla.urgent]\nacknowledge = "soon"', "sla.urgent.acknowledge"),
    ('[sla.urgent]\nacknowledge = 10', "sla.urgent.acknowledge must be a string"),
    ('[sla]\nbusiness_hours = "17:00-09:00"', "business_hours"),
    ('[sla]\nbusiness_hours = "9-5"', "business_hours"),
    ('[sla]\nbusiness_hours = "09:00-17:00"\nbusiness_days = ["someday"]', "business_days"),
    ('[sla]\nbusiness_hours = "09:00-17:00"\nholidays = ["25/12/2026"]', "holidays"),
    ('[sla]\nbusiness_hours = "09:00-17:00"\ntimezone = "Mars/Olympus"', "timezone"),
    ('[sla]\nholidays = ["2026-12-25"]', "needs sla.business_hours"),
    ('[sla]\ncheckpoint_warning_minutes = -1', "checkpoint_warning_minutes"),
])
def test_sla_mistakes_are_one_sentence_naming_the_setting(tmp_path, text, words):
    with pytest.raises(ConfigError) as info:
        settings_from(tmp_path, text)
    message = str(info.value)
    assert words in message and message.endswith(".") and "\n" not in message


def test_unknown_sla_keys_are_warned_about(tmp_path):
    settings = settings_from(tmp_path, '[sla]\nfoo = 1\n[sla.high]\nbar = "1h"\n')
    assert any("sla.foo" in w for w in settings.warnings) and any("sla.high.bar" in w for w in settings.warnings)


def _copy(demo_db, tmp_path):
    path = tmp_path / "cache.sqlite"
    shutil.copy(demo_db, path)
    return path


def test_the_demo_cache_is_built_under_the_default_policy(demo_db):
    conn = open_database(demo_db)
    assert sla_refresh.current_policy(conn) == DEFAULT_POLICY
    assert not sla_refresh.needs_install(conn, DEFAULT_POLICY)
    # Every ticket is judged by the policy, not by the generator's own targets.
    assert conn.execute("SELECT count(*) FROM tickets WHERE first_update_due_at IS NOT NULL").fetchone()[0] > 1000
    conn.close()


def test_a_changed_policy_recomputes_every_ticket_and_the_inbox_order(demo_db, tmp_path):
    path = _copy(demo_db, tmp_path)
    cache = Cache(path, "demo")
    with cache.connection() as conn:
        before = list(ordered_ids(conn, InboxQuery()))
        total = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    targets = {p: SlaTargets(timedelta(days=30), timedelta(days=30), None, timedelta(days=60)) for p in Priority}
    relaxed = SlaPolicy(targets)
    seen = []
    assert cache.ensure_sla_policy(relaxed, lambda done, of: seen.append((done, of))) == total
    assert seen[-1] == (total, total)
    assert cache.ensure_sla_policy(relaxed) == 0  # once is enough
    with cache.connection() as conn:
        after = list(ordered_ids(conn, InboxQuery()))
        row = conn.execute("SELECT created_at, first_response_due_at FROM tickets WHERE status = 'new' "
                           "AND first_response_at IS NULL LIMIT 1").fetchone()
        assert row[1] - row[0] >= 30 * 86400  # 30 days, more where the ticket waited
        assert sla_refresh.current_policy(conn) == relaxed
    assert sorted(before) == sorted(after) and before != after
    cache.close()


def test_an_interrupted_recompute_is_finished_on_the_next_start(demo_db, tmp_path, monkeypatch):
    path = _copy(demo_db, tmp_path)
    conn = open_database(path)
    relaxed = SlaPolicy({p: SlaTargets(H, 2 * H, None, 9 * H) for p in Priority})
    calls = []

    def fail_on_second(done, total):
        calls.append(done)
        if len(calls) == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sla_refresh.install_policy(conn, relaxed, fail_on_second)
    assert sla_refresh.needs_install(conn, relaxed)  # the old policy is still the recorded one
    sla_refresh.install_policy(conn, relaxed)
    assert not sla_refresh.needs_install(conn, relaxed)
    late = conn.execute("SELECT count(*) FROM tickets WHERE first_response_due_at - created_at < 3600 "
                        "AND sla_source <> 'helpdesk'").fetchone()[0]
    assert late == 0
    conn.close()


def test_a_reply_recomputes_the_clocks_at_once(demo_db, tmp_path):
    path = _copy(demo_db, tmp_path)
    conn = open_database(path)
    tid = conn.execute("SELECT id FROM tickets WHERE status = 'open' AND first_response_at IS NULL "
                       "AND first_update_at IS NULL LIMIT 1").fetchone()[0]
    now = DEMO_NOW + M
    with transaction(conn):
        outbox.queue_reply(conn, ReplyPlan(tid, MessageKind.PUBLIC_REPLY, "Looking into it.", "me",
                                           next_checkpoint=now + H), now)
    first, update, kind = conn.execute("SELECT first_response_at, first_update_at, sla_kind FROM tickets "
                                       "WHERE id = ?", (tid,)).fetchone()
    assert first == int(now.timestamp()) and update is None  # an acknowledgement, not yet an update
    with transaction(conn):
        outbox.queue_reply(conn, ReplyPlan(tid, MessageKind.PUBLIC_REPLY, "Found it: the DNS record.", "me"),
                           now + 5 * M)
    update, due_kind = conn.execute("SELECT first_update_at, sla_kind FROM tickets WHERE id = ?", (tid,)).fetchone()
    assert update == int((now + 5 * M).timestamp())
    assert due_kind in ("update", "resolution")  # the regular-update interval or resolution now
    conn.close()


def _remote(number, **kw) -> RemoteTicket:
    fields = {"status": Status.OPEN, "priority": Priority.HIGH, "created_at": DEMO_NOW - H,
              "updated_at": DEMO_NOW - H, **kw}
    return RemoteTicket(remote_id=str(number), number=number, subject=f"ticket {number}", **fields)


def test_synced_tickets_follow_the_policy_unless_the_helpdesk_supplies_due_times(tmp_path):
    conn = open_database(tmp_path / "c.sqlite")
    page = ChangePage(tickets=[
        _remote(1),
        _remote(2, first_response_due_at=DEMO_NOW + 3 * H, resolution_due_at=DEMO_NOW + 9 * H),
    ], cursor="c1")
    with transaction(conn):
        sync_apply.apply_page(conn, page, {}, stream="tickets", now=DEMO_NOW, server_sla=True)
    rows = dict(conn.execute("SELECT number, first_response_due_at - created_at FROM tickets"))
    assert rows[1] == 600  # the policy's 10 minutes
    assert rows[2] == int((4 * H).total_seconds())  # the helpdesk's own due time
    sources = {number: getattr(tickets.get_ticket(conn, tid), "sla_source", None)
               for number, tid in conn.execute("SELECT number, id FROM tickets")}
    assert sources == {1: "policy", 2: "helpdesk"}
    # A page that puts the ticket on hold stops its clocks: nothing is shown as running.
    later = ChangePage(tickets=[_remote(1, updated_at=DEMO_NOW, status=Status.ON_HOLD)], cursor="c2")
    with transaction(conn):
        sync_apply.apply_page(conn, later, {}, stream="tickets", now=DEMO_NOW, server_sla=True)
    due, resolution, kind = conn.execute("SELECT first_response_due_at, resolution_due_at, sla_kind FROM tickets "
                                         "WHERE number = 1").fetchone()
    assert due == int((DEMO_NOW - 50 * M).timestamp())  # it was due (and missed) before the hold began
    assert resolution is None and kind is None  # the resolution clock stands still on hold
    conn.close()


def test_the_cli_applies_a_changed_policy_before_listing(demo_db, tmp_path):
    home = tmp_path / "home"
    env_home = {"HELPDESK_TUI_HOME": str(home), "TZ": "UTC", "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "helpdesk_tui", "locate", "account-db"]
    cache_path = subprocess.run(run, env=env_home, capture_output=True, text=True, check=True).stdout.strip()
    from pathlib import Path

    Path(cache_path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_db, cache_path)
    (home / "config").mkdir(parents=True, exist_ok=True)
    config = subprocess.run([sys.executable, "-m", "helpdesk_tui", "locate", "config"], env=env_home,
                            capture_output=True, text=True, check=True).stdout.strip()
    Path(config).write_text('[sla.normal]\nacknowledge = "3d"\n[sla.low]\nacknowledge = "3d"\n'
                            '[sla.high]\nacknowledge = "3d"\n[sla.urgent]\nacknowledge = "3d"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "helpdesk_tui", "list", "--limit", "3"], env=env_home,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    conn = open_database(Path(cache_path))
    gap = conn.execute("SELECT min(first_response_due_at - created_at) FROM tickets "
                       "WHERE sla_source <> 'helpdesk'").fetchone()[0]
    assert gap >= 3 * 86400
    conn.close()
