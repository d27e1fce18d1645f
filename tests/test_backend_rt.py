"""The Request Tracker backend against a real RT 5.0.3 (see server_rt.py), plus offline checks of
odd answers through httpx.MockTransport."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from helpdesk_tui.domain.models import OutboxItem
from helpdesk_tui.sync.commands import Command, command_from
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync import errors
from helpdesk_tui.sync.backends import rt_map
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.backends.rt import RequestTrackerBackend, make_client
from helpdesk_tui.sync.backends.rt_feed import Cursor, ServerZone
from helpdesk_tui.sync.http import RetryPolicy
from tests.server_rt import RtApi as Api
from tests.server_rt import rt_server  # noqa: F401

FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05, timeout=20)


def backend_for(server, *, token=None, url=None, user=None, per_page=100) -> RequestTrackerBackend:
    account = AccountSettings(name="rt", url=url or server.url, user=user, token=token or server.token)
    return RequestTrackerBackend(account, make_client(account, policy=FAST), per_page=per_page)


def settle() -> None:
    """Let the server's current second pass: pull only takes seconds that are over."""
    time.sleep(2.1)


def outbox(action: str, **payload) -> Command:
    now = datetime.now(UTC)
    return command_from(OutboxItem(id=f"ob-{time.monotonic_ns()}", ticket_id=1, action=action, payload=payload,
                                   state="queued", attempts=0, created_at=now, updated_at=now))


@pytest.fixture(scope="module")
def api(rt_server) -> Api:  # noqa: F811
    return Api(rt_server)


def drain(backend: RequestTrackerBackend, cursor: str | None) -> tuple[list, str | None, int]:
    """Every page until done: (tickets in order, last cursor, pages)."""
    tickets, pages = [], 0
    while True:
        page = backend.pull(cursor)
        tickets += page.tickets
        cursor, pages = page.cursor, pages + 1
        assert pages < 200
        if page.done:
            return tickets, cursor, pages


# ---------------------------------------------------------------------------------- check


def test_check_says_who_and_where(rt_server):  # noqa: F811
    host = rt_server.url.removeprefix("http://")
    assert backend_for(rt_server).check() == f"Signed in to Request Tracker 5.0.3 at {host} as root."
    basic = backend_for(rt_server, user="root", token=rt_server.password)
    assert basic.check() == f"Signed in to Request Tracker 5.0.3 at {host} as root."
    # the API address itself is accepted as the account URL too
    assert backend_for(rt_server, url=rt_server.api + "/").check().endswith("as root.")


def test_check_wrong_token_and_wrong_url(rt_server):  # noqa: F811
    wrong = "1-14-" + "0" * 32
    with pytest.raises(errors.AuthFailed) as bad:
        backend_for(rt_server, token=wrong).check()
    assert "401" in str(bad.value) and wrong not in str(bad.value)
    with pytest.raises(errors.AuthFailed):
        backend_for(rt_server, user="root", token="not-the-password").check()
    with pytest.raises((errors.NotFound, errors.BadResponse)) as lost:
        backend_for(rt_server, url=rt_server.url + "/wrong").check()
    message = str(lost.value)
    assert "Request Tracker" in message and "account URL" in message and message.endswith(".")
    assert "\n" not in message


# ---------------------------------------------------------------------------------- pull


def test_pull_maps_fields_then_is_quiet_then_returns_updates_once(rt_server, api):  # noqa: F811
    high = api.ticket("Printer on fire", "alice@example.com", Priority=80)
    low = api.ticket("Toner question", "bob@example.com")
    api.call("PUT", f"/ticket/{low}", json={"Status": "stalled", "Owner": "root"})
    settle()
    backend = backend_for(rt_server)
    tickets, cursor, _ = drain(backend, None)
    by_id = {t.remote_id: t for t in tickets}
    assert Counter(t.remote_id for t in tickets).most_common(1)[0][1] == 1
    first, second = by_id[high], by_id[low]
    assert (first.subject, first.status, first.priority, first.assignee, first.group) == \
        ("Printer on fire", Status.NEW, Priority.HIGH, None, "General")
    assert (second.status, second.status_raw, second.priority, second.assignee) == \
        (Status.ON_HOLD, "stalled", Priority.LOW, "root")
    assert first.version == api.get(high)["LastUpdated"]
    users = {u.remote_id: u for u in backend.pull(None).users}
    assert users[first.requester_remote_id].email == "alice@example.com"

    page = backend.pull(cursor)
    assert page.tickets == [] and page.done and page.cursor == cursor

    api.call("POST", f"/ticket/{high}/correspond", json={"Content": "On it.", "ContentType": "text/plain"})
    settle()
    again, cursor2, _ = drain(backend, cursor)
    assert [t.remote_id for t in again] == [high]
    assert again[0].status == Status.OPEN  # RT opens a new ticket on reply
    assert drain(backend, cursor2)[0] == []


