"""How a listing goes from one page to the next, as a mapping's ``paging:`` says.

Types: ``none``; ``page_number`` (a page parameter; stop on a short or empty page, or at
``total_pages``); ``offset`` (+ ``total``); ``cursor`` (the next token from the body, sent as a
parameter); ``next_url`` (the next page's URL in the body); ``link_header`` (RFC 8288
``Link: <…>; rel="next"``); ``body_token`` (the token goes in a POST search's JSON body).

A position in a listing is a small JSON-able dict (``PageState``) so a cursor can hold it and
a sync interrupted between pages resumes at the same page. ``max_pages`` is an API's
documented cap on how deep a listing may go: ``capped`` says when it is reached, and the
incremental reader then restarts the listing from the newest stamp it saw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from helpdesk_tui.sync import errors
from helpdesk_tui.sync.generic.fingerprint import fingerprint
from helpdesk_tui.sync.generic.node import Node
from helpdesk_tui.sync.generic.paths import Path, compile_path
from helpdesk_tui.sync.generic.requests import Answer
from helpdesk_tui.sync.generic.values import text_key

PageState = dict[str, Any]  # {"n": pages read, and one of "page", "offset", "token", "url"}
TYPES = ("none", "page_number", "offset", "cursor", "next_url", "link_header", "body_token")
KEYS = {
    "none": (),
    "page_number": ("param", "start", "size_param", "size", "total_pages", "max_pages"),
    "offset": ("offset_param", "limit_param", "limit", "total", "max_pages"),
    "cursor": ("param", "next", "done", "done_when", "size_param", "size", "max_pages"),
    "next_url": ("next", "size_param", "size", "max_pages"),
    "link_header": ("rel", "size_param", "size", "max_pages"),
    "body_token": ("field", "next", "size_param", "size", "max_pages"),
}
REMEMBER = 32  # pages (and positions) a listing remembers, to notice a server going round
_LINK = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')
_REL = re.compile(r'rel\s*=\s*"?([^";]+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class Paging:
    type: str = "none"
    param: str = "page"
    start: int = 1
    size_param: str | None = None
    size: int | None = None
    total: Path | None = None  # total_pages (page_number) or the total count (offset)
    max_pages: int | None = None
    limit_param: str = "limit"
    next: Path | None = None
    done: Path | None = None
    done_when: str = "true"
    rel: str = "next"
    in_body: bool = False  # body_token: the token and size go in the JSON body

    # --- the request -------------------------------------------------------------------

    def url(self, state: PageState) -> str | None:
        """The URL to GET instead of the request (next_url, link_header after the first page)."""
        value = state.get("url")
        return value if isinstance(value, str) else None

    def query(self, state: PageState) -> dict[str, Any]:
        """The parameters this page adds to the request's query."""
        if self.in_body or self.type == "none":
            return {}
        out: dict[str, Any] = {}
        if self.size_param and self.size:
            out[self.size_param] = self.size
        if self.type == "page_number":
            out[self.param] = state.get("page", self.start)
        elif self.type == "offset":
            out[self.param] = state.get("offset", 0)
            if self.size:
                out[self.limit_param] = self.size
        elif self.type == "cursor" and state.get("token") is not None:
            out[self.param] = state["token"]
        return out

    def body(self, state: PageState) -> dict[str, Any]:
        """The keys this page adds to a POST search's JSON body (body_token)."""
        if not self.in_body:
            return {}
        out: dict[str, Any] = {}
        if self.size_param and self.size:
            out[self.size_param] = self.size
        if state.get("token") is not None:
            out[self.param] = state["token"]
        return out

    # --- the next page -----------------------------------------------------------------

    def next_state(self, state: PageState, answer: Answer, count: int) -> PageState | None:
        """Where the next page is, after one that brought ``count`` records; None: the listing is done."""
        read = int(state.get("n", 0)) + 1
        body = answer.body
        if self.type == "none" or count == 0 and self.type in ("page_number", "offset"):
            return None
        if self.type == "page_number":
            page = int(state.get("page", self.start))
            if self.total is not None:
                total = _number(self.total(body))
                if total is not None and page - self.start + 1 >= total:
                    return None
            elif self.size and count < self.size:
                return None
            return {"n": read, "page": page + 1}
        if self.type == "offset":
            offset = int(state.get("offset", 0)) + count
            if self.total is not None:
                total = _number(self.total(body))
                if total is not None and offset >= total:
                    return None
            elif self.size and count < self.size:
                return None
            return {"n": read, "offset": offset}
        if self.type in ("cursor", "body_token"):
            if self.done is not None:
                flag = self.done(body)
                if flag is not None and text_key(flag).lower() == self.done_when:
                    return None
            token = self.next(body) if self.next is not None else None
            if token is None or token == "" or token == state.get("token"):
                return None
            return {"n": read, "token": token}
        if self.type == "next_url":
            link = self.next(body) if self.next is not None else None
            if not isinstance(link, str) or not link.strip():
                return None
            return _url_state(read, answer.url, link, state)
        if self.type == "link_header":
            link = link_target(answer.headers.get("link", ""), self.rel)
            if link is None:
                return None
            return _url_state(read, answer.url, link, state)
        return None  # pragma: no cover - every type is handled above

    def capped(self, state: PageState) -> bool:
        """The API's page cap is reached: the listing must restart (from the newest stamp)."""
        return self.max_pages is not None and int(state.get("n", 0)) >= self.max_pages


