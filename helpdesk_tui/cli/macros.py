"""``helpdesk-tui macro list|apply``."""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime

from helpdesk_tui.cli.context import Context
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.content import clean_line
from helpdesk_tui.content.text import fit
from helpdesk_tui.errors import UserError
from helpdesk_tui.services import macros


def macro_list(ctx: Context, *, as_json: bool) -> int:
    result = macros.workspace_macros(ctx)
    for name, sentence in result.failed:
        print(f"helpdesk-tui: {clean_line(f'Macro {name} was not loaded: {sentence}')}", file=sys.stderr)
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 0
    for m in result.macros:
        if as_json:
            print(dumps({"id": m.id, "name": m.name, "description": m.description, "source": m.source,
                         "origin": m.origin, "template": m.template,
                         "actions": [{"action": a.kind.value, "value": a.value, "tags": list(a.tags)}
                                     for a in m.actions],
                         "note": bool(m.note.strip()), "skipped": list(m.skipped)}))
        else:
            name = clean_line(m.name) + (f" ({clean_line(m.origin)})" if m.origin else "")
            line = f"{fit(clean_line(m.id), 24)} {fit(name, 44)} {clean_line(m.description)}"
            print(fit(line, width).rstrip() if width else line)
    return 0


def macro_apply(ctx: Context, reference: str, name: str, *, dry_run: bool) -> int:
    """Print what the macro changes; unless ``dry_run``, queue it and leave its reply in the draft."""
    now = datetime.now(UTC)
    with ctx.cache() as cache:
        preview = macros.preview_for_ticket(ctx, cache, reference, name, now)
        for line in macros.describe(preview):
            print(line)
        if dry_run:
            return 0
        if macros.draft_in_the_way(cache, preview):
            raise UserError(f"#{preview.ticket.number} already has a draft with other words: send or discard it "
                            "first, then apply the macro (nothing was changed).")
        applied = macros.apply(cache, preview, agent=ctx.settings.agent.name, now=now, hold_seconds=0,
                               backend=macros.backend_class(ctx.settings, ctx.account))
        drafted = macros.put_reply_in_draft(cache, preview, now)
    if applied.outbox_ids:
        print(f"Queued {len(applied.outbox_ids)} outbox item(s): they go out with the next "
              "'helpdesk-tui sync' (or while the app is open).")
    if preview.reply_text:
        if drafted:
            print(f"The reply is in the draft of #{preview.ticket.number}: finish it and send it from the app.")
        else:  # a draft written meanwhile (the app is open): its words win
            print(f"helpdesk-tui: #{preview.ticket.number} got a draft meanwhile: the reply above was not put in it.",
                  file=sys.stderr)
            return 1
    return 0