def test_a_second_not_over_is_sent_but_not_taken(rt_server, api):  # noqa: F811
    backend = backend_for(rt_server)
    settle()
    _, cursor, _ = drain(backend, None)
    started = time.monotonic()
    number = api.ticket("Fresh", "dave@example.com")
    page = backend.pull(cursor)  # within the ticket's second: sent, the cursor stays
    assert [t.remote_id for t in page.tickets] == [number]
    if time.monotonic() - started < 0.9:  # (a stalled machine may have let the second pass)
        assert page.cursor == cursor and page.done
    settle()
    tickets, cursor, _ = drain(backend, cursor)
    assert [t.remote_id for t in tickets] == [number]
    assert drain(backend, cursor)[0] == []


def test_same_second_across_page_boundaries(rt_server, api):  # noqa: F811
    backend = backend_for(rt_server, per_page=2)
    settle()
    _, cursor, _ = drain(backend_for(rt_server), None)
    for _attempt in range(3):  # one bulk request updates them all, nearly always in one second
        created = api.call("POST", "/tickets/bulk", json=[
            {"Queue": "General", "Subject": f"Bulk {i}", "Requestor": f"bulk{i}@example.com", "Content": "x"}
            for i in range(7)])
        ids = [str(row["id"]) for row in created]
        stamps = Counter(api.get(n)["LastUpdated"] for n in ids)
        if stamps.most_common(1)[0][1] >= 4:
            break
    settle()
    tickets, cursor, pages = drain(backend, cursor)
    got = [t.remote_id for t in tickets]
    assert sorted(got, key=int) == sorted(ids, key=int) and len(got) == len(set(got))
    assert pages >= 4
    assert drain(backend, cursor)[0] == []


def test_cursor_is_opaque_json_and_bad_cursor_is_a_sentence(rt_server):  # noqa: F811
    cur = Cursor(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), 17)
    assert Cursor.decode(cur.encode()) == cur
    with pytest.raises(errors.BadResponse, match="sync position"):
        backend_for(rt_server).pull("{not json")


def test_user_time_zone_is_honoured_and_measured(rt_server, api):  # noqa: F811
    """TicketSQL reads times in the user's zone; REST2 answers in UTC. Both paths must agree."""
    api.call("PUT", "/user/root", json={"Timezone": "America/New_York"})
    try:
        backend = backend_for(rt_server)
        settle()
        _, cursor, _ = drain(backend, None)
        number = api.ticket("Zoned", "erin@example.com")
        settle()
        assert [t.remote_id for t in drain(backend, cursor)[0]] == [number]
        expected = ZoneInfo("America/New_York").utcoffset(datetime.now(UTC).replace(tzinfo=None))
        measured = ServerZone(backend._search_tickets, lambda: None)
        assert measured.offset(datetime.now(UTC)) == expected
        blind = backend_for(rt_server)
        blind.zone = measured  # as if the zone were the server's default, unknown to us
        assert [t.remote_id for t in drain(blind, cursor)[0]] == [number]
        # article searches compare stored UTC values: unaffected by the zone
        articles, _, _ = blind.pull_articles(None)
        assert isinstance(articles, list)
    finally:
        api.call("PUT", "/user/root", json={"Timezone": ""})


# ---------------------------------------------------------------------------------- thread and push


