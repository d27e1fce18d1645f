"""A real Request Tracker 5 (Debian package) on loopback, for the RT backend's integration tests.

Use it from a test module with ``from tests.server_rt import rt_server  # noqa: F401``.

The session fixture runs ``scripts/servers/rt5.sh`` (apt-installs RT the first time on a
machine, about 50 s, as root; afterwards a start takes about 4 s: a copy of a template
database kept under ``.ci-work/rt/`` plus the server's start) with a fresh database and a
free loopback port of its own, and stops the server at the end. A server that cannot be
installed or started fails the tests that need it, with the script's last lines: it is
never skipped silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.server_start import REPO, Done, real_server, tail

SCRIPT = REPO / "scripts" / "servers" / "rt5.sh"
WORK = REPO / ".ci-work" / "rt"
ROOT_USER = "root"
ROOT_PASSWORD = "password-for-ci"


@dataclass
class RtServer:
    url: str  # RT's web address, e.g. http://127.0.0.1:PORT (the API is under /REST/2.0)
    token: str = field(repr=False)  # an auth token of root
    user: str
    password: str = field(repr=False)
    root: Path
    start_seconds: float = 0.0

    @property
    def api(self) -> str:
        return self.url + "/REST/2.0"

    def client(self) -> httpx.Client:
        """Test-side access to REST2 as root, to set things up behind the backend's back."""
        return httpx.Client(base_url=self.api, headers={"Authorization": f"token {self.token}"}, timeout=30)


class RtApi:
    """Test-side REST2 access as root, to set up and to look behind the backend's back."""

    def __init__(self, server) -> None:
        self.http = server.client()

    def call(self, method: str, path: str, **kw):
        response = self.http.request(method, path, **kw)
        assert response.status_code < 300, (method, path, response.status_code, response.text[:300])
        return response.json() if response.content else None

    def ticket(self, subject: str, email: str, content: str = "Help, please.", **fields) -> str:
        data = {"Queue": "General", "Subject": subject, "Requestor": email, "Content": content,
                "ContentType": "text/plain", **fields}
        return str(self.call("POST", "/ticket", json=data)["id"])

    def get(self, number: str) -> dict:
        return self.call("GET", f"/ticket/{number}")


def _prepare(port: int) -> tuple[Path, dict[str, str]]:
    # A ROOT per run (pid file, database, mail, logs); the apt-get install and the template
    # database are shared.
    root = WORK / f"port-{port}"
    env = {**os.environ, "ROOT": str(root), "RT_PORT": str(port), "RT_ROOT_PASS": ROOT_PASSWORD,
           "RT_TEMPLATE": str(WORK / "rt5-template")}
    env.pop("SMOKE", None)
    return root, env


def _explain(done: Done | None) -> str:
    if done is None:
        return "Starting Request Tracker took more than 15 minutes (apt-get install?)."
    return (f"Could not install or start Request Tracker 5 with {SCRIPT.relative_to(REPO)} "
            f"(exit {done.returncode}); the RT tests need it (Debian packages request-tracker5, "
            f"rt5-db-sqlite, rt5-standalone; root for apt-get):\n{tail(done)}")


@pytest.fixture(scope="session")
def rt_server() -> Iterator[RtServer]:
    if shutil.which("bash") is None or shutil.which("curl") is None:
        pytest.fail("The Request Tracker test server needs bash and curl on PATH.", pytrace=False)
    WORK.mkdir(parents=True, exist_ok=True)
    with real_server(SCRIPT, WORK, _prepare, _explain) as run:
        yield RtServer(url=f"http://127.0.0.1:{run.port}", token=(run.root / "rt5" / "root-token").read_text().strip(),
                       user=ROOT_USER, password=ROOT_PASSWORD, root=run.root, start_seconds=run.seconds)
