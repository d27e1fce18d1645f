"""Authentication objects (sync/auth.py): what each puts on a request, and that no secret
ever shows in a repr, an exception message or the log."""

from __future__ import annotations

import logging

import httpx
import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.auth import BasicAuth, ClientCredentials, HeaderAuth, QueryKeyAuth, TokenAuth
from helpdesk_tui.sync.http import HttpClient, RetryPolicy

SECRET = "s3cret-Tok3n-value"
FAST = RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0, timeout=5)


def client_with(auth: httpx.Auth, handler) -> HttpClient:
    return HttpClient("https://desk.example.com/api", auth=auth, policy=FAST, sleep=lambda s: None,
                      transport=httpx.MockTransport(handler))


def recording():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    return seen, handler


@pytest.mark.parametrize(("auth", "header", "value"), [
    (TokenAuth(SECRET), "Authorization", f"Bearer {SECRET}"),
    (TokenAuth(SECRET, scheme="Token"), "Authorization", f"Token {SECRET}"),
    (BasicAuth("aiko@example.com/token", SECRET), "Authorization",
     "Basic " + __import__("base64").b64encode(f"aiko@example.com/token:{SECRET}".encode()).decode()),
    (HeaderAuth("X-Api-Key", SECRET), "X-Api-Key", SECRET),
])
def test_each_header_auth_sets_its_header_and_keeps_the_secret_out_of_its_repr(auth, header, value):
    seen, handler = recording()
    client_with(auth, handler).get_json("/tickets")
    assert seen[0].headers[header] == value
    assert SECRET not in repr(auth) and type(auth).__name__ in repr(auth)


def test_an_api_key_in_the_query_is_added_to_the_url_and_never_logged(caplog):
    seen, handler = recording()
    auth = QueryKeyAuth("api_key", SECRET)
    with caplog.at_level(logging.INFO, logger="helpdesk_tui.sync.http"):
        client_with(auth, handler).get_json("/tickets", params={"page": 2})
    assert seen[0].url.params["api_key"] == SECRET and seen[0].url.params["page"] == "2"
    assert SECRET not in repr(auth)
    assert caplog.records and SECRET not in caplog.text and "page=" in caplog.text


def oauth_server(*, lifetime: int = 3600, revoke_after: int | None = None):
    """A token endpoint and an API that accepts only the latest token."""
    state = {"issued": 0, "api_calls": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            body = dict(httpx.QueryParams(request.content.decode()))
            if body != {"grant_type": "client_credentials", "client_id": "app", "client_secret": SECRET}:
                return httpx.Response(401, json={"error": "invalid_client"})
            state["issued"] += 1
            return httpx.Response(200, json={"access_token": f"tok-{state['issued']}", "expires_in": lifetime})
        state["api_calls"] += 1
        if revoke_after is not None and state["api_calls"] == revoke_after + 1 and state["issued"] == 1:
            return httpx.Response(401)  # the first token was revoked early
        if request.headers.get("Authorization") != f"Bearer tok-{state['issued']}":
            return httpx.Response(401)
        return httpx.Response(200, json={"ok": True})

    return state, handler


def test_client_credentials_fetch_a_token_once_and_reuse_it():
    state, handler = oauth_server()
    auth = ClientCredentials("https://desk.example.com/oauth/token", "app", SECRET)
    client = client_with(auth, handler)
    assert client.get_json("/tickets") == {"ok": True} and client.get_json("/tickets") == {"ok": True}
    assert state["issued"] == 1
    assert SECRET not in repr(auth) and "tok-1" not in repr(auth)


def test_client_credentials_refresh_an_expired_token_before_use():
    clock = {"now": 0.0}
    state, handler = oauth_server(lifetime=100)
    auth = ClientCredentials("https://desk.example.com/oauth/token", "app", SECRET, clock=lambda: clock["now"])
    client = client_with(auth, handler)
    client.get_json("/tickets")
    clock["now"] = 90.0  # within EARLY of expiry
    client.get_json("/tickets")
    assert state["issued"] == 2


def test_client_credentials_refresh_on_a_401_and_send_again_once():
    state, handler = oauth_server(revoke_after=1)
    auth = ClientCredentials("https://desk.example.com/oauth/token", "app", SECRET)
    client = client_with(auth, handler)
    client.get_json("/tickets")
    assert client.get_json("/tickets") == {"ok": True}
    assert state["issued"] == 2


def test_refused_client_credentials_are_one_sentence_without_the_secret():
    _, handler = oauth_server()
    auth = ClientCredentials("https://desk.example.com/oauth/token", "app", "wrong-" + SECRET)
    with pytest.raises(errors.AuthFailed) as caught:
        client_with(auth, handler).get_json("/tickets")
    message = str(caught.value)
    assert message == ("desk.example.com refused the client credentials (401): check the client id and secret, "
                       "or run 'helpdesk-tui account add' again.")
    assert SECRET not in message and SECRET not in repr(caught.value)


def test_a_request_is_logged_with_method_path_status_time_and_try_but_no_token(caplog):
    seen, handler = recording()
    with caplog.at_level(logging.INFO, logger="helpdesk_tui.sync.http"):
        client_with(TokenAuth(SECRET), handler).get_json("/tickets?token=" + SECRET, params={"per_page": 5})
    (record,) = [r for r in caplog.records if r.name == "helpdesk_tui.sync.http"]
    line = record.getMessage()
    assert line.startswith("GET /api/tickets?token=…&per_page=… -> 200 in ") and line.endswith(" ms (try 1)")
    assert SECRET not in caplog.text


def test_a_retried_request_is_logged_once_per_try(caplog):
    answers = iter([httpx.Response(503), httpx.Response(200, json={})])
    with caplog.at_level(logging.INFO, logger="helpdesk_tui.sync.http"):
        client_with(TokenAuth(SECRET), lambda request: next(answers)).get_json("/tickets")
    lines = [r.getMessage() for r in caplog.records if r.name == "helpdesk_tui.sync.http"]
    assert [line.split(" -> ")[1].split()[0] for line in lines] == ["503", "200"]
    assert lines[1].endswith("(try 2)")
