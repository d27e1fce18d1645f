"""Search everything in the cache (ctrl+k, or the palette): tickets, messages, internal notes,
past replies and KB articles, results as the agent types.

Each keystroke restarts a short timer; when it fires the query runs in a thread worker (the
same FTS search, with the same CJK and Hebrew rules, as the CLI ``search``), and a result is
shown only if it still answers what the box says (an older, slower query is dropped). Enter
on a ticket or message opens that ticket at the message; on an article, the KB sidebar
shows it. Every piece of text from the cache is drawn as text: snippets and subjects can
hold anything a stranger wrote.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker

from helpdesk_tui.content import clean_line
from helpdesk_tui.services.types import SearchHit
from helpdesk_tui.ui.widgets.highlight import highlighted
from helpdesk_tui.ui.worker_errors import report_failed_worker

DEBOUNCE = 0.12  # seconds of quiet after a keystroke before the query runs

# What each result is, as its first word (the kind styles are theme variables, below).
KIND_LABELS = {
    "ticket": ("Ticket", "search--ticket"),
    "customer": ("Message", "search--message"),
    "public_reply": ("Reply", "search--reply"),
    "internal_note": ("Note", "search--note"),
    "system": ("Event", "search--message"),
    "article": ("KB", "search--article"),
}


def hit_label(hit: SearchHit) -> tuple[str, str]:
    """(label, component class) for a hit: its kind, and for a message, whose it is."""
    key = (hit.message_kind or "customer") if hit.kind == "message" else hit.kind
    return KIND_LABELS.get(key, (key.title(), "search--message"))


class SearchResults(OptionList):
    BINDINGS = [
        Binding("enter", "open", "Open", id="search.open",
                tooltip="Open the ticket at this message, or the article in the KB sidebar"),
        Binding("slash", "query", "Search box", id="search.query", tooltip="Back to the search box"),
    ]

    def action_open(self) -> None:
        screen = self.screen
        if isinstance(screen, SearchScreen):
            screen.open_highlighted()

    def action_query(self) -> None:
        self.screen.query_one("#search-query", Input).focus()


class SearchScreen(ModalScreen[SearchHit | None]):
    """Returns the hit to open, or None when the agent presses escape."""

    BINDINGS = [Binding("escape", "cancel", "Close", id="search.close", tooltip="Close the search")]

    COMPONENT_CLASSES = {"search--ticket", "search--message", "search--reply", "search--note", "search--article"}

    DEFAULT_CSS = """
    SearchScreen {
        align: center top;
        & > Vertical { width: 90%; max-width: 140; height: 90%; margin-top: 1; border: round $primary;
                       background: $surface; padding: 0 1; }
        #search-status { color: $text-muted; width: 1fr; height: 1; }
        #search-hint { color: $text-muted; width: 1fr; height: 1; }
        SearchResults { height: 1fr; border: none; }
        & > .search--ticket { color: $primary; text-style: bold; }
        & > .search--message { color: $msg-customer; text-style: bold; }
        & > .search--reply { color: $msg-reply; text-style: bold; }
        & > .search--note { color: $msg-note; text-style: bold; }
        & > .search--article { color: $secondary; text-style: bold; }
    }
    """

    def __init__(self, search: Callable[[str], list[SearchHit]], *, initial: str = "") -> None:
        super().__init__()
        self._search = search  # query → the first page of hits, in order; blocking (run in a worker)
        self._initial = initial
        self._timer: Timer | None = None
        self._asked = 0  # queries started; a result for an older one is dropped
        self.hits: list[SearchHit] = []
        self.shown_query = ""  # the query the results on screen answer
        self.last_ms: float | None = None  # how long the last query took (shown, and for tests)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Search tickets, messages, notes, replies and KB"
            yield Input(value=self._initial, id="search-query", max_length=200,
                        placeholder="words… (日本語, עברית and prefixes work; \"quoted phrase\")")
            yield Label("Type to search everything in the cache.", id="search-status")
            yield SearchResults(id="search-results")
            yield Label("enter open · ↓ results · / search box · esc close", id="search-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self._initial.strip():
            self._run(self._initial)

    # ----- typing
    @on(Input.Changed, "#search-query")
    def _changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._asked += 1  # a result still coming for the previous text is stale from now on
        query = event.value
        if not query.strip():
            self._show("", [])
            return
        self._timer = self.set_timer(DEBOUNCE, lambda: self._run(query))

    @on(Input.Submitted, "#search-query")
    def _submitted(self) -> None:
        results = self.query_one(SearchResults)
        if self.hits:
            results.focus()

    def on_key(self, event: Key) -> None:
        if event.key == "down" and self.query_one(Input).has_focus and self.hits:
            self.query_one(SearchResults).focus()
            event.stop()

    # ----- searching
    def _run(self, query: str) -> None:
        self._asked += 1
        asked = self._asked
        self.query_one("#search-status", Label).update(Text(f"searching “{clean_line(query)[:60]}”…"))
        self.run_worker(lambda: self._search_in_thread(query, asked), thread=True, exclusive=True, group="search",
                        exit_on_error=False)

    def _search_in_thread(self, query: str, asked: int) -> None:
        started = time.perf_counter()
        hits = self._search(query)
        elapsed = (time.perf_counter() - started) * 1000
        self.app.call_from_thread(self._arrived, query, asked, hits, elapsed)

    def _arrived(self, query: str, asked: int, hits: list[SearchHit], elapsed: float) -> None:
        if asked != self._asked or not self.is_attached:
            return  # the agent typed on (or closed the search) while this ran
        self.last_ms = elapsed
        self._show(query, hits)

    def _show(self, query: str, hits: list[SearchHit]) -> None:
        self.hits = hits
        self.shown_query = query
        status = self.query_one("#search-status", Label)
        if not query.strip():
            status.update("Type to search everything in the cache.")
        elif not hits:
            status.update(Text(f"Nothing found for “{clean_line(query)[:60]}”."))
        else:
            status.update(Text(f"{len(hits)} result{'s' if len(hits) > 1 else ''} for “{clean_line(query)[:60]}”, by kind: tickets, "
                               "messages and notes, KB"))
        results = self.query_one(SearchResults)
        results.set_options([Option(self._prompt(hit)) for hit in hits])
        results.highlighted = 0 if hits else None

    def _prompt(self, hit: SearchHit) -> Group:
        """Two lines, each cut at the width (one Text would wrap its snippet onto a third)."""
        label, component = hit_label(hit)
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(f"{label:<7}", self.get_component_rich_style(component, partial=True))
        head.append(" KB  " if hit.kind == "article" else f" #{hit.number} ", "bold")
        head.append(clean_line(hit.title), "bold")  # a stranger's subject: text, never markup
        if hit.kind == "ticket":  # the subject matched: its snippet would say it again
            return Group(head)
        snippet = Text("        ", no_wrap=True, overflow="ellipsis")
        snippet.append_text(highlighted(hit.snippet, hit.highlights))
        return Group(head, snippet)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(event, self.notify)

    # ----- choosing
    def open_highlighted(self) -> None:
        if not self.is_current:
            return  # a second enter queued behind the first: the search is already closing
        index = self.query_one(SearchResults).highlighted
        if index is not None and 0 <= index < len(self.hits):
            self.dismiss(self.hits[index])

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.is_current and 0 <= event.option_index < len(self.hits):
            self.dismiss(self.hits[event.option_index])

    def action_cancel(self) -> None:
        self._asked += 1
        self.dismiss(None)
