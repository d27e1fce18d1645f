"""The config package is below the UI: it must never import textual."""

from __future__ import annotations

import subprocess
import sys


def test_config_package_does_not_import_textual():
    code = (
        "import sys, helpdesk_tui.config, helpdesk_tui.config.paths, "
        "helpdesk_tui.config.settings, helpdesk_tui.config.state; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'httpx', 'sqlite3'}); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_config_reads_no_environment():
    code = (
        "import os\n"
        "class Tripwire(dict):\n"
        "    def __getitem__(self, key): raise AssertionError(key)\n"
        "    def get(self, key, default=None): raise AssertionError(key)\n"
        "real = os.environ\n"
        "os.environ = Tripwire()\n"
        "import helpdesk_tui.config\n"
        "os.environ = real\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
