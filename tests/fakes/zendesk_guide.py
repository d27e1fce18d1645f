"""Help Center articles and macros of the fake Zendesk (mixed into ``ZendeskState``)."""

from __future__ import annotations

from typing import Any

from tests.fakes.zendesk_base import iso, parse_stamp


class Guide:
    """Articles (``GET /api/v2/help_center/incremental/articles``) and macros."""

    def add_article(self, title: str, body: str, *, locale: str = "en-us", labels: tuple[str, ...] = (),
                    draft: bool = False) -> int:
        aid, ts = next(self._ids), self.stamp()
        self.articles[aid] = {
            "id": aid, "url": self._url(f"help_center/{locale}/articles/{aid}.json"),
            "html_url": f"{self.base_url}/hc/{locale}/articles/{aid}", "author_id": self.me,
            "comments_disabled": False, "draft": draft, "promoted": False, "position": 0, "vote_sum": 0,
            "vote_count": 0, "section_id": 1, "created_at": iso(ts), "updated_at": iso(ts),
            "edited_at": iso(ts), "name": title, "title": title, "source_locale": locale, "locale": locale,
            "outdated": False, "outdated_locales": [], "permission_group_id": 1, "user_segment_id": None,
            "content_tag_ids": [], "label_names": list(labels), "body": body,
        }
        return aid

    def update_article(self, article_id: int, **fields: Any) -> None:
        article = self.articles[article_id]
        article.update(fields)
        if "title" in fields:
            article["name"] = fields["title"]
        article["updated_at"] = article["edited_at"] = iso(self.stamp())

    def add_macro(self, title: str, comment: str | list[str] | None = None, *, html_body: bool = False,
                  public: bool | None = None, actions: list[dict[str, Any]] | None = None,
                  active: bool = True, description: str | None = None) -> int:
        mid, ts = next(self._ids), iso(self.stamp())
        all_actions = list(actions or [])
        if comment is not None:
            all_actions.insert(0, {"field": "comment_value_html" if html_body else "comment_value", "value": comment})
        if public is not None:
            all_actions.append({"field": "comment_mode_is_public", "value": "true" if public else "false"})
        self.macros[mid] = {"id": mid, "url": self._url(f"macros/{mid}.json"), "title": title, "raw_title": title,
                            "description": description, "active": active, "position": len(self.macros),
                            "restriction": None, "actions": all_actions, "created_at": ts, "updated_at": ts}
        return mid

    def delete_macro(self, macro_id: int) -> None:
        """What ``DELETE /api/v2/macros/{id}`` does: the macro is gone from every list."""
        self.macros.pop(macro_id)

    def articles_since(self, start_time: int, per_page: int) -> dict[str, Any]:
        """``GET /api/v2/help_center/incremental/articles``: changed strictly after ``start_time``."""
        changed = sorted((parse_stamp(a["updated_at"]) or 0, aid) for aid, a in self.articles.items())
        page = [key for key in changed if key[0] > start_time][:per_page]
        end_time = page[-1][0] if page else start_time
        more = len(page) == per_page
        return {"articles": [self.articles[aid] for _, aid in page],
                "next_page": self._url(f"help_center/incremental/articles.json?start_time={end_time}") if more else None,
                "end_time": end_time, "count": len(page)}
