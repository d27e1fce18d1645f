"""The OAuth2 refresh-token grant (sync/auth.py RefreshToken): an access token from the refresh
token, renewed on expiry or a 401, a rotated refresh token used next, no secret in messages."""

from __future__ import annotations

import httpx
import pytest

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.auth import RefreshToken
from helpdesk_tui.sync.http import HttpClient, RetryPolicy

REFRESH = "r3fresh-Tok3n-value"
FAST = RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0, timeout=5)
TOKEN_URL = "https://desk.example.com/oauth/token"


def server(*, rotate: bool = False, lifetime: int = 3600):
    """A token endpoint that takes only the current refresh token (rotated when ``rotate``), and an
    API that takes only the newest access token."""
    state = {"issued": 0, "refresh": REFRESH, "forms": []}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            form = dict(httpx.QueryParams(request.content.decode()))
            state["forms"].append(form)
            if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != state["refresh"] \
                    or form.get("client_id") != "app":
                return httpx.Response(400, json={"error": "invalid_grant"})
            state["issued"] += 1
            answer = {"access_token": f"tok-{state['issued']}", "expires_in": lifetime}
            if rotate:
                state["refresh"] = answer["refresh_token"] = f"refresh-{state['issued']}"
            return httpx.Response(200, json=answer)
        if request.headers.get("Authorization") != f"Bearer tok-{state['issued']}":
            return httpx.Response(401)
        return httpx.Response(200, json={"ok": True})

    return state, handler


def client(auth: httpx.Auth, handler) -> HttpClient:
    return HttpClient("https://desk.example.com/api", auth=auth, policy=FAST, sleep=lambda s: None,
                      transport=httpx.MockTransport(handler))


def test_the_refresh_token_buys_an_access_token_once_and_it_is_reused():
    state, handler = server()
    auth = RefreshToken(TOKEN_URL, "app", REFRESH)
    http = client(auth, handler)
    assert http.get_json("/tickets") == {"ok": True} and http.get_json("/tickets") == {"ok": True}
    assert state["issued"] == 1
    assert "client_secret" not in state["forms"][0]
    assert REFRESH not in repr(auth)


def test_a_rotated_refresh_token_is_the_one_sent_at_the_next_renewal():
    clock = {"now": 0.0}
    state, handler = server(rotate=True, lifetime=100)
    auth = RefreshToken(TOKEN_URL, "app", REFRESH, clock=lambda: clock["now"])
    http = client(auth, handler)
    http.get_json("/tickets")
    clock["now"] = 200.0
    assert http.get_json("/tickets") == {"ok": True}
    assert [f["refresh_token"] for f in state["forms"]] == [REFRESH, "refresh-1"]


def test_a_client_secret_goes_with_the_grant_when_given():
    state, handler = server()
    client(RefreshToken(TOKEN_URL, "app", REFRESH, client_secret="shh"), handler).get_json("/tickets")
    assert state["forms"][0]["client_secret"] == "shh"


def test_a_refused_refresh_token_is_one_sentence_without_the_secret():
    _, handler = server()
    with pytest.raises(errors.AuthFailed) as caught:
        client(RefreshToken(TOKEN_URL, "app", "stale-" + REFRESH), handler).get_json("/tickets")
    message = str(caught.value)
    assert message.startswith("desk.example.com refused the refresh token (400): ")
    assert REFRESH not in message
