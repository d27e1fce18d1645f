"""TEST-ONLY keyring backends. Never use them outside the test suite.

- ``MemoryKeyring``: a dict, for in-process tests (``keyring.set_keyring(MemoryKeyring())``).
- ``FileBackedTestKeyring``: the same, kept in the JSON file named by ``HD_TEST_KEYRING_FILE``
  so a CLI run in a subprocess shares it with the test
  (``PYTHON_KEYRING_BACKEND=tests.keyring_memory.FileBackedTestKeyring``). It stores
  tokens in PLAIN TEXT, which is exactly what the app refuses to do on its own.
- ``LockedKeyring``: refuses everything like a locked Secret Service.
- ``EmptyChainer``: a chainer with nothing to chain, as on a headless server.
For "no backend at all" use keyring's own ``keyring.backends.fail.Keyring``.

They are taken out of keyring's registry of candidates, so keyring never picks one on
its own: a test selects it explicitly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

ENV_FILE = "HD_TEST_KEYRING_FILE"


class MemoryKeyring(KeyringBackend):
    """Passwords in a dict: ``passwords[(service, username)]``."""

    priority = 1  # type: ignore[assignment]  # usable when chosen explicitly

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def _load(self) -> dict[tuple[str, str], str]:
        return self.passwords

    def _save(self, passwords: dict[tuple[str, str], str]) -> None:
        self.passwords = passwords

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        passwords = self._load()
        passwords[(service, username)] = password
        self._save(passwords)

    def delete_password(self, service: str, username: str) -> None:
        passwords = self._load()
        if passwords.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")
        self._save(passwords)


class FileBackedTestKeyring(MemoryKeyring):
    """TEST-ONLY, PLAIN TEXT: the passwords live in the JSON file ``$HD_TEST_KEYRING_FILE``."""

    def __init__(self) -> None:
        super().__init__()
        name = os.environ.get(ENV_FILE)
        if not name:
            raise RuntimeError(f"{ENV_FILE} must name the test keyring file")
        self.path = Path(name)

    def _load(self) -> dict[tuple[str, str], str]:
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {(service, user): password for service, user, password in rows}

    def _save(self, passwords: dict[tuple[str, str], str]) -> None:
        rows = [[service, user, password] for (service, user), password in passwords.items()]
        self.path.write_text(json.dumps(rows), encoding="utf-8")


class LockedKeyring(KeyringBackend):
    """Like a Secret Service whose collection stays locked."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    set_password = delete_password = get_password  # type: ignore[assignment]


class EmptyChainer(ChainerBackend):
    """A chainer that found no backend to chain."""

    backends: list = []  # type: ignore[assignment]


for _test_only in (MemoryKeyring, FileBackedTestKeyring, LockedKeyring, EmptyChainer):
    KeyringBackend._classes.discard(_test_only)
