"""The knowledge-base sidebar: search as you type, suggestions for the open ticket, preview, insert."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.worker import Worker
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from helpdesk_tui.content import body_pieces, clean_line, clean_text, html_to_text
from helpdesk_tui.domain.models import Article
from helpdesk_tui.services.types import SearchHit
from helpdesk_tui.ui.worker_errors import report_failed_worker
from helpdesk_tui.ui.widgets.highlight import highlighted


def hit_prompt(hit: SearchHit) -> Text:
    text = Text()
    if hit.kind == "article":
        text.append("KB ", "bold")
    else:
        text.append(f"#{hit.number} ", "bold")
    text.append(clean_line(hit.title), "bold")
    text.append("\n")
    text.append_text(highlighted(hit.snippet, hit.highlights))
    return text


class KbResults(OptionList):
    BINDINGS = [
        Binding("enter", "preview", "Preview", id="kb.preview", tooltip="Read the article or answer"),
        Binding("i", "insert('link')", "Insert link", id="kb.insert_link",
                tooltip="Insert the article's link and summary into the reply"),
        Binding("I", "insert('full')", "Insert text", id="kb.insert_full",
                tooltip="Insert the article's (or answer's) full text into the reply"),
        Binding("slash", "search", "Search", id="kb.search", tooltip="Back to the search box"),
    ]

    def action_preview(self) -> None:
        self.post_message(KbSidebar.Chosen(self.highlighted, "preview"))

    def action_insert(self, mode: str) -> None:
        self.post_message(KbSidebar.Chosen(self.highlighted, mode))

    def action_search(self) -> None:
        self.screen.query_one("#kb-query", Input).focus()


class KbSidebar(Vertical):
    """Border title "Knowledge base". Finds articles and how we answered before."""

    DEFAULT_CSS = """
    KbSidebar {
        #kb-query { margin: 0 0; }
        #kb-label { color: $text-muted; padding: 0 1; width: 1fr; height: auto; }
        KbResults { height: 1fr; border: none; }
        #kb-preview { height: 1fr; display: none; border-top: solid $primary 50%; padding: 0 1; }
        #kb-preview.shown { display: block; }
    }
    """

    BINDINGS = [
        Binding("escape", "close_preview", "Close preview", id="kb.close_preview", show=False,
                tooltip="Close the preview"),
    ]

    class Chosen(Message):
        def __init__(self, index: int | None, mode: str) -> None:
            super().__init__()
            self.index = index
            self.mode = mode

    class Insert(Message):
        """Put ``text`` into the reply being written (the app opens one if needed)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, search: Callable[[str], list[SearchHit]],
                 past_replies: Callable[[str], list[SearchHit]],
                 suggest: Callable[[str], list[SearchHit]],
                 article: Callable[[int], Article | None],
                 message_body: Callable[[int], tuple[str, str] | None],
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._search = search
        self._past_replies = past_replies
        self._suggest = suggest
        self._article = article
        self._message_body = message_body
        self.hits: list[SearchHit] = []
        self.context_text = ""  # the open ticket's subject and latest customer message
        # Hidden (the default), the sidebar reads no suggestions: a search of the articles on
        # every ticket opened or previewed, for a list nobody sees (~5 ms at 1M, and the
        # results drawn). They are read when it is shown, for the ticket open then.
        self.shown = False
        self._stale = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search articles and past answers…", id="kb-query")
        yield Label("", id="kb-label")
        yield KbResults(id="kb-results")
        with VerticalScroll(id="kb-preview"):
            yield Static(id="kb-preview-text")

    def on_mount(self) -> None:
        self.border_title = "Knowledge base"
        self.refresh_results()

    def set_context(self, text: str) -> None:
        """The open ticket changed: suggestions follow it while the search box is empty."""
        self.context_text = text
        if not self.query_one("#kb-query", Input).value.strip():
            if self.shown:
                self.refresh_results()
            else:
                self._stale = True

    def show(self, shown: bool) -> None:
        """The sidebar is shown or hidden (ctrl+g): shown, its suggestions follow the open ticket."""
        self.shown = shown
        if shown and self._stale:
            self._stale = False
            self.refresh_results()

    def refresh_results(self) -> None:
        query = self.query_one("#kb-query", Input).value.strip()
        if query:
            self._show(self._search(query), f"Articles for “{clean_line(query)}”")
            self._load_past_replies(query)
        elif self.context_text:
            self._show(self._suggest(self.context_text), "Suggested for this ticket")
        else:
            self._show([], "Type to search the knowledge base")

    def _show(self, hits: list[SearchHit], label: str) -> None:
        self.hits = hits
        # The count first: a long query pushed it off the end of the line.
        self.query_one("#kb-label", Label).update(Text(f"{len(hits)} · {label}"))
        results = self.query_one(KbResults)
        results.set_options([Option(hit_prompt(h)) for h in hits])
        results.highlighted = 0 if hits else None

    @work(thread=True, exclusive=True, group="kb-replies", exit_on_error=False)
    def _load_past_replies(self, query: str) -> None:
        replies = self._past_replies(query)
        self.app.call_from_thread(self._add_replies, query, replies)

    def _add_replies(self, query: str, replies: list[SearchHit]) -> None:
        if query != self.query_one("#kb-query", Input).value.strip() or not replies:
            return
        articles = [h for h in self.hits if h.kind == "article"]
        self._show(articles + replies, f"Articles and past answers for “{clean_line(query)}”")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(event, self.notify)

    @on(Input.Changed, "#kb-query")
    def _query_changed(self) -> None:
        self.refresh_results()

    @on(Input.Submitted, "#kb-query")
    def _query_submitted(self) -> None:
        self.query_one(KbResults).focus()

    def on_key(self, event) -> None:
        if event.key == "down" and self.query_one("#kb-query", Input).has_focus:
            self.query_one(KbResults).focus()
            event.stop()

    @on(Chosen)
    def _chosen(self, event: Chosen) -> None:
        event.stop()
        if event.index is None or event.index >= len(self.hits):
            return
        hit = self.hits[event.index]
        if event.mode == "preview":
            self._preview(hit)
        else:
            self.post_message(self.Insert(self.insertion(hit, event.mode)))

    def insertion(self, hit: SearchHit, mode: str) -> str:
        """The text a hit puts into a reply: link and summary, or the full text.

        Cleaned of control sequences: it goes into the composer (the terminal) and then to
        the customer, and a past message's body is stored as the helpdesk sent it."""
        return clean_text(self._insertion(hit, mode))

    def _insertion(self, hit: SearchHit, mode: str) -> str:
        if hit.kind == "article" and hit.article_id is not None:
            article = self._article(hit.article_id)
            if article is None:
                return ""
            if mode == "full":
                return article.body.strip() + "\n"
            summary = _summary(article.body)
            link = article.url or f"kb:{article.id}"
            return f"[{article.title}]({link}) — {summary}\n"
        found = self._message_body(hit.message_id) if hit.message_id else None
        if found is None:
            return hit.snippet.strip() + "\n"
        body, body_format = found
        # A reply is markdown: an HTML answer goes in as its text, never as tags.
        if (body_format or "").strip().lower() in ("html", "text/html"):
            body = html_to_text(body)
        return body.strip() + "\n"

    def preview(self, hit: SearchHit) -> None:
        """Show ``hit`` (an article, or a past answer) in the preview under the results."""
        self._preview(hit)

    @property
    def previewing(self) -> bool:
        return self.query_one("#kb-preview").has_class("shown")

    def _preview(self, hit: SearchHit) -> None:
        if hit.kind == "article" and hit.article_id is not None:
            from helpdesk_tui.content import render_markdown  # markdown-it: not on the first frame's path

            article = self._article(hit.article_id)
            text = render_markdown(f"# {article.title}\n\n{article.body}") if article else Text()
        else:
            found = self._message_body(hit.message_id) if hit.message_id else None
            text = preview_text(*found) if found else Text(clean_line(hit.snippet))
        self.query_one("#kb-preview-text", Static).update(text)
        self.query_one("#kb-preview").add_class("shown")

    def action_close_preview(self) -> None:
        self.query_one("#kb-preview").remove_class("shown")


PREVIEW_CHARS = 20_000  # of a past answer; the thread shows the rest


def preview_text(body: str, body_format: str) -> Text:
    """A past answer as the thread shows it (the same content path), its start if it is huge."""
    text = Text()
    pieces = body_pieces(body, body_format)
    for number, piece in enumerate(pieces):
        if number:
            text.append("\n")
        text.append_text(piece)
        if len(text) > PREVIEW_CHARS:
            if next(pieces, None) is not None:
                text.append("\n\n… longer than this preview: open the ticket to read it all", "dim")
            break
    return text


def _summary(body: str, limit: int = 160) -> str:
    """The first sentence-ish of an article, as plain text on one line."""
    for line in body.splitlines():
        line = line.strip().lstrip("#>*-0123456789. ").strip()
        if line and not line.startswith("```"):
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""
