"""Streams beyond tickets (sync/generic/streams.py, lists.py, lookups.py, people.py, threads.py):
articles through parents, templates with placeholders, lookups read once, expand cached,
users by request cached, side-loaded users, threads in batches, message paging."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import httpx
import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.contract import AccountSettings
from helpdesk_tui.sync.generic.backend import GenericBackend
from helpdesk_tui.sync.generic.lookups import Lookup
from helpdesk_tui.sync.generic.mapping import loads_mapping
from helpdesk_tui.sync.http import HttpClient, RetryPolicy

STAMP = "2026-01-01T00:00:00Z"
DATA = {
    "/categories": [{"id": 1, "name": "Billing"}, {"id": 2, "name": "Login"}],
    "/categories/1/folders": [{"id": 10}],
    "/categories/2/folders": [{"id": 20}, {"id": 21}],
    "/folders/10/articles": [{"id": 100, "title": "Invoices", "description": "<p>Find them</p>", "status": 2}],
    "/folders/20/articles": [{"id": 200, "title": "Reset", "description": "Use the link", "status": 1}],
    "/folders/21/articles": [],
    "/canned": {"items": [{"id": 5, "name": "Thanks", "body": "Hi {{ticket.requester.name}}, thanks!"}]},
    "/agents": {"agents": [{"id": 7, "name": "Aiko"}, {"id": 8, "name": "Bo"}]},
    "/list": {"items": [{"id": 1}, {"id": 2}, {"id": 1}]},
    "/full/1": {"data": {"id": 1, "title": "One", "creator": "9", "at": STAMP}},
    "/full/2": {"data": {"id": 2, "title": "Two", "creator": "9", "at": STAMP}},
    "/users/9": {"data": {"id": 9, "username": "nine", "address": "nine@example.com"}},
}


class Server:
    def __init__(self) -> None:
        self.paths: Counter[str] = Counter()
        self.batches: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.paths[path] += 1
        if path == "/comments":
            ids = request.url.params["ticket_ids"]
            self.batches.append(ids)
            return httpx.Response(200, json={"comments": [
                {"id": int(t) * 10 + n, "ticket": int(t), "text": f"c{n} of {t}", "at": f"2026-01-0{3 - n}T00:00:00Z"}
                for t in ids.split(",") for n in (1, 2)]})
        if path == "/thread/1":
            page = int(request.url.params.get("page", 1))
            posts = [{"id": page, "text": f"post {page}", "at": STAMP}] if page <= 3 else []
            return httpx.Response(200, json={"posts": posts, "more": page < 3})
        if path not in DATA:
            return httpx.Response(404, json={"error": "none"})
        return httpx.Response(200, json=DATA[path])


MAPPING = """\
format: 1
label: Streams
base_url: "{account.url}"
auth: {type: none}
lookups:
  agents: {request: {path: /agents}, records: agents, id: id, name: name}
tickets:
  request: {path: /list}
  records: items
  expand: {request: {path: "/full/{record.id}"}, record: data}
  fields: {remote_id: id, number: id, subject: title, created_at: at, updated_at: at, requester: creator}
users:
  request: {path: "/users/{id}"}
  record: data
  fields: {remote_id: id, name: username, email: address}
messages:
  - request: {path: "/thread/{ticket.remote_id}"}
    records: posts
    paging: {type: page_number, total_pages: nothing, param: page}
    fields: {remote_id: id, body: text, created_at: at}
articles:
  parents:
    - {request: {path: /categories}, records: "@", as: category}
    - {request: {path: "/categories/{category.id}/folders"}, records: "@", as: folder}
  request: {path: "/folders/{folder.id}/articles"}
  records: "@"
  fields: {remote_id: id, title: title, body: {path: description, format: html},
           archived: {path: status, map: {1: false, 2: true}, default: false}, tags: {template: "{category.name}"}}
templates:
  request: {path: /canned}
  records: items
  placeholders: {"{{ticket.requester.name}}": "{{ customer.name }}"}
  fields: {remote_id: id, name: name, body: body}
