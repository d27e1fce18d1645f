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
NON_UI = ("domain", "store", "content", "compose", "config", "sync", "demo", "services", "reports", "cli")
OURS_BELOW_SERVICES = ("helpdesk_tui.services", "helpdesk_tui.reports", "helpdesk_tui.cli", "helpdesk_tui.ui")

# package -> imports it must not make (ours or third-party), checked in the source
FORBIDDEN = {
    "domain": ("helpdesk_tui.store", "helpdesk_tui.sync", "helpdesk_tui.compose",
               "helpdesk_tui.content", "helpdesk_tui.config", "textual", "httpx", "sqlite3", "sqlite_utils",
               *OURS_BELOW_SERVICES),
    "store": ("textual", "httpx", "helpdesk_tui.sync", *OURS_BELOW_SERVICES),
    "content": ("textual", "httpx", "sqlite3", "helpdesk_tui.store", *OURS_BELOW_SERVICES),
    "compose": ("textual", "httpx", *OURS_BELOW_SERVICES),
    "config": ("textual", *OURS_BELOW_SERVICES),
    "sync": ("textual", *OURS_BELOW_SERVICES),
    "demo": ("textual", "httpx", *OURS_BELOW_SERVICES),
    # Screens and keys over the services: the cache and the helpdesk only through them (their
    # types and errors come from ``services.types``).
    "ui": ("sqlite3", "httpx", "sqlite_utils", "helpdesk_tui.store", "helpdesk_tui.sync", "helpdesk_tui.cli"),
    # The one API of the UI and the CLI: no screens, no command lines, no printing (see below).
    "services": ("textual", "argparse", "helpdesk_tui.ui", "helpdesk_tui.cli"),
    # Presentation of data handed in as domain objects: it never opens a cache or a connection.
    "reports": ("textual", "httpx", "sqlite3", "sqlite_utils", "helpdesk_tui.store", "helpdesk_tui.sync",
                "helpdesk_tui.config", "helpdesk_tui.compose", "helpdesk_tui.demo", "helpdesk_tui.services",
                "helpdesk_tui.cli", "helpdesk_tui.ui"),
    # Parse, call a service, format: the cache, the helpdesk, templates and the demo only through
    # services. The UI only where the app is opened (``cli/app.py``, see ALLOWED).
    "cli": ("textual", "httpx", "sqlite3", "sqlite_utils", "helpdesk_tui.store", "helpdesk_tui.sync",
            "helpdesk_tui.compose", "helpdesk_tui.demo", "helpdesk_tui.ui"),
}
# (package, file) -> imports FORBIDDEN[package] names that this one file alone may make
ALLOWED = {("cli", "app.py"): ("helpdesk_tui.ui",)}
# Modules at the package's top that any layer may import: they import nothing of ours but each other.
LEAVES = ("errors.py", "atomic_file.py", "csv_cells.py", "logs.py", "log_handlers.py")


def modules(package: str) -> list[Path]:
    root = PACKAGE / package
    return sorted(root.rglob("*.py")) if root.exists() else []


def imported_names(path: Path) -> set[str]:
    """Every absolute import anywhere in the file (functions included); ``from a import b`` also
    counts as ``a.b``, so ``from helpdesk_tui import store`` is caught like ``import helpdesk_tui.store``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


CASES = [(pkg, path) for pkg in FORBIDDEN for path in modules(pkg)]


@pytest.mark.parametrize("package, path", CASES, ids=[f"{p}:{m.name}" for p, m in CASES])
def test_module_imports_only_what_its_layer_may(package, path):
    allowed = ALLOWED.get((package, path.name), ())
    bad = sorted({name for name in imported_names(path)
                  for forbidden in FORBIDDEN[package]
                  if (name == forbidden or name.startswith(forbidden + ".")) and forbidden not in allowed})
    assert not bad, f"{path.relative_to(PACKAGE.parent)} imports {bad}, which the {package} layer must not"


def test_every_layer_is_checked():
    assert {pkg for pkg, _ in CASES} >= {"domain", "store", "content", "config", "demo", "ui", "services", "reports",
                                          "cli"}


@pytest.mark.parametrize("name", LEAVES)
def test_leaf_modules_import_nothing_of_ours(name):
    path = PACKAGE / name
    assert path.exists()
    leaves = {f"helpdesk_tui.{leaf.removesuffix('.py')}" for leaf in LEAVES}
    ours = sorted(n for n in imported_names(path)
                  if (n == "helpdesk_tui" or n.startswith("helpdesk_tui.")) and n.rpartition(".")[0] not in leaves
                  and n not in leaves)
    assert not ours, f"{name} imports {ours}: every layer imports it, so it must import none of them"


def test_the_cli_reaches_the_ui_only_where_it_opens_the_app():
    """The exception in ALLOWED is used, and only by the module named there."""
    users = sorted(path.name for path in modules("cli")
                   if any(n.startswith("helpdesk_tui.ui") for n in imported_names(path)))
    assert users == ["app.py"]


def _writes_to_the_terminal(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("print", "input"):
            found.append(f"{node.func.id}() on line {node.lineno}")
        if isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr", "stdin") \
                and isinstance(node.value, ast.Name) and node.value.id == "sys":
            found.append(f"sys.{node.attr} on line {node.lineno}")
    return found


@pytest.mark.parametrize("path", modules("services") + modules("reports"),
                         ids=[p.name for p in modules("services") + modules("reports")])
def test_services_and_reports_return_data_and_never_print(path):
    assert not _writes_to_the_terminal(path), f"{path.name}: {_writes_to_the_terminal(path)}"


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


# --- the import graph --------------------------------------------------------------------------

def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        names[".".join(parts)] = path
    return names


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:``: they never run, so they make no cycle."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (getattr(node.test, "id", None) == "TYPE_CHECKING"
                                         or getattr(node.test, "attr", None) == "TYPE_CHECKING"):
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def import_graph() -> dict[str, set[str]]:
    """Module -> our modules it imports anywhere (functions included), relative imports resolved;
    ``from pkg import name`` points at ``pkg.name`` when that is a module, else at ``pkg``."""
    names = _module_names()
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_only(tree)
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names if alias.name in names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                for alias in node.names:
                    if f"{base}.{alias.name}" in names:
                        targets.add(f"{base}.{alias.name}")
                    elif base in names:
                        targets.add(base)
        graph[name] = targets - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    graph = import_graph()
    assert "helpdesk_tui.cli.dispatch" in graph["helpdesk_tui.cli"]  # imported inside main()
    assert len(graph) > 150


def test_the_package_has_no_import_cycle():
    """No module needs another that needs it back, not even through an import inside a function
    (such an import hides a cycle from start-up but not from a reader)."""
    assert cycles(import_graph()) == []
