"""Full garbage collections wait for the agent to pause: a burst of page-downs runs none, and
one runs once no key came for a while (at 1M each took 10-40 ms and was the worst page-down)."""

from __future__ import annotations

import gc

import pytest

from helpdesk_tui.ui import startup

from tests.ui_support import make_app, settle


@pytest.fixture
def collector():
    """The collector's settings as the test found them, put back after it."""
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.set_threshold(*threshold)
    (gc.enable if enabled else gc.disable)()


def full_collections() -> int:
    return gc.get_stats()[2]["collections"]


def test_a_full_collection_runs_only_after_a_pause_in_the_keys_and_once_per_pause(collector):
    gc.enable()
    idle = startup.IdleCollector()
    idle.key(100.0)
    gc.collect(1)  # something reached the old generation
    before = full_collections()
    assert not idle.tick(100.0 + startup.IDLE_SECONDS / 2)
    assert full_collections() == before
    assert idle.tick(100.0 + startup.IDLE_SECONDS)
    assert full_collections() == before + 1
    assert not idle.tick(101.0 + startup.IDLE_SECONDS)  # nothing new since: no collection every second
    assert full_collections() == before + 1
    gc.collect(1)
    assert idle.tick(102.0 + startup.IDLE_SECONDS)


async def test_a_burst_of_page_downs_after_start_up_runs_no_full_collection(demo_db, tmp_path, collector):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        assert gc.isenabled() and gc.get_threshold()[2] == startup.FULL_EVERY
        full: list[int] = []

        def watch(phase: str, info: dict) -> None:
            if phase == "start" and info["generation"] == 2:
                full.append(1)

        gc.callbacks.append(watch)
        try:
            for _ in range(3):
                await pilot.press(*["pagedown"] * 20, *["pageup"] * 20)
                # what the inbox keeps between keys, as a long session piles it up
                app.workstation.inbox.forget_rows()
                await pilot.pause()
        finally:
            gc.callbacks.remove(watch)
        assert full == []
