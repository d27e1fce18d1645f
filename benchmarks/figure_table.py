"""The figures table the benchmark scripts print: thing, figure(s), target, verdict.

Rows may have any number of columns (all rows the same). The table is kept within ``width``
columns: when it would be wider, the widest columns are narrowed and their cells wrapped on
the following lines, so a long figure never pushes the target and the verdict off the screen.
"""

from __future__ import annotations

import textwrap

WIDTH = 100
GAP = 2


def _fit(widths: list[int], width: int) -> list[int]:
    """Column widths summing (with the gaps) to at most ``width``: the widest shrink first."""
    widths = list(widths)
    budget = width - GAP * (len(widths) - 1)
    while sum(widths) > budget:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= 12:  # too many columns to fit: let it be wider than asked
            break
        widths[widest] -= 1
    return widths


def format_table(rows: list[tuple[str, ...]], width: int = WIDTH) -> list[str]:
    if not rows:
        return []
    columns = len(rows[0])
    widths = _fit([max(len(r[i]) for r in rows) for i in range(columns)], width)
    lines = []
    for row in rows:
        cells = [textwrap.wrap(cell, max(w, 1), break_long_words=True, break_on_hyphens=False) or [""]
                 for cell, w in zip(row, widths, strict=True)]
        for k in range(max(len(c) for c in cells)):
            parts = [(c[k] if k < len(c) else "").ljust(w) for c, w in zip(cells, widths, strict=True)]
            lines.append((" " * GAP).join(parts).rstrip())
    return lines


def print_table(rows: list[tuple[str, ...]], width: int = WIDTH) -> None:
    print()
    for line in format_table(rows, width):
        print(line)
