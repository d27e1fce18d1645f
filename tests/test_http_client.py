"""The shared HTTP client's retry rules, with httpx's mock transport and a recorded sleep."""

from __future__ import annotations

import httpx
import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.http import HttpClient, RetryPolicy, retry_after


def client(handler, **kw):
    waits: list[float] = []
    c = HttpClient("https://help.example", headers={"Authorization": "token s3cret"},
                   transport=httpx.MockTransport(handler), sleep=waits.append,
                   policy=RetryPolicy(attempts=4, base_delay=0.5), **kw)
    return c, waits


def test_get_is_retried_on_503_and_429_honouring_retry_after():
    answers = iter([httpx.Response(503), httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json={})])
    c, waits = client(lambda request: next(answers))
    assert c.request("GET", "/x").status_code == 200
    assert len(waits) == 2 and waits[1] == 3.0


def test_a_write_that_got_500_is_an_unknown_outcome_and_not_repeated():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(500)

    c, _ = client(handler)
    with pytest.raises(errors.UnknownOutcome):
        c.request("POST", "/reply", json={"a": 1})
    assert len(calls) == 1


def test_a_write_rejected_with_429_is_sent_again():
    answers = iter([httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(201)])
    c, waits = client(lambda request: next(answers))
    assert c.request("POST", "/reply", json={}).status_code == 201 and waits == [1.0]


def test_a_write_that_timed_out_after_sending_is_an_unknown_outcome():
    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)

    c, _ = client(handler)
    with pytest.raises(errors.UnknownOutcome):
        c.request("POST", "/reply", json={})


def test_a_refused_connection_is_retried_then_unreachable_even_for_writes():
    calls = []

    def handler(request):
        calls.append(1)
        raise httpx.ConnectError("refused", request=request)

    c, waits = client(handler)
    with pytest.raises(errors.Unreachable, match="check the URL"):
        c.request("POST", "/reply", json={})
    assert len(calls) == 2 and len(waits) == 1


@pytest.mark.parametrize("status, error, words", [
    (401, errors.AuthFailed, "credentials"), (403, errors.Forbidden, "may not"),
    (404, errors.NotFound, "check the URL"), (412, errors.Conflict, "changed"),
])
def test_client_errors_become_sentences_without_the_token(status, error, words):
    c, _ = client(lambda request: httpx.Response(status))
    with pytest.raises(error, match=words) as caught:
        c.request("GET", "/x")
    assert "s3cret" not in str(caught.value) and "s3cret" not in repr(c)


def test_server_errors_ignore_rate_limit_reset_headers_sent_on_every_answer():
    answers = iter([httpx.Response(503, headers={"ratelimit-reset": "55"}), httpx.Response(200)])
    c, waits = client(lambda request: next(answers))
    c.request("GET", "/x")
    assert waits[0] <= 0.5


def test_retry_after_reads_seconds_dates_and_reset_headers():
    assert retry_after({"retry-after": "7"}) == 7.0
    assert retry_after({"x-ratelimit-reset": "12"}) == 12.0
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after({}) is None
