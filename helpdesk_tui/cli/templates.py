"""``helpdesk-tui template list|render``."""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime

from helpdesk_tui.cli.context import Context
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.content import clean_line, clean_text
from helpdesk_tui.content.text import fit
from helpdesk_tui.errors import UserError
from helpdesk_tui.services import templates


def template_list(ctx: Context, *, as_json: bool) -> int:
    result = templates.all_templates(ctx)
    for name, sentence in result.failed:
        print(f"helpdesk-tui: {clean_line(f'Template {name} was not loaded: {sentence}')}", file=sys.stderr)
    # On a terminal each template is one line, cut to its width; a pipe gets the whole text.
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 0
    for t in result.templates:
        if as_json:
            print(dumps({"id": t.id, "name": t.name, "language": t.language, "description": t.description,
                         "tags": list(t.tags), "source": t.source, "origin": t.origin,
                         "default_status": t.default_status, "default_checkpoint": t.default_checkpoint}))
        else:
            name = clean_line(t.name) + (f" ({clean_line(t.origin)})" if t.origin else "")
            line = f"{fit(clean_line(t.id), 32)} {fit(t.language, 5)} {fit(name, 28)} {clean_line(t.description)}"
            print(fit(line, width).rstrip() if width else line)
    return 0


def template_render(ctx: Context, name: str, reference: str) -> int:
    _, result = templates.render_for_ticket(ctx, name, reference, datetime.now(UTC))
    sys.stdout.write(clean_text(result.text) if sys.stdout.isatty() else result.text)
    if result.unresolved:
        # The app will not send this text as it is: neither may a script take it as done.
        where = ", ".join(f"{{{{ {clean_line(placeholder)} }}}} on line {line}"
                          for placeholder, line in result.unresolved)
        raise UserError(f"The text still has placeholders without a value ({where}): fill them in before "
                        "sending.")
    return 0