def test_thread_push_and_find_delivered(rt_server, api):  # noqa: F811
    number = api.ticket("VPN down", "frank@example.com", "The VPN drops every 5 minutes.\nSince Monday.")
    backend = backend_for(rt_server)
    reply = outbox("reply", body="Hello Frank,\n\nplease send the client log.\n", public=True, status="pending")
    sent = backend.push(reply, number, None)
    assert sent.remote_id and sent.remote_id.isdigit()
    assert api.get(number)["Status"] == "stalled"
    note = backend.push(outbox("note", body="Looks like the MTU issue again.", public=False), number, None)
    thread = backend.fetch_thread(number)
    said = [(m.kind, m.body) for m in thread if m.kind != MessageKind.SYSTEM]
    assert said == [(MessageKind.CUSTOMER, "The VPN drops every 5 minutes.\nSince Monday."),
                    (MessageKind.PUBLIC_REPLY, "Hello Frank,\n\nplease send the client log.\n"),
                    (MessageKind.INTERNAL_NOTE, "Looks like the MTU issue again.")]
    assert [m.remote_id for m in thread if m.kind == MessageKind.PUBLIC_REPLY] == [sent.remote_id]
    assert [m.remote_id for m in thread if m.kind == MessageKind.INTERNAL_NOTE] == [note.remote_id]
    assert all(m.body_format == "text" and m.author for m in thread)
    assert any(m.kind == MessageKind.SYSTEM and "stalled" in m.body for m in thread)
    assert all(m.raw.get("Type") != "EmailRecord" for m in thread)  # autoreply copies left out
    assert backend.find_delivered(reply, number) == sent.remote_id
    assert backend.find_delivered(outbox("reply", body="never sent", public=True), number) is None


def test_html_body_and_attachment_metadata(rt_server, api):  # noqa: F811
    log = base64.b64encode(b"line1\nline2\n").decode()
    number = api.ticket("Rich", "hana@example.com", "<p>Hello <b>there</b></p>", ContentType="text/html",
                        Attachments=[{"FileName": "log.txt", "FileType": "text/plain", "FileContent": log}])
    [message] = backend_for(rt_server).fetch_thread(number)
    assert (message.kind, message.body_format, message.body) == (MessageKind.CUSTOMER, "html",
                                                                  "<p>Hello <b>there</b></p>")
    assert [(a["name"], a["content_type"], a["size"]) for a in message.attachments] == [("log.txt", "text/plain", 12)]


def test_update_with_version_and_conflict(rt_server, api):  # noqa: F811
    number = api.ticket("Quota", "gina@example.com")
    settle()
    backend = backend_for(rt_server)
    ticket = next(t for t in drain(backend, None)[0] if t.remote_id == number)
    done = backend.push(outbox("update", status="open", priority="urgent", assignee="root"), number, ticket.version)
    now = api.get(number)
    assert (now["Status"], now["Priority"], now["Owner"]["id"]) == ("open", "100", "root")
    assert done.version == now["LastUpdated"]
    # a second update queued behind the first goes through with the version it returned
    backend.push(outbox("update", priority="low"), number, done.version)
    assert api.get(number)["Priority"] == "0"
    # someone else changed the ticket since: stale LastUpdated, and stale ETag
    time.sleep(1.1)
    api.call("PUT", f"/ticket/{number}", json={"Subject": "Quota (edited elsewhere)"})
    with pytest.raises(errors.Conflict):
        backend.push(outbox("update", status="solved"), number, done.version)
    with pytest.raises(errors.Conflict):
        backend.push(outbox("update", status="solved"), number, "1")
    assert api.get(number)["Status"] == "open"
    version = api.get(number)["LastUpdated"]
    with pytest.raises(errors.BadResponse, match="That user does not exist"):
        backend.push(outbox("update", assignee="nosuchuser"), number, version)


def test_pull_articles(rt_server, api):  # noqa: F811
    created = api.call("POST", "/article", json={"Class": "General", "Name": "Reset the VPN client",
                                                 "Summary": "steps", "CustomFields": {"Content": "Quit, then…"}})
    settle()
    backend = backend_for(rt_server, per_page=1)
    found, cursor, done = [], None, False
    while not done:
        articles, cursor, done = backend.pull_articles(cursor)
        found += articles
    article = next(a for a in found if a.remote_id == str(created["id"]))
    assert (article.title, article.body, article.tags) == ("Reset the VPN client", "Quit, then…", ("General",))
    assert len(found) == len({a.remote_id for a in found})
    assert backend.pull_articles(cursor)[0] == []


# ---------------------------------------------------------------------------------- offline


def mock_backend(handler, *, token="1-14-" + "a" * 32, user=None) -> RequestTrackerBackend:
    account = AccountSettings(name="rt", url="https://rt.example.com", user=user, token=token)
    client = make_client(account, policy=FAST, transport=httpx.MockTransport(handler), sleep=lambda s: None)
    return RequestTrackerBackend(account, client)


