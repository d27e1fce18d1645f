"""The start of a session: promises already overdue are one summary toast with a key that
lists them, not one toast each stacked over the panes; later ones still come one at a time."""

from __future__ import annotations

from datetime import timedelta

from helpdesk_tui.store.db import open_database
from helpdesk_tui.ui.checkpoint_alerts import PromiseAlert, overdue_summary
from helpdesk_tui.ui.screens.triage_pickers import ChoicePicker
from helpdesk_tui.ui.widgets.ticket_pane import TicketPane

from tests.factories import NOW, Builder
from tests.test_checkpoints import Clock, build_app, put, record_notifications
from tests.ui_support import screen_text, settle

SIZE = (160, 40)


def three_overdue(tmp_path):
    b = Builder()
    ana = b.customer("Ana \x1b[31m[b]Souza[/b]")
    tickets = [b.ticket(subject, customer=ana, assignee=who, next_checkpoint_at=NOW - timedelta(minutes=minutes))
               for subject, who, minutes in (("Site down", "you", 40), ("Invoice [red]wrong[/]", None, 25),
                                             ("Login loop", "you", 5))]
    later = b.ticket("Promise ahead", customer=ana, assignee="you", next_checkpoint_at=NOW + timedelta(minutes=50))
    path = tmp_path / "acct.sqlite"
    conn = open_database(path)
    put(conn, [*tickets, later], customers=[ana])
    conn.close()
    return path, tickets, later


def promised(calls):
    return [(m, kw["severity"]) for m, kw in calls if kw.get("title", "").startswith("Promised")]


async def test_three_overdue_promises_at_start_are_one_summary_and_p_lists_them(tmp_path):
    path, tickets, later = three_overdue(tmp_path)
    clock = Clock(NOW)
    app = build_app(path, tmp_path, clock)
    calls = record_notifications(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        numbers = ", ".join(f"#{t.number}" for t in tickets)  # earliest promise first
        assert promised(calls) == [
            (f"3 promised updates are overdue: {numbers} — press P to list them", "warning")]
        assert "press P to list them" in screen_text(app)
        # one that falls overdue while the app runs comes on its own
        for minutes in (40, 51):  # due soon, then overdue: one toast each
            clock.now = NOW + timedelta(minutes=minutes)
            app.workstation.promises.check()
            await settle(pilot, app)
        assert promised(calls)[1:] == [
            (f"#{later.number} · next update promised to Ana [b]Souza[/b] due in 10m", "information"),
            (f"#{later.number} · next update promised to Ana [b]Souza[/b] is overdue by 1m", "warning")]

        app.workstation.query_one("#inbox").focus()
        await pilot.press("P")
        await settle(pilot, app)
        assert isinstance(app.screen, ChoicePicker)
        listed = screen_text(app)
        assert all(f"#{t.number}" in listed for t in [*tickets, later])
        assert "Invoice [red]wrong[/]" in listed and "Ana [b]Souza[/b]" in listed  # text, not markup
        await pilot.press("down", "enter")  # the second: the unassigned invoice
        await settle(pilot, app)
        assert not isinstance(app.screen, ChoicePicker)
        assert app.workstation.ticket_id == tickets[1].id
        assert "Invoice [red]wrong[/]" in str(app.workstation.query_one(TicketPane).border_title or "") + \
            screen_text(app)


async def test_one_overdue_promise_at_start_keeps_its_own_toast(tmp_path):
    b = Builder()
    ticket = b.ticket("Alone", assignee="you", next_checkpoint_at=NOW - timedelta(minutes=3))
    path = tmp_path / "acct.sqlite"
    conn = open_database(path)
    put(conn, [ticket])
    conn.close()
    app = build_app(path, tmp_path, Clock(NOW))
    calls = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
    assert [m for m, _ in promised(calls)] == [f"#{ticket.number} · next update promised to the customer is "
                                               "overdue by 3m"]


async def test_p_with_no_promise_due_says_so(tmp_path):
    b = Builder()
    path = tmp_path / "acct.sqlite"
    conn = open_database(path)
    put(conn, [b.ticket("No promise", assignee="you")])
    conn.close()
    app = build_app(path, tmp_path, Clock(NOW), live=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("P")
        await settle(pilot, app)
        assert not isinstance(app.screen, ChoicePicker)
        assert "No promised update is overdue or coming due." in screen_text(app)


def test_the_summary_names_five_numbers_and_counts_the_rest():
    alerts = [PromiseAlert(i, True, "", 100 + i) for i in range(7)]
    assert overdue_summary(alerts) == ("7 promised updates are overdue: #100, #101, #102, #103, #104 and 2 more "
                                       "— press P to list them")
