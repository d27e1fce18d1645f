"""A background worker that fails says one sentence to the agent and logs its traceback."""

from __future__ import annotations

import logging

from tests.ui_support import make_app, settle


async def test_a_failing_worker_shows_one_sentence_and_logs_the_traceback(demo_db, tmp_path, caplog, monkeypatch):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)

        def disk_on_fire(*args, **kwargs):  # a fault injected into the cache the worker reads
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(app.cache, "inbox_count", disk_on_fire)
        with caplog.at_level(logging.ERROR, logger="helpdesk_tui.ui.worker_errors"):
            await pilot.press("6")  # another view: its counts load in a worker
            await settle(pilot, app)
        shown = [str(n.message) for n in app._notifications]
        assert "The inbox list could not be loaded from the cache: choose the view again (1–6) to retry." in shown
        assert not any("disk on fire" in message or "Traceback" in message for message in shown)
        records = [r for r in caplog.records if r.name == "helpdesk_tui.ui.worker_errors"]
        assert len(records) == 1 and records[0].exc_info is not None
        assert str(records[0].exc_info[1]) == "disk on fire"
        assert app.is_running
