"""services.attachments: bytes downloaded once (whole or not at all), saved as safe copies, the
cache kept under its cap, and offline behaviour; real SQLite caches and real files."""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import pytest

from helpdesk_tui.config.paths import download_dir
from helpdesk_tui.config.settings import ConfigError, load_settings
from helpdesk_tui.services import attachments
from helpdesk_tui.services.errors import NotFound, ServiceError
from helpdesk_tui.services.sync import sync_workspace
from helpdesk_tui.services.workspace import Workspace
from helpdesk_tui.store.attachments import bytes_folder
from helpdesk_tui.sync.backends.demo import DemoBackend
from helpdesk_tui.sync.errors import NotSupported
from tests.fakes.zendesk import FakeZendesk
from tests.test_services_attachments import set_attachments

HOSTILE_NAMES = ["../../.bashrc", "invoice\u202egpj.exe", "a" * 296 + ".pdf"]


def workspace(home: Path, account: str = "demo") -> Workspace:
    return Workspace.load(str(home), account)


def demo_db(home: Path) -> Path:
    return home / "data" / "accounts" / "demo.sqlite"


def first_attachment(ws: Workspace, ticket: str = "10405") -> str:
    return attachments.attachments_of(ws, ticket)[0].id


def write_config(home: Path, text: str) -> None:
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# ---------------------------------------------------------------- ensure_local


def test_the_demo_screenshot_downloads_once_as_a_png_of_its_listed_size(demo_home, monkeypatch):
    ws = workspace(demo_home)
    [info] = attachments.attachments_of(ws, "10405")
    heard: list[tuple[int, int]] = []
    path = attachments.ensure_local(ws, info.id, progress=lambda d, t: heard.append((d, t)))
    assert path.parent == bytes_folder(demo_db(demo_home)) and path.name == info.id
    data = path.read_bytes()
    assert len(data) == info.size == 136_646 and png_size(data) == (160, 100)
    assert heard and heard[-1] == (info.size, info.size)
    assert not [p for p in path.parent.iterdir() if p.name != info.id]  # no partial file left
    assert attachments.attachments_of(ws, "10405")[0].cached

    def no_network(self):
        raise AssertionError("a cached attachment asked the helpdesk again")

    monkeypatch.setattr(Workspace, "backend", no_network)
    assert attachments.ensure_local(ws, info.id) == path


def test_a_short_download_leaves_nothing_and_says_so(demo_home, monkeypatch):
    class Short(DemoBackend):
        def download_attachment(self, meta, sink, progress=None):
            sink.write(b"\x89PNG only this")

    monkeypatch.setattr(Workspace, "backend", lambda self: Short())
    ws = workspace(demo_home)
    with pytest.raises(ServiceError, match=r"screenshot\.png was cut short \(14 of 136,646 bytes\): try again\."):
        attachments.ensure_local(ws, first_attachment(ws))
    folder = bytes_folder(demo_db(demo_home))
    assert not folder.exists() or list(folder.iterdir()) == []
    assert not attachments.attachments_of(ws, "10405")[0].cached


def test_a_backend_that_cannot_download_says_so_in_its_sentence(demo_home, monkeypatch):
    class NoFiles(DemoBackend):
        def download_attachment(self, meta, sink, progress=None):
            raise NotSupported("This helpdesk cannot download attachments.")

    monkeypatch.setattr(Workspace, "backend", lambda self: NoFiles())
    ws = workspace(demo_home)
    with pytest.raises(ServiceError, match=r"^This helpdesk cannot download attachments\.$"):
        attachments.ensure_local(ws, first_attachment(ws))


@pytest.mark.parametrize("wrong", ["", "abc", "12", "12-0", "999999-1", "../1-1"])
def test_an_unknown_attachment_id_is_not_found_in_one_sentence(demo_home, wrong):
    with pytest.raises(NotFound, match=r"^There is no attachment .* shows their ids\.$"):
        attachments.ensure_local(workspace(demo_home), wrong)


# ---------------------------------------------------------------- save_copy


