"""The endpoints of the fake Zammad (mixed into ``FakeZammad``), one method per route.

Each takes the path's groups and ``query``, ``payload`` and ``who`` (the signed-in user id)
and returns (status, body); bytes are an attachment's content. They run under the fake's
lock; ``ApiError`` becomes the answer it carries. Shapes and limits as documented (see the
module docstring of ``zammad.py`` for the sources).
"""

from __future__ import annotations

from typing import Any

from tests.fakes.zammad_kb import KnowledgeBase, TextModules
from tests.fakes.zammad_search import search
from tests.fakes.zammad_state import ApiError, ZammadState

SEARCH_PAGE = (50, 200)  # tickets/search: per_page default and maximum
LIST_PAGE = (100, 100)  # tickets index
USERS_PAGE = (100, 500)

Answer = tuple[int, Any]


def expanded(query: dict[str, str]) -> bool:
    return query.get("expand") in ("true", "1")


def page_of(query: dict[str, str], limits: tuple[int, int]) -> tuple[int, int]:
    """(offset, limit) for ``page`` (from 1) and ``per_page`` (capped at the endpoint's maximum)."""
    default, most = limits
    try:
        page = max(1, int(query.get("page") or 1))
        per_page = max(1, min(most, int(query.get("per_page") or default)))
    except ValueError:
        raise ApiError(422, "Invalid value for param 'page' or 'per_page'") from None
    return (page - 1) * per_page, per_page


