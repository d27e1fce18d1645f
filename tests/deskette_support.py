"""What the Deskette tests share: the generic backend built from the worked example as ``account
add`` builds it, a user at a shell (``helpdesk-tui`` as a real process in a home of their own, the
key in ``DESKETTE_KEY``) and the fake with a colleague and a team."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.http import RetryPolicy
from tests.fakes.deskette import API_KEY, FakeDeskette

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "deskette.yaml"
QUICK = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0, timeout=10)


def deskette_backend(url: str, mapping: Path = EXAMPLE) -> GenericBackend:
    """The generic backend as ``account add desk --backend generic --option mapping=FILE`` builds it."""
    # The suite makes hundreds of requests a minute; the file's own budget (300) is the user's,
    # so the account's option lifts it here, as a user may.
    account = AccountSettings(name="desk", url=url, user=None, token=API_KEY,
                              options={"mapping": str(mapping), "requests_per_minute": "100000"})
    return GenericBackend(account, GenericBackend.make_client(account, policy=QUICK, sleep=lambda s: None))


class User:
    """A person at a shell: ``helpdesk-tui`` in a home of their own, the key in DESKETTE_KEY."""

    def __init__(self, tmp: Path, fake: FakeDeskette) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_TUI", "PYTHON_KEYRING"))}
        env.update({"HELPDESK_TUI_HOME": str(tmp / "home"), "DESKETTE_KEY": API_KEY,
                    "PYTHON_KEYRING_BACKEND": "tests.keyring_memory.FileBackedTestKeyring",
                    "HD_TEST_KEYRING_FILE": str(tmp / "ring.json"),
                    "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])})
        self.env, self.tmp, self.fake = env, tmp, fake

    def __call__(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "helpdesk_tui", *args], capture_output=True, text=True,
                              env=self.env, timeout=120, cwd=cwd or self.tmp, stdin=subprocess.DEVNULL)

    def add(self, mapping: Path | str) -> subprocess.CompletedProcess[str]:
        return self("account", "add", "desk", "--backend", "generic", "--url", self.fake.url,
                    "--option", f"mapping={mapping}", "--token-env", "DESKETTE_KEY")


@contextmanager
def running_deskette() -> Iterator[FakeDeskette]:
    """The fake, with a colleague to assign to (``fake.colleague``) and a team."""
    with FakeDeskette() as running:
        running.colleague = running.add_agent("Casey Colleague", "casey@deskette.test")  # type: ignore[attr-defined]
        running.add_team("Billing")
        yield running
