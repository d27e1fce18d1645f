"""The workstation's entries in the command palette, named "group: Action" like its keys."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.markup import escape

from helpdesk_tui.content import clean_line

if TYPE_CHECKING:
    from helpdesk_tui.ui.screens.workstation import WorkstationScreen


def workstation_commands(screen: WorkstationScreen) -> Iterable[SystemCommand]:
    """Inbox, ticket, reply, KB and layout entries (the app adds the themes after them)."""
    for view in screen.inbox_views.views:
        # The palette reads titles as markup; the agent's own view names are plain text.
        title = escape(clean_line(view.title))
        yield SystemCommand(f"Inbox: {title}", f"Show the {title} view (key {view.key})",
                            lambda v=view.id: screen.action_view(v))
    yield SystemCommand("Inbox: Filter…", "Filter the inbox by status, priority, assignee, tag, "
                        "customer and words", screen.action_filter)
    yield SystemCommand("Inbox: Clear filter", "Show the whole view again", screen.action_clear_filter)
    yield SystemCommand("Inbox: Save filter as view…", "Keep the current filter as a view with a name and a key "
                        "(\\[views] in the settings file)", screen.action_save_view)
    for kind, name, help_text in (
            ("take", "Take", "Assign the marked tickets (or the one under the cursor) to me (a)"),
            ("assign", "Assign…", "Assign the marked tickets (or the one under the cursor) to a colleague (A)"),
            ("status", "Status…", "Set the status of the marked tickets (or the one under the cursor) (s)"),
            ("priority", "Priority…", "Set the priority of the marked tickets (or the one under the cursor) (p)"),
            ("tag", "Tag…", "Tag the marked tickets (or the one under the cursor) (+)")):
        yield SystemCommand(f"Inbox: {name}", help_text, lambda k=kind: screen.action_bulk(k))
    yield SystemCommand("Inbox: Apply macro…", "Apply a macro to the marked tickets (or the one under the cursor): "
                        "pick it, see what changes on each, then apply (m in the inbox)", screen.action_inbox_macro)
    yield SystemCommand("Inbox: Undo last action", "Take back the last inbox action or macro while it is still queued (U)",
                        screen.action_undo_bulk)
    yield SystemCommand("Inbox: Clear marks", "Unmark every marked ticket (esc)", screen.action_clear_marks)
    yield SystemCommand("Ticket: Jump to number…", "Open any cached ticket by its number (# or :)", screen.action_jump)
    yield SystemCommand("Search: Everything…", "Tickets, messages, internal notes, past replies and KB articles "
                        "(ctrl+k)", screen.action_search)
    yield SystemCommand("Ticket: Reply", "Write a public reply (r)", screen.action_reply)
    yield SystemCommand("Ticket: Internal note", "Write an internal note (n)", screen.action_note)
    yield SystemCommand("Ticket: Apply macro…", "Pick a macro, see exactly what it changes, then apply it (m)",
                        screen.action_macro)
    yield SystemCommand("Ticket: Undo macro", "Take the last macro's changes back while they are still queued (U)",
                        screen.action_undo_macro)
    yield SystemCommand("Ticket: New ticket…", "Open a ticket for a customer, queued through the outbox (N)",
                        screen.action_new_ticket)
    yield SystemCommand("Reply: Discard draft", "Throw away the open ticket's draft (asks first)",
                        screen.action_discard_draft)
    yield SystemCommand("Reply: Undo send", "Take the reply being sent back into the composer, during the "
                        "send delay (u)", screen.action_undo_send)
    yield SystemCommand("Knowledge base: Toggle sidebar", "Search articles and past answers (ctrl+g)",
                        screen.action_knowledge_base)
    yield SystemCommand("Ticket: Next attachment", "Select the open ticket's next attachment in the thread "
                        "(a; then v view, o open, s save)", screen.action_next_attachment)
    yield SystemCommand("Ticket: Toggle timeline", "Show or hide the open ticket's timeline (l)",
                        screen.action_timeline)
    yield SystemCommand("Ticket: Mark as product feedback", "Mark the customer's latest message for "
                        "product, with a note ('insights export' lists it)", screen.action_mark_feedback)
    yield SystemCommand("Ticket: Record satisfaction rating", "Good or bad, with the customer's comment, "
                        "recorded here (beside any the helpdesk has)", screen.action_record_rating)
    yield SystemCommand("Ticket: Back", "Back to the previous ticket (esc)", screen.action_back)
    yield SystemCommand("Layout: Zoom inbox", "Inbox over the whole width, or back (z)", screen.action_zoom)


def session_commands(screen: WorkstationScreen) -> Iterable[SystemCommand]:
    """Sync and focus-session entries (after the themes)."""
    yield SystemCommand("Sync: Sync now", "Send the outbox and pull changes (F5)", screen.action_sync_now)
    yield from screen.focus_sessions.commands()
