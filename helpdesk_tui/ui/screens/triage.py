"""Rotation triage: the tickets nobody owns yet in SLA order, one key per action.

Every action goes through the outbox (it works offline and is sent once), on the ticket
under the cursor or on every marked one. ``u`` takes back the last key press while its
items are still queued. The side panel keeps the rotation's tally.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from helpdesk_tui.compose.templates import TemplateLoadResult

from helpdesk_tui.ui.widgets.fitting_footer import FittingFooter
from helpdesk_tui.content import clean_line, render_body, safe_line
from helpdesk_tui.domain.models import InboxRow
from helpdesk_tui.domain.triage import ACTION_LABELS, RotationSummary, describe_summary, priority_for_key
from helpdesk_tui.services import bulk
from helpdesk_tui.services.bulk import BulkAction
from helpdesk_tui.services.types import ActionResult, Cache, LoggedAction, TriageDesk, TriageError
from helpdesk_tui.ui.bulk_actions import BATCH_ON_UI_THREAD, ActionPrompts, BatchRunner
from helpdesk_tui.ui.formatting import when
from helpdesk_tui.ui.screens.triage_escalation import Escalation
from helpdesk_tui.ui.widgets.triage_list import TriageList
from helpdesk_tui.ui.worker_errors import report_failed_worker

QUEUE_PAGE = 500  # the queue shows its most urgent tickets; the title says how many wait in all
PREVIEW_CHARS = 4000
REFRESH_SECONDS = 30
__all__ = ["BATCH_ON_UI_THREAD", "TriageLinks", "TriageScreen"]  # the batch size, where tests look for it


@dataclass(frozen=True)
class TriageLinks:
    """What the triage screen needs from the workstation behind it, named one by one."""

    cache: Cache  # the escalation note quotes the ticket, its thread and its customer
    live: bool  # refresh the queue every REFRESH_SECONDS
    helpdesk_label: str  # "Zendesk has no tags: …"
    templates: Callable[[], TemplateLoadResult]
    tz: tzinfo
    drain_outbox: Callable[[], Worker[Any]]  # send what triage queued, as replies are sent
    reload_ticket: Callable[[int], None]  # the workstation behind shows the change too
    # Back at the workstation: the ticket to open (or None) and then "reply", "note" or "".
    on_close: Callable[[int | None, str], None]


class TriageCommands(Provider):
    """The triage keys in the command palette, as "Triage: Take", "Triage: Escalate", …"""

    def _commands(self):
        screen = self.screen
        for binding in TriageScreen.BINDINGS:
            name = f"Triage: {binding.description.rstrip('…')}"
            yield name, binding.tooltip, partial(screen.call_later, screen.run_action, binding.action)

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class TriageScreen(Screen[None]):
    COMMANDS = {TriageCommands}

    BINDINGS = [
        Binding("a", "take", "Take", id="triage.take", tooltip="Assign the ticket (or the marked ones) to me"),
        Binding("A", "assign", "Assign…", id="triage.assign", tooltip="Assign to a colleague you pick"),
        Binding("1", "priority('1')", "Urgent", id="triage.priority_1", show=False, tooltip="Priority urgent"),
        Binding("2", "priority('2')", "High", id="triage.priority_2", show=False, tooltip="Priority high"),
        Binding("3", "priority('3')", "Normal", id="triage.priority_3", show=False, tooltip="Priority normal"),
        Binding("4", "priority('4')", "Low", id="triage.priority_4", show=False, tooltip="Priority low"),
        Binding("s", "status", "Status…", id="triage.status", tooltip="Set the status"),
        Binding("number_sign,plus", "tag", "Tag…", id="triage.tag", tooltip="Add a tag"),
        Binding("f", "feedback", "Feedback", id="triage.feedback",
                tooltip="Mark the customer's latest message as product feedback (tag product-feedback)"),
        Binding("e", "escalate", "Escalate…", id="triage.escalate",
                tooltip="Hand over to an expert or a group with an internal note of what was checked"),
        Binding("space", "mark", "Mark", id="triage.mark", tooltip="Mark or unmark; keys then act on every mark"),
        Binding("u", "undo", "Undo", id="triage.undo", tooltip="Take back the last action while it is still queued"),
        Binding("enter", "open", "Open", id="triage.open", tooltip="Open the ticket in the workstation"),
        Binding("r", "open('reply')", "Reply", id="triage.reply", show=False,
                tooltip="Open the ticket in the workstation and write a reply"),
        Binding("n", "open('note')", "Note", id="triage.note", show=False,
                tooltip="Open the ticket in the workstation and write an internal note"),
        Binding("ctrl+n", "new_rotation", "New rotation", id="triage.new_rotation", show=False,
                tooltip="End this rotation's tally and start a new one"),
        Binding("escape", "close", "Back", id="triage.back", tooltip="Back to the workstation"),
    ]

    DEFAULT_CSS = """
    TriageScreen {
        #triage-top { height: 1; background: $primary-background; color: $text; }
        #triage-main { height: 1fr; }
        #triage-list { height: 1fr; border: round $primary 50%; &:focus { border: round $accent; } }
        #triage-preview-box { height: 40%; border: round $primary 50%; }
        #triage-side { width: 44; border: round $primary 50%; padding: 0 1; }
        #triage-recent { margin-top: 1; }
    }
    """

    def __init__(self, desk: TriageDesk, links: TriageLinks, *, now: Callable[[], datetime],
                 experts: tuple[str, ...] = (), groups: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.desk = desk
        self.links = links
        self.now = now
        self.experts = experts
        self.groups = groups
        self.total = 0
        self.summary = RotationSummary(0, {})
        # The pickers and the runner are the inbox's too (ui.bulk_actions): same questions, same batches.
        self.prompts = ActionPrompts(desk, experts=experts, push_screen=self._push, notify=self.notify)
        self.runner = BatchRunner(run_worker=self.run_worker, call_from_thread=self._from_thread, notify=self.notify,
                                  done=self._after, group="triage-batch", nothing="Nothing to act on: the queue is empty.")
        self.escalation = Escalation(desk, links, now=now, experts=experts, groups=groups, notify=self.notify,
                                     push_screen=self._push, targets=self._targets,
                                     person_label=self._person_label, row=self._row, run=self._run)

    @property
    def _busy(self) -> bool:
        """A batch is being applied in a worker."""
        return self.runner.busy

    def _from_thread(self, callback: Callable[..., Any], *args: Any) -> Any:
        return self.app.call_from_thread(callback, *args)

    def _push(self, screen: Screen[Any], callback: Callable[[Any], None] | None = None) -> None:
        self.app.push_screen(screen, callback)

    def action_escalate(self) -> None:
        self.escalation.start()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if report_failed_worker(event, self.notify) and event.worker.group == self.runner.group:
            self.runner.failed()  # the next key may act again

    # ----- layout and loading
    def compose(self) -> ComposeResult:
        yield Static(id="triage-top")
        with Horizontal(id="triage-main"):
            with Vertical():
                yield TriageList(self.now, id="triage-list")
                with VerticalScroll(id="triage-preview-box"):
                    yield Static(id="triage-preview")
            with Vertical(id="triage-side"):
                yield Static(id="triage-summary")
                yield Static(id="triage-recent")
        yield FittingFooter()

    @property
    def queue(self) -> TriageList:
        return self.query_one(TriageList)

    def on_mount(self) -> None:
        self.query_one("#triage-side").border_title = "This rotation"
        self.query_one("#triage-preview-box").border_title = "First message"
        self.queue.border_title = "Triage"
        self.queue.focus()
        self.load_queue()
        if self.links.live:
            # SLA clocks are relative to now, and a background sync may bring new tickets.
            self.set_interval(REFRESH_SECONDS, lambda: self.load_queue(keep=self.queue.current_id))

    @work(thread=True, exclusive=True, group="triage-queue", exit_on_error=False)
    def load_queue(self, keep: int | None = None) -> None:
        ids = self.desk.queue_ids(limit=QUEUE_PAGE)
        rows = self.desk.rows(ids)
        total = self.desk.queue_count() if len(ids) >= QUEUE_PAGE else len(ids)
        summary, recent = self.desk.summary(), self.desk.recent()
        self.app.call_from_thread(self._show_queue, rows, total, summary, recent, keep)

    def _show_queue(self, rows: list[InboxRow], total: int, summary: RotationSummary,
                    recent: list[LoggedAction], keep: int | None) -> None:
        self.total, self.summary = total, summary
        self.queue.set_rows(rows, keep=keep)
        shown = f"{total:,}" if total <= len(rows) else f"first {len(rows):,} of {total:,}"
        self.queue.border_title = f"Triage · new and unassigned · {shown}"
        self._render_side(summary, recent)
        self._render_top()
        self._preview(self.queue.current_id)

    def _render_top(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.links.cache.account} ", "bold reverse")
        text.append("  Rotation triage  ")
        text.append(f"{self.total:,} waiting", "bold")
        text.append(f"  ·  rotation since {when(self.desk.rotation.started_at, self.now())}", "dim")
        marked = len(self.queue.marked)
        if marked:
            text.append(f"  ·  {marked} marked", "bold")
        counts = self.links.cache.outbox_counts()
        waiting = counts.get("queued", 0) + counts.get("sending", 0)
        if waiting:
            text.append(f"  ↑{waiting} queued", "bold")
        if counts.get("failed"):
            text.append(f"  ✗{counts['failed']} failed", "bold reverse")
        self.query_one("#triage-top", Static).update(text)

    def _render_side(self, summary: RotationSummary, recent: list[LoggedAction]) -> None:
        head = Text()
        head.append(f"{summary.tickets} handled", "bold")
        head.append("\n" + (describe_summary(summary).split(" — ", 1)[-1] if summary.tickets else "nothing yet"))
        self.query_one("#triage-summary", Static).update(head)
        lines = Text()
        if recent:
            lines.append("Latest\n", "bold")
        for item in recent:
            style = "dim strike" if item.undone else ""
            lines.append(f"#{item.number} ", style or "bold")
            # Names in it come from the cache: appended as plain Text (never markup), cleaned.
            lines.append(clean_line(item.what or ACTION_LABELS.get(item.action, item.action)) + "\n", style)
        self.query_one("#triage-recent", Static).update(lines)

    @on(TriageList.Highlighted)
    def _highlighted(self, event: TriageList.Highlighted) -> None:
        self._preview(event.ticket_id)

    def _preview(self, ticket_id: int | None) -> None:
        box = self.query_one("#triage-preview-box")
        preview = self.query_one("#triage-preview", Static)
        if ticket_id is None:
            box.border_title = "First message"
            preview.update(Text("Nothing waits for triage." if not self.queue.rows else ""))
            return
        row = self._row(ticket_id)
        message = self.desk.first_message(ticket_id)
        title = Text(f"#{row.number} " if row else "")
        title.append_text(safe_line(row.subject if row else ""))
        box.border_title = title
        if message is None:
            preview.update(Text("No message from the customer yet.", "dim"))
            return
        text = Text()
        text.append_text(safe_line(message.author, "bold"))
        text.append(f"  {when(message.created_at, self.now())}\n\n", "dim")
        text.append_text(render_body(message.body[:PREVIEW_CHARS], message.body_format))
        preview.update(text)
        box.scroll_home(animate=False)

    # ----- which tickets a key acts on
    def _targets(self) -> list[int]:
        queue = self.queue
        if queue.marked:
            return [r.id for r in queue.rows if r.id in queue.marked]
        return [queue.current_id] if queue.current_id is not None else []

    def _row(self, ticket_id: int) -> InboxRow | None:
        return next((r for r in self.queue.rows if r.id == ticket_id), None)

    def _run(self, act: Callable[[list[int]], list[ActionResult]], what: str,
             targets: list[int] | None = None) -> None:
        self.runner.run(act, what, self._targets() if targets is None else targets)

    def _act(self, action: BulkAction) -> None:
        """Apply one of the actions triage shares with the inbox to the targets."""
        self._run(lambda ids: action.run(self.desk, ids, self.now()), action.what())

    def _after(self, results: list[ActionResult], what: str, targets: list[int]) -> None:
        if not results:
            self.notify(clean_line(bulk.nothing_changed(what)), markup=False)
            return
        # "assigned to <name>": a name from the server or typed, with whatever escapes it holds.
        self.notify(clean_line(bulk.queue_sentence(results, what, targets)), markup=False, timeout=4)
        if any(r.local_only for r in results):
            self.notify(bulk.local_tags_warning(self.links.helpdesk_label), severity="warning", markup=False,
                        timeout=8)
        # Tickets that left go at once, so the next key acts on the next ticket even before
        # the reload below brings the fresh rows.
        gone = {r.ticket_id for r in results if r.left_queue}
        current = self.queue.current_id
        self.queue.marked.clear()
        self.queue.set_rows([row for row in self.queue.rows if row.id not in gone],
                            keep=None if current in gone else current)
        self._touched([r.ticket_id for r in results], self.queue.current_id)
        self._drain()

    def _touched(self, ticket_ids: list[int], keep: int | None) -> None:
        for ticket_id in ticket_ids:
            self.links.reload_ticket(ticket_id)  # the workstation behind shows the change too
        self.load_queue(keep=keep)

    def _drain(self) -> None:
        """Send what was queued, as replies are sent; offline it simply waits in the outbox."""
        worker = self.links.drain_outbox()
        self.run_worker(self._after_drain(worker), group="triage-drain", exit_on_error=False)

    async def _after_drain(self, worker) -> None:
        try:
            await worker.wait()
        except (WorkerCancelled, WorkerFailed):  # a newer drain, or failed: the workstation says so
            return
        self._render_top()

    # ----- the actions (take, assign, priority, status and tag are the inbox's too)
    def action_take(self) -> None:
        self._act(bulk.take(self.desk))

    def action_assign(self) -> None:
        if self._targets():
            self.prompts.assign(self._act)

    def _person_label(self, name: str) -> Text:
        return self.prompts.person_label(name)

    def action_priority(self, key: str) -> None:
        priority = priority_for_key(key)
        if priority is not None:
            self._act(bulk.set_priority(priority))

    def action_status(self) -> None:
        if self._targets():
            self.prompts.status(self._act)

    def action_tag(self) -> None:
        if self._targets():
            self.prompts.tag(self._act)

    def action_feedback(self) -> None:
        self._run(lambda ids: self.desk.mark_feedback(ids, self.now()), "marked as product feedback")

    def action_mark(self) -> None:
        self.queue.toggle_mark()
        self.queue.action_cursor_down()
        self._render_top()

    def action_undo(self) -> None:
        try:
            undone = self.desk.undo(self.now())
        except TriageError as exc:
            self.notify(clean_line(str(exc)), severity="warning", markup=False, timeout=6)
            return
        numbers = ", ".join(f"#{n}" for n in undone.numbers)
        message = f"Undone: {ACTION_LABELS.get(undone.action, undone.action)} {numbers}."
        if undone.kept:
            message += f" Changed again since, left as is: {', '.join(undone.kept)}."
        self.notify(clean_line(message), markup=False)
        self._touched(undone.ticket_ids, undone.ticket_ids[0])  # back on the ticket it took back

    def action_open(self, then: str = "") -> None:
        """Back to the workstation on the ticket; ``then`` "reply" or "note" opens the composer."""
        ticket_id = self.queue.current_id
        if ticket_id is None:
            return
        self._close(ticket_id, then)

    def action_close(self) -> None:
        self._close(None)

    def _close(self, ticket_id: int | None, then: str = "") -> None:
        self.app.pop_screen()
        self.links.on_close(ticket_id, then)

    def action_new_rotation(self) -> None:
        before = self.summary
        self.desk.start_new_rotation(self.now())
        self.notify(f"New rotation started; the last one ({describe_summary(before)}) stays in the log.",
                    markup=False)
        self.load_queue(keep=self.queue.current_id)
