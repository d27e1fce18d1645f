"""sync/json_body.py reads every body to exactly what json.loads gives, or fails as it does."""

from __future__ import annotations

import json

import pytest

from helpdesk_tui.sync import json_body

SAME = [
    b'{"tickets": [{"id": 1, "subject": "Printer \\u00e9", "tags": [], "x": null, "y": true}], "after": "c2"}',
    b'{"a": 1, "a": 2}',  # a repeated key: the last one wins
    b'[18446744073709551615, 18446744073709551616, -9223372036854775809, 12345678901234567890123]',
    b'[1.0, 1e2, 0.1, 123456789012345678.5, -0.0, 1E5, 3]',
    b'"\\ud800 a lone surrogate"',
    b'[NaN, Infinity, -Infinity]',
    b'\xef\xbb\xbf{"bom": 1}',
    '{"utf16": "\u00e9"}'.encode("utf-16"),
    b'{"phone": "0123456789012345678901"}',
    b'  {"spaces": "around"}  ',
]


@pytest.mark.parametrize("body", SAME)
def test_a_body_reads_to_the_values_json_gives(body):
    expected = json.loads(body)
    got = json_body.loads(body)
    assert repr(got) == repr(expected)
    assert type(got) is type(expected)


@pytest.mark.parametrize("body", [b"", b"<html>", b'{"a": ', b"\xff\xfe\xfa", b"[" * 100_000 + b"]" * 100_000])
def test_a_body_json_refuses_is_refused_alike(body):
    with pytest.raises((ValueError, RecursionError)) as expected:
        json.loads(body)
    with pytest.raises(expected.type):
        json_body.loads(body)


def test_the_long_digit_check_finds_exactly_the_runs_of_19_digits_the_regex_finds():
    import random
    import re

    regex = re.compile(rb"\d{19}")
    rng = random.Random(13)
    alphabet = b"0123456789" * 3 + b' ".,:-eE\xd9\xa1\xff\x00'  # \xd9\xa1: an Arabic-Indic one, not ASCII
    bodies = [bytes(rng.choices(alphabet, k=rng.randint(0, 80))) for _ in range(3000)]
    bodies += [b"1" * 18, b"1" * 19, b"x" + b"9" * 19 + b"x", b"123456789012345678.5", "١".encode() * 19]
    for body in bodies:
        assert json_body._has_long_digits(body) == (regex.search(body) is not None), body
