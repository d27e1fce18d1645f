"""Looking at attachments, below the UI: which viewer, which types ask first, bounded and cleaned
text, pictures under a pixel cap, the private copy, the opener, and saving (real files)."""

from __future__ import annotations

import io
import os
import stat
import struct
import sys
import zlib

import pytest

from helpdesk_tui.demo.attachment_bytes import demo_file
from helpdesk_tui.services import attachment_opening as opening
from helpdesk_tui.services import attachments
from helpdesk_tui.services.attachment_opening import ViewKind
from helpdesk_tui.services.errors import NotFound, ServiceError
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store.attachments import AttachmentInfo, bytes_folder

from tests.test_services_attachments import set_attachments


def info(name: str, media_type: str = "application/octet-stream", size: int | None = 10) -> AttachmentInfo:
    return AttachmentInfo("1-1", 1, name, media_type, size, True)


@pytest.fixture
def ws(demo_home) -> Workspace:
    return Workspace.load(str(demo_home), "demo")


@pytest.mark.parametrize(("name", "media_type", "kind"), [
    ("screenshot.png", "image/png", ViewKind.IMAGE),
    ("photo.JPG", "application/octet-stream", ViewKind.IMAGE),
    ("anim.gif", "image/gif", ViewKind.IMAGE), ("a.webp", "image/webp", ViewKind.IMAGE),
    ("noext", "image/jpeg", ViewKind.IMAGE),
    ("server.log", "application/octet-stream", ViewKind.TEXT), ("data.json", "application/json", ViewKind.TEXT),
    ("t.csv", "text/csv", ViewKind.TEXT), ("fix.patch", "text/x-diff", ViewKind.TEXT),
    ("README", "text/plain", ViewKind.TEXT),
    ("invoice\u202egpj.exe", "image/png", ViewKind.OTHER),  # the real extension wins over the claimed type
    ("report.pdf", "application/pdf", ViewKind.OTHER), ("page.html", "text/html", ViewKind.OTHER),
    ("blob", "application/octet-stream", ViewKind.OTHER),
])
def test_the_viewer_is_chosen_by_the_real_extension_then_the_type(name, media_type, kind):
    assert opening.view_kind(info(name, media_type)) is kind


@pytest.mark.parametrize(("name", "media_type", "risk"), [
    ("setup.exe", "application/x-msdownload", "an executable (.exe, application/x-msdownload)"),
    ("invoice\u202egpj.exe", "image/jpeg", "an executable (.exe, image/jpeg)"),
    ("run", "application/x-sh", "an executable (application/x-sh)"),
    ("x.desktop", "text/plain", "an executable (.desktop, text/plain)"),
    ("blob", "application/octet-stream", "an unknown type (application/octet-stream)"),
    ("thing.qqq", "image/png", "an unknown type (.qqq, image/png)"),
    ("\x1b[31mred.zzz", "application/\x1b]0;x\x07", "an unknown type (.zzz, application/)"),
    ("report.pdf", "application/pdf", None), ("photo.png", "image/png", None), ("log.txt", "text/plain", None),
    ("Book.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", None),
    ("noext", "application/pdf", None),
])
def test_executables_and_unknown_types_name_their_type_before_opening(name, media_type, risk):
    assert opening.open_risk(info(name, media_type)) == risk


