"""The send dialog: the ticket's new status, the promised next update, and the checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from helpdesk_tui.compose.checks import Finding, check_reply
from helpdesk_tui.domain.checkpoint import CheckpointError, describe_checkpoint, parse_checkpoint
from helpdesk_tui.domain.vocab import MessageKind, Status
from helpdesk_tui.ui.error_guard import dispatch_contained
from helpdesk_tui.ui.formatting import STATUS_LABELS

KEEP = "keep"


@dataclass(frozen=True)
class SendDecision:
    new_status: Status | None
    next_checkpoint: datetime | None


@dataclass(frozen=True)
class SendContext:
    kind: MessageKind
    text: str
    current_status: Status
    language: str
    now: datetime
    tz: tzinfo
    attachments: int = 0
    default_status: str | None = None
    default_checkpoint: str | None = None
    blame_phrases: tuple[str, ...] | None = None


def findings_text(findings: list[Finding], confirmed: bool) -> Text:
    text = Text()
    if not findings:
        text.append("✓ All checks passed.", "bold")
        return text
    for finding in findings:
        mark = "✗ " if finding.level == "blocking" else "! "
        where = f" (line {finding.line})" if finding.line else ""
        text.append(mark, "bold")
        text.append(finding.message + where + "\n", "bold" if finding.level == "blocking" else "")
    if any(f.level == "blocking" for f in findings):
        text.append("\nFix the ✗ items before sending (esc goes back to the text).", "italic")
    elif confirmed:
        text.append("\nPress ctrl+s again to send anyway.", "bold italic")
    return text


class SendButton(Button, can_focus=False):
    """Clicked, never focused: enter after tab cannot press it by accident."""


class SendScreen(ModalScreen[SendDecision | None]):
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="send.send", priority=True, tooltip="Send (or queue) now"),
        Binding("escape", "cancel", "Back to editing", id="send.cancel", tooltip="Back to the text"),
    ]

    DEFAULT_CSS = """
    SendScreen {
        align: center middle;
        & > Vertical { width: 84; height: auto; max-height: 90%; border: round $accent;
                       background: $surface; padding: 0 1; }
        Horizontal { height: auto; }
        Select { width: 28; }
        #send-checkpoint { width: 1fr; }
        #send-when { color: $text-muted; height: 1; }
        #send-findings { height: auto; margin: 1 0; }
        Button { margin-right: 2; }
    }
    """

    async def _dispatch_message(self, message: Message) -> None:
        # A bug in a handler here is one sentence from the app's guard, never the end of the app.
        await dispatch_contained(self, super()._dispatch_message, message)

    def __init__(self, context: SendContext) -> None:
        super().__init__()
        self.context = context
        self.findings: list[Finding] = []
        self._confirmed = False
        self._checkpoint: datetime | None = None
        self._checkpoint_error: str | None = None

    def compose(self) -> ComposeResult:
        ctx = self.context
        statuses = [(f"keep ({STATUS_LABELS[ctx.current_status]})", KEEP)] + [
            (STATUS_LABELS[s], s.value) for s in Status if s != Status.NEW]
        initial = ctx.default_status if ctx.default_status in {v for _, v in statuses} else KEEP
        reply = ctx.kind == MessageKind.PUBLIC_REPLY
        with Vertical() as box:
            box.border_title = "Send reply" if reply else "Add internal note"
            # A note is not seen by the customer: it promises them nothing.
            yield Label("Status after sending, and when the customer hears from us next:" if reply
                        else "Status of the ticket after adding the note (the customer does not see it):")
            with Horizontal():
                yield Select(statuses, value=initial, allow_blank=False, id="send-status")
                if reply:
                    yield Input(value=ctx.default_checkpoint or "", id="send-checkpoint",
                                placeholder="next update: +2h, tomorrow 10:00, 2026-12-01 09:00")
            yield Label("", id="send-when")
            yield Static(id="send-findings")
            yield Label(Text("ctrl+s sends · tab moves between the fields · esc goes back to the text"),
                        id="send-keys")
            with Horizontal():
                yield SendButton("Send  ctrl+s", variant="primary", id="send-go")
                yield SendButton("Back  esc", id="send-back")

    def on_mount(self) -> None:
        # Focus on the status, never on a button: a hurried enter must not send.
        self.query_one("#send-status", Select).focus()
        self.query_one("#send-when", Label).display = self.context.kind == MessageKind.PUBLIC_REPLY
        self._recheck()

    @property
    def new_status(self) -> Status | None:
        value = self.query_one("#send-status", Select).value
        return None if value in (KEEP, Select.BLANK) or not isinstance(value, str) else Status(value)

    def _recheck(self) -> None:
        ctx = self.context
        fields = self.query("#send-checkpoint").results(Input)
        raw = next((field.value.strip() for field in fields), "")
        self._checkpoint, self._checkpoint_error = None, None
        when = self.query_one("#send-when", Label)
        if raw:
            try:
                self._checkpoint = parse_checkpoint(raw, ctx.now, ctx.tz)
                when.update(Text(f"next update promised {describe_checkpoint(self._checkpoint, ctx.now, ctx.tz)}"))
            except CheckpointError as exc:
                self._checkpoint_error = str(exc)
                when.update(Text(self._checkpoint_error))
        else:
            when.update(Text("no promised update"))
        self.findings = check_reply(ctx.text, kind=str(ctx.kind), new_status=str(self.new_status) if self.new_status else None,
                                   next_checkpoint=self._checkpoint, attachments=ctx.attachments,
                                   language=ctx.language, blame_phrases=ctx.blame_phrases)
        if self._checkpoint_error:
            self.findings = [Finding("blocking", "checkpoint", self._checkpoint_error, None), *self.findings]
        self._confirmed = False
        self.query_one("#send-findings", Static).update(findings_text(self.findings, False))

    @on(Input.Changed, "#send-checkpoint")
    @on(Select.Changed, "#send-status")
    def _changed(self) -> None:
        self._recheck()

    @on(Input.Submitted, "#send-checkpoint")
    def _next_field(self) -> None:
        # Enter in a field is not "send": sending takes ctrl+s or the Send button.
        self.query_one("#send-status", Select).focus()

    @on(Button.Pressed, "#send-go")
    def _go(self) -> None:
        self.action_send()

    @on(Button.Pressed, "#send-back")
    def _back(self) -> None:
        self.action_cancel()

    def action_send(self) -> None:
        if not self.is_current:
            return  # a second press queued behind the first: the dialog is already closing
        if any(f.level == "blocking" for f in self.findings):
            self.app.bell()
            return
        if self.findings and not self._confirmed:
            self._confirmed = True
            self.query_one("#send-findings", Static).update(findings_text(self.findings, True))
            return
        self.dismiss(SendDecision(self.new_status, self._checkpoint))

    def action_cancel(self) -> None:
        self.dismiss(None)
