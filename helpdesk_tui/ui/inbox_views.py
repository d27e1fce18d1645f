"""The inbox's view, filter and counts: which tickets the list shows, the rest loaded in a worker."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import Worker

from helpdesk_tui.content import clean_line
from helpdesk_tui.domain.query import Filter, FilterError, View, builtin_views, describe, parse_filter
from helpdesk_tui.services.types import Cache, InboxQuery
from helpdesk_tui.services.tickets import view_query
from helpdesk_tui.ui.layout import pane_widths
from helpdesk_tui.ui.widgets.inbox_list import InboxList
from helpdesk_tui.ui.widgets.view_bar import view_bar_text

FIRST_PAGE = 200


class InboxViews:
    """Keeps the inbox list, its title and the view bar in step with the view and the filter."""

    def __init__(self, cache: Cache, *, me: str, now: Callable[[], datetime], default_view: str, host: Widget,
                 narrow: Callable[[], bool], run_worker: Callable[..., Worker[Any]],
                 call_from_thread: Callable[..., Any], listed: Callable[[int], None],
                 views: list[View] | None = None, notify: Callable[..., object] | None = None) -> None:
        self._cache = cache
        self._me = me
        self._now = now
        self._host = host  # where the inbox list and the view bar are
        self._narrow = narrow  # the inbox is about 30 columns wide: shorter titles
        self._run_worker = run_worker
        self._call_from_thread = call_from_thread
        self._listed = listed  # the whole list is in (its length)
        self.views: list[View] = views if views is not None else builtin_views(me)  # built-ins first
        self.view: View = self.by_id(default_view)
        self.filter: Filter = Filter()
        self.counts: dict[str, int] = {}
        self._notify = notify  # says how many marks a change of view or filter cleared
        self._shown: tuple[str, Filter] | None = None  # the view and filter the list shows

    def by_id(self, view_id: str) -> View:
        return next((v for v in self.views if v.id == view_id), self.views[-1])

    def by_key(self, key: str) -> View | None:
        return next((v for v in self.views if v.key == key), None)

    def add(self, view: View) -> None:
        """A view just saved: in the bar at once (in place of one of the same name), and shown."""
        at = next((i for i, v in enumerate(self.views) if v.id == view.id), len(self.views))
        self.views[at:at + 1] = [view]
        self.show(view)

    def current_query(self) -> InboxQuery:
        return view_query(self.view, self._now(), self.filter)

    def show(self, view: View, *, keep: int | None = None) -> None:
        """Draw the first page at once, then load the whole list and the counts in the background.

        A saved view is index-backed and its first page takes a millisecond. A filter the
        agent typed (words, customers, tags) can take a few hundred on a million tickets,
        so it runs only in the worker and the list updates when it is done.
        """
        self.view = view
        query = self.current_query()
        inbox = self._host.query_one(InboxList)
        shown = (view.id, self.filter)
        if self._shown is not None and shown != self._shown:
            self._clear_marks(inbox)
        self._shown = shown
        if not self.filter:
            inbox.set_ids(self._cache.inbox_ids(query, limit=FIRST_PAGE), keep=keep)
            self.update_title(None if len(inbox.ids) >= FIRST_PAGE else len(inbox.ids))
        else:
            self.update_title(None)
        self.render_viewbar()
        # Started once the first page is on screen: the worker holds the GIL for every id it
        # reads (a million at 1M), and started at once it slowed the frame it follows.
        self._host.call_after_refresh(lambda: self._run_worker(
            lambda: self._load_all_ids(query, keep), thread=True, exclusive=True, group="inbox-ids",
            exit_on_error=False))

    def _clear_marks(self, inbox: InboxList) -> None:
        """Another view or filter: the marks go (an action must not reach tickets no longer
        shown), and the agent is told how many first."""
        count = inbox.clear_marks()
        if count and self._notify is not None:
            self._notify(f"{count} marked {'ticket' if count == 1 else 'tickets'} unmarked: the view changed.",
                         timeout=4)

    def _load_all_ids(self, query: InboxQuery, keep: int | None) -> None:
        ids = self._cache.inbox_ids(query)
        self._call_from_thread(self._apply_ids, query, ids, keep)
        counts = {v.id: self._cache.inbox_count(view_query(v, self._now())) for v in self.views}
        self._call_from_thread(self._apply_counts, counts)

    def _apply_ids(self, query: InboxQuery, ids: array[int], keep: int | None) -> None:
        if query != self.current_query():
            return  # the agent moved on to another view or filter meanwhile
        inbox = self._host.query_one(InboxList)
        inbox.set_ids(ids, keep=inbox.current_id if inbox.current_id is not None else keep)
        self.update_title(len(ids))
        self._listed(len(ids))

    def _apply_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.render_viewbar()

    def update_title(self, total: int | None) -> None:
        shown = f"{total:,}" if total is not None else "…"
        narrow = self._narrow()
        title = f"{self.view.title} · {shown}" if narrow else f"Inbox · {self.view.title} · {shown}"
        if self.filter:
            title += f" · {describe(self.filter)}" if narrow else f" · filter: {describe(self.filter)}"
        # A Text is never parsed as markup; cleaned, since a session's stored filter is user text too.
        self._host.query_one(InboxList).border_title = Text(clean_line(title))

    def render_viewbar(self) -> None:
        short = pane_widths(self._host.size.width, inbox_only=False, kb=False).short_labels
        marked = len(self._host.query_one(InboxList).marked)
        self._host.query_one("#viewbar", Static).update(view_bar_text(self.views, self.counts, self.view,
                                                                      short=short, marked=marked))

    # ----- the filter box (/)
    def open_filter_box(self) -> None:
        box = self._host.query_one("#filter", Input)
        box.display = True
        box.value = describe(self.filter)
        # At once, not with focus() (a callback queued behind the keys typed after '/'): see TYPED_AHEAD.
        box.screen.set_focus(box)

    def filter_typed(self, box: Input, text: str, notify: Callable[..., object]) -> None:
        """The agent pressed enter in the filter box: the list narrowed by it, or why it cannot be read."""
        try:
            # A pasted filter can hold escape sequences: they would reach the terminal in the title.
            self.filter = parse_filter(clean_line(text), me=self._me)
        except FilterError as exc:
            # The sentence quotes what was typed ("Unknown status '[/]'"): plain text, never markup.
            notify(clean_line(str(exc)), severity="error", title="Filter", markup=False)
            return
        box.display = False
        self.show(self.view)
        self._host.query_one(InboxList).focus()

    def clear_filter(self) -> None:
        self.filter = Filter()
        self.show(self.view)

    def empty_reason(self) -> str:
        """Why the list is empty, in the ticket pane's words."""
        if self.filter:
            return f"No ticket matches the filter “{describe(self.filter)}”. Press / to change it."
        return f"No ticket in “{self.view.title}”."


