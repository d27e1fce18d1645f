"""A small modal to record the satisfaction rating a customer gave outside the helpdesk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from helpdesk_tui.content import clean_line
from helpdesk_tui.services.types import HELPDESK, LOCAL, Rating
from helpdesk_tui.ui.formatting import when


@dataclass(frozen=True)
class RatingChoice:
    score: str  # "good" or "bad"
    comment: str  # as the agent typed it; shown only through content.clean_line


def ratings_text(ratings: Sequence[Rating], now: datetime) -> Text:
    """The ticket's ratings so far, and what saving another one does to them."""
    text = Text()
    if not ratings:
        text.append("No rating yet.", "dim")
        return text
    for rating in ratings:
        origin = "helpdesk" if rating.source == HELPDESK else "recorded here"
        text.append(f"{origin:<14}", "dim")
        text.append(f"{rating.score:<5}", "bold")
        text.append(f" {when(rating.created_at, now)}", "dim")
        if rating.comment:
            # The customer's words (or a helpdesk's): a stranger's text, never markup.
            text.append(" · " + clean_line(rating.comment))
        text.append("\n")
    if any(r.source == HELPDESK for r in ratings):
        text.append("The helpdesk has a rating: one recorded here is an addition to it.\n", "italic")
    if any(r.source == LOCAL for r in ratings):
        text.append("Saving replaces the rating recorded here.\n", "italic")
    text.rstrip()
    return text


class RatingScreen(ModalScreen[RatingChoice | None]):
    """Returns the agent's choice, or None when they cancel."""

    BINDINGS = [
        Binding("g", "choose('good')", "Good", id="rating.good", tooltip="The customer was satisfied"),
        Binding("b", "choose('bad')", "Bad", id="rating.bad", tooltip="The customer was not satisfied"),
        # priority: ctrl+s saves from the comment box too.
        Binding("ctrl+s", "save", "Save", id="rating.save", priority=True, tooltip="Record the rating"),
        Binding("escape", "cancel", "Cancel", id="rating.cancel", tooltip="Close without recording"),
    ]

    DEFAULT_CSS = """
    RatingScreen {
        align: center middle;
        & > Vertical { width: 76; height: auto; border: round $primary; background: $surface; padding: 0 1; }
        #rating-existing { height: auto; max-height: 8; margin-bottom: 1; }
        RadioSet { width: 1fr; height: auto; }
        #rating-error { color: $error; height: auto; }
        Label { color: $text-muted; }
    }
    """

    def __init__(self, number: int, ratings: Sequence[Rating], now: datetime) -> None:
        super().__init__()
        self._number = number
        self._ratings = list(ratings)
        self._now = now
        # Recording again replaces the local rating: start from it.
        self._local = next((r for r in reversed(self._ratings) if r.source == LOCAL), None)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Satisfaction rating · #{self._number}"
            yield Static(ratings_text(self._ratings, self._now), id="rating-existing")
            preset = self._local.score if self._local else None
            with RadioSet(id="rating-score"):
                yield RadioButton("Good  g", value=preset == "good", id="rating-good")
                yield RadioButton("Bad  b", value=preset == "bad", id="rating-bad")
            # Cleaned: a comment recorded through the CLI may hold control characters.
            yield Input(clean_line(self._local.comment) if self._local else "", id="rating-comment", max_length=500,
                        placeholder="optional comment, one line: what the customer said")
            yield Label("", id="rating-error")
            yield Label("g good · b bad · ctrl+s save · esc cancel")

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    @property
    def score(self) -> str | None:
        pressed = self.query_one(RadioSet).pressed_button
        return pressed.id.removeprefix("rating-") if pressed is not None and pressed.id else None

    def action_choose(self, score: str) -> None:
        """g / b pick the score and move on to the comment (the box eats the letters after that)."""
        self.query_one(f"#rating-{score}", RadioButton).value = True
        comment = self.query_one("#rating-comment", Input)
        comment.focus()
        comment.cursor_position = len(comment.value)

    @on(Input.Submitted, "#rating-comment")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        score = self.score
        if score is None:
            self.query_one("#rating-error", Label).update(Text("Choose good (g) or bad (b) first."))
            self.query_one(RadioSet).focus()
            return
        self.dismiss(RatingChoice(score, self.query_one("#rating-comment", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
