"""The footer's spare-room key (issue 11): ``N`` (new ticket) shows only in the room the other
keys leave, after them, so none of them moves or drops at any width (Pilot, demo workspace)."""

from __future__ import annotations

import pytest

from tests.ui_support import make_app, screen_text, settle

BEFORE_AT_100 = "⏎ Open ^q Quit ? Help / Filter r Reply n Note ^g KB l Timeline z Zoom inbox t Triage"


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


def keys(line: str) -> str:
    """The footer's keys, without the palette key docked at the right."""
    return line.split("▏")[0].strip()


@pytest.mark.parametrize(("width", "ends"), [(100, "t Triage"), (120, "K KPIs N New"),
                                             (160, "m Macro N New ticket")])
async def test_N_shows_after_the_other_keys_only_where_it_fits(demo_db, tmp_path, width, ends):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(width, 40)) as pilot:
        await settle(pilot, app)
        shown = keys(footer(app))
        assert shown.startswith(BEFORE_AT_100) and shown.endswith(ends)
        assert shown.count("N New") == (width > 100)
        assert "^p palette" in footer(app)


async def test_at_160_columns_on_a_ticket_the_jump_key_keeps_its_place_before_N(demo_db, tmp_path):
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        shown = keys(footer(app))
        assert "# Jump" in shown and "N New" not in shown  # no room left after the jump: N waits
