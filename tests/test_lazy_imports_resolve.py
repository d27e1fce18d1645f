"""Every import written inside a function resolves, first thing in a fresh process.

This round moved many imports into the functions that use them (screens opened on first use,
httpx with a backend's client, Jinja with a template). A name moved or a circular import then
shows only when that function first runs, in front of a user. Here each module that imports
lazily is loaded by a fresh child process, which then runs each of its lazy imports in turn,
as the first call would.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_ONLY = {"msvcrt", "pytest"}  # Windows' console, and the test helpers' own import

CHILD = r"""
import importlib, os, sys, json
plan = json.loads(sys.argv[1])
import textual.app, rich.console  # third-party start-up shared by the children, not under test
failures = []
for module, statements in plan:
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(module)
            for statement in statements:
                exec(statement, {})
        except BaseException as exc:
            print(f"{module}: {statement if 'statement' in dir() else 'import'}: {exc!r}", flush=True)
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status:
        failures.append(module)
print("FAILED", failures)
"""


def _lazy_imports() -> list[tuple[str, list[str]]]:
    plan = []
    for path in sorted((ROOT / "helpdesk_tui").rglob("*.py")):
        tree = ast.parse(path.read_text())
        top = set(map(id, tree.body))
        statements = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top and getattr(node, "level", 0) == 0:
                roots = {a.name.split(".")[0] for a in node.names} if isinstance(node, ast.Import) else {
                    (node.module or "").split(".")[0]}
                if not roots & PLATFORM_ONLY:
                    statements.append(ast.unparse(node))
        # Imports under `if TYPE_CHECKING:` at module level are for mypy only.
        for node in tree.body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Import | ast.ImportFrom) and ast.unparse(sub) in statements:
                        statements.remove(ast.unparse(sub))
        if statements:
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            plan.append((module, statements))
    return plan


def test_every_lazy_import_resolves_in_a_fresh_process():
    import json

    plan = _lazy_imports()
    assert len(plan) > 20
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(plan)], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("FAILED []"), out.stdout + out.stderr