def test_hostile_names_save_inside_the_chosen_folder_under_clean_names(demo_home, tmp_path):
    mid = set_attachments(demo_db(demo_home), 10405, [
        {"filename": name, "content_type": "application/octet-stream", "size": 1000} for name in HOSTILE_NAMES])
    ws = workspace(demo_home)
    target = tmp_path / "deep" / "saved"
    before = {p for p in tmp_path.rglob("*")}
    written = [attachments.save_copy(ws, f"{mid}-{n}", target) for n in range(1, 4)]
    assert all(p.parent == target for p in written)
    assert [p.name for p in written[:2]] == ["bashrc", "invoicegpj.exe"]
    assert len(written[2].name.encode()) <= 200 and written[2].name.endswith(".pdf")
    assert all(p.stat().st_size == 1000 for p in written)
    cached = bytes_folder(demo_db(demo_home))
    new = {p for p in tmp_path.rglob("*") if p.is_file() and p.parent != cached} - before
    assert new == set(written)  # nothing written anywhere else (but the cache's own bytes)
    assert not (demo_home / ".bashrc").exists() and not (tmp_path / ".bashrc").exists()


def test_an_existing_file_is_kept_unless_overwriting_and_a_symlink_there_is_not_followed(demo_home, tmp_path):
    ws = workspace(demo_home)
    aid = first_attachment(ws)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "screenshot.png").write_bytes(b"mine")
    with pytest.raises(ServiceError, match=r"^screenshot\.png already exists in .*out: choose another folder, or "
                                           r"allow overwriting it\.$"):
        attachments.save_copy(ws, aid, folder)
    assert (folder / "screenshot.png").read_bytes() == b"mine"
    assert attachments.save_copy(ws, aid, folder, overwrite=True).stat().st_size == 136_646

    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_bytes(b"keep me")
    (folder / "screenshot.png").unlink()
    (folder / "screenshot.png").symlink_to(elsewhere)
    with pytest.raises(ServiceError, match="already exists"):
        attachments.save_copy(ws, aid, folder)
    written = attachments.save_copy(ws, aid, folder, overwrite=True)
    assert not written.is_symlink() and written.stat().st_size == 136_646
    assert elsewhere.read_bytes() == b"keep me"
    assert sorted(p.name for p in folder.iterdir()) == ["screenshot.png"]  # no temporary file left


def test_a_name_or_an_id_finds_the_attachment_and_an_unknown_one_says_how_to_list(demo_home):
    ws = workspace(demo_home)
    [info] = attachments.attachments_of(ws, "10405")
    assert attachments.find_in_ticket(ws, "10405", "screenshot.png") == info
    assert attachments.find_in_ticket(ws, "10405", info.id) == info
    with pytest.raises(NotFound, match=r"'helpdesk-tui attachment list 10405' shows their names and ids\.$"):
        attachments.find_in_ticket(ws, "10405", "other.png")


# ---------------------------------------------------------------- the cache's cap


def test_past_the_cap_the_least_recently_used_bytes_go_first(demo_home):
    write_config(demo_home, "[attachments]\ncache_mb = 1\n")
    mids = [set_attachments(demo_db(demo_home), number, [{"filename": f"{number}.png", "size": 400_000}])
            for number in (10405, 10406, 10407)]
    ws = workspace(demo_home)
    assert ws.settings.attachments.cache_mb == 1
    a, b, c = (f"{mid}-1" for mid in mids)
    path_a, path_b = attachments.ensure_local(ws, a), attachments.ensure_local(ws, b)
    now = time.time()
    os.utime(path_a, (now - 100, now - 100))  # a was downloaded first…
    os.utime(path_b, (now - 50, now - 50))
    assert attachments.ensure_local(ws, a) == path_a  # …but opened again since: b is the least recent
    path_c = attachments.ensure_local(ws, c)  # 1.2 MB > 1 MiB: one file must go
    assert path_a.exists() and path_c.exists() and not path_b.exists()
    assert not attachments.attachments_of(ws, "10406")[0].cached
    assert attachments.ensure_local(ws, b).stat().st_size == 400_000  # it downloads again when opened


