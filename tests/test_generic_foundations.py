"""The generic backend's building blocks: a mapping file's nodes, paths, templates and requests."""

from __future__ import annotations

import json

import httpx
import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.generic.node import MappingError, load, loads
from helpdesk_tui.sync.generic.paths import compile_path
from helpdesk_tui.sync.generic.requests import Requester, parse_request
from helpdesk_tui.sync.generic.template import compile_shape, compile_text
from helpdesk_tui.sync.http import HttpClient, RetryPolicy

# --- nodes: every mistake names the file, the line and the key ---------------------------------


def test_a_missing_key_names_the_file_line_and_parent_key() -> None:
    root = loads("label: X\ntickets:\n  request: {path: /t}\n", "desk.yaml")
    with pytest.raises(MappingError) as caught:
        root.need("tickets").need("records")
    assert str(caught.value) == "desk.yaml, line 2, key 'tickets': needs 'records'."


def test_an_unknown_key_is_named_with_its_line_and_the_choices() -> None:
    root = loads("paging:\n  type: offset\n  limt: 100\n", "desk.yaml")
    with pytest.raises(MappingError) as caught:
        root.need("paging").only("type", "limit")
    assert str(caught.value) == "desk.yaml, line 3, key 'paging.limt': is not a key here: use one of type, limit."


def test_yaml_12_keeps_no_and_on_as_words_in_a_status_map() -> None:
    status = loads("map: {no: closed, on: open, 2: pending}\n", "f.yaml").need("map").value
    assert status == {"no": "closed", "on": "open", 2: "pending"}


def test_list_items_carry_their_own_lines() -> None:
    root = loads("kind:\n  - {kind: note}\n  - 7\n", "f.yaml")
    second = list(root.need("kind").each())[1]
    with pytest.raises(MappingError, match=r"^f\.yaml, line 3, key 'kind\[1\]': must be a table"):
        second.mapping()


def test_broken_yaml_is_one_sentence_with_its_line() -> None:
    with pytest.raises(MappingError) as caught:
        loads("a: [1,\nb: 2\n", "f.yaml")
    text = str(caught.value)
    assert text.startswith("f.yaml, line ") and "fix the YAML there" in text and "\n" not in text


def test_duplicate_keys_are_a_mistake_not_a_silent_override() -> None:
    with pytest.raises(MappingError, match="f.yaml"):
        loads("label: A\nlabel: B\n", "f.yaml")