"""


def backend(server: Server, text: str = MAPPING) -> GenericBackend:
    client = HttpClient("https://desk.example.com", transport=httpx.MockTransport(server.handle),
                        policy=RetryPolicy(attempts=1), sleep=lambda s: None)
    return GenericBackend(AccountSettings("x", "https://desk.example.com", None, "t"), client,
                          mapping=loads_mapping(text))


def test_articles_walk_their_parents_and_a_parent_is_a_root_in_fields():
    server = Server()
    articles, cursor, done = backend(server).pull_articles(None)
    assert done and cursor == '{"known": ["100", "200"]}'
    assert [(a.remote_id, a.title, a.body.strip(), a.archived, a.tags) for a in articles] == [
        ("100", "Invoices", "Find them", True, ("Billing",)), ("200", "Reset", "Use the link", False, ("Login",))]


def test_an_article_gone_from_a_whole_listing_is_passed_on_archived():
    server = Server()
    _, cursor, _ = backend(server).pull_articles(None)
    saved = DATA["/folders/20/articles"]
    DATA["/folders/20/articles"] = []
    try:
        articles, cursor, done = backend(server).pull_articles(cursor)
    finally:
        DATA["/folders/20/articles"] = saved
    assert done and [(a.remote_id, a.archived) for a in articles] == [("100", True), ("200", True)]
    assert cursor == '{"known": ["100"]}'


def test_an_article_gone_from_a_paged_whole_listing_is_passed_on_archived():
    items = [{"id": n, "title": f"A{n}", "body": "b"} for n in range(5)]

    def handle(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", 1))
        return httpx.Response(200, json=items[(page - 1) * 2:page * 2])

    text = ARTICLES.replace("  paging: {type: cursor, param: after, next: meta.next}\n"
                            "  incremental: {type: updated_since, param: since, format: epoch, field: updated, "
                            "field_format: epoch}\n", "  paging: {type: page_number, size_param: n, size: 2}\n").replace(
        "records: articles", 'records: "@"').replace(", updated_at: {path: updated, date: epoch}", "")
    b = GenericBackend(AccountSettings("x", "https://kb.example.com", None, "t"),
                       HttpClient("https://kb.example.com", transport=httpx.MockTransport(handle)),
                       mapping=loads_mapping(text))

    def whole(cursor):
        found = []
        while True:
            page, cursor, done = b.pull_articles(cursor)
            found += page
            if done:
                return found, cursor

    first, cursor = whole(None)
    assert [a.remote_id for a in first] == ["0", "1", "2", "3", "4"]
    del items[1]
    second, _ = whole(cursor)
    assert [(a.remote_id, a.archived) for a in second] == [("0", False), ("2", False), ("3", False), ("4", False),
                                                          ("1", True)]


def test_templates_get_our_placeholders_and_the_helpdesk_s_name_for_them():
    (template,) = backend(Server()).pull_templates()
    assert template.body == "Hi {{ customer.name }}, thanks!"
    assert backend(Server()).template_kind == "template"
    named = backend(Server(), MAPPING.replace("  request: {path: /canned}", "  kind: canned response\n  request: {path: /canned}"))
    assert named.template_kind == "canned response"


def test_account_tests_first_page_of_articles_asks_as_a_first_pull_does():
    """An incremental article stream with an ``initial`` filter (an API that requires it) is probed
    with it, not refused with a 400."""
    asked: list[httpx.URL] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request.url)
        if "start_time" not in request.url.params:
            return httpx.Response(400, json={"error": "start_time is required"})
        return httpx.Response(200, json={"articles": [{"id": 1, "title": "T", "body": "B", "at": 5}]})

    text = MAPPING.split("articles:\n")[0] + (
        "articles:\n  request: {path: /since}\n  records: articles\n"
        "  incremental: {type: updated_since, param: start_time, format: epoch, field: at, "
        "initial: \"1970-01-01T00:00:00Z\"}\n  fields: {remote_id: id, title: title, body: body}\n")
    client = HttpClient("https://desk.example.com", transport=httpx.MockTransport(handle),
                        policy=RetryPolicy(attempts=1), sleep=lambda s: None)
    desk = GenericBackend(AccountSettings("x", "https://desk.example.com", None, "t"), client,
                          mapping=loads_mapping(text))
    probe = dict(desk.probes())["articles"]
    assert probe() == "1 article on the first page" and asked[-1].params["start_time"] == "0"


def test_template_syntax_the_table_does_not_translate_is_kept_as_text_never_run():
    from helpdesk_tui.compose.placeholders import find_placeholders
    from helpdesk_tui.compose.render import render_template
    from helpdesk_tui.sync.generic.lists import translate_placeholders

    table = (("{{ticket.requester.name}}", "{{ customer.name }}"),)
    body = translate_placeholders("Hi {{ ticket.requester.name }} {{dc.greeting}} {% for x in y %}{{x}}{% endfor %}"
                                  " {{ ''.__class__ }} {# stray", table)
    assert body.startswith("Hi {{ customer.name }} ")  # spaces inside the braces do not matter
    rendered = render_template(body, {"customer": {"name": "Aiko"}}).text
    assert rendered == ("Hi Aiko {{dc.greeting}} {{ {% for x in y %} }}{{x}}{{ {% endfor %} }} {{ ''.__class__ }}"
                        " {# stray")
    assert [name for name, _ in find_placeholders(rendered)] == [
        "dc.greeting", "{% for x in y %}", "x", "{% endfor %}", "''.__class__"]
    other = translate_placeholders("Hi #{ticket.customer.firstname} #{user.x} {{x}}",
                                   (("#{ticket.customer.firstname}", "{{ customer.first_name }}"),))
    assert other == 'Hi {{ customer.first_name }} #{user.x} {{ "{{x}}" }}'  # another syntax: as its table says


def test_expand_reads_each_record_once_per_page_and_users_by_request_once():
    server = Server()
    page = backend(server).pull(None)
    assert [t.subject for t in page.tickets] == ["One", "Two"]
    assert [t.remote_id for t in page.tickets] == ["1", "2"]  # the listed duplicate was expanded from the cache
    assert server.paths["/full/1"] == 1 and server.paths["/users/9"] == 1
    assert [(u.remote_id, u.name, u.email) for u in page.users] == [("9", "nine", "nine@example.com")]


def test_a_message_part_follows_its_own_pages():
    server = Server()
    thread = backend(server).fetch_thread("1")
    assert [m.body for m in thread] == ["post 1", "post 2", "post 3"]  # no total, no size: until an empty page
    paged = MAPPING.replace("paging: {type: page_number, total_pages: nothing, param: page}",
                            "paging: {type: cursor, param: page, next: next, done: more, done_when: false}")
    assert [m.body for m in backend(server, paged).fetch_thread("1")] == ["post 1"]


def test_threads_of_a_page_come_in_batches_of_max_ids():
    server = Server()
    text = MAPPING.replace("messages:\n", """messages:
  - batch:
      request: {path: /comments}
      ids_param: ticket_ids
      max: 2
      records: comments
      ticket_id: ticket
      fields: {remote_id: id, body: text, created_at: at}
