"""Knowledge-base sync: the helpdesk's articles land in the cache, are found by the KB search,
follow edits and deletions incrementally, and a sync killed between pages resumes.

Against the fake Zendesk over real HTTP (Help Center incremental article export, 2 articles a
page here) and a real Request Tracker 5 (Articles through REST2, see server_rt.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpdesk_tui.store import kb, sync_apply, sync_kb
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.sync.backends import rt
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.backends.zendesk import ZendeskBackend
from helpdesk_tui.sync.engine import SyncEngine
from helpdesk_tui.sync.http import RetryPolicy
from tests.conftest import DEMO_NOW
from tests.fakes.zendesk import FakeZendesk
from tests.server_rt import rt_server  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
EXPORT = r"help_center/incremental/articles"
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf")


@pytest.fixture
def fake():
    with FakeZendesk(article_page_size=2) as server:
        yield server


def zendesk(fake: FakeZendesk) -> ZendeskBackend:
    account = AccountSettings(name="zd", url=fake.url, user=fake.email, token=fake.token)
    client = ZendeskBackend.make_client(account, policy=RetryPolicy(attempts=2, timeout=5), sleep=lambda s: None)
    return ZendeskBackend(account, client)


@pytest.fixture
def cache(tmp_path):
    cache = Cache(tmp_path / "zd.sqlite", "zd")
    yield cache
    cache.close()


def stored(cache: Cache) -> dict[str, tuple]:
    """remote id → (local id, title, body, language, tags, url)."""
    with cache.connection() as conn:
        return {r[0]: (r[1], r[2], r[3], r[4], tuple(json.loads(r[5])), r[6]) for r in conn.execute(
            "SELECT remote_id, id, title, body, language, tags, url FROM kb_articles")}


def found(cache: Cache, query: str) -> list[str]:
    with cache.connection() as conn:
        return [hit.title for hit in kb.search_articles(conn, query)]


def counts(result: sync_kb.KbApplyResult) -> tuple[int, int, int]:
    return result.new, result.updated, result.removed


def article_cursor(cache: Cache) -> str | None:
    with cache.connection() as conn:
        return sync_apply.cursor(conn, sync_kb.ARTICLES)


# --- Zendesk Help Center ------------------------------------------------------------------------

def test_zendesk_html_and_japanese_articles_are_stored_as_clean_text_and_found(fake, cache):
    reset = fake.add_article(
        "Reset your password",
        '<h2>Steps</h2><p>Open <b>Settings</b>, then <a href="https://help.example/sec">Security</a>.</p>'
        "<script>stealCookies()</script><p>Done \x1b]0;owned\x07here.</p>", labels=("account", "password"))
    login = fake.add_article("ログインできない", "<p>パスワードを再設定してください。</p>", locale="ja")
    fake.add_article("Unfinished", "<p>a draft nobody should see</p>", draft=True)

    report = SyncEngine(cache, zendesk(fake), lambda: DEMO_NOW).sync()

    assert report.problem is None and counts(report.articles) == (2, 0, 0)
    rows = stored(cache)
    assert set(rows) == {str(reset), str(login)}
    _, title, body, language, tags, url = rows[str(reset)]
    assert (title, language, tags) == ("Reset your password", "en", ("account", "password"))
    assert url == f"{fake.url}/hc/en-us/articles/{reset}"
    assert body == "Steps\n\nOpen Settings, then Security (https://help.example/sec).\n\nDone here."
    assert rows[str(login)][1:4] == ("ログインできない", "パスワードを再設定してください。", "ja")
    assert found(cache, "settings") == ["Reset your password"]
    assert found(cache, "パスワード") == found(cache, "再設定") == ["ログインできない"]
    assert found(cache, "draft") == [] and found(cache, "stealCookies") == []


def test_zendesk_edits_update_in_place_drafts_leave_and_later_syncs_are_incremental(fake, cache):
    ids = [fake.add_article(f"Guide {word}", f"<p>How to {word} the printer.</p>") for word in WORDS[:3]]
    engine = SyncEngine(cache, zendesk(fake), lambda: DEMO_NOW)
    assert counts(engine.sync().articles) == (3, 0, 0)
    local_ids = {remote: row[0] for remote, row in stored(cache).items()}
    cursor = article_cursor(cache)
    first_requests = len(fake.requests_to(EXPORT))

    fake.update_article(ids[0], title="Guide alpha (new portal)", body="<p>Use the new portal.</p>")
    report = engine.sync()

    assert counts(report.articles) == (0, 1, 0)
    again = fake.requests_to(EXPORT)[first_requests:]
    assert [r.query["start_time"] for r in again] == [cursor]  # one request, after the saved cursor
    rows = stored(cache)
    assert {remote: row[0] for remote, row in rows.items()} == local_ids  # local ids are stable
    assert rows[str(ids[0])][1:3] == ("Guide alpha (new portal)", "Use the new portal.")
    assert found(cache, "portal") == ["Guide alpha (new portal)"]
    assert found(cache, "alpha printer") == []  # the old text left the index with the old row

    fake.update_article(ids[1], draft=True)  # unpublished: it leaves the cache
    assert counts(engine.sync().articles) == (0, 0, 1)
    assert set(stored(cache)) == {str(ids[0]), str(ids[2])}
    assert found(cache, "bravo") == [] and found(cache, "charlie") == ["Guide charlie"]

    assert counts(engine.sync().articles) == (0, 0, 0)  # nothing changed: nothing comes


def test_an_article_page_is_written_with_its_cursor_or_not_at_all(fake, cache, monkeypatch):
    for word in WORDS[:3]:
        fake.add_article(f"Guide {word}", f"<p>{word}</p>")
    engine = SyncEngine(cache, zendesk(fake), lambda: DEMO_NOW)
    real_save = sync_kb.save_cursor

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sync_kb, "save_cursor", crash)
    with pytest.raises(OSError):
        engine.pull_articles()
    assert stored(cache) == {} and article_cursor(cache) is None and found(cache, "alpha") == []

    monkeypatch.setattr(sync_kb, "save_cursor", real_save)
    assert counts(engine.pull_articles().articles) == (3, 0, 0)
    assert sorted(row[1] for row in stored(cache).values()) == [f"Guide {w}" for w in WORDS[:3]]


def _pull_worker(config_json: str) -> None:
    """In a subprocess: pull articles and SIGKILL this process at the page and point ``config`` names."""
    import signal

    from helpdesk_tui.store import sync_kb as store

    config = json.loads(config_json)
    account = AccountSettings(name="zd", url=config["url"], user=config["user"], token=config["token"])
    backend = ZendeskBackend(account, ZendeskBackend.make_client(account, policy=RetryPolicy(timeout=5)))
    cache = Cache(config["db"], "zd")
    pages = {"written": 0}
    real_save = store.save_cursor

    def save_cursor(*args, **kwargs):  # inside the page's transaction, the articles already written
        pages["written"] += 1
        if config["at"] == "applying" and pages["written"] == config["page"]:
            os.kill(os.getpid(), signal.SIGKILL)
        real_save(*args, **kwargs)

    def progress(state):  # after the page's COMMIT
        if config["at"] == "committed" and state.article_pages == config["page"]:
            os.kill(os.getpid(), signal.SIGKILL)

    store.save_cursor = save_cursor
    SyncEngine(cache, backend, lambda: DEMO_NOW).pull_articles(progress)


@pytest.mark.parametrize("at, page, kept", [("committed", 2, 4), ("applying", 2, 2), ("applying", 1, 0)])
def test_a_sync_killed_between_article_pages_resumes_without_duplicates(fake, tmp_path, at, page, kept):
    ids = [fake.add_article(f"Guide {word}", f"<p>How to {word}.</p>") for word in WORDS]  # 4 pages of 2
    db = tmp_path / "zd.sqlite"
    config = {"url": fake.url, "user": fake.email, "token": fake.token, "db": str(db), "at": at, "page": page}
    code = f"import sys; from tests.test_sync_kb import _pull_worker; _pull_worker({json.dumps(config)!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, done.stderr[-2000:]

    cache = Cache(db, "zd")
    try:
        with cache.connection() as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert sorted(stored(cache)) == sorted(str(i) for i in ids[:kept])  # whole pages, nothing more
        saved = article_cursor(cache)
        before = len(fake.requests_to(EXPORT))

        report = SyncEngine(cache, zendesk(fake), lambda: DEMO_NOW).pull_articles()

        resumed = fake.requests_to(EXPORT)[before:]
        assert resumed[0].query["start_time"] == (saved or "0")  # on from the last page written
        assert counts(report.articles) == (len(WORDS) - kept, 0, 0)
        assert sorted(stored(cache)) == sorted(str(i) for i in ids)
        with cache.connection() as conn:
            hits = kb.search_articles(conn, "guide", limit=50)
        assert len(hits) == len(WORDS) == len({h.article_id for h in hits})  # each indexed once
        assert all(found(cache, word) == [f"Guide {word}"] for word in WORDS)
    finally:
        cache.close()


def test_a_failing_knowledge_base_costs_neither_the_tickets_nor_the_templates(fake, cache):
    aiko = fake.add_user("Aiko Tanaka", email="aiko@example.com")
    fake.add_ticket("Printer offline", requester_id=aiko)
    fake.add_article("Printers", "<p>Turn it off and on.</p>")
    fake.add_macro("Greeting", "Hi {{ticket.requester.first_name}},")
    fake.fail(403, path=EXPORT)

    report = SyncEngine(cache, zendesk(fake), lambda: DEMO_NOW).sync()

    assert report.new == 1
    with cache.connection() as conn:
        assert conn.execute("SELECT subject FROM tickets").fetchall() == [("Printer offline",)]
    assert report.online and report.problem == (
        "The tickets are up to date, but the articles were not synced: 127.0.0.1 says this account may not "
        "do that (403): ask an admin for access.")
    assert stored(cache) == {} and article_cursor(cache) is None
    assert [t.name for t in cache.synced_templates()] == ["Greeting"]


def test_a_zendesk_without_help_center_is_a_note_not_a_problem(fake, cache):
    fake.fail(404, path=EXPORT)
    report = SyncEngine(cache, zendesk(fake), lambda: DEMO_NOW).sync()
    assert report.problem is None
    assert report.notes == ["127.0.0.1 has no Help Center (404): turn on Guide to sync its articles."]


def test_sync_command_prints_article_and_template_counts(fake, tmp_path):
    fake.add_article("Printers", "<p>Turn it off and on.</p>")
    fake.add_article("VPN", "<p>Reconnect.</p>")
    fake.add_macro("Greeting", "Hi {{ticket.requester.first_name}},")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
    env.update({"HELPDESK_TUI_HOME": str(tmp_path / "home"), "HD_TOKEN": fake.token,
                "PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
                "HD_TEST_KEYRING_FILE": str(tmp_path / "ring.json"),
                "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])})

    def run(*args):
        return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                              env=env, timeout=120, cwd=ROOT, stdin=subprocess.DEVNULL)

    added = run("account", "add", "zd", "--backend", "zendesk", "--url", fake.url, "--user", fake.email,
                "--token-env", "HD_TOKEN")
    assert added.returncode == 0, added.stderr
    first = run("sync", "--account", "zd")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1] == ("zd: articles 2 new, 0 updated, 0 removed; "
                                             "templates 1 new, 0 updated, 0 removed.")
    again = run("sync", "--account", "zd")
    assert again.stdout.splitlines()[-1] == ("zd: articles 0 new, 0 updated, 0 removed; "
                                             "templates 0 new, 0 updated, 0 removed.")


# --- Request Tracker Articles ------------------------------------------------------------------

def settle() -> None:
    """RT's feeds only take seconds that are over on the server."""
    time.sleep(2.1)


