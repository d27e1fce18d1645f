"""Fields of a mapping (sync/generic/fields.py, values.py): each spec form, dates, maps with the
raw kept, joins, conditions and kind rules, required fields, and mistakes named at load."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpdesk_tui.domain.remote import RemoteArticle, RemoteMessage, RemoteTicket, RemoteUser
from helpdesk_tui.domain.vocab import MessageKind, Priority, Status
from helpdesk_tui.sync.generic.fields import Unreadable, reader_for
from helpdesk_tui.sync.generic.lookups import Lookup
from helpdesk_tui.sync.generic.node import MappingError, loads
from helpdesk_tui.sync.generic.values import Env, format_date, parse_condition, parse_date

TICKET = """
fields:
  remote_id: id
  number: id
  subject: {first: [subject, title]}
  status: {path: status.id, map: {1: new, 2: open, "3": solved}, default: pending}
  priority: {path: prio, map: {low: low, hi: high}}
  created_at: {path: created, date: epoch}
  updated_at: {path: updated, date: "%d/%m/%Y %H:%M"}
  requester: author.id
  assignee: {path: owner, join: agents}
  group: {path: team_id, join: teams, pick: title}
  tags: tags
  version: {template: "v{rev}-{id}"}
  solved_at: {path: closed, date: epoch_ms}
"""


def reader(text: str, what: str = "ticket", joins=("agents", "teams"), roots=()):
    node = loads(text, "m.yaml").need("fields")
    return reader_for(what, node, joins=joins, context_roots=roots)


def env(**side) -> Env:
    agents = Lookup([(7, "Aiko Agent"), ("8", "Bo Agent")])
    return Env(side_loads=side, lookup=lambda name: agents)


RECORD = {"id": 12, "title": "Printer", "status": {"id": 3}, "prio": "weird", "created": 1767225600,
          "updated": "02/01/2026 10:30", "author": {"id": 5}, "owner": "7", "team_id": 2, "tags": ["a", "b"],
          "rev": 4, "closed": 1767229200000}


def test_every_ticket_field_form_is_read_and_converted():
    ticket: RemoteTicket = reader(TICKET).read(RECORD, env(teams={"2": {"id": 2, "title": "Second line"}}))
    assert (ticket.remote_id, ticket.number, ticket.subject) == ("12", 12, "Printer")
    assert ticket.status is Status.SOLVED and ticket.status_raw == "3"  # map keys compare as text
    assert ticket.priority is Priority.NORMAL and ticket.priority_raw == "weird"  # unmapped: the default
    assert ticket.created_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert ticket.updated_at == datetime(2026, 1, 2, 10, 30, tzinfo=UTC)
    assert ticket.requester_remote_id == "5" and ticket.assignee == "Aiko Agent" and ticket.group == "Second line"
    assert ticket.tags == ("a", "b") and ticket.version == "v4-12"
    assert ticket.solved_at == datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    assert ticket.raw is RECORD


def test_an_unmapped_status_takes_the_default_and_keeps_the_raw_value():
    ticket = reader(TICKET).read({**RECORD, "status": {"id": 99}}, env())
    assert ticket.status is Status.PENDING and ticket.status_raw == "99"


def test_a_status_without_a_map_is_taken_when_it_is_ours():
    text = "fields: {remote_id: id, number: id, subject: s, created_at: t, updated_at: t, status: st}"
    read = reader(text).read
    base = {"id": 1, "s": "x", "t": "2026-01-01T00:00:00Z"}
    assert read({**base, "st": "Pending"}, env()).status is Status.PENDING
    assert read({**base, "st": "in progress"}, env()).status is Status.OPEN


@pytest.mark.parametrize(("record", "sentence"), [
    ({k: v for k, v in RECORD.items() if k not in ("title",)}, "it has no subject"),
    ({**RECORD, "created": "not a time"}, "its created_at cannot be read (ValueError)"),
    ({**RECORD, "id": None}, "it has no remote_id"),
])
def test_a_record_missing_a_required_field_is_unreadable_with_a_sentence(record, sentence):
    with pytest.raises(Unreadable) as caught:
        reader(TICKET).read(record, env())
    assert str(caught.value) == sentence


def test_a_join_to_an_unknown_id_is_no_value_not_an_error():
    ticket = reader(TICKET).read({**RECORD, "owner": 999, "team_id": 5}, env(teams={}))
    assert ticket.assignee is None and ticket.group is None


MESSAGE = """
fields:
  remote_id: id
  author: user.name
  body: {path: html, format: html}
  created_at: at
  kind:
    - {when: {path: private, equals: true}, kind: internal_note}
    - {when: {path: user.id, equals: "{ticket.requester}"}, kind: customer}
    - {when: {path: via, in: [api, "{ticket.raw.channel}"]}, kind: system}
    - {kind: public_reply}
  attachments:
    records: files
    fields: {remote_id: id, name: filename, size: bytes, url: href}