""")
    b = backend(server, text)
    first = b.pull(None).tickets[0]
    tickets = [replace(first, remote_id=str(n)) for n in (1, 2, 3)]
    threads = b.fetch_threads(tickets)
    assert server.batches == ["1,2", "3"]
    assert [m.body for m in threads["3"]] == ["c2 of 3", "c1 of 3"]  # oldest first


def test_lookups_are_read_once_and_match_names_without_case():
    server = Server()
    b = backend(server)
    agents = b.lookup("agents")
    assert agents.id_for("aiko") == 7 and agents.id_for("8") == 8 and agents.id_for("Cy") is None
    assert agents.name_for("7") == "Aiko" and agents.names() == ["Aiko", "Bo"]
    b.lookup("agents")
    assert server.paths["/agents"] == 1


def test_a_lookup_keeps_the_first_of_two_entries_with_one_name():
    lookup = Lookup([(1, "Support"), (2, "support")])
    assert lookup.id_for("SUPPORT") == 1 and lookup.name_for(2) == "support"


def test_a_listing_without_its_records_path_is_a_bad_response_naming_it():
    text = MAPPING.replace("  records: items\n  expand", "  records: tickets\n  expand")
    with pytest.raises(errors.BadResponse, match="answered without 'tickets'"):
        backend(Server(), text).pull(None)


def test_people_read_by_request_are_read_again_by_the_next_listing():
    server = Server()
    b = backend(server)
    b.pull(None)
    b.status.clear()  # a fresh scan: every ticket comes again
    assert [u.remote_id for u in b.pull(None).users] == ["9"]
    assert server.paths["/users/9"] == 2  # a renamed customer is seen at the next sync


ARTICLES = """\
format: 1
label: KB
base_url: "{account.url}"
auth: {type: none}
tickets:
  request: {path: /tickets}
  records: tickets
  side_loads: {orgs: {records: organizations}, people: {records: people}}
  fields: {remote_id: id, number: id, subject: s, created_at: at, updated_at: at, requester: who, organization: org}
