"""A real Roundup 2 (PyPI ``roundup``, classic template, SQLite) on loopback, for the Roundup
backend's integration tests.

Use it from a test module with ``from tests.server_roundup import roundup_server  # noqa: F401``.

The session fixture runs ``scripts/servers/roundup.sh`` with a ROOT and a free loopback port
of its own: the first start on a machine makes a venv with roundup from PyPI and a template
tracker under ``.ci-work/roundup/`` (about 4 s; in the temporary directory instead when the
checkout sits where ``nobody``, whom the server runs as, cannot reach it); later starts copy the
template (a fresh tracker) and start the server (under 1 s). The server stops at the end. A server that cannot
be installed or started fails the tests that need it, with the script's last lines: it is
never skipped silently.

``RoundupApi`` is the test side's REST access as admin (set up users, issues, messages behind
the backend's back). Roundup locks a user for 150 s after four failed logins, so it only
ever uses the password the script wrote.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server_start import REPO, Done, real_server, tail

SCRIPT = REPO / "scripts" / "servers" / "roundup.sh"
WORK = REPO / ".ci-work" / "roundup"
ADMIN = "admin"


@dataclass
class RoundupServer:
    origin: str  # http://127.0.0.1:PORT (what writes send as Origin)
    password: str = field(repr=False)  # admin's
    agent2_password: str = field(repr=False)
    root: Path
    start_seconds: float = 0.0
    user: str = ADMIN

    @property
    def url(self) -> str:
        """The tracker's address (the account's URL): the origin and ``/helpdesk/``."""
        return self.origin + "/helpdesk/"

    @property
    def rest(self) -> str:
        return self.url + "rest"

    def client(self, user: str = ADMIN, password: str | None = None) -> httpx.Client:
        """REST access as ``user`` (admin by default) with the headers every write needs."""
        return httpx.Client(base_url=self.rest, auth=(user, password if password is not None else self.password),
                            headers={"X-Requested-With": "rest", "Origin": self.origin,
                                     "Accept": "application/json"}, timeout=30)


class RoundupApi:
    """Test-side REST access, to set up and to look behind the backend's back."""

    def __init__(self, server: RoundupServer, user: str = ADMIN, password: str | None = None) -> None:
        self.http = server.client(user, password)

    def call(self, method: str, path: str, **kw: Any) -> Any:
        response = self.http.request(method, path, **kw)
        assert response.status_code < 300, (method, path, response.status_code, response.text[:300])
        return response.json()["data"] if response.content else None

    def create(self, kind: str, **fields: Any) -> str:
        return str(self.call("POST", f"/data/{kind}", json=fields)["id"])

    def get(self, kind: str, item_id: str, **params: Any) -> dict[str, Any]:
        return self.call("GET", f"/data/{kind}/{item_id}", params=params)

    def patch(self, kind: str, item_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """PATCH with the item's current ETag (Roundup refuses a write without If-Match: 412)."""
        etag = self.get(kind, item_id)["@etag"]
        return self.call("PATCH", f"/data/{kind}/{item_id}", json=fields, headers={"If-Match": etag})

    def user(self, username: str, password: str, realname: str = "") -> str:
        return self.create("user", username=username, password=password, address=f"{username}@example.com",
                           realname=realname or username, roles="User")

    def message(self, author: str, content: str, files: list[str] | None = None) -> str:
        return self.create("msg", content=content, author=author, date=".", files=files or [])

    def upload(self, name: str, data: bytes, media_type: str) -> str:
        """A file (multipart: JSON would carry text only), its id."""
        response = self.http.post("/data/file", files={"content": (name, data, media_type)},
                                  data={"name": name, "type": media_type})
        assert response.status_code < 300, (response.status_code, response.text[:300])
        return str(response.json()["data"]["id"])

    def issue(self, number: str) -> dict[str, Any]:
        """The issue's attributes with the names of its status, priority and assignee."""
        return self.get("issue", number, **{"@verbose": "2"})["attributes"]


def _work() -> Path:
    """Where venv, template and trackers go: ``.ci-work/roundup`` in the checkout, unless the
    server (run as ``nobody``) could not reach it there (a checkout under a private folder):
    then a folder in the system's temporary directory."""
    WORK.mkdir(parents=True, exist_ok=True)
    reachable = subprocess.run(["runuser", "-u", "nobody", "--", "test", "-x", str(WORK)],
                               capture_output=True, timeout=30).returncode == 0 if shutil.which("runuser") else True
    if reachable:
        return WORK
    fallback = Path(tempfile.gettempdir()) / "helpdesk-tui-roundup"
    fallback.mkdir(mode=0o755, exist_ok=True)
    return fallback


def _explain(done: Done | None) -> str:
    why = "took more than 10 minutes" if done is None else f"failed (exit {done.returncode})"
    return (f"Starting Roundup with {SCRIPT.relative_to(REPO)} {why}; the Roundup tests need it "
            f"(/usr/bin/python3 with venv, PyPI package roundup, root to start it as nobody):\n"
            f"{'' if done is None else tail(done)}")


@pytest.fixture(scope="session")
def roundup_server() -> Iterator[RoundupServer]:
    if shutil.which("bash") is None:
        pytest.fail("The Roundup test server needs bash on PATH.", pytrace=False)
    work = _work()

    def prepare(port: int) -> tuple[Path, dict[str, str]]:
        root = work / f"port-{port}"  # tracker, logs, pid file, passwords: this run's own
        env = {**os.environ, "ROOT": str(root), "ROUNDUP_PORT": str(port), "ROUNDUP_VENV": str(work / "venv"),
               "ROUNDUP_TEMPLATE": str(work / "template")}
        env.pop("FRESH", None)
        return root, env

    with real_server(SCRIPT, work, prepare, _explain, timeout=600) as run:
        yield RoundupServer(origin=f"http://127.0.0.1:{run.port}",
                            password=(run.root / "admin-pw").read_text().strip(),
                            agent2_password=(run.root / "agent2-pw").read_text().strip(), root=run.root,
                            start_seconds=run.seconds)
