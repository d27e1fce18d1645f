"""A real django-helpdesk 2.6.1 on loopback, for the backend's integration tests.

Use it from a test module with
``from tests.server_django_helpdesk import django_helpdesk_server  # noqa: F401``.

The session fixture runs ``scripts/servers/django_helpdesk.sh`` with a venv shared under
``.ci-work/django-helpdesk/`` (gitignored; installed from PyPI the first time, about 25 s,
reused afterwards) and a fresh project, database and free port of its own, and stops the
server at the end. A server that cannot be installed or started fails the tests that need
it, with the script's last lines: it is never skipped silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.server_start import REPO, Done, real_server, tail

SCRIPT = REPO / "scripts" / "servers" / "django_helpdesk.sh"
WORK = REPO / ".ci-work" / "django-helpdesk"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "Adm1n-pass-123"


@dataclass
class DjangoHelpdeskServer:
    url: str  # the site root, e.g. http://127.0.0.1:PORT (the API is under /helpdesk/api/)
    token: str = field(repr=False)  # DRF token of the superuser
    admin_user: str
    admin_password: str = field(repr=False)
    root: Path
    python: Path
    project: Path
    start_seconds: float = 0.0

    @property
    def api(self) -> str:
        return self.url + "/helpdesk/api"

    def shell(self, code: str) -> str:
        """Run ``manage.py shell -c CODE`` against the server's database; returns its stdout."""
        done = subprocess.run([str(self.python), "manage.py", "shell", "-v0", "-c", code], cwd=self.project,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"manage.py shell failed ({done.returncode}):\n{done.stderr[-2000:]}")
        return done.stdout


def _prepare(port: int) -> tuple[Path, dict[str, str]]:
    # The script itself locks the shared venv and template database.
    root = WORK / f"run-{port}-{os.getpid()}"
    env = {**os.environ, "ROOT": str(root), "DH_PORT": str(port), "DH_VENV": str(WORK / "dh-venv"),
           "REUSE_VENV": "1", "DH_ADMIN_PASS": ADMIN_PASSWORD}
    env.pop("SMOKE", None)
    return root, env


def _explain(done: Done | None) -> str:
    if done is None:
        return "Starting django-helpdesk took more than 15 minutes (pip install from PyPI?)."
    return (f"Could not install or start django-helpdesk with {SCRIPT.relative_to(REPO)} "
            f"(exit {done.returncode}); the tests need it (pip from PyPI, python3 -m venv):\n{tail(done)}")


@pytest.fixture(scope="session")
def django_helpdesk_server() -> Iterator[DjangoHelpdeskServer]:
    if shutil.which("bash") is None or shutil.which("curl") is None or shutil.which("flock") is None:
        pytest.fail("The django-helpdesk server needs bash, curl and flock on PATH.", pytrace=False)
    WORK.mkdir(parents=True, exist_ok=True)
    with real_server(SCRIPT, WORK, _prepare, _explain) as run:
        yield DjangoHelpdeskServer(
            url=f"http://127.0.0.1:{run.port}", token=(run.root / "dh-token.txt").read_text().strip(),
            admin_user=ADMIN_USER, admin_password=ADMIN_PASSWORD, root=run.root,
            python=WORK / "dh-venv" / "bin" / "python", project=run.root / "dh-project", start_seconds=run.seconds)