def taken_keys(bindings: Iterable[BindingType], keymap: Mapping[str, str]) -> set[str]:
    """The keys ``bindings`` use once the user's ``[keymap]`` is applied (a view cannot have them)."""
    keys: set[str] = set()
    for binding in bindings:
        if isinstance(binding, Binding):
            given = keymap.get(binding.id or "", binding.key)
            keys.update(key.strip() for key in given.split(",") if key.strip())
    return keys


def workstation_keys(keymap: Mapping[str, str]) -> set[str]:
    """The keys of the workstation and of its panes: a view's key must be none of these."""
    from helpdesk_tui.ui.screens.workstation_bindings import WORKSTATION_BINDINGS
    from helpdesk_tui.ui.widgets.customer_pane import HistoryList, NotesList
    from helpdesk_tui.ui.widgets.kb_sidebar import KbResults
    from helpdesk_tui.ui.widgets.thread_view import ThreadView

    return taken_keys([*WORKSTATION_BINDINGS, *InboxList.BINDINGS, *ThreadView.BINDINGS, *NotesList.BINDINGS,
                       *HistoryList.BINDINGS, *KbResults.BINDINGS], keymap)


def usable_views(views: Iterable[View], taken: set[str]) -> tuple[list[View], list[str]]:
    """The views whose key is free, and one sentence for each left out because its key is taken."""
    usable: list[View] = []
    warnings: list[str] = []
    for view in views:
        if view.key in taken:
            warnings.append(f"In [views], view {view.title!r} takes key {view.key}, which the workstation already "
                            "uses, so it was left out: give it another key.")
        else:
            usable.append(view)
    return usable, warnings