def test_auth_headers():
    seen = {}

    def handler(request):
        seen["auth"] = request.headers["authorization"]
        seen["path"] = request.url.path
        return httpx.Response(200, json={"Version": "5.0.5"})

    mock_backend(handler).client.get_json("/rt")
    assert seen == {"auth": "token 1-14-" + "a" * 32, "path": "/REST/2.0/rt"}
    mock_backend(handler, token="s3cret-pass", user="agent").client.get_json("/rt")
    assert seen["auth"].startswith("Basic ")


@pytest.mark.parametrize("answer", [
    {"text": "<html>login</html>"},
    {"json": {"items": "nope"}},
    {"json": [1, 2]},
])
def test_odd_answers_are_bad_responses(answer):
    backend = mock_backend(lambda request: httpx.Response(200, **answer))
    with pytest.raises(errors.BadResponse) as bad:
        backend.pull(None)
    assert str(bad.value).endswith(".") and "\n" not in str(bad.value)


@pytest.mark.parametrize("item", [{"id": "x"}, {"id": "3", "LastUpdated": "yesterday"}, {"id": "3"}, 7])
def test_an_odd_ticket_is_skipped_with_a_sentence_not_the_feed(item):
    backend = mock_backend(lambda request: httpx.Response(200, json={"items": [item]}))
    page = backend.pull(None)
    assert page.tickets == [] and len(page.skipped) == 1
    assert "was skipped: " in page.skipped[0] and page.skipped[0].endswith(".") and "\n" not in page.skipped[0]


def test_check_on_a_web_page_and_on_404():
    html = mock_backend(lambda r: httpx.Response(200, text="<!doctype html><title>Welcome</title>"))
    with pytest.raises(errors.BadResponse, match="Request Tracker"):
        html.check()
    lost = mock_backend(lambda r: httpx.Response(404, text="<html>nope</html>"))
    with pytest.raises(errors.NotFound, match="no Request Tracker REST2 API"):
        lost.check()


def test_reply_timeout_is_unknown_outcome():
    def handler(request):
        if request.method == "POST":
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={})

    with pytest.raises(errors.UnknownOutcome):
        mock_backend(handler).push(outbox("reply", body="hi", public=True), "7", None)


def test_message_kinds_and_mappings():
    requestors = rt_map.requestor_keys({"Requestor": [{"id": "carol@example.com"}]})
    txn = {"id": "9", "Type": "Correspond", "Created": "2026-11-22T10:00:00Z",
           "Creator": {"id": 30, "Name": "carol@example.com", "RealName": "Carol"}}
    assert rt_map.message_from_rt(txn, requestors, "thanks", "text/plain", []).kind == MessageKind.CUSTOMER
    agent = {**txn, "Creator": {"id": 14, "Name": "root"}}
    html = rt_map.message_from_rt(agent, requestors, "<p>hi</p>", "text/html", [])
    assert (html.kind, html.body_format) == (MessageKind.PUBLIC_REPLY, "html")
    assert rt_map.message_from_rt({**txn, "Type": "EmailRecord"}, requestors, "x", "text/plain", []) is None
    assert [rt_map.priority_from_rt(p) for p in (0, 24, 25, 74, 75, 99, 100, 250, "")] == [
        Priority.LOW, Priority.LOW, Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.HIGH,
        Priority.URGENT, Priority.URGENT, Priority.LOW]
    for ours in Priority:
        assert rt_map.priority_from_rt(rt_map.priority_to_rt(ours)) == ours
    assert rt_map.status_to_rt("pending") == rt_map.status_to_rt("on_hold") == "stalled"
    assert (rt_map.status_from_rt("rejected"), rt_map.status_from_rt("custom")) == (Status.CLOSED, Status.OPEN)
    body, files = rt_map.pick_parts([
        {"id": "1", "TransactionId": "9", "ContentType": "multipart/alternative"},
        {"id": "3", "TransactionId": "9", "ContentType": "text/html"},
        {"id": "2", "TransactionId": "9", "ContentType": "text/plain"},
        {"id": "4", "TransactionId": "9", "ContentType": "image/png", "Filename": "a.png", "ContentLength": "12"}])
    assert body == {9: 2} and files[9][0]["name"] == "a.png"
    assert json.loads(Cursor(datetime(2026, 1, 1, tzinfo=UTC), 3, 2).encode())["page"] == 2
    assert timedelta(0) == ServerZone(lambda p: [], lambda: "UTC").offset(datetime.now(UTC))
