"""``attachment list`` and ``attachment save`` in real processes on the demo workspace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpdesk_tui.content.file_names import BIDI_CONTROLS
from tests.test_cli import assert_one_sentence
from tests.test_services_attachments import HOSTILE, set_attachments


def run(home: Path, *args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "XDG_"))}
    env.update({"HELPDESK_TUI_HOME": str(home), "HOME": str(home / "user"), **(env_extra or {})})
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def db(home: Path) -> Path:
    return home / "data" / "accounts" / "demo.sqlite"


def test_list_prints_the_id_size_name_and_type_and_json_lines(demo_home):
    out = run(demo_home, "attachment", "list", "10405")
    assert out.returncode == 0, out.stderr
    [line] = out.stdout.splitlines()
    attachment_id = line.split()[0]
    assert attachment_id.endswith("-1") and "136 KB" in line and line.endswith("screenshot.png · image/png")
    [data] = [json.loads(x) for x in run(demo_home, "attachment", "list", "10405", "--json").stdout.splitlines()]
    assert data == {"id": attachment_id, "name": "screenshot.png", "media_type": "image/png", "size": 136_646,
                    "cached": False}
    none = run(demo_home, "attachment", "list", "10406")
    assert none.returncode == 0 and none.stdout == "" and "has no attachments" in none.stderr


def test_save_writes_the_png_into_the_folder_given_then_list_says_cached(demo_home, tmp_path):
    out = run(demo_home, "attachment", "save", "10405", "screenshot.png", "--to", str(tmp_path / "got"))
    assert out.returncode == 0, out.stderr
    path = Path(out.stdout.strip())
    assert path == tmp_path / "got" / "screenshot.png"
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) == 136_646
    assert "cached" in run(demo_home, "attachment", "list", "10405").stdout
    again = run(demo_home, "attachment", "save", "10405", "screenshot.png", "--to", str(tmp_path / "got"))
    assert_one_sentence(again, 1)
    assert "screenshot.png already exists in" in again.stderr
    replaced = run(demo_home, "attachment", "save", "10405", "screenshot.png", "--to", str(tmp_path / "got"),
                   "--overwrite")
    assert replaced.returncode == 0, replaced.stderr


def test_save_goes_to_the_xdg_download_folder_else_downloads(demo_home, tmp_path):
    xdg = run(demo_home, "attachment", "save", "10405", "screenshot.png",
              env_extra={"XDG_DOWNLOAD_DIR": str(tmp_path / "xdg")})
    assert xdg.returncode == 0, xdg.stderr
    assert Path(xdg.stdout.strip()) == tmp_path / "xdg" / "screenshot.png"
    plain = run(demo_home, "attachment", "save", "10405", "screenshot.png")
    assert plain.returncode == 0, plain.stderr
    assert Path(plain.stdout.strip()) == demo_home / "user" / "Downloads" / "screenshot.png"


def test_hostile_names_list_inert_and_save_inside_the_folder(demo_home, tmp_path):
    mid = set_attachments(db(demo_home), 10405, [
        {"name": HOSTILE, "content_type": "application/x-msdownload", "size": 5},
        {"name": "../../.bashrc\x1b]0;owned\x07", "size": 7},
        {"name": "b" * 300 + ".txt", "size": 9}])
    listed = run(demo_home, "attachment", "list", "10405")
    assert listed.returncode == 0, listed.stderr
    assert "invoicegpj.exe (really .exe)" in listed.stdout and "..\u2215..\u2215.bashrc" in listed.stdout
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout and not BIDI_CONTROLS & set(listed.stdout)
    folder = tmp_path / "inbox-files"
    names = []
    for n in (1, 2, 3):
        out = run(demo_home, "attachment", "save", "10405", f"{mid}-{n}", "--to", str(folder))
        assert out.returncode == 0, out.stderr
        assert "\x1b" not in out.stdout and not BIDI_CONTROLS & set(out.stdout)
        path = Path(out.stdout.strip())
        assert path.parent == folder
        names.append(path.name)
    assert names[:2] == ["invoicegpj.exe", "bashrc_]0;owned_"]
    assert len(names[2].encode()) <= 200 and names[2].endswith(".txt")
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    assert not (tmp_path / ".bashrc").exists()


def test_an_unknown_name_or_ticket_is_one_sentence(demo_home):
    out = run(demo_home, "attachment", "save", "10405", "nope.png")
    assert_one_sentence(out, 1)
    assert "'helpdesk-tui attachment list 10405' shows their names and ids." in out.stderr
    assert_one_sentence(run(demo_home, "attachment", "list", "99999999"), 1)
    assert_one_sentence(run(demo_home, "attachment", "save", "10405"), 2)