def test_rt_articles_land_in_the_cache_follow_edits_and_deletions_incrementally(rt_server, tmp_path):  # noqa: F811
    api = rt_server.client()

    def article(name: str, content: str) -> str:
        r = api.post("/article", json={"Class": "General", "Name": name, "CustomFields": {"Content": content}})
        assert r.status_code == 201, r.text[:300]
        return str(r.json()["id"])

    vpn = article("Reconnect the VPN client", "Quit the client, then start it again.")
    jam = article("Printer jam", "<p>Open the <b>rear</b> door and pull the sheet.</p>")
    cert = article("VPNに接続できない", "証明書を更新してください。")
    settle()
    account = AccountSettings(name="rt", url=rt_server.url, user=None, token=rt_server.token)
    backend = rt.RequestTrackerBackend(account, rt.make_client(account, policy=RetryPolicy(attempts=2, timeout=20)),
                                       per_page=2)  # several pages
    cache = Cache(tmp_path / "rt.sqlite", "rt")
    engine = SyncEngine(cache, backend, lambda: DEMO_NOW)
    try:
        report = engine.pull_articles()
        assert report.pulled.article_pages >= 2
        rows = stored(cache)
        assert {vpn, jam, cert} <= set(rows)
        assert rows[vpn][1:3] == ("Reconnect the VPN client", "Quit the client, then start it again.")
        assert rows[vpn][4:] == (("General",), f"{rt_server.url}/Articles/Article/Display.html?id={vpn}")
        assert rows[jam][2] == "Open the rear door and pull the sheet."  # an HTML body becomes text
        assert rows[cert][2] == "証明書を更新してください。"
        assert found(cache, "reconnect vpn") == ["Reconnect the VPN client"]
        assert found(cache, "証明書") == ["VPNに接続できない"]
        assert found(cache, "rear door") == ["Printer jam"]
        local_vpn = rows[vpn][0]

        r = api.put(f"/article/{vpn}", json={"CustomFields": {"Content": "Reinstall the client from the portal."}})
        assert r.status_code == 200, r.text[:300]
        assert api.delete(f"/article/{jam}").status_code == 204  # RT disables it
        settle()
        again = engine.pull_articles()

        assert counts(again.articles) == (0, 1, 1)  # only what changed came back
        rows = stored(cache)
        assert jam not in rows and rows[vpn][0] == local_vpn
        assert rows[vpn][2] == "Reinstall the client from the portal."
        assert found(cache, "reinstall portal") == ["Reconnect the VPN client"]
        assert found(cache, "quit client") == [] and found(cache, "rear door") == []
        assert counts(engine.pull_articles().articles) == (0, 0, 0)
    finally:
        cache.close()
        api.close()
