"""Fitting text to terminal columns, measured in cells (a CJK character takes two).

Apart from ``text.py`` so that a command printing a table needs ``rich.cells`` only, not
``rich.text`` and what it imports (~9 ms).
"""

from rich.cells import cell_len, set_cell_size


def fit(value: str, width: int, right: bool = False) -> str:
    """``value`` cut (with an ellipsis) or padded to exactly ``width`` terminal cells, for
    columns; CJK characters take two cells."""
    length = cell_len(value)
    if length > width:
        return set_cell_size(value, width - 1) + "…" if width > 1 else set_cell_size(value, width)
    padding = " " * (width - length)
    return padding + value if right else value + padding
