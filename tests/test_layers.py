"""The layering rules of DESIGN.md, checked on every module (a change that breaks them fails here)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "helpdesk_tui"
NON_UI = ("domain", "store", "content", "compose", "config", "sync", "demo")

# package -> imports it must not make (ours or third-party), checked in the source
FORBIDDEN = {
    "domain": ("helpdesk_tui.store", "helpdesk_tui.sync", "helpdesk_tui.ui", "helpdesk_tui.compose",
               "helpdesk_tui.content", "helpdesk_tui.config", "textual", "httpx", "sqlite3", "sqlite_utils"),
    "store": ("textual", "httpx", "helpdesk_tui.ui", "helpdesk_tui.sync"),
    "content": ("textual", "httpx", "sqlite3", "helpdesk_tui.ui", "helpdesk_tui.store"),
    "compose": ("textual", "httpx", "helpdesk_tui.ui"),
    "config": ("textual", "helpdesk_tui.ui"),
    "sync": ("textual", "helpdesk_tui.ui"),
    "demo": ("textual", "httpx", "helpdesk_tui.ui"),
    "ui": ("sqlite3", "httpx", "sqlite_utils", "helpdesk_tui.sync.backends"),
}


def modules(package: str) -> list[Path]:
    root = PACKAGE / package
    return sorted(root.rglob("*.py")) if root.exists() else []


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


CASES = [(pkg, path) for pkg in FORBIDDEN for path in modules(pkg)]


@pytest.mark.parametrize("package, path", CASES, ids=[f"{p}:{m.name}" for p, m in CASES])
def test_module_imports_only_what_its_layer_may(package, path):
    bad = sorted(name for name in imported_names(path)
                 for forbidden in FORBIDDEN[package]
                 if name == forbidden or name.startswith(forbidden + "."))
    assert not bad, f"{path.relative_to(PACKAGE.parent)} imports {bad}, which the {package} layer must not"


def test_every_layer_is_checked():
    assert {pkg for pkg, _ in CASES} >= {"domain", "store", "content", "config", "demo", "ui"}


def test_importing_non_ui_packages_never_loads_textual():
    """Transitive imports count too: importing every non-UI module must not pull textual in."""
    names = []
    for pkg in NON_UI:
        for path in modules(pkg):
            rel = path.relative_to(PACKAGE.parent).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            names.append(".".join(parts))
    code = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=PACKAGE.parent, check=True)
    assert json.loads(out.stdout) == []
    assert len(names) > 10


SQL = re.compile(r"\b(SELECT\b.+\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S)


def test_ui_never_contains_sql():
    for path in modules("ui"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not SQL.search(node.value), f"{path.name} contains SQL: {node.value[:60]!r}"