def test_text_is_read_up_to_the_limit_on_a_whole_line_and_cleaned(tmp_path):
    path = tmp_path / "t.log"
    path.write_bytes(b"\xef\xbb\xbfok \x1b[2Jone\r\n[b]two[/b] \xe2\x80\xaeexe\n" + b"x" * 100 + b"\nlast\n")
    whole = opening.read_text(path)
    assert whole.text.startswith("ok one\n[b]two[/b] exe\n") and not whole.truncated
    assert "\x1b" not in whole.text and "\u202e" not in whole.text
    part = opening.read_text(path, limit=60)
    assert part.truncated and part.size == path.stat().st_size and part.text == "ok one\n[b]two[/b] exe\n"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 \x00\x07")
    assert opening.read_text(bad).text.startswith("caf\ufffd")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size and holds almost nothing: a decompression bomb's first bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def test_a_huge_or_broken_picture_is_one_sentence_and_a_good_one_decodes(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(100_000, 100_000))
    with pytest.raises(ServiceError, match=r"bomb.png is too big to preview here \(over 40,000,000 pixels\)"):
        opening.decode_image(bomb, name="bomb.png")  # Pillow's own bomb check
    bomb.write_bytes(_png_header_only(8000, 6000))
    with pytest.raises(ServiceError, match=r"bomb.png is 8,000×6,000 pixels, too big to preview here"):
        opening.decode_image(bomb, name="bomb.png")  # ours, below Pillow's
    broken = tmp_path / "broken.png"
    broken.write_bytes(demo_file("screenshot.png", "image/png", 136_646)[:200])
    with pytest.raises(ServiceError, match="could not be read as a picture"):
        opening.decode_image(broken, name="broken.png")
    text = tmp_path / "fake.png"
    text.write_text("<html>")
    with pytest.raises(ServiceError, match="could not be read as a picture"):
        opening.decode_image(text)
    good = tmp_path / "good.png"
    from PIL import Image

    drawn = Image.new("RGB", (480, 300), (255, 255, 255))
    drawn.putpixel((50, 70), (198, 40, 40))
    drawn.save(good)
    picture = opening.decode_image(good)
    assert picture.size == (480, 300) and picture.getpixel((50, 70)) == (198, 40, 40)


def test_a_big_picture_is_scaled_into_the_preview_box(tmp_path):
    from PIL import Image

    path = tmp_path / "big.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 200, 30)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    picture = opening.decode_image(path)
    assert max(picture.size) <= 1600 and picture.size[0] / picture.size[1] == pytest.approx(4 / 3, rel=0.01)


def test_the_private_copy_is_in_a_0700_folder_0600_under_the_cleaned_name(tmp_path):
    source = tmp_path / "src"
    source.write_bytes(b"data")
    copy = opening.private_copy(source, "../../.bashrc\u202e")
    assert copy.name == "bashrc" and copy.read_bytes() == b"data"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600 and stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    assert copy.parent.name.startswith("helpdesk-tui-open-")


def test_copies_older_than_a_day_are_removed_when_the_next_one_is_made(tmp_path, monkeypatch):
    import tempfile
    import time

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    source = tmp_path / "src"
    source.write_bytes(b"data")
    old = opening.private_copy(source, "old.png")
    recent = opening.private_copy(source, "recent.png")
    day_ago = time.time() - opening.COPY_KEPT_SECONDS - 60
    os.utime(old.parent, (day_ago, day_ago))
    other = tmp_path / "unrelated"
    other.mkdir()
    os.utime(other, (day_ago, day_ago))
    new = opening.private_copy(source, "new.png")
    assert not old.parent.exists() and recent.exists() and new.exists() and other.exists()


def test_the_opener_is_the_variable_split_like_a_command_line_else_the_platforms(tmp_path):
    assert opening.opener_command({"HELPDESK_TUI_OPENER": "my-open --new 'a b'"}) == ["my-open", "--new", "a b"]
    with pytest.raises(ServiceError, match="HELPDESK_TUI_OPENER is not a command"):
        opening.opener_command({"HELPDESK_TUI_OPENER": "'unclosed"})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    with pytest.raises(ServiceError, match="There is no xdg-open here"):
        opening.opener_command({"PATH": str(bin_dir)}, platform="linux")
    tool = bin_dir / "xdg-open"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert opening.opener_command({"PATH": str(bin_dir)}, platform="linux") == ["xdg-open"]
    (bin_dir / "open").write_text("#!/bin/sh\n")
    (bin_dir / "open").chmod(0o755)
    assert opening.opener_command({"PATH": str(bin_dir)}, platform="darwin") == ["open"]


def test_open_externally_runs_the_opener_without_a_shell_on_the_copy(ws, tmp_path):
    mid = set_attachments(ws.db_path, 10405, [{"filename": "a; touch PWNED $(id).txt", "content_type": "text/plain"}])
    folder = bytes_folder(ws.db_path)
    folder.mkdir()
    (folder / f"{mid}-1").write_bytes(b"hello")
    record = tmp_path / "argv"
    script = tmp_path / "rec.py"
    script.write_text(f"import sys; open({str(record)!r}, 'w').write(repr(sys.argv[1:]))\n")
    [item] = attachments_of(ws, mid)
    copy = opening.open_externally(ws, item, env={**os.environ, "HELPDESK_TUI_OPENER": f"{sys.executable} {script}"})
    for _ in range(200):
        if record.exists() and record.read_text():
            break
        import time
        time.sleep(0.02)
    assert record.read_text() == repr([str(copy)])
    assert copy.name == "a; touch PWNED $(id).txt" and not list(tmp_path.glob("PWNED*"))


