"""A request as a mapping writes it, and sending it through the shared ``HttpClient``.

``parse_request`` compiles a ``request:`` table once (path, query, headers and body as
templates); ``Requester.send`` renders it against a context and sends it. Retries, backoff,
``Retry-After``, timeouts and the body cap stay in ``sync/http.py``: one HTTP policy for
every backend, hand-written or mapped.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import httpx

from helpdesk_tui.sync import errors, json_body
from helpdesk_tui.sync.generic.node import Node
from helpdesk_tui.sync.generic.template import Shape, Template, compile_shape, compile_text
from helpdesk_tui.sync.http import HttpClient
from helpdesk_tui.sync.http_download import same_origin

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_KINDS = ("json", "form", "multipart")
KEYS = ("method", "path", "query", "headers", *BODY_KINDS, "content_type", "expect")

# One file for a multipart body: (part name, (file name, bytes or a binary file, media type)).
FilePart = tuple[str, tuple[str, bytes | IO[bytes], str]]


@dataclass(frozen=True)
class RequestSpec:
    """One compiled ``request:`` table."""

    method: str
    path: Template
    query: Shape | None = None
    headers: Shape | None = None
    body_kind: str | None = None  # "json", "form", "multipart" or None
    body: Shape | None = None
    content_type: str | None = None
    expect: tuple[int, ...] = (200, 201, 204)
    node: Node | None = field(default=None, compare=False)  # where it is written, for later errors

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def names(self) -> set[str]:
        """The root names its templates use (``ticket``, ``command``…)."""
        found = set(self.path.names)
        for shape in (self.query, self.headers, self.body):
            if shape is not None:
                found |= shape.names
        return found


def parse_request(node: Node, roots: Iterable[str]) -> RequestSpec:
    """Compile the ``request:`` table at ``node``; placeholders may use ``roots``."""
    allowed = tuple(roots)
    node.only(*KEYS)
    method = node.get("method")
    verb = method.choice(*METHODS, *(m.lower() for m in METHODS)).upper() if method else "GET"
    path = compile_text(node.need("path").text(), node.need("path"), allowed)
    bodies = [kind for kind in BODY_KINDS if node.get(kind) is not None]
    if len(bodies) > 1:
        raise node.error(f"has both {bodies[0]} and {bodies[1]}: a request sends one body")
    body_kind = bodies[0] if bodies else None
    body = compile_shape(node.need(body_kind), allowed) if body_kind else None
    if body_kind and verb == "GET":
        raise node.need(body_kind).error("is a body, but the request is a GET: add method: POST (or PUT, PATCH)")
    query = compile_shape(_table(node, "query"), allowed) if node.get("query") else None
    headers = compile_shape(_table(node, "headers"), allowed) if node.get("headers") else None
    expect_node = node.get("expect")
    expect = tuple(child.integer(minimum=100) for child in expect_node.each()) if expect_node else (200, 201, 204)
    content_type = node.get("content_type")
    return RequestSpec(verb, path, query, headers, body_kind, body, content_type.text() if content_type else None,
                       expect, node)


def _table(node: Node, key: str) -> Node:
    child = node.need(key)
    child.mapping()
    return child


@dataclass
class Answer:
    """What came back: the status, the decoded JSON body (None when empty) and the headers
    (names in lower case)."""

    status: int
    body: Any
    headers: dict[str, str]
    url: str

    def context(self) -> dict[str, Any]:
        """As a write step's ``{steps.N…}``: its ``body`` and ``headers``."""
        return {"body": self.body, "headers": self.headers, "status": self.status}


