"""The fake Zammad's ticket search: the Elasticsearch query-string subset Zammad documents.

Zammad hands ``query`` to Elasticsearch's ``query_string`` with AND as the default operator.
The syntax follows Zammad's user documentation ("Advanced Search", zammad-user-documentation
``advanced/search.rst``: ``field:value``, ``"quoted phrases"``, ``[a TO b]`` ranges with
``*`` for an open end, ``>now-1h``, ``AND``/``OR``/``!``, ``()``, attributes such as
``state.name``, ``owner.email``, ``article_count``) and Elasticsearch's query-string reference
(``>=``/``>``/``<=``/``<`` ranges, ``{a TO b}`` exclusive bounds, ``\\:`` to escape a colon,
date math ``now-1d``). A colon inside a value must be escaped or the value quoted or put in a
range: ``updated_at:>=2026-01-01T10:00:00Z`` is a parse error there, and here (422).

Sorting is ``sort_by`` (a field of the result) and ``order_by`` (``asc``/``desc``); the
default is the newest ``updated_at`` first (zammad/zammad issue 2073). Elasticsearch answers
at most ``max_result_window`` (10,000) hits deep: a page beyond that is empty.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable
from typing import Any

from tests.fakes.zammad_state import ApiError, ZammadState

MAX_RESULT_WINDOW = 10_000
_TOKEN = re.compile(r'\s*(\(|\)|[A-Za-z_][\w.]*:(?:[<>]=?)?(?:[\[{][^\]}]*[\]}]|"(?:[^"\\]|\\.)*")'
                    r'|"(?:[^"\\]|\\.)*"|(?:[^\s()"\\]|\\.)+)')
_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?(Z|[+-]00:?00)?$")
_MATH = re.compile(r"now(?:([+-])(\d+)([yMwdhHms]))?(?:/[dhm])?$")
_UNITS = {"y": 365 * 86400, "M": 30 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "H": 3600, "m": 60, "s": 1}

Matcher = Callable[[dict[str, Any]], bool]


def parse_error(text: str) -> ApiError:
    return ApiError(422, f"Unable to process search request: failed to parse query [{text}]")


def tokens(query: str) -> list[str]:
    found, pos = [], 0
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if not match or not match.group(1):
            if query[pos:].strip():
                raise parse_error(query)
            break
        found.append(match.group(1))
        pos = match.end()
    return found


def compile_query(query: str, state: ZammadState) -> Matcher:
    """A predicate over a ticket's search document (``document``) for ``query``; 422 when unreadable."""
    words = tokens(query.strip() or "*")
    matcher, rest = _or(words, query, state)
    if rest:
        raise parse_error(query)
    return matcher


def _or(words: list[str], query: str, state: ZammadState) -> tuple[Matcher, list[str]]:
    left, words = _and(words, query, state)
    while words and words[0] == "OR":
        right, words = _and(words[1:], query, state)
        left = (lambda a, b: lambda d: a(d) or b(d))(left, right)
    return left, words


def _and(words: list[str], query: str, state: ZammadState) -> tuple[Matcher, list[str]]:
    left, words = _unary(words, query, state)
    while words and words[0] not in ("OR", ")"):
        if words[0] == "AND":
            words = words[1:]
        right, words = _unary(words, query, state)
        left = (lambda a, b: lambda d: a(d) and b(d))(left, right)
    return left, words


def _unary(words: list[str], query: str, state: ZammadState) -> tuple[Matcher, list[str]]:
    if not words:
        raise parse_error(query)
    head = words[0]
    if head in ("NOT", "!"):
        inner, rest = _unary(words[1:], query, state)
        return (lambda d: not inner(d)), rest
    if head.startswith("!") and len(head) > 1:
        inner, rest = _unary([head[1:], *words[1:]], query, state)
        return (lambda d: not inner(d)), rest
    if head == "(":
        inner, rest = _or(words[1:], query, state)
        if not rest or rest[0] != ")":
            raise parse_error(query)
        return inner, rest[1:]
    field, colon, value = _split_field(head)
    if colon and not value and len(words) > 1:  # "title: Printer", "field:(a OR b)", "field:[a TO b]"
        if words[1] == "(":
            end = words.index(")", 1) if ")" in words else -1
            if end < 0:
                raise parse_error(query)
            options = [w for w in words[2:end] if w not in ("OR", "AND")]
            tests = [_field_test(field, o, query, state) for o in options]
            return (lambda d: any(t(d) for t in tests)), words[end + 1:]
        return _field_test(field, words[1], query, state), words[2:]
    if colon:
        return _field_test(field, value, query, state), words[1:]
    text = _unquote(head).lower()
    return _text_test(text), words[1:]


def _split_field(word: str) -> tuple[str, bool, str]:
    match = re.match(r"([A-Za-z_][\w.]*):(.*)$", word, re.S)
    return (match.group(1), True, match.group(2)) if match else ("", False, word)


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] == '"':
        word = word[1:-1]
    return re.sub(r"\\(.)", r"\1", word)


def _text_test(text: str) -> Matcher:
    if text in ("*", ""):
        return lambda d: True
    pattern = _wildcard(text)
    return lambda d: any(pattern.search(str(v).lower()) for v in d["_text"])


def _wildcard(text: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(p) for p in text.split("*")))