def attachments_of(ws: Workspace, message_id: int) -> list[AttachmentInfo]:
    from helpdesk_tui.services.tickets import ticket_detail

    with ws.cache() as cache:
        return ticket_detail(cache, "10405").attachments[message_id]


def test_the_demo_screenshot_lands_in_the_cache_with_the_size_it_announced(ws):
    with ws.cache() as cache:
        from helpdesk_tui.services.tickets import ticket_detail

        [[shot]] = ticket_detail(cache, "10405").attachments.values()
    path = attachments.ensure_local(ws, shot.id)
    assert path.parent == bytes_folder(ws.db_path) and path.stat().st_size == 136_646
    assert path.read_bytes().startswith(b"\x89PNG") and attachments.ensure_local(ws, shot.id) == path


def test_bytes_not_here_need_the_network_and_a_wrong_id_is_not_found(ws, monkeypatch):
    from tests.test_ui_attachment_viewing import OfflineBackend

    mid = set_attachments(ws.db_path, 10405, [{"name": "remote.pdf", "url": "https://example.invalid/1"}])
    monkeypatch.setattr(Workspace, "backend", lambda self: OfflineBackend())
    with pytest.raises(ServiceError, match="remote.pdf is not on this machine yet and downloading it needs the network"):
        attachments.ensure_local(ws, f"{mid}-1")
    for wrong in (f"{mid}-2", "nonsense", "999999999-1", "../1-1"):
        with pytest.raises(NotFound):
            attachments.ensure_local(ws, wrong)


@pytest.mark.parametrize(("name", "saved_as"), [
    ("../../.bashrc", "bashrc"), ("/etc/passwd", "etc_passwd"), ("invoice\u202egpj.exe", "invoicegpj.exe"),
    ("CON.txt", "_CON.txt"), ("x" * 300 + ".log", "x" * 196 + ".log"),
])
def test_save_copy_keeps_a_hostile_name_inside_the_folder_and_never_overwrites_unasked(ws, tmp_path, name, saved_as):
    mid = set_attachments(ws.db_path, 10405, [{"name": name, "content_type": "text/plain"}])
    folder = bytes_folder(ws.db_path)
    folder.mkdir()
    (folder / f"{mid}-1").write_bytes(b"theirs")
    target = tmp_path / "chosen"
    target.mkdir()
    saved = attachments.save_copy(ws, f"{mid}-1", target)
    assert saved == target / saved_as and saved.read_bytes() == b"theirs" and list(target.iterdir()) == [saved]
    saved.write_bytes(b"mine")
    with pytest.raises(ServiceError, match="already exists"):
        attachments.save_copy(ws, f"{mid}-1", target)
    assert saved.read_bytes() == b"mine" and opening.save_target(attachments_of(ws, mid)[0], target) == saved
    attachments.save_copy(ws, f"{mid}-1", target, overwrite=True)
    assert saved.read_bytes() == b"theirs" and list(target.iterdir()) == [saved]  # no temp file left


def test_the_default_folder_is_the_xdg_download_dir_else_downloads(tmp_path, monkeypatch):
    assert opening.default_folder({"XDG_DOWNLOAD_DIR": str(tmp_path / "dl")}) == tmp_path / "dl"
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert opening.default_folder({}) == tmp_path / "Downloads"


def test_folder_completion_offers_folders_only(tmp_path):
    (tmp_path / "Downloads").mkdir()
    (tmp_path / "Documents").mkdir()
    (tmp_path / "Down.txt").write_text("")
    (tmp_path / ".hidden").mkdir()
    assert opening.complete_folder(f"{tmp_path}/Dow") == f"{tmp_path}/Downloads/"
    assert opening.complete_folder(f"{tmp_path}/Doc") == f"{tmp_path}/Documents/"
    assert opening.complete_folder(f"{tmp_path}/.h") == f"{tmp_path}/.hidden/"
    assert opening.complete_folder(f"{tmp_path}/zzz") is None
    assert opening.complete_folder("") is None
