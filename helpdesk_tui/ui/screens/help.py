"""The help screen: every key binding of the workstation, as currently mapped."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


# The app's own bindings, grouped by where they act (the first part of their id): one
# "Everywhere" list put the focus-session keys beside quit and help.
APP_SECTIONS = (
    ("app", "Everywhere"),
    ("view", "Inbox views"),
    ("inbox", "Inbox views"),
    ("ticket", "Open ticket"),
    ("reply", "Open ticket"),
    ("focus", "Focus session (while one runs)"),
)


def app_sections(bindings: Iterable[object]) -> list[tuple[str, list]]:
    """The app-level bindings as help sections, by the prefix of their id, in APP_SECTIONS order."""
    titles = dict(APP_SECTIONS)
    sections: dict[str, list] = {title: [] for _, title in APP_SECTIONS}
    for binding in bindings:
        if isinstance(binding, Binding):
            prefix = (binding.id or "app").split(".")[0]
            sections[titles.get(prefix, "Everywhere")].append(binding)
    return [(title, found) for title, found in sections.items() if found]


def binding_rows(sections: Iterable[tuple[str, list]], keymap: Mapping[str, str],
                 display: Callable[[str], str] = str) -> list[tuple[str, str, str, str]]:
    """(section, keys, description, id) for every Binding, with the user's keymap applied."""
    rows = []
    for section, bindings in sections:
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            shown = " / ".join(display(k.strip()) for k in keys.split(","))
            rows.append((section, shown, binding.description or binding.action, binding.id or ""))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close",
                        tooltip="Close the help")]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll { width: 96; max-height: 90%; border: round $primary; background: $surface;
                             padding: 0 1; }
    }
    """

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self._rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, header_style="bold")
        table.add_column(Text("Where"))
        table.add_column(Text("Keys"), style="bold")
        table.add_column(Text("Does"))
        table.add_column(Text("Binding id (remap in [keymap])"), style="dim")
        for section, keys, description, binding_id in self._rows:
            table.add_row(Text(section), Text(keys), Text(description), Text(binding_id))
        with VerticalScroll() as box:
            box.border_title = "Keys  (esc closes; ctrl+p lists every action)"
            yield Static(table)

    async def action_dismiss(self, result=None) -> None:
        self.dismiss(None)
