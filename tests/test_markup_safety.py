"""No outside text is ever read as markup, or reaches the terminal as escapes (issue 9).

Typed filters, ticket subjects, customer and organisation names, tags, assignees, groups and
theme names are shown verbatim wherever they appear, and none of them can crash the app
(``[/]`` closes nothing: Textual raises MarkupError while painting) or act (``[@click=...]``).
Escape sequences in the same fields (or pasted into a filter) are dropped before they are
shown, put into a dialog or a reply.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual import events

from helpdesk_tui.config.settings import AgentSettings, Settings, UISettings
from helpdesk_tui.store import writer
from helpdesk_tui.store.cache import Cache
from helpdesk_tui.store.focus_sessions import FocusStore
from helpdesk_tui.store.db import open_database, transaction
from helpdesk_tui.ui.screens.focus_start import FocusPlan, FocusStartScreen
from helpdesk_tui.ui.screens.triage import TriageScreen
from helpdesk_tui.ui.screens.triage_pickers import ChoicePicker

from tests.conftest import DEMO_NOW
from tests.factories import Builder
from tests.ui_support import make_app, screen_text, settle

SIZE = (200, 50)
CLOSE_ALL = "[/]"
STYLED = "[red]x[/red]"
CLICK = "[@click=app.quit]q[/]"

SUBJECT = f"{CLOSE_ALL} {STYLED} [bold]x"  # "[bold]x": a focus filter below finds it
CUSTOMER = f"Ana {CLICK}"
ORG = f"Org {STYLED}"
GROUP = f"Grp {CLOSE_ALL}"
TAG = f"t{STYLED}"
ASSIGNEE = f"Bob {CLICK}"
OTHER_SUBJECT = f"Mine {CLICK}"


def hostile_cache(tmp_path):
    """Two tickets whose every stranger-written field looks like markup: one unassigned (it
    is in the triage queue), one assigned to an agent named like markup (the dashboard)."""
    b = Builder()
    org = b.org(ORG)
    customer = b.customer(CUSTOMER, org=org, email="ana@example.com")
    waiting = b.ticket(SUBJECT, customer=customer, assignee=None, group=GROUP, tags=(TAG, CLOSE_ALL))
    taken = b.ticket(OTHER_SUBJECT, customer=customer, assignee=ASSIGNEE, age=timedelta(hours=3))
    path = tmp_path / "acct.sqlite"
    conn = open_database(path)
    with transaction(conn):
        writer.save_organizations(conn, [org])
        writer.save_customers(conn, [customer])
        writer.save_tickets(conn, [waiting, taken])
        writer.save_messages(conn, [b.message(waiting, "Hello"), b.message(taken, "Hi")])
    conn.close()
    return path, waiting, taken


def hostile_app(tmp_path, user_themes=None):
    path, waiting, taken = hostile_cache(tmp_path)
    settings = Settings(agent=AgentSettings(name="you"), ui=UISettings(clock=False))
    return make_app(path, tmp_path, settings=settings, user_themes=user_themes), waiting, taken


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


# ----- what the agent types


@pytest.mark.parametrize("typed, said", [
    ("status:[/]", "Unknown status '[/]'"),
    ("status:[bold]x", "Unknown status '[bold]x'"),
    ("priority:[@click=app.quit]q[/]", "Unknown priority '[@click=app.quit]q[/]'"),
])
async def test_a_filter_error_quotes_what_was_typed_verbatim_and_the_app_keeps_running(tmp_path, typed, said):
    app, _, _ = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *typed, "enter")
        await settle(pilot, app)
        assert app.is_running
        assert said in screen_text(app)  # the toast, painted: "[bold]" was not eaten
        assert any(said in toast for toast in toasts(app))


@pytest.mark.parametrize("filter_text", ["[/]", "[bold]x"])
async def test_a_focus_session_on_a_filter_that_looks_like_markup_shows_the_filter_verbatim(tmp_path, filter_text):
    app, _, _ = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("F")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FocusStartScreen)
        dialog.query_one("#focus-view").value = "all"
        dialog.query_one("#focus-filter").value = filter_text
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert app.is_running and app.workstation.focus_sessions.session is not None
        assert app.workstation.focus_sessions.served is not None  # the filter found the ticket whose subject holds it
        assert f"filter: {filter_text}" in screen_text(app)  # the inbox's title
        for _ in range(3):  # serve and end the queue: every step toasts
            app.workstation.action_focus_done()
            await settle(pilot, app)
        assert app.is_running


@pytest.mark.parametrize("typed", ["status:[/]", "status:[bold]x"])
async def test_a_focus_start_the_store_refuses_is_one_literal_toast(tmp_path, typed):
    """The dialog checks the filter first; the store checks again (another process, an older
    dialog): its refusal quotes the filter and must reach the toast as plain text."""
    app, _, _ = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, FocusStartScreen)
        app.screen.dismiss(FocusPlan(50, "all", typed))  # what the dialog hands over, unchecked
        await settle(pilot, app)
        assert app.is_running and app.workstation.focus_sessions.session is None
        said = f"Unknown status '{typed.removeprefix('status:')}'"
        assert said in screen_text(app)
        assert any(said in toast for toast in toasts(app))


async def test_the_focus_dialog_quotes_a_bad_filter_verbatim(tmp_path):
    app, _, _ = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("F")
        await pilot.pause()
        app.screen.query_one("#focus-filter").value = "status:[/]"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert app.is_running and isinstance(app.screen, FocusStartScreen)
        assert "Unknown status '[/]'" in screen_text(app)


ESCAPES = "\x1b]0;PWNED\x07\x1b[2J\u009b31m"


def no_escapes(text: str) -> bool:
    return not any(c in text for c in "\x1b\x07\u009b")


async def test_a_pasted_filter_with_escape_sequences_never_reaches_the_terminal(tmp_path):
    app, _, taken = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        await pilot.pause()
        app.query_one("#filter").post_message(events.Paste(f"Mine {ESCAPES}"))
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot, app)
        text = screen_text(app)
        assert "filter: Mine" in text and f"#{taken.number}" in text  # the words still filter
        assert no_escapes(text), [line for line in text.splitlines() if not no_escapes(line)]


async def test_a_focus_filter_with_escape_sequences_is_stored_and_shown_clean(tmp_path):
    app, _, _ = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("F")
        await pilot.pause()
        app.screen.query_one("#focus-view").value = "all"
        app.screen.query_one("#focus-filter").value = f"Mine {ESCAPES}"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert app.workstation.focus_sessions.session is not None and app.workstation.focus_sessions.session.filter == "Mine"
        assert no_escapes(screen_text(app))


async def test_a_session_stored_with_escapes_in_its_filter_resumes_with_a_clean_title(tmp_path):
    """A cache written before filters were cleaned (or by another tool) still holds them; BEL
    and an 8-bit CSI alone, so the words still find the ticket and the filter is applied."""
    app, _, _ = hostile_app(tmp_path)
    FocusStore(Cache(tmp_path / "acct.sqlite", "demo")).start(
        agent="you", view="all", filter_text="Mine \x07 \u009b", minutes=50, now=DEMO_NOW)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert app.workstation.focus_sessions.session is not None and app.workstation.focus_sessions.served is not None
        text = screen_text(app)
        assert "filter: Mine" in text and no_escapes(text)


# ----- what strangers wrote, shown in every pane


async def test_hostile_fields_show_verbatim_in_the_inbox_ticket_and_customer_panes(tmp_path):
    app, waiting, taken = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        app.workstation.open_ticket(waiting.id, focus=False)
        await settle(pilot, app)
        text = screen_text(app)
        for shown in (SUBJECT, f"#{waiting.number} {SUBJECT}", f"group: {GROUP}", TAG, CUSTOMER, ORG):
            assert shown in text, shown
        app.workstation.open_ticket(taken.id, focus=False)
        await settle(pilot, app)
        assert f"assignee: {ASSIGNEE}" in screen_text(app)
        await pilot.press("z")  # the inbox over the whole width: the subject in full, more columns
        await settle(pilot, app)
        row = next(line for line in screen_text(app).splitlines() if OTHER_SUBJECT in line)
        # The customer and assignee columns are narrow: their starts, brackets and all.
        assert f"{taken.number}" in row and CUSTOMER[:15] in row and ASSIGNEE[:8] in row
        assert app.is_running


async def test_hostile_fields_show_verbatim_in_the_triage_queue_and_the_assign_picker(tmp_path):
    app, waiting, _ = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)
        text = screen_text(app)
        row = next(line for line in text.splitlines() if f"{waiting.number}" in line and SUBJECT in line)
        assert CUSTOMER[:12] in row  # the customer column is narrow: its start, brackets and all
        await pilot.press("A")
        await settle(pilot, app)
        assert isinstance(app.screen, ChoicePicker)
        assert ASSIGNEE in screen_text(app)
        await pilot.press("escape", "escape")
        await settle(pilot, app)
        assert app.is_running


async def test_hostile_agent_names_show_verbatim_on_the_dashboard(tmp_path):
    app, _, _ = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("K")
        await settle(pilot, app)
        assert ASSIGNEE in screen_text(app)  # the per-agent table
        assert app.is_running


async def test_a_theme_named_like_markup_shows_verbatim_in_the_palette(tmp_path):
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "odd.toml").write_text(f'name = "{STYLED}"\nprimary = "#4C8DF6"\n')
    app, _, _ = hostile_app(tmp_path, user_themes=themes)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await settle(pilot, app)
        await pilot.press(*"Theme: [red]")
        await settle(pilot, app)
        assert f"Theme: {STYLED}" in screen_text(app)
        assert app.is_running


# ----- escape sequences in what strangers wrote


def escape_cache(tmp_path):
    """An assignee (a name from the server) carrying a CSI in both its 7-bit and 8-bit forms,
    a customer name carrying an OSC that would retitle the terminal."""
    b = Builder()
    customer = b.customer("Ana Souza\x1b]0;PWNED\x07", email="ana@example.com")
    waiting = b.ticket("Printer on fire", customer=customer, assignee=None)
    taken = b.ticket("Invoice", customer=customer, assignee="Bob\x1b[31m\u009b1m", age=timedelta(hours=3))
    path = tmp_path / "acct.sqlite"
    conn = open_database(path)
    with transaction(conn):
        writer.save_customers(conn, [customer])
        writer.save_tickets(conn, [waiting, taken])
        writer.save_messages(conn, [b.message(waiting, "Hello"), b.message(taken, "Hi")])
    conn.close()
    settings = Settings(agent=AgentSettings(name="you"), ui=UISettings(clock=False))
    return make_app(path, tmp_path, settings=settings), waiting, taken


async def test_an_assignee_with_escapes_is_shown_clean_in_the_zoomed_inbox(tmp_path):
    app, _, taken = escape_cache(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("z")  # the assignee column shows only with the inbox over the whole width
        await settle(pilot, app)
        text = screen_text(app)
        row = next(line for line in text.splitlines() if "Invoice" in line)
        assert "Bob" in row and no_escapes(text), repr(row)


async def test_assigning_in_triage_to_a_name_with_escapes_toasts_and_logs_it_clean(tmp_path):
    app, waiting, _ = escape_cache(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await settle(pilot, app)
        await pilot.press("A", *"Bob", "enter")  # the picker offers the name from the cache
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)
        text = screen_text(app)
        assert f"Assigned to Bob: #{waiting.number}." in text  # the toast
        assert f"#{waiting.number} assigned to Bob" in text  # the rotation's log beside the queue
        assert no_escapes(text), [line for line in text.splitlines() if not no_escapes(line)]


async def test_escalating_to_a_name_with_escapes_opens_a_clean_editor(tmp_path):
    app, waiting, _ = escape_cache(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await settle(pilot, app)
        await pilot.press("e", *"Bob", "enter")
        await settle(pilot, app)
        text = screen_text(app)
        assert f"Escalation note for #{waiting.number} to Bob" in text  # the editor's title
        assert "Escalated to Bob" in text  # the drafted note
        assert no_escapes(text), [line for line in text.splitlines() if not no_escapes(line)]
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.is_running


async def test_a_template_quoting_a_subject_with_escapes_inserts_clean_text(tmp_path):
    """The template's context is built from the server's fields: cleaned there, so neither
    the composer (the terminal) nor the reply (the customer's mail) gets the escapes."""
    app, waiting, _ = escape_cache(tmp_path)
    conn = open_database(tmp_path / "acct.sqlite")
    waiting.subject = "Printer\x1b[2J\u009b1m on fire"
    with transaction(conn):
        writer.save_tickets(conn, [waiting])
    conn.close()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        app.workstation.open_ticket(waiting.id, focus=True)
        await settle(pilot, app)
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("ctrl+t", *"acknowledge", "enter")
        await settle(pilot, app)
        assert app.workstation.composer is not None and '"Printer on fire"' in app.workstation.composer.text
        assert no_escapes(app.workstation.composer.text) and no_escapes(screen_text(app))


async def test_every_palette_entry_reads_as_written(demo_db, tmp_path):
    """The palette reads titles and help as markup: a literal "[views]" in our own help text
    vanished from it. Every entry's text must survive that reading unchanged."""
    from textual.content import Content

    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        commands = list(app.get_system_commands(app.screen))
        assert len(commands) > 20
        for command in commands:
            for text in (command.title, command.help):
                assert Content.from_markup(text).plain == text.replace("\\[", "["), text