class Endpoints:
    """Needs ``state``, ``kb`` and ``text_modules`` from ``FakeZammad``."""

    state: ZammadState
    kb: KnowledgeBase
    text_modules: TextModules

    def _me(self, *, who: int, query: dict[str, str], **_: Any) -> Answer:
        return 200, self.state.user_json(who, expanded(query))

    def _users(self, *, query: dict[str, str], **_: Any) -> Answer:
        offset, limit = page_of(query, USERS_PAGE)
        ids = sorted(self.state.users)[offset:offset + limit]
        return 200, [self.state.user_json(u, expanded(query)) for u in ids]

    def _user(self, user_id: str, *, query: dict[str, str], **_: Any) -> Answer:
        if int(user_id) not in self.state.users:
            raise ApiError(404, f"Couldn't find User with 'id'={user_id}")
        return 200, self.state.user_json(int(user_id), expanded(query))

    def _search_users(self, *, query: dict[str, str], **_: Any) -> Answer:
        wanted = (query.get("query") or "").strip().lower()
        offset, limit = page_of(query, USERS_PAGE)
        found = [u for u in sorted(self.state.users) if u != 1 and wanted and any(
            wanted in str(self.state.users[u][k]).lower() for k in ("login", "email", "firstname", "lastname"))]
        return 200, [self.state.user_json(u, expanded(query)) for u in found[offset:offset + limit]]

    def _organization(self, org_id: str, **_: Any) -> Answer:
        org = self.state.organizations.get(int(org_id))
        if org is None:
            raise ApiError(404, f"Couldn't find Organization with 'id'={org_id}")
        return 200, org

    def _groups(self, **_: Any) -> Answer:
        return 200, [self.state.groups[g] for g in sorted(self.state.groups)]

    def _states(self, **_: Any) -> Answer:
        return 200, self.state.states

    def _priorities(self, **_: Any) -> Answer:
        return 200, self.state.priorities

    def _tickets(self, *, query: dict[str, str], **_: Any) -> Answer:
        offset, limit = page_of(query, LIST_PAGE)
        ids = sorted(self.state.tickets)[offset:offset + limit]
        return 200, [self.state.ticket_json(t, expanded(query)) for t in ids]

    def _search(self, *, query: dict[str, str], **_: Any) -> Answer:
        offset, limit = page_of(query, SEARCH_PAGE)
        hits = search(self.state, query.get("query") or "", query.get("sort_by"), query.get("order_by"), offset, limit)
        if query.get("only_total_count") == "true":
            total = len(search(self.state, query.get("query") or "", None, None, 0, 10_000))
            return 200, {"total_count": total}
        if query.get("full") == "true" and not expanded(query):
            return 200, self._assets(hits, query.get("query") or "")
        return 200, [self.state.ticket_json(t["id"], expanded(query)) for t in hits]

    def _assets(self, hits: list[dict[str, Any]], text: str) -> dict[str, Any]:
        """``full=true``: the ids, and every record they refer to, keyed by class and id."""
        assets: dict[str, dict[str, Any]] = {"Ticket": {}, "User": {}, "Group": {}, "Organization": {}}
        for ticket in hits:
            plain = self.state.ticket_json(ticket["id"])
            assets["Ticket"][str(ticket["id"])] = plain
            for key in ("owner_id", "customer_id", "created_by_id", "updated_by_id"):
                assets["User"][str(plain[key])] = self.state.user_json(plain[key])
            assets["Group"][str(plain["group_id"])] = self.state.groups[plain["group_id"]]
            if plain["organization_id"]:
                assets["Organization"][str(plain["organization_id"])] = self.state.organizations[
                    plain["organization_id"]]
        total = len(search(self.state, text, None, None, 0, 10_000))
        # A class appears only when a record of it does: no hits, no "Ticket" key.
        assets = {name: records for name, records in assets.items() if records}
        return {"record_ids": [t["id"] for t in hits], "assets": assets, "total_count": total}

    def _ticket(self, ticket_id: str, *, query: dict[str, str], **_: Any) -> Answer:
        return 200, self.state.ticket_json(int(ticket_id), expanded(query))

    def _create_ticket(self, *, payload: Any, who: int, query: dict[str, str], **_: Any) -> Answer:
        if not isinstance(payload, dict):
            raise ApiError(422, "Need a JSON object.")
        ticket = self.state.api_create_ticket(payload, who)
        return 201, self._ticket_answer(ticket["id"], query)

    def _update_ticket(self, ticket_id: str, *, payload: Any, who: int, query: dict[str, str], **_: Any) -> Answer:
        if not isinstance(payload, dict):
            raise ApiError(422, "Need a JSON object.")
        tid = int(ticket_id)
        article = payload.get("article")
        if isinstance(article, dict):  # validate the article before changing anything: one transaction
            self._check_article({**article, "ticket_id": tid})
        self.state.update_ticket(tid, payload, who)
        if isinstance(article, dict) and article:
            self.state.api_article({**article, "ticket_id": tid}, who)
        return 200, self._ticket_answer(tid, query)

    def _ticket_answer(self, ticket_id: int, query: dict[str, str]) -> dict[str, Any]:
        answer = self.state.ticket_json(ticket_id, expanded(query))
        answer.setdefault("article_ids", [a["id"] for a in self.state.articles[ticket_id]])
        answer.setdefault("ticket_time_accounting_ids", [])
        return answer

    def _delete_ticket(self, ticket_id: str, *, who: int, **_: Any) -> Answer:
        if 1 not in self.state.users[who]["role_ids"]:
            raise ApiError(403, "Not authorized (admin permission required)!")
        self.state.delete_ticket(int(ticket_id))
        return 200, {}

    def _articles(self, ticket_id: str, **_: Any) -> Answer:
        self.state.live_ticket(int(ticket_id))
        return 200, self.state.articles[int(ticket_id)]

    def _article(self, article_id: str, **_: Any) -> Answer:
        for articles in self.state.articles.values():
            for article in articles:
                if article["id"] == int(article_id):
                    return 200, article
        raise ApiError(404, f"Couldn't find Ticket::Article with 'id'={article_id}")

    def _create_article(self, *, payload: Any, who: int, **_: Any) -> Answer:
        if not isinstance(payload, dict):
            raise ApiError(422, "Need a JSON object.")
        self._check_article(payload)
        return 201, self.state.api_article(payload, who)

    def _check_article(self, payload: dict[str, Any]) -> None:
        """422 for an article Zammad would refuse, before anything is written."""
        try:
            self.state.live_ticket(int(payload.get("ticket_id")))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError(422, "Need ticket_id.") from None
        self.state.article_files(payload)

    def _attachment(self, ticket_id: str, article_id: str, attachment_id: str, **_: Any) -> Answer:
        place = self.state.file_places.get(int(attachment_id))
        if place != (int(ticket_id), int(article_id)) or int(attachment_id) not in self.state.files:
            raise ApiError(404, f"Couldn't find Store with 'id'={attachment_id}")
        return 200, self.state.files[int(attachment_id)]

    def _kb_init(self, **_: Any) -> Answer:
        return 200, self.kb.init()

    def _kb_answer(self, kb_id: str, answer_id: str, *, query: dict[str, str], **_: Any) -> Answer:
        return 200, self.kb.answer(int(kb_id), int(answer_id), query.get("include_contents"))

    def _text_modules(self, **_: Any) -> Answer:
        return 200, self.text_modules.index()
