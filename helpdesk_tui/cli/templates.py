"""``helpdesk-tui template list|render``."""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime

from helpdesk_tui.cli.context import Context, find_ticket_or_fail
from helpdesk_tui.cli.json import dumps
from helpdesk_tui.errors import UserError


def template_list(ctx: Context, *, as_json: bool) -> int:
    from helpdesk_tui.compose.templates import load_templates
    from helpdesk_tui.content import clean_line
    from helpdesk_tui.content.text import fit

    result = load_templates(ctx.locations.templates_dir, _synced_templates(ctx))
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


def _synced_templates(ctx: Context) -> list:
    """The account's templates synced from its helpdesk; none before the first sync."""
    if not ctx.db_path.exists():
        return []
    cache = ctx.open_cache()
    try:
        return cache.synced_templates()
    finally:
        cache.close()


def template_render(ctx: Context, name: str, reference: str) -> int:
    from helpdesk_tui.compose.render import apply_template
    from helpdesk_tui.compose.templates import TemplateError, load_templates, resolve_template
    from helpdesk_tui.content import clean_line, clean_text

    templates = load_templates(ctx.locations.templates_dir, _synced_templates(ctx)).templates
    cache = ctx.open_cache()
    try:
        ticket = find_ticket_or_fail(ctx, cache, reference)
        summary = cache.customer_summary(ticket.requester_id) if ticket.requester_id else None
    finally:
        cache.close()
    language = summary.customer.language if summary else "en"
    try:
        template = resolve_template(templates, name, language)
    except (TemplateError, LookupError, ValueError) as exc:
        raise UserError(clean_line(str(exc)), 2) from None
    now = datetime.now(UTC)
    try:
        result = apply_template(template, ticket=ticket, customer=summary.customer if summary else None,
                                organization=summary.organization if summary else None,
                                agent_name=ctx.settings.agent.name, now=now, tz=now.astimezone().tzinfo or UTC)
    except TemplateError as exc:
        raise UserError(f"Template {template.id} cannot be rendered: {exc}") from None
    sys.stdout.write(clean_text(result.text) if sys.stdout.isatty() else result.text)
    if result.unresolved:
        # The app will not send this text as it is: neither may a script take it as done.
        where = ", ".join(f"{{{{ {clean_line(placeholder)} }}}} on line {line}"
                          for placeholder, line in result.unresolved)
        raise UserError(f"The text still has placeholders without a value ({where}): fill them in before "
                        "sending.")
    return 0
