"""The one HTTP client every backend uses: timeouts, retries, rate limits, clear errors.

Retry rules, by whether repeating a request can do harm:
- Safe requests (GET, HEAD, and any request carrying an idempotency key the server
  honours: ``idempotent=True``) are retried on connection failures, timeouts, 429 and
  5xx, with exponential backoff and jitter, honouring ``Retry-After`` and rate-limit
  reset headers.
- Other writes are retried only when the server cannot have acted: the connection was
  never made, or it answered 429 (rejected before processing). A timeout, a dropped
  connection or a 5xx after the request left raises ``UnknownOutcome``: the sync engine
  then looks for the result before sending again, so nothing is sent twice.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any

import httpx

from helpdesk_tui.sync import errors, json_body
from helpdesk_tui.sync.http_answer import TooBig, TooSlow, read_answer
from helpdesk_tui.sync.http_download import Progress, stream_to

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PLAIN_HEADERS = frozenset({"accept", "user-agent", "content-type", "accept-language", "x-requested-with"})
log = logging.getLogger(__name__)


@dataclass
class RetryPolicy:
    attempts: int = 4  # tries in all, for a request that may be repeated
    base_delay: float = 0.5  # seconds; doubled each try, with full jitter
    max_delay: float = 30.0  # never wait longer than this for one retry; a server asking more is told at once
    timeout: float = 20.0  # seconds for connect, read and write each
    # Seconds for one whole request, answer included: ``timeout`` is per read, and a server
    # trickling a byte every few seconds would otherwise hold us for ever.
    deadline: float = 90.0
    max_body: int = 50 * 1024 * 1024  # bytes of one answer (decoded); more is refused, not read


@dataclass
class HttpClient:
    """``base_url``, ``auth`` (``sync/auth.py``) and default headers; ``sleep`` and ``rng`` are
    injectable for tests."""

    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    auth: httpx.Auth | None = field(default=None, repr=False)  # holds the credentials
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    transport: httpx.BaseTransport | None = None  # tests may pass httpx.MockTransport
    verify: bool | str = True  # TLS verification stays on; a CA bundle path may be given
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.base_url.rstrip("/"), headers=dict(self.headers), auth=self.auth, verify=self.verify,
                timeout=httpx.Timeout(self.policy.timeout), transport=self.transport,
                follow_redirects=False,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def request(self, method: str, path: str, *, idempotent: bool | None = None,
                expect: tuple[int, ...] = (200, 201, 204), **kwargs: Any) -> httpx.Response:
        """Send with the retry rules above; returns the response or raises a ``SyncError``."""
        method = method.upper()
        repeatable = method in SAFE_METHODS if idempotent is None else idempotent
        attempt = 0
        shown = path if "://" in path else httpx.URL(self.base_url).path.rstrip("/") + path  # for the log
        while True:
            attempt += 1
            last = attempt >= self.policy.attempts
            started = time.monotonic()
            try:
                response = read_answer(self.client, method, path, deadline=self.policy.deadline,
                                       max_body=self.policy.max_body, **kwargs)
            except (httpx.HTTPError, TooBig, TooSlow) as exc:
                _log_request(method, shown, kwargs.get("params"), type(exc).__name__, started, attempt)
                self._raise_or_retry(exc, attempt, last, repeatable)
                continue
            _log_request(method, shown, kwargs.get("params"), response.status_code, started, attempt)
            status = response.status_code
            if status in expect:
                return response
            if status == 429:
                wait = retry_after(response.headers)
                if wait is not None and wait > self.policy.max_delay:
                    # Waiting minutes in silence looks like a hang: say it now, the next sync tries again.
                    raise errors.RateLimited(f"{self._host()} is rate-limiting us and asks to wait "
                                             f"{_duration(wait)}: try again then.", wait)
                if last:
                    raise errors.RateLimited(f"{self._host()} is rate-limiting us: try again in "
                                             f"{_duration(wait or 60)}.", wait)
                self._wait(attempt, wait)
                continue
            if status >= 500:
                if not repeatable:
                    raise errors.UnknownOutcome(f"{self._host()} answered {status} to a write; it may or may "
                                                "not have been applied.")
                if last:
                    raise errors.ServerError(f"{self._host()} answered {status}: the helpdesk has a problem; "
                                             "try again later.")
                # Only Retry-After counts here: some APIs send rate-limit reset headers on every
                # answer, and a 503 should not wait for the next rate window.
                self._wait(attempt, retry_after(response.headers, rate_limit_headers=False))
                continue
            raise self._client_error(response)

    def download(self, url: str, sink: IO[bytes], *, expected: int | None = None, max_bytes: int = 2 ** 40,
                 progress: Progress | None = None) -> int:
        """GET one file (a path under the API or an absolute URL the helpdesk gave) into ``sink``
        as it arrives (``http_download.py``): the bytes written. Retried like any safe request,
        each try from the start of ``sink``; credentials go to the account's origin only."""
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.policy.attempts
            sink.seek(0)
            sink.truncate()
            started = time.monotonic()
            try:
                response = stream_to(self.client, httpx.URL(self.base_url), url, sink, deadline=self.policy.deadline,
                                     max_bytes=max_bytes, expected=expected, progress=progress)
            except httpx.TooManyRedirects:
                raise errors.BadResponse(f"{self._host()} redirected a download too many times.") from None
            except TooBig:
                raise errors.BadResponse(f"A download from {self._host()} is larger than "
                                         f"{max_bytes // (1024 * 1024)} MB, which was not read.") from None
            except (httpx.HTTPError, TooSlow) as exc:
                _log_request("GET", "(download)", None, type(exc).__name__, started, attempt)
                self._raise_or_retry(exc, attempt, last, True)
                continue
            status = response.status_code
            _log_request("GET", "(download)", None, status, started, attempt)
            if status == 200:
                return sink.tell()
            if status == 429 or status >= 500:
                if last:
                    raise (errors.RateLimited(f"{self._host()} is rate-limiting us: try again later.")
                           if status == 429 else
                           errors.ServerError(f"{self._host()} answered {status}: try again later."))
                self._wait(attempt, retry_after(response.headers, rate_limit_headers=status == 429))
                continue
            raise self._client_error(response)

    def _raise_or_retry(self, exc: Exception, attempt: int, last: bool, repeatable: bool) -> None:
        """A request that got no (whole) answer: raise the ``SyncError`` that says so, or wait
        before the next try. Anything else is re-raised as it is (a bug, not the network)."""
        host = self._host()
        if isinstance(exc, TooBig):
            raise errors.BadResponse(
                f"{host} sent an answer larger than {self.policy.max_body // (1024 * 1024)} MB, which "
                "was not read: check that the URL points at the helpdesk's API.") from None
        if isinstance(exc, TooSlow):
            if not repeatable:
                raise errors.UnknownOutcome(
                    f"No complete answer from {host} within {self.policy.deadline:g} s after the request "
                    "was sent (it may have been applied).") from None
            raise errors.ServerError(f"{host} answers too slowly (no complete answer within "
                                     f"{self.policy.deadline:g} s): try again later.") from None
        if isinstance(exc, httpx.ConnectError):
            if _is_tls(exc):
                raise errors.TLSFailure(
                    f"The server's TLS certificate is not trusted ({host}): check the URL, "
                    "or install its CA certificate.") from None
            # A refused connection is a clear answer: one more try, not the full backoff,
            # so going offline shows in the header within a second.
            if last or attempt >= 2:
                raise errors.Unreachable(f"Cannot reach {host}: check the URL and your network.") from None
        elif isinstance(exc, httpx.ConnectTimeout):
            if last:
                raise errors.Unreachable(f"{host} did not answer: check the URL and your network.") from None
        elif isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError,
                              httpx.WriteError)):
            if not repeatable:
                raise errors.UnknownOutcome(
                    f"No answer from {host} after the request was sent ({type(exc).__name__}).") from None
            if last:
                raise errors.Unreachable(f"{host} stopped answering: try again later.") from None
        else:
            raise exc
        self._wait(attempt, None)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return _json(self.request("GET", path, **kwargs), self._host())

    def _client_error(self, response: httpx.Response) -> errors.SyncError:
        status = response.status_code
        host = self._host()
        if status == 401:
            return errors.AuthFailed(f"{host} refused the credentials (401): check the token or run "
                                     "'helpdesk-tui account add' again.")
        if status == 403:
            return errors.Forbidden(f"{host} says this account may not do that (403): ask an admin for access.")
        if status == 404:
            return errors.NotFound(f"{host} has no {response.request.url.path} (404): check the URL.")
        if status in (409, 412):
            return errors.Conflict(f"The ticket changed on {host} since it was read ({status}).")
        return errors.BadResponse(f"{host} answered {status} to {response.request.method} "
                                  f"{response.request.url.path}: {self._without_secrets(_excerpt(response))}")

    def _without_secrets(self, text: str) -> str:
        """The server's words with our credentials taken out: a server may echo the key it was
        sent ("invalid key …"), and the sentence goes to the terminal, the outbox and the logs."""
        hidden = getattr(self.auth, "hidden", None)
        secrets = list(hidden()) if callable(hidden) else []
        # A key the client sends in a default header of its own (a mapping's ``headers:``).
        secrets += [v for k, v in self.headers.items() if k.lower() not in _PLAIN_HEADERS]
        for secret in sorted((s for s in secrets if isinstance(s, str) and len(s) >= 4), key=len, reverse=True):
            text = text.replace(secret, "(hidden)")
        return text

    def _wait(self, attempt: int, suggested: float | None) -> None:
        if suggested is not None:
            delay = min(max(suggested, 0.0), self.policy.max_delay)
        else:
            ceiling = min(self.policy.max_delay, self.policy.base_delay * (2 ** (attempt - 1)))
            delay = self.rng.uniform(0, ceiling)  # full jitter: clients that failed together spread out
        self.sleep(delay)

    def _host(self) -> str:
        return httpx.URL(self.base_url).host or self.base_url