def going_round(state: PageState, following: PageState | None, records: list[Any]) -> PageState | None:
    """``following``, unless the server is going round: a page whose records are those of a
    page this listing already read (a page parameter it ignores, a new token with the same
    page), or a next URL or token it already followed (A→B→A). A hostile or broken server
    would otherwise keep a sync paging for ever; the listing ends there instead, as when a
    server repeats one token. The last ``REMEMBER`` marks travel in the page state."""
    if following is None:
        return None
    marks = [m for m in state.get("seen", []) if isinstance(m, str)] if isinstance(state.get("seen"), list) else []
    new: list[str] = []
    if records:  # empty pages are alike by nature; their position tells them apart
        new.append(_digest(records))
    position = following.get("url", following.get("token"))
    if position is not None:
        new.append("@" + _digest(position))
    if any(mark in marks for mark in new):
        return None
    return {**following, "seen": (marks + new)[-REMEMBER:]}


def _digest(value: Any) -> str:
    return fingerprint(value, size=6)


def _url_state(read: int, current: str, link: str, state: PageState) -> PageState | None:
    try:
        target = str(httpx.URL(current).join(link.strip())) if current else link.strip()
    except httpx.InvalidURL:  # not an Exception the sync expects: a traceback, not a sentence
        host = httpx.URL(current).host if current else "The helpdesk"
        raise errors.BadResponse(f"{host} gave a next page link that is not a URL.") from None
    if target == state.get("url"):
        return None  # a server pointing at the same page again would loop for ever
    return {"n": read, "url": target}


def _number(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def link_target(header: str, rel: str) -> str | None:
    """The URL of ``rel`` in an RFC 8288 ``Link`` header (None when there is none)."""
    for match in _LINK.finditer(header or ""):
        for found in _REL.finditer(match.group(2)):
            if rel in found.group(1).split():
                return match.group(1).strip()
    return None


def parse_paging(node: Node | None) -> Paging:
    """The ``paging:`` table (absent: one request, no paging)."""
    if node is None:
        return Paging()
    kind = node.need("type").choice(*TYPES)
    node.only("type", *KEYS[kind])
    size = node.get("size")
    max_pages = node.get("max_pages")
    common: dict[str, Any] = {
        "type": kind,
        "size_param": node.need("size_param").text() if node.get("size_param") else None,
        "size": size.integer(minimum=1) if size else None,
        "max_pages": max_pages.integer(minimum=1) if max_pages else None,
    }
    if common["size"] is not None and common["size_param"] is None and kind not in ("offset",):
        raise node.need("size").error("needs size_param: the parameter the size is sent in")
    if kind == "page_number":
        start = node.get("start")
        total = node.get("total_pages")
        return Paging(**common, param=_text(node, "param", "page"), start=start.integer(minimum=0) if start else 1,
                      total=compile_path(total.text(), total) if total else None)
    if kind == "offset":
        total = node.get("total")
        limit = node.get("limit")
        common["size"] = limit.integer(minimum=1) if limit else None
        return Paging(**common, param=_text(node, "offset_param", "offset"),
                      limit_param=_text(node, "limit_param", "limit"),
                      total=compile_path(total.text(), total) if total else None)
    if kind == "cursor":
        done = node.get("done")
        return Paging(**common, param=_text(node, "param", "cursor"), next=_path(node.need("next")),
                      done=_path(done) if done else None,
                      done_when=_text(node, "done_when", "true").lower())
    if kind == "next_url":
        return Paging(**common, next=_path(node.need("next")))
    if kind == "link_header":
        return Paging(**common, rel=_text(node, "rel", "next"))
    if kind == "body_token":
        return Paging(**common, param=node.need("field").text(), next=_path(node.need("next")), in_body=True)
    return Paging(**common)


def _text(node: Node, key: str, default: str) -> str:
    child = node.get(key)
    return child.text() if child is not None else default


def _path(node: Node) -> Path:
    return compile_path(node.text(), node)
