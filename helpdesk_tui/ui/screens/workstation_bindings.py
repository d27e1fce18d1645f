"""The workstation's keys, in the order the footer shows them.

The footer lists the focused pane's keys, then the screen's, then the app's: so the keys
that also work on other screens (quit, help, triage, focus, KPIs, sync) are repeated here,
in their place, as ``app.`` actions. The app keeps its own copy of them for the screens
that cover the workstation (triage, the dashboard).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Input, TextArea

if TYPE_CHECKING:  # the screen whose keys these are (it imports this module)
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen

# Keys that act during a focus session (F itself also starts one).
FOCUS_BINDINGS: list[BindingType] = [
    Binding("ctrl+n", "focus_done", "Done, next", id="focus.done",
            tooltip="Focus session: the served ticket is handled, serve the next one"),
    Binding("S", "focus_skip", "Skip", id="focus.skip",
            tooltip="Focus session: skip the served ticket, with a one-line reason"),
]

QUIT = Binding("ctrl+q", "app.quit", "Quit", id="app.quit", priority=True, tooltip="Quit helpdesk-tui")
HELP = Binding("question_mark", "app.help", "Help", id="app.help", tooltip="Show every key binding")
TRIAGE = Binding("t", "app.triage", "Triage", id="app.triage",
                 tooltip="Rotation triage: new and unassigned tickets, one key per action")
FOCUS = Binding("F", "app.focus_session", "Focus", id="app.focus_session",
                tooltip="Start, pause or end a focus session that serves tickets one at a time")
DASHBOARD = Binding("K", "app.dashboard", "KPIs", id="app.dashboard",
                    tooltip="How support is doing: response times, breaches, backlog, ratings")
SYNC = Binding("f5", "app.sync_now", "Sync", id="app.sync", tooltip="Sync with the helpdesk now")
ACCOUNT = Binding("ctrl+o", "app.switch_account", "Account…", id="app.switch_account", show=False,
                  tooltip="Switch to another configured account (each keeps its own cache)")
BACK = Binding("escape", "back", "Back", id="app.back", show=False,
               tooltip="Back to the previous ticket, or to the inbox")
NEXT_PANE = Binding("tab", "app.focus_next", "Next pane", id="app.focus_next", show=False,
                    tooltip="Move to the next pane")
PREVIOUS_PANE = Binding("shift+tab", "app.focus_previous", "Previous pane", id="app.focus_previous", show=False,
                        tooltip="Move to the previous pane")

WORKSTATION_BINDINGS: list[BindingType] = [
    QUIT,
    HELP,
    Binding("slash", "filter", "Filter", id="inbox.filter", priority=True,  # see TYPED_AHEAD
            tooltip="Filter the inbox: status:open priority:high assignee:me tag:billing customer:acme text"),
    Binding("1", "view('mine')", "My open", id="view.mine", show=False, tooltip="Tickets assigned to me"),
    Binding("2", "view('unassigned')", "Unassigned", id="view.unassigned", show=False,
            tooltip="Active tickets nobody owns"),
    Binding("3", "view('due')", "Due ≤ 1h", id="view.due", show=False,
            tooltip="Tickets breaching or due within an hour"),
    Binding("4", "view('waiting')", "Waiting", id="view.waiting", show=False,
            tooltip="Tickets waiting on the customer"),
    Binding("5", "view('recent')", "Recent", id="view.recent", show=False,
            tooltip="Recently updated tickets"),
    Binding("6", "view('all')", "All", id="view.all", show=False, tooltip="Every ticket"),
    Binding("r", "reply", "Reply", id="ticket.reply", tooltip="Write a public reply to the open ticket"),
    Binding("n", "note", "Note", id="ticket.note", tooltip="Write an internal note on the open ticket"),
    # In the footer only in the room the others leave (ui.widgets.fitting_footer.SPARE_ROOM):
    # at 100 columns every other key keeps its place; help and the palette always list it.
    Binding("N", "new_ticket", "New ticket", id="ticket.new",
            tooltip="Open a new ticket for a customer (an outbound message), queued through the outbox"),
    Binding("u", "undo_send", "Undo send", id="reply.undo_send",
            tooltip="Take the reply being sent back into the composer (during the send delay)"),
    Binding("ctrl+g", "knowledge_base", "KB", id="app.knowledge_base",
            tooltip="Show or hide the knowledge base sidebar"),
    Binding("l", "timeline", "Timeline", id="ticket.timeline", tooltip="Show or hide the ticket's timeline"),
    Binding("z", "zoom", "Zoom inbox", id="app.zoom", tooltip="Inbox over the whole width, or back"),
    Binding("P", "promises", "Promises", id="app.promises", show=False,
            tooltip="List the promised updates overdue or coming due; Enter opens the ticket"),
    TRIAGE,
    FOCUS,
    *FOCUS_BINDINGS,
    DASHBOARD,
    SYNC,
    ACCOUNT,
    # Near the end of the footer: at 100 columns the keys above keep their place (it shows from 160).
    Binding("number_sign,colon", "jump", "Jump", id="app.jump", priority=True,  # see TYPED_AHEAD
            tooltip="Open any cached ticket by its number: # 10015 enter (also outside the view)"),
    # ctrl+f pages the inbox down and / filters it: the search of everything has its own key.
    Binding("ctrl+k", "search", "Search", id="app.search", priority=True,  # see TYPED_AHEAD
            tooltip="Search tickets, messages, internal notes, past replies and KB articles"),
    # Last in the footer, after the jump and search: on a wide terminal, or in help and the palette (m).
    Binding("m", "macro", "Macro", id="ticket.macro",
            tooltip="Apply a macro: pick it, see what changes, then apply; in the inbox, to the marked "
                    "tickets (or the one under the cursor)"),
    Binding("U", "undo_macro", "Undo macro", id="ticket.undo_macro",
            tooltip="Take the last macro's changes back while they are still queued"),
    BACK,
    NEXT_PANE,
    PREVIOUS_PANE,
]

# The app-wide keys, bound on the app for the screens that cover the workstation.
APP_BINDINGS: list[BindingType] = [QUIT, HELP, TRIAGE, FOCUS, DASHBOARD, SYNC, ACCOUNT, BACK, NEXT_PANE,
                                   PREVIOUS_PANE]

# Keys that open a box to type in. A terminal delivers "/status:open⏎" in one burst, and the
# app hands each key to the widget focused when it reads it: a plain binding runs later, in the
# inbox's own queue, so the rest of the burst reached the inbox ('s' status, 't' triage, 'a'
# take, ':' jump). As priority bindings they run before the app reads the next key (and the box
# takes the focus at once). Off while the focus is in a text box, where they are text.
TYPED_AHEAD = frozenset({"jump", "filter", "search"})

# Keys that act on the workstation's panes: off (and out of the footer) while a full
# screen such as triage or the dashboard covers them, so they cannot act unseen.
PANE_ACTIONS = frozenset({"filter", "jump", "search", "view", "view_key", "reply", "note", "knowledge_base",
                          "timeline", "zoom", "focus_done", "focus_skip", "undo_send", "promises", "macro",
                          "undo_macro", "bulk", "undo_bulk", "clear_marks"})


def key_is_off(screen: WorkstationScreen, action: str) -> bool:
    """Whether the workstation's ``action`` is off now (and out of the footer)."""
    if action in TYPED_AHEAD and isinstance(screen.app.focused, (Input, TextArea)):
        return True  # a priority key would take the character from the text box
    if action in PANE_ACTIONS and not _shown(screen):
        return True
    if action == "undo_send" and not screen.holds.sends:
        return True  # out of the footer until something is held
    if action == "undo_macro" and screen.macros.last is None:
        return True  # out of the footer until a macro's changes are queued
    if action in ("focus_done", "focus_skip") and screen.focus_sessions.session is None:
        return True  # the session keys show in the footer only while a session runs
    return False


def _shown(screen: WorkstationScreen) -> bool:
    """The screen is on top, or only modal dialogs cover it."""
    stack = screen.app.screen_stack
    return screen in stack and all(isinstance(s, ModalScreen) for s in stack[stack.index(screen) + 1:])