def _log_request(method: str, path: str, params: object, outcome: int | str, started: float,
                 attempt: int) -> None:
    """One request in the log: method, path, the query's parameter names (never their values:
    one may be an API key), the status or what went wrong, the time taken and the try number.
    Headers are never logged."""
    if not log.isEnabledFor(logging.INFO):
        return
    url = httpx.URL(path)
    names = [*url.params.keys(), *(params.keys() if isinstance(params, Mapping) else ())]
    query = "?" + "&".join(f"{name}=…" for name in dict.fromkeys(names)) if names else ""
    elapsed = (time.monotonic() - started) * 1000
    log.info("%s %s%s -> %s in %.0f ms (try %d)", method, url.path, query, outcome, elapsed, attempt)


def retry_after(headers: Mapping[str, str], *, rate_limit_headers: bool = True) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or rate-limit reset headers."""
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            pass
    if not rate_limit_headers:
        return None
    for name in ("x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset"):
        reset = headers.get(name)
        if reset and reset.strip().replace(".", "", 1).isdigit():
            number = float(reset)
            # Some APIs send seconds to wait, others an epoch time.
            return max(0.0, number - time.time()) if number > 1_000_000_000 else number
    return None


def _duration(seconds: float) -> str:
    """A wait as people say it: "45 s", "12 min", "3 h", "11 days"."""
    if seconds < 120:
        return f"{max(0, int(seconds))} s"
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 2 * 86400:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} days"


def _is_tls(exc: Exception) -> bool:
    text = repr(exc).lower()
    return "certificate" in text or "ssl" in text or "tls" in text


def _json(response: httpx.Response, host: str) -> Any:
    try:
        return json_body.loads(response.content)
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python's stack
        raise errors.BadResponse(f"{host} did not answer with JSON: check that the URL points at the "
                                 "helpdesk's API.") from None


def _excerpt(response: httpx.Response) -> str:
    """What the server said, short: the text fields of a JSON error, else the body's start.
    (``SyncError`` strips escape sequences from it; the UI shows it as text, never markup.)"""
    try:
        data = response.json()
    except (ValueError, RecursionError):  # an error body nested too deep is quoted as text
        data = None
    if isinstance(data, dict):
        said = [str(v) for k, v in data.items() if isinstance(v, (str, int, float)) and k != "id"]
        said += [str(d.get("description") or d.get("message")) for items in
                 (data.get("details") or {}).values() if isinstance(data.get("details"), dict)
                 and isinstance(items, list) for d in items if isinstance(d, dict)]
        text = " — ".join(dict.fromkeys(" ".join(part.split()) for part in said if part.strip()))
        if text:
            return text[:200]
    text = " ".join(response.text.split())
    return text[:200] if text else "(empty body)"