def test_a_single_file_larger_than_the_cap_stays_the_agent_asked_for_it(demo_home):
    write_config(demo_home, "[attachments]\ncache_mb = 1\n")
    mid = set_attachments(demo_db(demo_home), 10405, [{"filename": "big.png", "size": 1_500_000}])
    path = attachments.ensure_local(workspace(demo_home), f"{mid}-1")
    assert path.stat().st_size == 1_500_000


@pytest.mark.parametrize(("text", "sentence"), [
    ("[attachments]\ncache_mb = 0\n", "attachments.cache_mb must be between 1 and 1048576"),
    ("[attachments]\ncache_mb = \"500\"\n", "attachments.cache_mb must be a whole number"),
    ("[attachments]\ncache_mb = true\n", "attachments.cache_mb must be a whole number"),
    ("attachments = 3\n", "attachments must be a table"),
])
def test_cache_mb_mistakes_are_one_sentence_each(tmp_path, text, sentence):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=sentence):
        load_settings(path, env={})


def test_cache_mb_defaults_to_500_and_unknown_keys_are_warned(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[attachments]\ncache_gb = 2\n", encoding="utf-8")
    settings = load_settings(path, env={})
    assert settings.attachments.cache_mb == 500
    assert any("attachments.cache_gb" in w for w in settings.warnings)


# ---------------------------------------------------------------- offline


def test_offline_a_cached_attachment_opens_and_the_others_need_the_network(tmp_path, monkeypatch):
    home = tmp_path / "home"
    with FakeZendesk(email="agent@example.com") as fake:
        customer = fake.add_user("Aiko Tanaka", email="aiko@example.com")
        fake.add_ticket("Two files", requester_id=customer, description="Both attached.", attachments=(
            fake.add_attachment("one.log", b"first file\n" * 100, "text/plain"),
            fake.add_attachment("two.log", b"second file\n" * 100, "text/plain")))
        write_config(home, f'default_account = "work"\n[accounts.work]\nbackend = "zendesk"\nurl = "{fake.url}"\n'
                           f'user = "{fake.email}"\n')
        monkeypatch.setenv("HELPDESK_TUI_TOKEN_WORK", fake.token)
        ws = workspace(home, "work")
        assert sync_workspace(ws).report.problem is None
        one, two = attachments.attachments_of(ws, "1")
        kept = attachments.ensure_local(ws, one.id)
    # The fake is gone: nothing listens on its port any more.
    assert attachments.ensure_local(ws, one.id) == kept and kept.read_bytes() == b"first file\n" * 100
    saved = attachments.save_copy(ws, one.id, tmp_path / "out")
    assert saved.read_bytes() == kept.read_bytes()
    with pytest.raises(ServiceError, match=r"^two\.log is not on this machine yet and downloading it needs the "
                                           r"network: connect, then try again\.$"):
        attachments.ensure_local(ws, two.id)
    assert not attachments.attachments_of(ws, "1")[1].cached
    assert sorted(p.name for p in kept.parent.iterdir()) == [one.id]


# ---------------------------------------------------------------- the default folder


def test_the_download_folder_is_xdgs_when_set_else_downloads(tmp_path):
    home = tmp_path / "me"
    assert download_dir({"HOME": str(home)}) == home / "Downloads"
    assert download_dir({"HOME": str(home), "XDG_DOWNLOAD_DIR": str(tmp_path / "dl")}) == tmp_path / "dl"
    dirs = home / ".config" / "user-dirs.dirs"
    dirs.parent.mkdir(parents=True)
    dirs.write_text('# xdg-user-dirs\nXDG_DOWNLOAD_DIR="$HOME/Telechargements"\n', encoding="utf-8")
    assert download_dir({"HOME": str(home)}) == home / "Telechargements"
    dirs.write_text('XDG_DOWNLOAD_DIR="$HOME/"\n', encoding="utf-8")  # xdg-user-dirs: no such folder
    assert download_dir({"HOME": str(home)}) == home / "Downloads"
