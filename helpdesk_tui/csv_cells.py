"""Text put in a CSV cell so that a spreadsheet shows it and never runs it.

The one guard behind every CSV we write (the insights and KPI exports of ``reports``, and
any export of the cache): it imports nothing of ours, so any layer may use it.
"""

from __future__ import annotations

# Spreadsheets run a cell that starts with one of these as a formula ("=HYPERLINK(...)"):
# customer text, agent and queue names come from outside, so a leading apostrophe keeps them text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """``text`` as it is, or behind an apostrophe when a spreadsheet would take it for a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text
