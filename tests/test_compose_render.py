"""Rendering templates in the sandbox: placeholders, fallbacks, unresolved names, escapes refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.render import apply_template, build_context, render_template
from helpdesk_tui.compose.sandbox import MAX_OUTPUT_CHARS, MAX_TEMPLATE_CHARS, environment
from helpdesk_tui.compose.templates import parse_template
from helpdesk_tui.domain.vocab import Priority, Status

from tests.factories import NOW, Builder

b = Builder()
ROME = ZoneInfo("Europe/Rome")
CONTEXT = {
    "customer": {"first_name": "Aiko", "name": "Aiko Tanaka"},
    "ticket": {"number": 1042, "subject": "Site down", "tags": ("billing", "vip")},
    "agent": {"name": "Dana Smith"},
}


def render(body: str, context=CONTEXT):
    return render_template(body, context)


# --- placeholders and fallbacks

def test_placeholders_resolve_from_plain_dicts():
    result = render("Hi {{ customer.first_name }}, about #{{ ticket.number }} ({{ ticket.subject }}).\n"
                    "{{ agent.name }}")
    assert result.text == "Hi Aiko, about #1042 (Site down).\nDana Smith"
    assert result.unresolved == []


def test_default_applies_to_missing_values_and_not_to_present_ones():
    assert render('Hi {{ customer.nickname | default("there") }}').text == "Hi there"
    assert render('Hi {{ customer.first_name | default("there") }}').text == "Hi Aiko"
    assert render('Hi {{ customer.first_name | default("there") }}', {}).text == "Hi there"
    assert render('Hi {{ customer.nickname | default("there") }}').unresolved == []


def test_unknown_placeholder_is_reported_with_its_line_and_left_in_the_text():
    result = render("Hello\n\nDear {{ customer.nickname }},\n{{ ticket.next_checkpoint }} and {{ nope }}")
    assert result.text == "Hello\n\nDear {{ customer.nickname }},\n{{ ticket.next_checkpoint }} and {{ nope }}"
    assert result.unresolved == [("customer.nickname", 3), ("ticket.next_checkpoint", 4), ("nope", 4)]


def test_unresolved_value_passes_through_filters_and_arithmetic_unchanged():
    result = render("{{ customer.nickname | upper | truncate(3) }} {{ ticket.count + 1 }}")
    assert result.text == "{{ customer.nickname }} {{ ticket.count }}"
    assert [name for name, _ in result.unresolved] == ["customer.nickname", "ticket.count"]


def test_a_missing_value_tested_in_a_condition_is_not_reported():
    body = "{% if ticket.survey_url %}Survey: {{ ticket.survey_url }}{% else %}No survey{% endif %}"
    result = render(body)
    assert result.text == "No survey" and result.unresolved == []
    assert render("{{ 'yes' if customer.vip is defined else 'no' }}").text == "no"


def test_indexes_keys_and_lists_work_on_plain_data():
    result = render("{{ ticket['number'] }} {{ ticket.tags[0] }} {{ ticket.tags | join(' / ') }} "
                    "{{ ticket.tags }} {{ customer.name[:4] }} {{ ticket.tags | length }}")
    assert result.text == "1042 billing billing / vip billing, vip Aiko 2"
    assert render("{{ ticket.tags[7] }}").unresolved == [("ticket.tags[7]", 1)]


def test_a_group_is_not_a_value_and_is_reported():
    assert render("{{ customer }}").unresolved == [("customer", 1)]


@pytest.mark.parametrize("body, text", [
    ("{{ customer.name | upper }}", "AIKO TANAKA"),
    ("{{ customer.name | lower }}", "aiko tanaka"),
    ("{{ 'hello world' | title }}", "Hello World"),
    ("{{ 'hello' | capitalize }}", "Hello"),
    ("{{ '  x  ' | trim }}", "x"),
    ("{{ customer.name | replace('Aiko', 'A.') }}", "A. Tanaka"),
    ("{{ ticket.tags | first }}-{{ ticket.tags | last }}", "billing-vip"),
    ("{{ 'one two three four' | truncate(9) }}", "one..."),
    ("{{ 'one two three' | wordcount }}", "3"),
    ("{{ '42' | int + 1 }}", "43"),
    ("{{ ticket.number | string | length }}", "4"),
    ("{{ '' | default('empty', true) }}", "empty"),
])
def test_whitelisted_filters(body, text):
    assert render(body).text == text


def test_autoescape_is_off_because_the_output_is_markdown():
    assert render("{{ ticket.subject }}", {"ticket": {"subject": "<b>A & B</b>"}}).text == "<b>A & B</b>"


def test_blocks_leave_no_blank_lines_behind():
    body = "Hi\n{% if customer.first_name %}\nDear {{ customer.first_name }}\n{% endif %}\nBye\n"
    assert render(body).text == "Hi\nDear Aiko\nBye\n"


# --- the sandbox

@pytest.mark.parametrize("body", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ customer.__class__ }}",
    "{{ customer['__class__'] }}",
    "{{ __builtins__ }}",
    "{% include '/etc/passwd' %}",
    "{% import os %}",
    "{% import 'os' as os %}",
    "{% from 'x' import y %}",
    "{% extends 'base.html' %}",
    "{% macro m() %}x{% endmacro %}",
    "{% for x in ticket.tags %}{{ x }}{% endfor %}",
    "{% set x = 1 %}",
    "{% block b %}{% endblock %}",
    "{{ range(10) }}",
    "{{ lipsum() }}",
    "{{ dict(a=1) }}",
    "{{ namespace() }}",
    "{{ customer.name.upper() }}",
    "{{ 'abc'.upper }}",
    "{{ '{0.__class__}'.format(customer) }}",
    "{{ 'a' ~ 'b' }}",
    "{{ '%s' % customer.name }}",
    "{{ customer.name | center(99999) }}",
    "{{ customer.name | attr('__class__') }}",
    "{{ customer is callable }}",
    "{% filter upper %}x{% endfilter %}",
    "{{ customer.name",
])
def test_sandbox_escapes_fail_with_one_sentence(body):
    with pytest.raises(TemplateError) as raised:
        render(body)
    message = str(raised.value)
    assert message.startswith("Line 1: ") and message.endswith(".")
    assert "Traceback" not in message


@pytest.mark.parametrize("name", ["self", "cycler", "joiner", "lipsum", "range", "config", "request"])
def test_names_of_python_objects_resolve_to_nothing(name):
    result = render("{{ %s }}" % name)
    assert result.text == "{{ %s }}" % name
    assert result.unresolved == [(name, 1)]


def test_environment_has_no_globals_no_loader_and_a_small_whitelist():
    env = environment()
    assert env.globals == {}
    assert env.loader is None
    assert env.autoescape is False
    assert "center" not in env.filters and "attr" not in env.filters and "map" not in env.filters
    assert "callable" not in env.tests


@pytest.mark.parametrize("body", [
    "{{ 'x' * 10**9 }}",
    "{{ 10**9 * 'x' }}",
    "{{ ['x'] * 10**9 }}",
    "{{ 10**10**10 }}",
    "{{ 99999999 ** 99999999 }}",
    "{{ ('a' * 99999) | replace('a', 'bb') }}",
    "{{ ('a' * 50000) | replace('', 'xxxxxxxx') }}",
    "{{ ['x' * 60000, 'y'] | join('-' * 60000) }}",
    "{{ ('a' * 60000) + ('b' * 60000) }}",
])
def test_memory_bombs_fail_cleanly_and_fast(body):
    started = time.perf_counter()
    with pytest.raises(TemplateError, match="Line 1: a (value|number) would be"):
        render(body)
    assert time.perf_counter() - started < 1


def test_output_is_capped():
    body = "{{ 'x' * 90000 }}\n" * 3
    with pytest.raises(TemplateError, match=f"longer than {MAX_OUTPUT_CHARS} characters"):
        render(body)


def test_template_size_is_capped():
    with pytest.raises(TemplateError, match=f"longer than {MAX_TEMPLATE_CHARS} characters"):
        render("x" * (MAX_TEMPLATE_CHARS + 1))


def test_deeply_nested_expressions_are_refused_not_crashed():
    with pytest.raises(TemplateError, match="nested too deeply"):
        render("{{ " + "(" * 500 + "1" + ")" * 500 + " }}")


def test_syntax_errors_name_their_line():
    with pytest.raises(TemplateError, match=r"^Line 3: "):
        render("Hello\n\n{{ customer.name }\n")
    with pytest.raises(TemplateError, match=r"^Line 2: there is no filter 'shout'"):
        render("ok\n{{ customer.name | shout }}")


def test_an_unclosed_block_says_how_to_close_it_in_one_sentence():
    with pytest.raises(TemplateError) as raised:
        render("Hi\n{% if customer.vip %}\nThanks for being with us.\n")
    assert str(raised.value) == "Line 3: unexpected end of template: close the 'if' block with {% endif %}."


def test_runtime_errors_name_their_line():
    with pytest.raises(TemplateError, match=r"^Line 3: division by zero\.$"):
        render("a\nb\n{{ 1 / 0 }}")
    with pytest.raises(TemplateError, match=r"^Line 2: .*ticket.count.*default"):
        render("a\n{{ ticket.count > 3 }}")


def test_context_must_be_plain_data():
    customer = b.customer()
    with pytest.raises(TypeError, match="plain data"):
        render("{{ customer.name }}", {"customer": customer})
    with pytest.raises(TypeError):
        render("{{ x }}", {"x": object()})
    with pytest.raises(TypeError):
        render("{{ x }}", {"_private": "x"})


# --- the context built from a ticket

def _walk(value):
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item)


def test_build_context_holds_plain_values_only():
    org = b.org()
    customer = b.customer(org=org)
    ticket = b.ticket(customer=customer, status=Status.ON_HOLD, priority=Priority.HIGH, tags=("dns",),
                      next_checkpoint_at=NOW + timedelta(hours=3))
    context = build_context(ticket=ticket, customer=customer, organization=org, agent_name="Dana Smith",
                            now=NOW, tz=UTC, extra={"survey_url": "https://s.example/1"})
    for value in _walk(context):
        assert type(value) in (dict, tuple, str, int), type(value)
    assert context["customer"] == {"name": "Aiko Tanaka", "first_name": "Aiko", "email": "aiko@example.com",
                                   "language": "en", "organization": "ACME Hosting"}
    assert context["ticket"]["status"] == "on_hold" and context["ticket"]["priority"] == "high"
    assert context["ticket"]["next_checkpoint"] == "Friday 20 November, 12:30 UTC"
    assert context["agent"] == {"name": "Dana Smith", "first_name": "Dana"}
    assert context["organization"] == {"name": "ACME Hosting"}
    assert context["today"] == "2026-11-20"
    assert context["survey_url"] == "https://s.example/1"


def test_build_context_leaves_out_what_is_unknown_so_fallbacks_apply():
    ticket = b.ticket()
    context = build_context(ticket=ticket, customer=None, organization=None, agent_name="Dana",
                            now=NOW, tz=UTC)
    assert context["customer"] == {} and context["organization"] == {}
    assert "next_checkpoint" not in context["ticket"]
    result = render_template('Hi {{ customer.first_name | default("there") }} {{ ticket.next_checkpoint }}',
                             context)
    assert result.text == "Hi there {{ ticket.next_checkpoint }}"


def test_build_context_drops_a_promise_already_due():
    ticket = b.ticket(next_checkpoint_at=NOW - timedelta(minutes=5))
    context = build_context(ticket=ticket, customer=None, organization=None, agent_name="Dana", now=NOW, tz=UTC)
    assert "next_checkpoint" not in context["ticket"]


def test_build_context_writes_the_checkpoint_in_the_customers_language_and_zone():
    customer = b.customer("田中 愛子", language="ja", email="tanaka@example.jp")
    ticket = b.ticket(customer=customer)
    promise = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    context = build_context(ticket=ticket, customer=customer, organization=None, agent_name="Dana",
                            now=NOW, tz=ZoneInfo("Asia/Tokyo"), next_checkpoint=promise)
    assert context["ticket"]["next_checkpoint"] == "11月21日(土) 10:00 (JST)"
    english = build_context(ticket=ticket, customer=customer, organization=None, agent_name="Dana",
                            now=NOW, tz=ROME, next_checkpoint=promise, language="en")
    assert english["ticket"]["next_checkpoint"] == "Saturday 21 November, 02:00 CET"


def test_extra_values_with_dots_go_inside_their_group():
    context = build_context(ticket=b.ticket(), customer=None, organization=None, agent_name="Dana", now=NOW,
                            tz=UTC, extra={"ticket.survey_url": "https://s.example/9", "team": "Hosting"})
    assert context["ticket"]["survey_url"] == "https://s.example/9" and context["team"] == "Hosting"


# --- applying a template

ACK = parse_template("---\nname: Ack\nlanguage: en\nstatus: open\ncheckpoint: +4h\n---\n"
                     "Hi {{ customer.first_name }}, next update by {{ ticket.next_checkpoint }}.\n",
                     "builtin", id="en/ack")


def test_apply_template_promises_the_templates_default_checkpoint():
    customer = b.customer()
    applied = apply_template(ACK, ticket=b.ticket(customer=customer), customer=customer, organization=None,
                             agent_name="Dana", now=NOW, tz=UTC)
    assert applied.next_checkpoint == NOW + timedelta(hours=4)
    assert applied.status == "open" and applied.unresolved == []
    assert applied.text == "Hi Aiko, next update by Friday 20 November, 13:30 UTC.\n"


def test_apply_template_keeps_a_stored_promise_and_an_explicit_one_wins():
    stored = NOW + timedelta(hours=8)
    ticket = b.ticket(next_checkpoint_at=stored)
    applied = apply_template(ACK, ticket=ticket, customer=None, organization=None, agent_name="Dana",
                             now=NOW, tz=UTC)
    assert applied.next_checkpoint == stored
    typed = NOW + timedelta(days=1)
    applied = apply_template(ACK, ticket=ticket, customer=None, organization=None, agent_name="Dana",
                             now=NOW, tz=UTC, next_checkpoint=typed)
    assert applied.next_checkpoint == typed and "Saturday 21 November" in applied.text


def test_apply_template_errors_name_the_template_and_file_line():
    broken = parse_template("---\nname: X\nlanguage: en\n---\n\nok\n{{ 1 / 0 }}\n", "/tmp/x.md", id="x")
    with pytest.raises(TemplateError, match=r"^/tmp/x\.md, line 7: division by zero\.$"):
        apply_template(broken, ticket=b.ticket(), customer=None, organization=None, agent_name="Dana",
                       now=NOW, tz=UTC)
