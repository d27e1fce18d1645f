"""Authentication as ``httpx.Auth`` objects: a backend picks one, nobody builds headers by hand.

Each class keeps its secret out of ``repr`` and out of every exception message: a token
must never reach a log, a traceback shown to the agent, or the screen.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Generator

import httpx

from helpdesk_tui.sync import errors


class _Secret(httpx.Auth):
    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._public()})"

    def _public(self) -> str:
        return ""

    def hidden(self) -> tuple[str, ...]:
        """The secret strings this auth sends (as they may come back in a server's error text)."""
        return ()


class TokenAuth(_Secret):
    """``Authorization: <scheme> <token>``: Bearer (OAuth), ``Token`` (DRF), ``token`` (RT)."""

    def __init__(self, token: str, scheme: str = "Bearer") -> None:
        self._value = f"{scheme} {token}"
        self._token = token
        self.scheme = scheme

    def hidden(self) -> tuple[str, ...]:
        return (self._token,)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._value
        yield request

    def _public(self) -> str:
        return f"scheme={self.scheme!r}"


class BasicAuth(_Secret):
    """HTTP Basic: a login and its password or API token."""

    def __init__(self, user: str, password: str) -> None:
        self.user = user
        self._password = password
        self._value = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")

    def hidden(self) -> tuple[str, ...]:
        return (self._password, self._value.split(" ", 1)[1])

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._value
        yield request

    def _public(self) -> str:
        return f"user={self.user!r}"


class HeaderAuth(_Secret):
    """The key in a header of the API's own (``X-Api-Key: <key>``)."""

    def __init__(self, header: str, key: str) -> None:
        self.header = header
        self._key = key

    def hidden(self) -> tuple[str, ...]:
        return (self._key,)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header] = self._key
        yield request

    def _public(self) -> str:
        return f"header={self.header!r}"


class QueryKeyAuth(_Secret):
    """The key as a query parameter (``?api_key=…``), for APIs that take it nowhere else.
    ``sync/http.py`` never logs query values, so the key stays out of the log."""

    def __init__(self, param: str, key: str) -> None:
        self.param = param
        self._key = key

    def hidden(self) -> tuple[str, ...]:
        return (self._key,)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.url = request.url.copy_merge_params({self.param: self._key})
        yield request

    def _public(self) -> str:
        return f"param={self.param!r}"


class ClientCredentials(_Secret):
    """OAuth2 client credentials: a bearer token fetched from ``token_url``, fetched again when
    it expires or the API answers 401 (the token was revoked or rotated early)."""

    requires_response_body = True  # the token request's answer is read here
    EARLY = 30.0  # seconds: a token this close to expiry is renewed before use
    refused = "refused the client credentials"  # how a refusal is said (the refresh-token grant differs)
    fix = "check the client id and secret, or run 'helpdesk-tui account add' again"

    def __init__(self, token_url: str, client_id: str, client_secret: str, *, scope: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def _public(self) -> str:
        return f"token_url={self.token_url!r}, client_id={self.client_id!r}"

    def hidden(self) -> tuple[str, ...]:
        return tuple(v for v in (self._secret, self._token, getattr(self, "_refresh", None)) if v)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            token = self._token if self._clock() < self._expires - self.EARLY else None
        if token is None:
            token = self._take((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            token = self._take((yield self._token_request()))
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

    def _token_request(self) -> httpx.Request:
        data = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self._secret}
        if self.scope:
            data["scope"] = self.scope
        return httpx.Request("POST", self.token_url, data=data, headers={"Accept": "application/json"})

    def _take(self, response: httpx.Response) -> str:
        """The token from the token endpoint's answer; ``AuthFailed`` (without any secret) if none."""
        host = response.request.url.host
        if response.status_code != 200:
            raise errors.AuthFailed(f"{host} {self.refused} ({response.status_code}): {self.fix}.")
        try:
            data = response.json()
            token = str(data["access_token"])
            lifetime = float(data.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise errors.AuthFailed(f"{host} sent no access token: check the token URL.") from None
        with self._lock:
            self._token, self._expires = token, self._clock() + lifetime
        return token


class RefreshToken(ClientCredentials):
    """OAuth2 refresh-token grant: an access token fetched from ``token_url`` with a long-lived
    refresh token (the account's secret), fetched again when it expires or the API answers 401.

    A server that rotates refresh tokens answers a new one with each access token: it is kept
    for the next renewal in this process (the stored secret is the one the account was added
    with; a server that revokes it on first use needs the account added again after a restart).
    """

    def __init__(self, token_url: str, client_id: str, refresh_token: str, *, client_secret: str | None = None,
                 scope: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(token_url, client_id, client_secret or "", scope=scope, clock=clock)
        self._refresh = refresh_token

    refused = "refused the refresh token"
    fix = "the token expired or was revoked: sign in again and run 'helpdesk-tui account add' with a new one"

    def _token_request(self) -> httpx.Request:
        data = {"grant_type": "refresh_token", "refresh_token": self._refresh, "client_id": self.client_id}
        if self._secret:
            data["client_secret"] = self._secret
        if self.scope:
            data["scope"] = self.scope
        return httpx.Request("POST", self.token_url, data=data, headers={"Accept": "application/json"})

    def _take(self, response: httpx.Response) -> str:
        token = super()._take(response)
        try:
            rotated = response.json().get("refresh_token")
        except (ValueError, AttributeError, RecursionError):
            rotated = None
        if isinstance(rotated, str) and rotated:
            with self._lock:
                self._refresh = rotated
        return token
