"""``helpdesk-tui list --view NAME`` takes the agent's own [views], run as a real process."""

from __future__ import annotations

import json

from tests.test_cli import assert_one_sentence, run


def write_config(home, text: str) -> None:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_list_view_takes_a_custom_view_by_name(demo_home):
    write_config(demo_home, '[views."Pending urgent"]\nkey = "7"\nfilter = "status:pending priority:urgent"\n')
    rows = [json.loads(x) for x in run(demo_home, "list", "--view", "Pending urgent", "--json").stdout.splitlines()]
    assert rows and {(r["status"], r["priority"]) for r in rows} == {("pending", "urgent")}
    # The custom view narrowed further by --filter, as a built-in view would be.
    narrowed = [json.loads(x) for x in run(demo_home, "list", "--view", "Pending urgent", "--filter",
                                           "priority:high", "--json").stdout.splitlines()]
    assert narrowed == []


def test_an_unknown_view_is_one_sentence_listing_the_custom_ones_too(demo_home):
    write_config(demo_home, '[views.VIP]\nkey = "V"\nfilter = "tag:vip"\n')
    line = assert_one_sentence(run(demo_home, "list", "--view", "nope", check=False), 2)
    assert "Unknown view 'nope'" in line and "all, VIP." in line
