"""The workstation with a helpdesk behind it: online and offline in the header, sync on demand."""

from __future__ import annotations

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import Capabilities, ChangePage, PushResult

from tests.ui_support import make_app, screen_text, settle

SIZE = (160, 45)


class SwitchableBackend:
    """A helpdesk that can be taken off the network."""

    name = "switchable"
    label = "Switchable helpdesk"  # the contract's class attributes: the app names the helpdesk in sentences
    capabilities = Capabilities(change_feed="cursor", idempotency=True)

    def __init__(self):
        self.online = True
        self.pushed = []

    def _check(self):
        if not self.online:
            raise errors.Unreachable("Cannot reach help.example: check the URL and your network.")

    def pull(self, cursor):
        self._check()
        return ChangePage(cursor=cursor, done=True)

    def fetch_thread(self, ticket):
        self._check()
        return []

    def push(self, item, ticket_remote_id, version):
        self._check()
        self.pushed.append(item.id)
        return PushResult(remote_id=f"r-{len(self.pushed)}")

    def find_delivered(self, item, ticket_remote_id):
        return None


def live_app(demo_db, tmp_path, backend):
    app = make_app(demo_db, tmp_path, backend=backend)
    app.options.sync_interval = 3600  # background sync on; the test asks for syncs itself
    return app


async def test_header_shows_online_then_offline_and_the_queue_drains_when_back(demo_db, tmp_path):
    backend = SwitchableBackend()
    app = live_app(demo_db, tmp_path, backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "● online" in screen_text(app).splitlines()[0]
        backend.online = False
        await pilot.press("f5")
        await settle(pilot, app)
        top = screen_text(app).splitlines()[0]
        assert "○ offline" in top
        await pilot.press("enter", "n", *"checked the logs")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert "↑1 queued" in screen_text(app).splitlines()[0]
        assert backend.pushed == []
        backend.online = True
        await pilot.press("f5")
        await settle(pilot, app)
        top = screen_text(app).splitlines()[0]
        assert "● online" in top and "queued" not in top
        assert len(backend.pushed) == 1


class KbBackend(SwitchableBackend):
    """A helpdesk with a knowledge base that gains an article between two syncs."""

    capabilities = Capabilities(change_feed="cursor", idempotency=True, kb=True)

    def __init__(self):
        super().__init__()
        self.articles = []

    def pull_articles(self, cursor):
        return list(self.articles), "kb-1", True


async def test_articles_synced_while_the_sidebar_is_open_show_at_once(demo_db, tmp_path):
    from datetime import UTC, datetime

    from helpdesk_tui.domain.remote import RemoteArticle
    from helpdesk_tui.ui.widgets.kb_sidebar import KbSidebar

    backend = KbBackend()
    app = live_app(demo_db, tmp_path, backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+g", *"quasar")
        await settle(pilot, app)
        sidebar = app.query_one(KbSidebar)
        assert sidebar.hits == []
        backend.articles = [RemoteArticle("a-1", "Quasar flux: resetting the capacitor", "Hold the button.",
                                          updated_at=datetime(2026, 11, 20, tzinfo=UTC))]
        await pilot.press("f5")
        await settle(pilot, app)
        assert [h.title for h in sidebar.hits] == ["Quasar flux: resetting the capacitor"]