"""


def message(record, ticket=None) -> RemoteMessage:
    read = reader(MESSAGE, "message", roots=("ticket",)).read
    return read(record, Env(context={"ticket": ticket or {"requester": "5", "raw": {"channel": "web"}}}))


def test_message_kind_rules_use_the_ticket_and_files_are_listed():
    base = {"id": 1, "user": {"id": 5, "name": "Bo"}, "html": "<p>Hi</p>", "at": "2026-01-01T10:00:00+02:00"}
    first = message({**base, "files": [{"id": 3, "filename": "a.txt", "bytes": "12", "href": "/f/3"}, "junk"]})
    assert first.kind is MessageKind.CUSTOMER and first.body_format == "html" and first.author == "Bo"
    assert first.created_at == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert first.attachments == ({"remote_id": "3", "name": "a.txt", "size": 12, "url": "/f/3"},)
    assert message({**base, "private": True}).kind is MessageKind.INTERNAL_NOTE
    assert message({**base, "user": {"id": 1}, "via": "web"}).kind is MessageKind.SYSTEM
    assert message({**base, "user": {"id": 1}, "via": "email"}).kind is MessageKind.PUBLIC_REPLY


def test_a_kind_rule_may_test_the_side_loaded_author_of_a_message():
    text = ("fields:\n  remote_id: id\n  body: text\n  created_at: at\n  author: {path: author_id, join: people}\n"
            "  kind:\n    - {when: {path: author_id, join: people, pick: role, equals: end-user}, kind: customer}\n"
            "    - {kind: public_reply}\n")
    read = reader(text, "message", joins=("people",)).read
    people = {"5": {"id": 5, "name": "Cam Cc", "role": "end-user"}, "6": {"id": 6, "name": "Al", "role": "agent"}}
    base = {"id": 1, "text": "Me too", "at": "2026-01-01T00:00:00Z"}
    assert read({**base, "author_id": 5}, env(people=people)).kind is MessageKind.CUSTOMER
    assert read({**base, "author_id": 6}, env(people=people)).kind is MessageKind.PUBLIC_REPLY
    assert read({**base, "author_id": 9}, env(people=people)).kind is MessageKind.PUBLIC_REPLY  # not loaded
    with pytest.raises(MappingError, match="cannot be used here"):  # e.g. a stream's skip: no joins there
        parse_condition(loads("c: {path: a, join: people, equals: x}\n", "m.yaml").need("c"), ())


def test_users_fall_back_to_the_email_or_id_for_a_name():
    read = reader("fields: {remote_id: id, name: n, email: mail}", "user").read
    assert read({"id": 3, "mail": "x@example.com"}, env()) == RemoteUser("3", "x@example.com", "x@example.com",
                                                                          raw={"id": 3, "mail": "x@example.com"})


def test_an_article_body_in_html_becomes_text_and_archived_maps_to_a_flag():
    text = ("fields: {remote_id: id, title: t, body: {path: b, format: html}, "
            "archived: {path: status, map: {1: false, 2: true}, default: false}}")
    article: RemoteArticle = reader(text, "article").read({"id": 1, "t": "T", "b": "<p>One &amp; two</p>",
                                                          "status": 2}, env())
    assert article.body.strip() == "One & two" and article.archived is True


def test_custom_fields_from_a_list_of_records_or_an_object():
    base = "fields: {remote_id: id, number: id, subject: s, created_at: at, updated_at: at, custom_fields: %s}"
    record = {"id": 3, "s": "S", "at": "2026-01-01T00:00:00Z", "cf": [{"id": 360001, "value": "eu-1"},
                                                                     {"id": 2, "value": None}, {"value": "no id"}],
              "obj": {"region": "eu", "tier": 2}}
    listed = reader(base % "{records: cf, key: id, value: value}").read(record, env())
    assert listed.custom_fields == {"360001": "eu-1", "2": None}
    assert reader(base % "obj").read(record, env()).custom_fields == {"region": "eu", "tier": 2}
    assert reader(base % "obj").read({**record, "obj": None}, env()).custom_fields == {}


def test_a_satisfaction_rating_is_read_when_its_score_is_good_or_bad():
    text = ("fields: {remote_id: id, number: id, subject: s, created_at: at, updated_at: at,\n"
            "  rating: {score: {path: csat.score, map: {5: good, 1: bad}}, comment: csat.comment, remote_id: csat.id,"
            " created_at: {path: csat.at, date: iso8601}}}")
    read = reader(text).read
    base = {"id": 3, "s": "S", "at": "2026-01-01T00:00:00Z"}
    rated = read({**base, "csat": {"score": 5, "comment": "Quick!", "id": 77, "at": "2026-01-02T00:00:00Z"}}, env())
    assert rated.rating is not None and (rated.rating.score, rated.rating.comment, rated.rating.remote_id) == (
        "good", "Quick!", "77")
    assert rated.rating.created_at == datetime(2026, 1, 2, tzinfo=UTC)
    assert read({**base, "csat": {"score": 3}}, env()).rating is None  # offered, not a rating
    assert read(base, env()).rating is None
    with pytest.raises(MappingError, match="needs 'score'"):
        reader(text.replace("score: {path: csat.score, map: {5: good, 1: bad}}, ", ""))


def test_a_pattern_keeps_what_its_group_matches_else_the_default():
    text = "fields: {remote_id: id, language: {path: locale, pattern: \"^([a-z]+)\", default: en}}"
    read = reader(text, "user").read
    assert [read({"id": 1, "locale": loc}, env()).language for loc in ("pt-BR", "ja", "", None, "??")] == [
        "pt", "ja", "en", "en", "en"]
    with pytest.raises(MappingError, match="needs a group in parentheses"):
        reader("fields: {remote_id: id, language: {path: locale, pattern: \"^[a-z]+\"}}", "user")


def test_a_template_body_format_per_record_keeps_a_plain_bodys_line_breaks():
    text = "fields: {remote_id: id, name: n, body: {first: [html, plain]}, body_format: \"html && 'html' || 'text'\"}"
    read = reader(text, "template").read
    rich = read({"id": 1, "n": "Rich", "html": "<p>Dear you,</p><p>Thanks</p>"}, env())
    plain = read({"id": 2, "n": "Plain", "plain": "Hi,\n\nThanks"}, env())
    assert "<p>" not in rich.body and "Dear you," in rich.body
    assert plain.body == "Hi,\n\nThanks"


@pytest.mark.parametrize(("text", "fragment"), [
    ("fields: {remote_id: id, number: id, subject: s, created_at: t}", "needs the field 'updated_at'"),
    ("fields: {remote_id: id, number: id, subject: s, created_at: t, updated_at: t, colour: c}",
     "key 'fields.colour': is not a field of a ticket"),
    ("fields: {remote_id: id, number: id, subject: s, created_at: t, updated_at: t,\n"
     "  status: {path: s, map: {1: shut}}}", "line 2, key 'fields.status.map.1': is not a status of ours"),
    ("fields: {remote_id: id, number: id, subject: s, created_at: t, updated_at: t, assignee: {path: a, join: x}}",
     "names 'x', which is neither a lookup nor a side-load"),
    ("fields: {remote_id: id, number: id, subject: s, created_at: {path: t, date: dd-mm}, updated_at: t}",
     "must be one of iso8601, iso8601z, epoch, epoch_ms or a strftime pattern"),
    ("fields: {remote_id: id, number: id, subject: {path: s, first: [a]}, created_at: t, updated_at: t}",
     "needs exactly one of path, first, template or const"),
    ("fields: {remote_id: id, number: id, subject: 'a[', created_at: t, updated_at: t}",
     "is not a path this engine reads"),
])
def test_mistakes_are_one_sentence_naming_the_line_and_key(text, fragment):
    with pytest.raises(MappingError) as caught:
        reader(text)
    assert fragment in str(caught.value) and str(caught.value).startswith("m.yaml, line ")


def test_a_kind_rule_list_needs_a_last_rule_without_a_condition():
    text = "fields: {remote_id: id, body: b, created_at: t, kind: [{when: {path: p, empty: true}, kind: system}]}"
    with pytest.raises(MappingError, match="needs a last rule without 'when'"):
        reader(text, "message")


@pytest.mark.parametrize(("value", "fmt", "expected"), [
    ("2026-01-01T00:00:00Z", None, datetime(2026, 1, 1, tzinfo=UTC)),
    ("2026-01-01 02:00:00+02:00", "iso8601", datetime(2026, 1, 1, tzinfo=UTC)),
    ("2026-01-01T00:00:00", None, datetime(2026, 1, 1, tzinfo=UTC)),  # no zone: UTC
    (1767225600, None, datetime(2026, 1, 1, tzinfo=UTC)),
    ("1767225600000", "epoch_ms", datetime(2026, 1, 1, tzinfo=UTC)),
])
def test_dates_in_each_format(value, fmt, expected):
    assert parse_date(value, fmt) == expected


def test_dates_are_formatted_for_a_query_in_each_format():
    moment = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
    assert format_date(moment, "iso8601z") == "2026-01-01T12:30:00Z"
    assert format_date(moment, "iso8601") == "2026-01-01T12:30:00+00:00"
    assert format_date(moment, "epoch") == 1767270600
    assert format_date(moment, "epoch_ms") == 1767270600000
    assert format_date(moment, "%Y-%m-%d") == "2026-01-01"


def test_reading_is_fast_enough_for_a_large_helpdesk():
    """The hot loop: compiled getters, no spec walking per record (a floor, not a benchmark)."""
    import time

    read = reader(TICKET).read
    context = env(teams={"2": {"id": 2, "title": "Second line"}})
    records = [{**RECORD, "id": n} for n in range(5000)]
    started = time.perf_counter()
    for record in records:
        read(record, context)
    rate = len(records) / (time.perf_counter() - started)
    assert rate > 5000, f"{rate:.0f} records/s"


def test_unless_leaves_a_field_without_value_where_its_condition_holds():
    """Roundup names no customer beside an issue's creator: an issue the signed-in account opened
    (for a customer, from here) must not make the agent its customer."""
    text = """
