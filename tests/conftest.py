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

# pytest-xdist's workers start with COLUMNS=80 and LINES=24 in their environment; an app that
# a test runs in a 160x45 pseudo-terminal would take them for its size (Textual reads them
# before asking the terminal) and lay out an 80x24 screen.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)

DEMO_NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


# Fixtures that need a real helpdesk server; a test that uses one is marked ``server``.
SERVER_FIXTURES = frozenset({"rt_server", "django_helpdesk_server", "redmine_server", "roundup_server"})


def pytest_collection_modifyitems(config, items) -> None:
    """Mark ``server`` every test that reaches a real server, even through another fixture,
    so ``pytest -m "not server"`` is the quick lane without a list to keep up to date."""
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


@pytest.fixture(autouse=True)
def _user_data_in_this_run(tmp_path_factory, monkeypatch) -> None:
    """What a test does not give a home of its own (a mapped backend's request budget, kept
    under the user's data directory) lands in this run's folder, never in the real one."""
    if not os.environ.get("HELPDESK_TUI_HOME"):
        monkeypatch.setenv("HELPDESK_TUI_HOME", str(_run_shared_dir(tmp_path_factory) / "user-home"))


def _run_shared_dir(tmp_path_factory) -> Path:
    """A folder of this test run: the same for every pytest-xdist worker, this run's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The default demo workspace, generated once per test run at a fixed moment.

    Under pytest-xdist the workers share one build (a file lock lets the first one make it,
    the others wait and copy it): building it twice costs a core for seconds.
    """
    from filelock import FileLock

    from helpdesk_tui.demo.workspace_db import ensure_demo_workspace

    folder = _run_shared_dir(tmp_path_factory) / "demo-template"
    folder.mkdir(exist_ok=True)
    path = folder / "demo.sqlite"
    with FileLock(str(folder / "build.lock")):
        if not (folder / "ready").exists():
            ensure_demo_workspace(path, seed=7, tickets=1200, now=DEMO_NOW)
            (folder / "ready").write_text("ok")
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