def test_a_file_that_is_not_there_or_not_a_table(tmp_path) -> None:
    with pytest.raises(MappingError, match="does not exist"):
        load(tmp_path / "nope.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(MappingError, match="not a list"):
        load(tmp_path / "list.yaml")


def test_escape_codes_in_a_key_never_reach_the_message() -> None:
    root = loads('"\\e[31mred": 1\n', "f.yaml")
    with pytest.raises(MappingError) as caught:
        root.only("label")
    assert "\x1b" not in str(caught.value)


# --- paths --------------------------------------------------------------------------------------


def test_dotted_paths_walk_tables_and_lists_and_stop_at_nothing() -> None:
    record = {"issue": {"journals": [{"id": 4}, {"id": 5}]}, "_links": {"next": {"href": "/p2"}}}
    assert compile_path("issue.journals.1.id")(record) == 5
    assert compile_path("_links.next.href")(record) == "/p2"
    assert compile_path("issue.missing.id")(record) is None
    assert compile_path("issue.journals.9")(record) is None
    assert compile_path("@")(record) is record


def test_jmespath_expressions_for_what_a_dotted_path_cannot_say() -> None:
    record = {"items": [{"x": 1, "y": "a"}, {"x": 2, "y": "b"}], "issue": {"id": 3}}
    assert compile_path("items[?x==`2`].y | [0]")(record) == "b"
    assert compile_path("[issue]")(record) == [{"id": 3}]


def test_a_malformed_path_is_a_mapping_error_at_load_time() -> None:
    node = loads("records: 'items[?'\n", "f.yaml").need("records")
    with pytest.raises(MappingError, match=r"^f\.yaml, line 1, key 'records': is not a path"):
        compile_path(node.text(), node)


# --- templates ------------------------------------------------------------------------------------


def test_a_lone_placeholder_keeps_its_type_and_missing_keys_are_left_out() -> None:
    node = loads('b:\n  issue: {status_id: "{status}", notes: "{command.body}", tags: "{tags}", n: 3}\n', "f")
    shape = compile_shape(node.need("b"), ["status", "command", "tags"])
    assert shape.render({"status": 2, "command": {"body": "Hi"}}) == {"issue": {"status_id": 2, "notes": "Hi", "n": 3}}
    assert shape.names == {"status", "command", "tags"}


def test_text_templates_filters_and_literal_braces() -> None:
    node = loads("t: x\n", "f").need("t")
    assert compile_text("{{x}} {a|upper}-{b|url}", node, ["a", "b"]).render({"a": "ok", "b": "a b/c"}) == "{x} OK-a%20b%2Fc"
    assert compile_text("{body|html}", node, ["body"]).render({"body": "a<b>\n\nc"}) == "<p>a&lt;b&gt;</p><p>c</p>"
    assert compile_text("{v|quote}", node, ["v"]).render({"v": "abc"}) == '"abc"'
    assert compile_text("{data|base64}", node, ["data"]).render({"data": b"hi"}) == "aGk="


def test_present_sends_a_flag_only_beside_the_value_it_goes_with() -> None:
    node = loads('b:\n  t: {safe: "{v|present}", stamp: "{v}"}\n', "f")
    shape = compile_shape(node.need("b"), ["v"])
    assert shape.render({"v": "2026-01-01T00:00:00Z"}) == {"t": {"safe": True, "stamp": "2026-01-01T00:00:00Z"}}
    assert shape.render({"v": None}) == {"t": {}}
    assert shape.render({"v": ""}) == {"t": {"stamp": ""}}


def test_unknown_roots_and_filters_are_named_at_load_time() -> None:
    node = loads("t: x\n", "f").need("t")
    with pytest.raises(MappingError, match=r"uses '\{tickt.id\}', but only command, ticket can be used here"):
        compile_text("/t/{tickt.id}", node, ["ticket", "command"])
    with pytest.raises(MappingError, match="uses the filter 'htlm'"):
        compile_text("{ticket|htlm}", node, ["ticket"])
    with pytest.raises(MappingError, match="empty placeholder"):
        compile_text("{}", node, ["ticket"])


# --- requests -------------------------------------------------------------------------------------


def _requester(handler, **base) -> Requester:
    client = HttpClient(base_url="http://desk.test/api", transport=httpx.MockTransport(handler),
                        policy=RetryPolicy(attempts=2, base_delay=0, max_delay=0), sleep=lambda s: None)
    return Requester(client, base, write_headers=compile_shape(
        loads("w: {X-Requested-With: rest, Origin: '{origin}'}\n", "f").need("w"), ["origin"]))


def test_a_write_carries_the_write_headers_an_exact_content_type_and_earlier_answers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"id": "9"}}, headers={"ETag": '"e2"'})

    node = loads('r:\n  method: PATCH\n  path: "/issue/{ticket.id}"\n  headers: {If-Match: "{steps.0.headers.etag}"}\n'
                 '  json: {"@op": add, messages: ["{steps.0.body.data.id}"]}\n  content_type: application/json\n',
                 "f").need("r")
    spec = parse_request(node, ["ticket", "steps", "origin"])
    answer = _requester(handler, origin="http://desk.test").send(
        spec, {"ticket": {"id": "7"}, "steps": [{"headers": {"etag": '"e1"'}, "body": {"data": {"id": "9"}}}]})
    request = seen[0]
    assert (request.method, request.url.path) == ("PATCH", "/api/issue/7")
    assert request.headers["if-match"] == '"e1"' and request.headers["x-requested-with"] == "rest"
    assert request.headers["origin"] == "http://desk.test"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"@op": "add", "messages": ["9"]}
    assert answer.body == {"data": {"id": "9"}} and answer.headers["etag"] == '"e2"'


def test_a_read_sends_no_write_headers_and_repeats_list_query_values() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    node = loads('r: {path: /t, query: {ids: "{ids}", empty: "{none}", on: true}}\n', "f").need("r")
    answer = _requester(handler, origin="o").send(parse_request(node, ["ids", "none"]), {"ids": [1, 2]})
    assert seen[0].url.query == b"ids=1&ids=2&on=true"
    assert "x-requested-with" not in seen[0].headers and answer.body is None


def test_an_answer_that_is_not_json_is_one_sentence() -> None:
    spec = parse_request(loads("r: {path: /t}\n", "f").need("r"), [])
    with pytest.raises(errors.BadResponse, match="did not answer with JSON"):
        _requester(lambda r: httpx.Response(200, text="<html>login</html>")).send(spec)


def test_request_mistakes_are_named() -> None:
    with pytest.raises(MappingError, match="has both json and form"):
        parse_request(loads("r: {method: POST, path: /t, json: {}, form: {}}\n", "f").need("r"), [])
    with pytest.raises(MappingError, match="the request is a GET"):
        parse_request(loads("r: {path: /t, json: {a: 1}}\n", "f").need("r"), [])
    with pytest.raises(MappingError, match=r"key 'r.methd': is not a key here"):
        parse_request(loads("r: {methd: POST, path: /t}\n", "f").need("r"), [])
