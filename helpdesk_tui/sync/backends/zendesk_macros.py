"""Zendesk macros → reply templates in our placeholder syntax.

Zendesk placeholders are Liquid: ``{{ticket.requester.first_name}}``, optionally with filters
(``{{ticket.requester.first_name | capitalize}}``) and tags (``{% if … %}``). The ones we have
a value for become ours (``PLACEHOLDERS``; Liquid's ``capitalize``, ``upcase``, ``downcase``,
``strip`` and ``default: "…"`` become our filters). Nothing else is guessed at, and nothing
is dropped silently: it stays in the template where the send checks stop it.

- an unknown name, ``{{ticket.description}}`` or ``{{dc.greeting}}``, becomes
  ``{{ zendesk.ticket.description }}``: our sandbox finds no value for it, leaves it in the
  text as written and reports it, so the reply cannot go out until the agent replaces it;
- whatever we cannot express (an unknown filter, a Liquid tag such as ``{% if %}``) is kept
  as literal text, ``{{ zendesk.ticket.x | truncate: 5 }}`` or ``{{ zendesk.liquid {% if … %} }}``,
  which the send checks flag the same way;
- a stray ``{{``, ``{%`` or ``{#`` in the macro's text is escaped, so a synced macro can never
  inject template syntax of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from helpdesk_tui.content import clean_line
from helpdesk_tui.content.html import html_to_text
from helpdesk_tui.domain.macros import ME, HelpdeskActions, Kind, MacroAction
from helpdesk_tui.sync.backends.zendesk_records import STATUS_IN
from helpdesk_tui.sync.contract import RemoteTemplate

PLACEHOLDERS = {
    "ticket.requester.first_name": "customer.first_name",
    "ticket.requester.name": "customer.name",
    "ticket.requester.email": "customer.email",
    "ticket.requester.language": "customer.language",
    "ticket.organization.name": "organization.name",
    "ticket.id": "ticket.number",
    "ticket.title": "ticket.subject",
    "ticket.status": "ticket.status",
    "ticket.priority": "ticket.priority",
    "ticket.tags": "ticket.tags",
    "current_user.name": "agent.name",
    "current_user.first_name": "agent.first_name",
}
LIQUID_FILTERS = {"capitalize": "capitalize", "upcase": "upper", "downcase": "lower", "strip": "trim"}

_TOKEN = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.S)
_STRAY = re.compile(r"\{[{%#]")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*")
_QUOTED = re.compile(r"""(["'])(.*)\1""", re.S)
_JINJA_WORDS = frozenset({"and", "or", "not", "in", "is", "if", "else", "true", "false", "none",
                          "True", "False", "None"})


def translate(text: str) -> str:
    """A Zendesk macro comment in our template syntax (see the module docstring)."""
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        out.append(_literal(text[position:match.start()]))
        position = match.end()
        if match.group(1) is not None:
            out.append(_placeholder(match.group(1)))
        else:
            out.append(_kept("liquid " + match.group(0)))
    out.append(_literal(text[position:]))
    return "".join(out)


def _placeholder(inner: str) -> str:
    name, *filters = (part.strip() for part in inner.split("|"))
    if not _NAME.fullmatch(name) or _JINJA_WORDS.intersection(name.split(".")):
        return _kept(inner)
    target = PLACEHOLDERS.get(name)
    if target is None:
        return _kept(inner) if filters else "{{ zendesk." + name + " }}"
    ours = [target]
    for liquid in filters:
        filter_name, _, argument = (s.strip() for s in liquid.partition(":"))
        quoted = _QUOTED.fullmatch(argument)
        if filter_name in LIQUID_FILTERS and not argument:
            ours.append(LIQUID_FILTERS[filter_name])
        elif filter_name == "default" and quoted:
            ours.append(f"default({_string(quoted.group(2))})")
        else:
            return _kept(inner)
    return "{{ " + " | ".join(ours) + " }}"


def _kept(inner: str) -> str:
    """``inner`` shown literally as ``{{ zendesk.… }}``: printed as is, flagged by the send checks."""
    return "{{ " + _string("{{ zendesk." + " ".join(inner.split()) + " }}") + " }}"


def _literal(text: str) -> str:
    return _STRAY.sub(lambda match: "{{ " + _string(match.group(0)) + " }}", text)


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a valid Jinja string literal too


def _comment_text(value: Any) -> str:
    """``comment_value`` is a string, or ``["channel:all", "text"]`` on older macros."""
    if isinstance(value, list):
        texts = [str(v) for v in value if isinstance(v, str)]
        return texts[-1] if texts else ""
    return str(value or "")


def template(raw: Mapping[str, Any]) -> RemoteTemplate | None:
    """The macro's reply as a template; None for a macro that writes no comment."""
    text, markup = "", ""
    for action in raw.get("actions") or ():
        field, value = action.get("field"), action.get("value")
        if field == "comment_value":
            text = _comment_text(value)
        elif field == "comment_value_html":
            markup = _comment_text(value)
    body = html_to_text(markup) if markup.strip() else text
    if not body.strip():
        return None
    return RemoteTemplate(remote_id=str(raw["id"]), name=str(raw.get("title") or raw.get("raw_title") or raw["id"]),
                          body=translate(body), description=str(raw.get("description") or ""),
                          language="en", raw=dict(raw))


def is_public(raw: Mapping[str, Any]) -> bool:
    """Whether the macro's comment is a public reply (``comment_mode_is_public``; default yes)."""
    for action in raw.get("actions") or ():
        if action.get("field") == "comment_mode_is_public":
            return str(action.get("value")).strip().lower() not in ("false", "0")
    return True


# --- a macro's other actions ----------------------------------------------------------------
# Zendesk's Macros API: each action is {"field": …, "value": …}; tag values are space-separated.
_TAG_ACTIONS = {"current_tags": Kind.ADD_TAGS, "set_tags": Kind.SET_TAGS, "remove_tags": Kind.REMOVE_TAGS}
_PRIORITIES = ("low", "normal", "high", "urgent")
_TEXT_FIELDS = ("comment_value", "comment_value_html", "comment_mode_is_public")


def _value_text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _action(field: str, value: Any) -> MacroAction | str:
    """One Zendesk action as ours, or the sentence saying why it is skipped."""
    text = _value_text(value).strip()
    shown = clean_line(text)[:60]
    if field == "status":
        if text in STATUS_IN:
            return MacroAction(Kind.STATUS, STATUS_IN[text].value)
        return f"status {shown!r} is not a status we know"
    if field == "priority":
        if text in _PRIORITIES:
            return MacroAction(Kind.PRIORITY, text)
        return "clearing the priority is not done here" if not text else f"priority {shown!r} is not one we know"
    if field in _TAG_ACTIONS:
        return MacroAction(_TAG_ACTIONS[field], tags=tuple(text.split()))
    if field == "assignee_id":
        if text == "current_user":
            return MacroAction(Kind.ASSIGNEE, ME)
        if text.isdigit():
            return MacroAction(Kind.ASSIGNEE, text)  # the backend sends an agent id as it is
        return "unassigning is not done here" if not text else f"assignee {shown!r} is not an agent id"
    if field == "group_id":
        if text.isdigit():
            return MacroAction(Kind.GROUP, f"group {text}")  # how tickets hold a group known by id
        return "clearing the group is not done here" if not text else f"group {shown!r} is not a group id"
    if field == "type":
        return f"ticket type {shown!r} (tickets here have no type)"
    return f"{clean_line(str(field))[:40]} {shown!r} (no such field here)"


def helpdesk_actions(raw: Mapping[str, Any]) -> HelpdeskActions:
    """The macro's actions besides its comment, ours where they map, the others listed as skipped."""
    actions: list[MacroAction] = []
    skipped: list[str] = []
    for item in raw.get("actions") or ():
        if not isinstance(item, Mapping):
            continue
        field = str(item.get("field") or "")
        if field in _TEXT_FIELDS:
            continue
        mapped = _action(field, item.get("value"))
        if isinstance(mapped, str):
            skipped.append(f"Skipped {mapped}.")
        else:
            actions.append(mapped)
    return HelpdeskActions(tuple(actions), tuple(skipped), is_public(raw))


def action_only(raw: Mapping[str, Any]) -> RemoteTemplate | None:
    """A macro that writes no comment but does something else, with an empty body; None otherwise."""
    if template(raw) is not None or not helpdesk_actions(raw).actions:
        return None
    return RemoteTemplate(remote_id=str(raw["id"]), name=str(raw.get("title") or raw.get("raw_title") or raw["id"]),
                          body="", description=str(raw.get("description") or ""), language="en", raw=dict(raw))