fields:
  remote_id: id
  number: id
  subject: title
  created_at: {path: created, date: epoch}
  updated_at: {path: created, date: epoch}
  requester: {path: creator.id, unless: {path: creator.name, equals: "{account.user}"}}
"""
    read = reader(text).read
    context = {"account": {"user": "admin"}}
    by_customer = {"id": 1, "title": "Printer", "created": 0, "creator": {"id": 4, "name": "cust"}}
    by_us = {**by_customer, "creator": {"id": 1, "name": "admin"}}
    assert read(by_customer, Env(context=context)).requester_remote_id == "4"
    assert read(by_us, Env(context=context)).requester_remote_id is None
    with pytest.raises(MappingError, match="only"):  # its templates name the context roots a field may see
        reader(text.replace("{account.user}", "{steps.0.id}"))


def test_an_attachment_url_may_name_its_message_and_ticket():
    text = """
fields:
  remote_id: id
  body: b
  created_at: at
  attachments:
    records: files
    fields: {name: n, url: {template: "ticket_attachment/{ticket.remote_id}/{message.id}/{id}"}}
"""
    read = reader(text, "message", roots=("ticket",)).read
    found = read({"id": 5, "b": "x", "at": "2026-01-01T00:00:00Z", "files": [{"id": 9, "n": "a.txt"}]},
                 Env(context={"ticket": {"remote_id": "77"}}))
    assert found.attachments == ({"name": "a.txt", "url": "ticket_attachment/77/5/9"},)


@pytest.mark.parametrize(("change", "sentence"), [
    ({"title": {"text": "an object"}}, "its subject cannot be read (TypeError)"),
    ({"created": 1e300}, "its created_at cannot be read (OverflowError)"),
    ({"created": float("nan")}, "its created_at cannot be read (ValueError)"),
    ({"id": True, "title": "x"}, "its number cannot be read (ValueError)"),
])
def test_hostile_values_make_a_record_unreadable_not_a_crash(change, sentence):
    with pytest.raises(Unreadable) as caught:
        reader(TICKET).read({**RECORD, **change}, env())
    assert str(caught.value) == sentence