def _field_test(field: str, raw: str, query: str, state: ZammadState) -> Matcher:
    if raw.startswith(("[", "{")):
        inner = raw[1:-1]
        low, sep, high = inner.partition(" TO ")
        if not sep or not raw.endswith(("]", "}")):
            raise parse_error(query)
        lo_incl, hi_incl = raw[0] == "[", raw[-1] == "]"
        lo = None if low.strip() == "*" else _bound(field, low.strip(), query)
        hi = None if high.strip() == "*" else _bound(field, high.strip(), query)
        return lambda d: _in_range(d.get(field), lo, hi, lo_incl, hi_incl)
    for op in (">=", "<=", ">", "<"):
        if raw.startswith(op):
            value = raw[len(op):]
            if ":" in value.replace("\\:", "") and not value.startswith('"'):
                raise parse_error(query)  # an unescaped colon ends the term in a query string
            bound = _bound(field, _unquote(value), query)
            lo, hi = (bound, None) if op[0] == ">" else (None, bound)
            return lambda d: _in_range(d.get(field), lo, hi, op == ">=", op == "<=")
    if ":" in raw.replace("\\:", "") and not raw.startswith('"'):
        raise parse_error(query)
    wanted = _unquote(raw).lower()
    if field in _DATES and _DATE.match(wanted.upper()):
        day = _bound(field, wanted, query)
        return lambda d: _in_range(d.get(field), day, day + 86_400_000, True, False)
    if raw.startswith('"'):  # a phrase: the words in this order
        return lambda d: any(wanted in str(v).lower() for v in _values(d.get(field)))
    # An analysed field matches a word of it; a keyword field (state.name…) its whole value.
    pattern = re.compile("^" + ".*".join(re.escape(p) for p in wanted.split("*")) + "$")
    return lambda d: any(pattern.match(part) for v in _values(d.get(field))
                         for part in (str(v).lower(), *re.findall(r"[\w@.-]+", str(v).lower())))


_DATES = {"created_at", "updated_at", "close_at", "first_response_at", "last_contact_at", "pending_time",
          "escalation_at", "last_contact_agent_at", "last_contact_customer_at"}


def _values(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [] if value is None else [value]


def _bound(field: str, text: str, query: str) -> float:
    text = text.replace("\\:", ":")
    if field in _DATES:
        ms = date_ms(text)
        if ms is None:
            raise parse_error(query)
        return ms
    try:
        return float(text)
    except ValueError:
        raise parse_error(query) from None


def date_ms(text: str) -> int | None:
    """Milliseconds since the epoch of an ISO date or date-time (UTC) or ``now±N unit``."""
    math = _MATH.match(text.strip())
    if math:
        now = time.time()
        if math.group(1):
            step = int(math.group(2)) * _UNITS[math.group(3)]
            now += step if math.group(1) == "+" else -step
        return int(now * 1000)
    match = _DATE.match(text.strip())
    if not match:
        return None
    y, mo, d, h, mi, s, frac, _ = match.groups()
    seconds = calendar.timegm((int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), 0, 0, 0))
    return seconds * 1000 + int((frac or "0").ljust(3, "0")[:3])


def _in_range(value: object, lo: float | None, hi: float | None, lo_incl: bool, hi_incl: bool) -> bool:
    if value is None:
        return False
    number = float(value) if isinstance(value, (int, float)) else date_ms(str(value))
    if number is None:
        return False
    if lo is not None and (number < lo or (number == lo and not lo_incl)):
        return False
    return hi is None or number < hi or (number == hi and hi_incl)


def document(state: ZammadState, ticket: dict[str, Any]) -> dict[str, Any]:
    """What the search index holds for a ticket: its attributes, named associations, articles."""
    doc = dict(ticket)
    doc["updated_at"] = ticket["_ms"]
    names = {s["id"]: s["name"] for s in state.states}
    prios = {p["id"]: p["name"] for p in state.priorities}
    owner, customer = state.users[ticket["owner_id"]], state.users[ticket["customer_id"]]
    doc.update({"state.name": names[ticket["state_id"]], "priority.name": prios[ticket["priority_id"]],
                "group.name": state.groups[ticket["group_id"]]["name"], "owner.login": owner["login"],
                "owner.email": owner["email"], "customer.email": customer["email"],
                "customer.login": customer["login"], "customer.firstname": customer["firstname"],
                "customer.lastname": customer["lastname"], "tags": ticket["tags"]})
    articles = state.articles.get(ticket["id"], [])
    doc["article.body"] = [a["body"] for a in articles]
    doc["article.from"] = [a["from"] for a in articles]
    doc["_text"] = [ticket["title"], ticket["number"], *doc["article.body"]]
    return doc


def search(state: ZammadState, query: str, sort_by: str | None, order_by: str | None, offset: int,
           limit: int) -> list[dict[str, Any]]:
    """The tickets matching ``query`` in the asked order, ``limit`` from ``offset``: matched and
    sorted on the index's copies, answered as the tickets are now."""
    matcher = compile_query(query, state)
    state.refresh_index()
    hits = [t for t in state.indexed.values() if t["id"] in state.tickets and matcher(document(state, t))]
    key = sort_by or "updated_at"
    if key not in ("id", "number", "title", "created_at", "updated_at", "article_count", "close_at", "state_id",
                   "priority_id", "group_id", "owner_id", "customer_id", "first_response_at", "last_contact_at"):
        raise ApiError(422, f"Unable to process search request: no mapping found for [{key}] to sort on")
    descending = (order_by or "desc").lower() == "desc"
    sort_key = (lambda t: (t["_ms"], t["id"])) if key == "updated_at" else (
        lambda t: (t.get(key) is None, t.get(key) if t.get(key) is not None else "", t["id"]))
    hits.sort(key=sort_key, reverse=descending)
    if offset + limit > MAX_RESULT_WINDOW:
        return []  # Elasticsearch refuses from + size > max_result_window; Zammad answers no hits
    return [state.tickets[t["id"]] for t in hits[offset:offset + limit]]
