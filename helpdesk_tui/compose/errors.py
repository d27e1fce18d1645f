"""The one error a template can cause: its message is a sentence the UI shows as is."""

from __future__ import annotations


class TemplateError(ValueError):
    """A template cannot be read or rendered; the message names the file or line and what to do.

    ``reason`` is the bare explanation, ``line`` the line it concerns (in ``where``, a file
    or template id, when known); ``str()`` joins them into one sentence.
    """

    def __init__(self, reason: str, *, line: int | None = None, where: str | None = None) -> None:
        self.reason = reason.strip().rstrip(".")
        self.line = line
        self.where = where
        super().__init__(self._sentence())

    def _sentence(self) -> str:
        line = f"line {self.line}" if self.line else None
        place = ", ".join(part for part in (self.where, line) if part)
        end = "" if self.reason.endswith(("?", "!")) else "."
        if self.where:  # a file name or template id keeps its own spelling
            return f"{place}: {self.reason}{end}"
        if line:
            return f"Line {self.line}: {self.reason}{end}"
        return f"{self.reason[:1].upper()}{self.reason[1:]}{end}"

    def located(self, where: str, line_offset: int = 0) -> TemplateError:
        """The same error placed in a file whose template body starts after ``line_offset`` lines."""
        line = self.line + line_offset if self.line else None
        return TemplateError(self.reason, line=line, where=where)
