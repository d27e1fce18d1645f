"""A customer's PNG from each real helpdesk (RT 5, django-helpdesk 2.6.1) and the Zendesk fake:
``sync``, ``show --json`` lists it, ``attachment save`` writes the same bytes (sha256), in real
processes of the CLI against the servers on loopback."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpdesk_tui.demo.attachment_bytes import demo_png
from tests.fakes.zendesk import FakeZendesk
from tests.server_django_helpdesk import DjangoHelpdeskServer, django_helpdesk_server  # noqa: F401
from tests.server_rt import RtApi, RtServer, rt_server  # noqa: F401

TOKEN_ENV = "HELPDESK_TUI_TOKEN_WORK"


def cli(home: Path, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "XDG_"))}
    env.update({TOKEN_ENV: token, "HOME": str(home)})
    return subprocess.run([sys.executable, "-m", "helpdesk_tui", "--home", str(home), "--account", "work", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def account_home(tmp_path: Path, backend: str, url: str, user: str | None = None) -> Path:
    home = tmp_path / "home"
    config = home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    user_line = f'user = "{user}"\n' if user else ""
    config.write_text(textwrap.dedent(f"""\
        default_account = "work"
        [accounts.work]
        backend = "{backend}"
        url = "{url}"
        """) + user_line, encoding="utf-8")
    return home


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def round_trip(home: Path, token: str, marker: str, name: str, data: bytes, out: Path) -> None:
    """sync → the ticket carrying ``marker`` → show --json lists the file → save → same bytes."""
    synced = cli(home, token, "sync")
    assert synced.returncode == 0, synced.stderr
    listed = cli(home, token, "list", "--json", "--filter", marker)
    assert listed.returncode == 0, listed.stderr
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    number = str(row["number"])
    shown = cli(home, token, "show", number, "--json")
    assert shown.returncode == 0, shown.stderr
    first = json.loads(shown.stdout)["messages"][0]
    [item] = first["attachments"]
    assert (item["name"], item["media_type"], item["size"], item["cached"]) == (name, "image/png", len(data), False)
    saved = cli(home, token, "attachment", "save", number, name, "--to", str(out))
    assert saved.returncode == 0, saved.stderr
    path = Path(saved.stdout.strip())
    assert path.parent == out and path.name == name
    assert sha(path.read_bytes()) == sha(data)
    again = json.loads(cli(home, token, "show", number, "--json").stdout)["messages"][0]["attachments"]
    assert again[0]["cached"] is True
    by_id = cli(home, token, "attachment", "save", number, item["id"], "--to", str(out / "by-id"))
    assert by_id.returncode == 0, by_id.stderr
    assert sha(Path(by_id.stdout.strip()).read_bytes()) == sha(data)


@pytest.mark.server
def test_rt_a_customers_png_syncs_lists_and_saves_the_same_bytes(rt_server: RtServer, tmp_path):  # noqa: F811
    marker = f"png{uuid.uuid4().hex[:8]}"
    name, data = f"screenshot-{marker}.png", demo_png(marker, 120_000)
    RtApi(rt_server).ticket(f"Broken page {marker}", f"{marker}@example.com", f"See the picture {marker}.",
                            Attachments=[{"FileName": name, "FileType": "image/png",
                                          "FileContent": base64.b64encode(data).decode()}])
    home = account_home(tmp_path, "rt", rt_server.url)
    round_trip(home, rt_server.token, marker, name, data, tmp_path / "saved")


@pytest.mark.server
def test_django_helpdesk_a_customers_png_syncs_lists_and_saves_the_same_bytes(
        django_helpdesk_server: DjangoHelpdeskServer, tmp_path):  # noqa: F811
    marker = f"png{uuid.uuid4().hex[:8]}"
    name, data = f"screenshot-{marker}.png", demo_png(marker, 90_000)
    made = httpx.post(f"{django_helpdesk_server.api}/tickets/", headers={
        "Authorization": f"Token {django_helpdesk_server.token}"}, timeout=30,
        data={"queue": 1, "title": f"Broken page {marker}", "description": f"See the picture {marker}.",
              "submitter_email": f"{marker}@example.com", "priority": 3},
        files={"attachment": (name, data, "image/png")})
    assert made.status_code == 201, made.text[:300]
    home = account_home(tmp_path, "django-helpdesk", django_helpdesk_server.url)
    round_trip(home, django_helpdesk_server.token, marker, name, data, tmp_path / "saved")


@pytest.fixture
def fake() -> Iterator[FakeZendesk]:
    with FakeZendesk(email="agent@example.com") as running:
        yield running


def test_zendesk_a_customers_png_syncs_lists_and_saves_the_same_bytes_and_storage_gets_no_credentials(
        fake: FakeZendesk, tmp_path):
    marker = f"png{uuid.uuid4().hex[:8]}"
    name, data = f"screenshot-{marker}.png", demo_png(marker, 70_000)
    customer = fake.add_user("Aiko Tanaka", email="aiko@example.com")
    fake.add_ticket(f"Broken page {marker}", requester_id=customer, description=f"See the picture {marker}.",
                    attachments=(fake.add_attachment(name, data, "image/png"),))
    home = account_home(tmp_path, "zendesk", fake.url, user=fake.email)
    round_trip(home, fake.token, marker, name, data, tmp_path / "saved")
    content = fake.requests_to(r"/attachments/token/.*")
    storage = fake.requests_to(r"/storage/.*")
    assert content and storage
    assert all("Authorization" in r.headers for r in content)  # the account's own host: signed in
    assert not any(k.lower() == "authorization" for r in storage for k in r.headers)  # another host: never