users:
  side_load: people
  fields: {remote_id: id, name: name, organization: org}
organizations:
  side_load: orgs
  fields: {remote_id: id, name: name, domain: {path: domains.0}}
messages:
  - request: {path: "/t/{ticket.remote_id}"}
    fields: {remote_id: id, body: b, created_at: at}
articles:
  request: {path: /articles, query: {sort: updated}}
  records: articles
  paging: {type: cursor, param: after, next: meta.next}
  incremental: {type: updated_since, param: since, format: epoch, field: updated, field_format: epoch}
  fields: {remote_id: id, title: title, body: body, updated_at: {path: updated, date: epoch}}
"""


def test_articles_page_and_come_again_only_when_changed():
    calls: list[dict[str, str]] = []
    articles = [{"id": n, "title": f"A{n}", "body": "text", "updated": 1767225600 + n} for n in range(3)]

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/articles":
            return httpx.Response(404)
        query = dict(request.url.params)
        calls.append(query)
        since = int(query.get("since", 0))
        listed = [a for a in articles if a["updated"] >= since]
        start = int(query.get("after", 0))
        chunk = listed[start:start + 2]
        more = start + 2 < len(listed)
        return httpx.Response(200, json={"articles": chunk, "meta": {"next": str(start + 2) if more else None}})

    b = GenericBackend(AccountSettings("x", "https://kb.example.com", None, "t"),
                       HttpClient("https://kb.example.com", transport=httpx.MockTransport(handle)),
                       mapping=loads_mapping(ARTICLES))
    assert b.capabilities.kb and not b.capabilities.templates
    first, cursor, done = b.pull_articles(None)
    assert [a.title for a in first] == ["A0", "A1"] and not done
    second, cursor, done = b.pull_articles(cursor)
    assert [a.title for a in second] == ["A2"] and done
    again, cursor, done = b.pull_articles(cursor)
    assert again == [] and done  # the boundary article is not read twice
    articles[0]["updated"] = 1767225700
    changed, _, _ = b.pull_articles(cursor)
    assert [a.title for a in changed] == ["A0"]
    assert calls[-1]["since"] == "1767225602"


def test_users_and_organizations_from_side_loads_of_the_page():
    body = {"tickets": [{"id": 1, "s": "x", "at": STAMP, "who": 5, "org": 8}],
            "people": [{"id": 5, "name": "Five", "org": 9}, {"id": 6, "name": "Not on this page"}],
            "organizations": [{"id": 8, "name": "Eight", "domains": ["eight.example"]}, {"id": 9, "name": "Nine"},
                              {"id": 10, "name": "Unnamed here"}]}
    text = ARTICLES
    b = GenericBackend(AccountSettings("x", "https://kb.example.com", None, "t"),
                       HttpClient("https://kb.example.com",
                                  transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body))),
                       mapping=loads_mapping(text))
    page = b.pull(None)
    assert [(u.remote_id, u.name, u.organization_remote_id) for u in page.users] == [("5", "Five", "9")]
    assert [(o.remote_id, o.name, o.domain) for o in page.organizations] == [("8", "Eight", "eight.example"),
                                                                             ("9", "Nine", "")]


def test_a_lookup_is_read_again_once_it_is_old():
    server = Server()
    b = backend(server)
    now = {"t": 0.0}
    b.lookups._clock = lambda: now["t"]
    b.lookup("agents")
    now["t"] = 599.0
    b.lookup("agents")
    assert server.paths["/agents"] == 1
    now["t"] = 601.0
    b.lookup("agents")
    assert server.paths["/agents"] == 2


def test_an_articles_feed_without_its_parameter_is_a_mistake_at_load():
    from helpdesk_tui.sync.generic.node import MappingError

    with pytest.raises(MappingError, match="key 'articles.incremental': needs 'param'"):
        loads_mapping(ARTICLES.replace("param: since, ", ""))


def test_probes_include_each_lookup_users_by_request_articles_and_templates():
    server = Server()
    results = [(name, run()) for name, run in backend(server).probes()]
    assert results == [("tickets", "2 tickets on the first page"), ("thread", "3 messages in ticket 1"),
                       ("lookup agents", "2 agents"), ("users", "read user 9"),
                       ("articles", "1 article on the first page"), ("templates", "1 template on the first page")]
    assert server.paths["/categories/2/folders"] == 0  # the first page under the first parent only
