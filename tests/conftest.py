import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Thread and timeline headers show local times: pin the zone so snapshots match anywhere.
os.environ["TZ"] = "UTC"
time.tzset()

DEMO_NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The default demo workspace, generated once per test session at a fixed moment."""
    from helpdesk_tui.demo.workspace_db import ensure_demo_workspace

    path = tmp_path_factory.mktemp("demo-template") / "demo.sqlite"
    ensure_demo_workspace(path, seed=7, tickets=1200, now=DEMO_NOW)
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path) -> Path:
    """A private copy of the demo workspace for one test to change at will."""
    path = tmp_path / "accounts" / "demo.sqlite"
    path.parent.mkdir(parents=True)
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def demo_home(tmp_path, demo_db) -> Path:
    """A ``--home`` folder whose demo account is a private copy of the demo workspace."""
    root = tmp_path / "home"
    target = root / "data" / "accounts" / "demo.sqlite"
    target.parent.mkdir(parents=True)
    demo_db.replace(target)
    return root


@pytest.fixture
def db(tmp_path):
    """An empty cache (schema migrated), one connection."""
    from helpdesk_tui.store.db import open_database

    conn = open_database(tmp_path / "acct.sqlite")
    yield conn
    conn.close()


@pytest.fixture(autouse=True)
def _no_contained_errors(request, monkeypatch):
    """A UI test fails on any error the app's guard contained, as it failed before the guard.

    The guard keeps the agent's app running after a bug; in a test the bug must still show.
    Tests that provoke errors on purpose say so with ``@pytest.mark.contains_errors``.
    """
    if request.node.get_closest_marker("contains_errors"):
        yield
        return
    try:
        from helpdesk_tui.ui.error_guard import ErrorGuard
    except ImportError:  # a test environment without textual: no app to guard
        yield
        return
    contained: list[BaseException] = []
    original = ErrorGuard.contain_error

    def recording(self, error):
        handled = original(self, error)
        if handled:
            contained.append(error)
        return handled

    monkeypatch.setattr(ErrorGuard, "contain_error", recording)
    yield
    if contained:
        import traceback

        shown = "".join(traceback.format_exception(contained[0]))
        pytest.fail(f"the app contained {len(contained)} error(s); the first:\n{shown}")
