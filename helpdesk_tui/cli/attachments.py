"""``attachment list`` and ``attachment save``: a ticket's files from scripts and terminals."""

from __future__ import annotations

import sys
from pathlib import Path

from helpdesk_tui.cli.context import Context
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.cli.output import attachment_dict
from helpdesk_tui.config.paths import download_dir
from helpdesk_tui.content import clean_line
from helpdesk_tui.content.body import human_size
from helpdesk_tui.content.file_names import display_name
from helpdesk_tui.content.text import fit
from helpdesk_tui.services import attachments


def attachment_list(ctx: Context, ticket: str, *, as_json: bool) -> int:
    found = attachments.attachments_of(ctx, ticket)
    if as_json:
        sys.stdout.write("".join(dumps(attachment_dict(a)) + "\n" for a in found))
        return 0
    if not found:
        print(f"Ticket {clean_line(ticket)} has no attachments.", file=sys.stderr)
        return 0
    width = max(len(a.id) for a in found)
    lines = [f"{a.id:<{width}}  {fit(human_size(a.size), 10)} {'cached' if a.cached else '      '}  "
             f"{display_name(a.name)} · {clean_line(a.media_type)}" for a in found]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def attachment_save(ctx: Context, ticket: str, wanted: str, *, to: str | None, overwrite: bool) -> int:
    info = attachments.find_in_ticket(ctx, ticket, wanted)
    folder = Path(to).expanduser() if to else download_dir()
    progress = _show_progress if sys.stderr.isatty() else None
    path = attachments.ensure_local(ctx, info.id, progress=progress)
    del path  # downloaded (or already here); the copy is made from the cache
    saved = attachments.save_copy(ctx, info.id, folder, overwrite=overwrite)
    # The folder is the agent's; the file name is the cleaned one, shown as text.
    print(clean_line(str(saved)))
    return 0


def _show_progress(done: int, total: int) -> None:
    shown = f"{human_size(done)} of {human_size(total)}" if total else human_size(done)
    end = "\n" if total and done >= total else ""
    print(f"\rdownloading: {shown}   ", end=end, file=sys.stderr, flush=True)
