"""A real Redmine 5 (Debian package) on loopback, for the Redmine mapping's integration tests.

Use it from a test module with ``from tests.server_redmine import redmine_server  # noqa: F401``.

The session fixture runs ``scripts/servers/redmine.sh`` (apt-installs Redmine the first time
on a machine, about 50 s, as root; the first start after that builds a template instance
under ``.ci-work/redmine/template``, about 9 s; later starts copy its database, about 4 s)
with a fresh database and a free loopback port of its own, and stops the server at the end.
A server that cannot be installed or started fails the tests that need it, with the script's
last lines: it is never skipped silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server_start import REPO, Done, real_server, tail

SCRIPT = REPO / "scripts" / "servers" / "redmine.sh"
WORK = REPO / ".ci-work" / "redmine"
PROJECT = "helpdesk"


@dataclass
class RedmineServer:
    url: str  # http://127.0.0.1:PORT (the REST API is at the root: /issues.json, ...)
    key: str = field(repr=False)  # admin's REST key
    agent2_key: str = field(repr=False)  # agent2's REST key (a Developer of the project, not an admin)
    root: Path
    project: str = PROJECT
    start_seconds: float = 0.0
    custom_fields: dict[str, str] = field(default_factory=dict)  # name → id of the issue custom fields

    @property
    def options(self) -> dict[str, str]:
        """The account options of a helpdesk-tui account on this server (project and the custom
        fields for tickets opened from the client)."""
        return {"project": self.project, "marker_field": self.custom_fields["Helpdesk marker"],
                "customer_field": self.custom_fields["Customer e-mail"]}

    def client(self, key: str | None = None) -> httpx.Client:
        """Test-side access to the REST API as admin (or as ``key``'s user)."""
        return httpx.Client(base_url=self.url, headers={"X-Redmine-API-Key": key or self.key}, timeout=30)


class RedmineApi:
    """Test-side REST access as admin, to set things up and look behind the backend's back."""

    def __init__(self, server: RedmineServer) -> None:
        self.server = server
        self.http = server.client()

    def call(self, method: str, path: str, *, key: str | None = None, **kw: Any) -> Any:
        """One request as admin (or as ``key``'s user); the answer's JSON, asserting success."""
        headers = dict(kw.pop("headers", {}))
        if key:
            headers["X-Redmine-API-Key"] = key
        response = self.http.request(method, path, headers=headers, **kw)
        assert response.status_code < 300, (method, path, response.status_code, response.text[:300])
        return response.json() if response.content else None

    def role(self, name: str) -> int:
        return next(r["id"] for r in self.call("GET", "/roles.json")["roles"] if r["name"] == name)

    def issue(self, subject: str, description: str, *, key: str | None = None, **fields: Any) -> str:
        """A new issue in the project, written by ``key``'s user (admin by default); its id."""
        data = {"project_id": self.server.project, "subject": subject, "description": description, **fields}
        return str(self.call("POST", "/issues.json", json={"issue": data}, key=key)["issue"]["id"])

    def get(self, issue_id: str, include: str = "journals,attachments") -> dict[str, Any]:
        return self.call("GET", f"/issues/{issue_id}.json", params={"include": include})["issue"]

    def upload(self, data: bytes, file_name: str, *, key: str | None = None) -> str:
        """Bytes uploaded for a later issue or journal (as ``key``'s user); the upload's token."""
        answer = self.call("POST", "/uploads.json", params={"filename": file_name}, content=data, key=key,
                           headers={"Content-Type": "application/octet-stream"})
        return str(answer["upload"]["token"])

    def attachment_bytes(self, attachment_id: str) -> bytes:
        """An attachment's bytes as Redmine stores them (its ``content_url``, read as admin)."""
        url = self.call("GET", f"/attachments/{attachment_id}.json")["attachment"]["content_url"]
        response = self.http.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content


def _port_taken(done: Done) -> bool:
    # Rails binds seconds after the port was found free: on a busy machine another process may
    # take it first. Another port then, not a failed session.
    said = done.stdout + done.stderr
    return "Address already in use" in said or "is already taken" in said


def _prepare(port: int) -> tuple[Path, dict[str, str]]:
    root = WORK / f"port-{port}"  # a ROOT per run (pid file, database, files, logs)
    env = {**os.environ, "ROOT": str(root), "REDMINE_PORT": str(port), "REDMINE_TEMPLATE": str(WORK / "template")}
    env.pop("SMOKE", None)
    return root, env


def _explain(done: Done | None) -> str:
    if done is None:
        return "Starting Redmine took more than 15 minutes (apt-get install?)."
    return (f"Could not install or start Redmine with {SCRIPT.relative_to(REPO)} (exit {done.returncode}); "
            f"the Redmine tests need it (Debian packages redmine, redmine-sqlite, ruby-webrick; root for "
            f"apt-get):\n{tail(done)}")


@pytest.fixture(scope="session")
def redmine_server() -> Iterator[RedmineServer]:
    if shutil.which("bash") is None or shutil.which("curl") is None:
        pytest.fail("The Redmine test server needs bash and curl on PATH.", pytrace=False)
    WORK.mkdir(parents=True, exist_ok=True)
    with real_server(SCRIPT, WORK, _prepare, _explain, port_taken=_port_taken) as run:
        root = run.root
        yield RedmineServer(url=f"http://127.0.0.1:{run.port}", key=(root / "api-key").read_text().strip(),
                            agent2_key=(root / "agent2-key").read_text().strip(), root=root,
                            start_seconds=run.seconds,
                            custom_fields={name: number for number, _, name in (
                                line.partition(" ") for line in (root / "custom-fields").read_text().splitlines())})