class Requester:
    """Sends compiled requests for one account: its client, its fixed context (account,
    options, origin) and the headers every write carries."""

    def __init__(self, client: HttpClient, base: Mapping[str, Any], *, write_headers: Shape | None = None,
                 before_request: Callable[[], None] | None = None,
                 after_response: Callable[[httpx.Response], None] | None = None) -> None:
        self.client = client
        self.base = dict(base)
        self.write_headers = write_headers
        # Hooks for the request budget (wait before; read rate-limit headers after).
        self.before_request = before_request
        self.after_response = after_response
        self.sent = 0  # requests sent by this requester (for "requests per synced ticket")

    def context(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {**self.base, **(extra or {})}

    def send(self, spec: RequestSpec, extra: Mapping[str, Any] | None = None, *,
             files: list[FilePart] | None = None, body_override: Any = None,
             idempotent: bool | None = None, extra_headers: Mapping[str, str] | None = None,
             adjust: Callable[[Any], Any] | None = None, extra_query: Mapping[str, Any] | None = None,
             extra_body: Mapping[str, Any] | None = None) -> Answer:
        """Render ``spec`` with ``extra`` over the base context and send it.

        ``files`` go with a multipart body; ``body_override`` replaces the rendered body (raw
        bytes for an upload); ``idempotent`` as ``HttpClient.request``. A write adds
        ``extra_headers`` of its own (If-Match, Idempotency-Key; the mapping's own win) and
        ``adjust``s the rendered JSON or form body (a version stamp, a cleared field's null).
        A read adds ``extra_query`` and ``extra_body`` keys the engine owns (a page number, an
        ``updated since`` filter, a page token in a POST search's JSON body)."""
        context = self.context(extra)
        url = str(spec.path.render(context))
        kwargs: dict[str, Any] = {"expect": spec.expect}
        query = dict(spec.query.render(context) or {}) if spec.query is not None else {}
        if extra_query:
            query.update(extra_query)
        if query:
            kwargs["params"] = _query(query)
        headers: dict[str, str] = dict(extra_headers or {})
        if spec.writes and self.write_headers is not None:
            headers.update(_headers(self.write_headers.render(context)))
        if spec.headers is not None:
            headers.update(_headers(spec.headers.render(context)))
        if body_override is not None:
            kwargs["content"] = body_override
        elif spec.body_kind == "json" and spec.body is not None:
            payload = spec.body.render(context)
            if extra_body and isinstance(payload, dict):
                payload = {**payload, **extra_body}
            payload = adjust(payload) if adjust is not None else payload
            if spec.content_type:
                kwargs["content"] = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                headers["Content-Type"] = spec.content_type
            else:
                kwargs["json"] = payload
        elif spec.body_kind == "form" and spec.body is not None:
            form = spec.body.render(context)
            kwargs["data"] = _form(adjust(form) if adjust is not None else form)
        elif spec.body_kind == "multipart":
            rendered = spec.body.render(context) if spec.body is not None else {}
            fields = _form(adjust(rendered) if adjust is not None else rendered)
            if files:
                kwargs["data"], kwargs["files"] = fields, files
            else:
                # httpx sends fields without files as a urlencoded form; the mapping said multipart
                # (an API that takes only JSON or multipart refuses the form).
                kwargs["content"], headers["Content-Type"] = _multipart_fields(fields)
        if spec.content_type and "Content-Type" not in headers and body_override is not None:
            headers["Content-Type"] = spec.content_type
        if headers:
            kwargs["headers"] = headers
        return self.call(spec.method, url, idempotent=idempotent, **kwargs)

    def get_url(self, url: str) -> Answer:
        """GET a URL the server gave (a next page): absolute, or relative to the base URL."""
        return self.call("GET", url)

    def call(self, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any) -> Answer:
        _own_origin(url, self.client)
        if self.before_request is not None:
            self.before_request()
        self.sent += 1
        response = self.client.request(method, url, idempotent=idempotent, **kwargs)
        if self.after_response is not None:
            self.after_response(response)
        return Answer(response.status_code, _decode(response, self.client), _lower(response.headers),
                      str(response.request.url) if _has_request(response) else url)


class NotAnAddress(errors.BadResponse, ValueError):
    """A URL filled from a record's values cannot be sent (a control character in an id). A
    SyncError, so a write says so in a sentence; also a ValueError, like a malformed record,
    so the sync engine leaves that one ticket out of a page (its thread) rather than stopping
    every sync at that page."""


def _own_origin(url: str, client: HttpClient) -> None:
    """Refuse an absolute URL at another origin than the account's: the client adds the
    account's credentials to every request it sends, and a next page's URL, a ``Link`` header
    or a ``path:`` filled from the server's data is the server's to choose (a hostile or
    compromised server would be handed the token; ``http://`` would send it in clear)."""
    base = httpx.URL(client.base_url)
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL:
        raise NotAnAddress(f"A request to {base.host} could not be sent: the address made from the mapping and "
                           "the server's data is not a URL (a record's id with a control character?).") from None
    if target.is_absolute_url and not same_origin(target, base):
        raise errors.BadResponse(
            f"{base.host} pointed a request at another address ({target.scheme}://{target.host}"
            f"{':' + str(target.port) if target.port else ''}), which was not followed: the account's "
            f"credentials go to {base.scheme}://{base.host} only.")


def _has_request(response: httpx.Response) -> bool:
    try:
        return response.request is not None
    except RuntimeError:  # a response built by hand (tests) has no request
        return False


def _decode(response: httpx.Response, client: HttpClient) -> Any:
    if not response.content or response.status_code == 204:
        return None
    try:
        return json_body.loads(response.content)
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python's stack (a hostile body)
        host = httpx.URL(client.base_url).host or client.base_url
        raise errors.BadResponse(f"{host} did not answer with JSON: check that the URL points at the "
                                 "helpdesk's API.") from None


def _lower(headers: httpx.Headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _query(rendered: Any) -> list[tuple[str, str]]:
    """A query table → pairs; a list value repeats its key (``ids=1&ids=2``)."""
    pairs: list[tuple[str, str]] = []
    for key, value in (rendered or {}).items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            pairs += [(key, _text(item)) for item in value if item is not None]
        else:
            pairs.append((key, _text(value)))
    return pairs


def _form(rendered: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (rendered or {}).items():
        if value is None:
            continue
        out[key] = [_text(v) for v in value] if isinstance(value, (list, tuple)) else _text(value)
    return out


def _multipart_fields(fields: Mapping[str, Any]) -> tuple[bytes, str]:
    """Text fields as a multipart/form-data body, and its Content-Type."""
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        quoted = name.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        for item in value if isinstance(value, list) else [value]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{quoted}"\r\n\r\n'.encode()
                         + str(item).encode("utf-8") + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _headers(rendered: Any) -> dict[str, str]:
    return {str(k): _text(v) for k, v in (rendered or {}).items() if v is not None and _text(v) != ""}
