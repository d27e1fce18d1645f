"""``show`` and ``show --json`` list each message's attachments (a real process on the demo workspace)."""

from __future__ import annotations

import json

from helpdesk_tui.content.file_names import BIDI_CONTROLS

from tests.test_cli import run
from tests.test_services_attachments import HOSTILE, set_attachments


def test_show_lists_the_screenshot_under_the_customers_message(demo_home):
    out = run(demo_home, "show", "10405").stdout
    lines = out.splitlines()
    line = "↳ screenshot.png · image/png · 136 KB · not downloaded"
    assert lines.count(line) == 1
    # Under the first message, before the second one starts.
    assert lines.index(line) < [i for i, text in enumerate(lines) if text.startswith("── ")][1]


def test_show_json_has_an_attachments_array_per_message(demo_home):
    data = json.loads(run(demo_home, "show", "10405", "--json").stdout)
    first, *rest = data["messages"]
    [shot] = first["attachments"]
    assert shot["name"] == "screenshot.png" and shot["media_type"] == "image/png"
    assert shot["size"] == 136_646 and shot["cached"] is False
    assert isinstance(shot["id"], str) and shot["id"].endswith("-1")
    assert all(m["attachments"] == [] for m in rest)


def test_a_hostile_name_is_shown_inert_and_kept_raw_in_json(demo_home):
    set_attachments(demo_home / "data" / "accounts" / "demo.sqlite", 10405,
                    [{"name": HOSTILE, "content_type": "application/x-msdownload", "size": 5},
                     {"name": "../../.bashrc\x1b]0;owned\x07", "size": 7}])
    out = run(demo_home, "show", "10405").stdout
    assert "↳ invoicegpj.exe (really .exe) · application/x-msdownload · 5 bytes · not downloaded" in out
    assert "..\u2215..\u2215.bashrc" in out
    assert "\x1b" not in out and "\x07" not in out and not BIDI_CONTROLS & set(out)

    raw = run(demo_home, "show", "10405", "--json").stdout
    assert "\u202e" not in raw and "\x1b" not in raw and "\\u202e" in raw  # escaped, not acting
    names = [a["name"] for a in json.loads(raw)["messages"][0]["attachments"]]
    assert names == [HOSTILE, "../../.bashrc\x1b]0;owned\x07"]  # the data, exactly as sent
