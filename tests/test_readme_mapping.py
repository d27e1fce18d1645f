"""The README's "Add your own helpdesk" shows the worked example as it is: the lines it quotes
are lines of ``docs/examples/deskette.yaml`` (the file the conformance suite runs), and the
commands it gives are the ones ``tests/test_deskette_cli.py`` runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "deskette.yaml"


def section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Add your own helpdesk")
    return text[start:text.index("\n## ", start + 1)]


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section(), flags=re.S)


def test_every_line_the_readme_quotes_is_a_line_of_the_example_file():
    lines = {line.rstrip() for line in EXAMPLE.read_text(encoding="utf-8").splitlines()}
    [quoted] = blocks("yaml")
    missing = [line for line in quoted.splitlines() if line.strip() and line.rstrip() not in lines]
    assert missing == [], f"the README quotes lines that are not in {EXAMPLE.name}: {missing}"


def test_the_readme_names_the_example_and_the_reference():
    text = section()
    assert "docs/examples/deskette.yaml" in text and "docs/mappings.md" in text
    [commands] = blocks("sh")
    assert "--backend generic" in commands and "--option mapping=" in commands and "--token-env" in commands
    assert "account test desk" in commands


def test_the_example_is_commented_for_a_reader():
    """Written to be read: most of its lines say why (a comment), and it is YAML 1.2 that parses."""
    from ruamel.yaml import YAML

    text = EXAMPLE.read_text(encoding="utf-8")
    data = YAML(typ="safe").load(text)
    assert data["format"] == 1 and "tickets" in data and "writes" in data
    lines = text.splitlines()
    bare = [line for n, line in enumerate(lines)
            if re.match(r"^[a-z_]+:", line) and "#" not in line and not lines[n - 1].startswith("#")]
    assert bare == [], f"top-level sections with no comment saying what they answer: {bare}"
