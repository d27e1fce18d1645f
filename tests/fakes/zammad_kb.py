"""The fake Zammad's texts for agents: the knowledge base (id 1: categories and answers) and
the text modules.

As the REST documentation's "Knowledge Base" and "Answers" pages show it (zammad-documentation
``api/knowledgebase.rst``, ``api/knowledgebase/answers.rst``):

- ``POST /api/v1/knowledge_bases/init`` answers every record as *assets*: objects keyed by
  class (``KnowledgeBase``, ``KnowledgeBaseCategory``, ``KnowledgeBaseAnswer``,
  ``KnowledgeBaseAnswerTranslation``…) and then by id as text; an answer's title is on its
  translation (``answer_id``, ``content_id``), its state in ``published_at``/``internal_at``/
  ``archived_at``; the bodies are not there;
- ``GET /api/v1/knowledge_bases/{kb}/answers/{answer}`` answers ``{"id", "assets"}``: that
  answer's assets, and with
  ``?include_contents={translation id}`` also ``KnowledgeBaseAnswerTranslationContent``
  (``id``, ``body`` in HTML, ``attachments``).

Text modules (admin documentation "Text Modules"; the REST docs list them among the searchable
endpoints without their shape, which is the ``text_modules`` table of zammad/zammad's schema):
``GET /api/v1/text_modules`` lists ``id``, ``name``, ``keywords``, ``content`` (HTML, with
variables such as ``#{ticket.customer.firstname}`` and ``#{user.firstname}``), ``note``,
``active``, ``group_ids`` and the stamps.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.fakes.zammad_state import ApiError, iso_ms

KB_ID = 1


class KnowledgeBase:
    def __init__(self, now_ms: Any, author_id: int) -> None:
        self._now_ms = now_ms
        self._author = author_id
        self._ids = itertools.count(1)
        self.categories: dict[int, dict[str, Any]] = {}
        self.answers: dict[int, dict[str, Any]] = {}
        self.translations: dict[int, dict[str, Any]] = {}  # one per answer (one locale), same id as its content
        self.contents: dict[int, dict[str, Any]] = {}
        self.active = True  # False: the helpdesk has no knowledge base set up

    def add_category(self, title: str) -> int:
        cid, ts = len(self.categories) + 1, iso_ms(self._now_ms())
        self.categories[cid] = {"id": cid, "knowledge_base_id": KB_ID, "parent_id": None, "category_icon": "f115",
                                "position": cid - 1, "created_at": ts, "updated_at": ts, "translation_ids": [cid],
                                "answer_ids": [], "child_ids": [], "_title": title}
        return cid

    def add_answer(self, title: str, body: str, *, category: str = "General", state: str = "published") -> int:
        """An answer (``state``: published, internal, archived or draft) with its body as HTML."""
        cid = next((c["id"] for c in self.categories.values() if c["_title"] == category), None) \
            or self.add_category(category)
        aid, ts = next(self._ids), iso_ms(self._now_ms())
        self.answers[aid] = {"id": aid, "category_id": cid, "promoted": False, "internal_note": None, "position": 0,
                             "published_at": None, "published_by_id": None, "internal_at": None,
                             "internal_by_id": None, "archived_at": None, "archived_by_id": None,
                             "created_at": ts, "updated_at": ts, "translation_ids": [aid], "attachments": [],
                             "tags": []}
        self.translations[aid] = {"id": aid, "title": title, "kb_locale_id": 1, "answer_id": aid, "content_id": aid,
                                  "created_by_id": self._author, "updated_by_id": self._author,
                                  "created_at": ts, "updated_at": ts}
        self.contents[aid] = {"id": aid, "body": body, "attachments": []}
        self.categories[cid]["answer_ids"].append(aid)
        self.set_state(aid, state)
        return aid

    def set_state(self, answer_id: int, state: str) -> None:
        answer, ts = self.answers[answer_id], iso_ms(self._now_ms())
        for key in ("published", "internal", "archived"):
            answer[f"{key}_at"] = ts if key == state else None
            answer[f"{key}_by_id"] = self._author if key == state else None
        answer["updated_at"] = ts

    def edit(self, answer_id: int, *, title: str | None = None, body: str | None = None) -> None:
        ts = iso_ms(self._now_ms())
        if title is not None:
            self.translations[answer_id].update(title=title, updated_at=ts)
        if body is not None:
            self.contents[answer_id]["body"] = body
            self.translations[answer_id]["updated_at"] = ts
        self.answers[answer_id]["updated_at"] = ts

    def _base(self) -> dict[str, Any]:
        return {"KnowledgeBase": {str(KB_ID): {"id": KB_ID, "active": True, "homepage_layout": "grid",
                                               "category_layout": "grid", "kb_locale_ids": [1],
                                               "category_ids": sorted(self.categories),
                                               "answer_ids": sorted(self.answers)}},
                "KnowledgeBaseLocale": {"1": {"id": 1, "knowledge_base_id": KB_ID, "system_locale_id": 1,
                                              "primary": True}}}

    def _category_assets(self, ids: list[int]) -> dict[str, Any]:
        return {"KnowledgeBaseCategory": {str(c): {k: v for k, v in self.categories[c].items() if k[0] != "_"}
                                          for c in ids},
                "KnowledgeBaseCategoryTranslation": {str(c): {"id": c, "title": self.categories[c]["_title"],
                                                              "kb_locale_id": 1, "category_id": c} for c in ids}}

    def init(self) -> dict[str, Any]:
        if not self.active:  # no knowledge base set up: nothing to list
            return {}
        return {**self._base(), **self._category_assets(sorted(self.categories)),
                "KnowledgeBaseAnswer": {str(a): v for a, v in sorted(self.answers.items())},
                "KnowledgeBaseAnswerTranslation": {str(t): v for t, v in sorted(self.translations.items())}}

    def answer(self, kb_id: int, answer_id: int, include_contents: str | None) -> dict[str, Any]:
        if kb_id != KB_ID or answer_id not in self.answers:
            raise ApiError(404, f"Couldn't find KnowledgeBase::Answer with 'id'={answer_id}")
        answer = self.answers[answer_id]
        assets = {**self._base(), **self._category_assets([answer["category_id"]]),
                  "KnowledgeBaseAnswer": {str(answer_id): answer},
                  "KnowledgeBaseAnswerTranslation": {str(answer_id): self.translations[answer_id]}}
        wanted = {int(i) for i in (include_contents or "").split(",") if i.strip().isdigit()}
        contents = {str(i): self.contents[i] for i in sorted(wanted) if i in self.contents
                    and self.translations[i]["answer_id"] == answer_id}
        if contents:
            assets["KnowledgeBaseAnswerTranslationContent"] = contents
        return {"id": answer_id, "assets": assets}


class TextModules:
    def __init__(self, now_ms: Any, author_id: int) -> None:
        self._now_ms = now_ms
        self._author = author_id
        self.records: dict[int, dict[str, Any]] = {}

    def add(self, name: str, content: str, *, keywords: str = "", active: bool = True) -> int:
        tid, ts = len(self.records) + 1, iso_ms(self._now_ms())
        self.records[tid] = {"id": tid, "user_id": None, "name": name, "keywords": keywords, "content": content,
                             "note": "", "active": active, "foreign_id": None, "group_ids": [],
                             "updated_by_id": self._author, "created_by_id": self._author,
                             "created_at": ts, "updated_at": ts}
        return tid

    def index(self) -> list[dict[str, Any]]:
        return [self.records[t] for t in sorted(self.records)]
