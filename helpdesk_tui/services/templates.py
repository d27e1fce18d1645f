"""Reply templates: the built-in, the user's and the account's synced ones; rendering one for a ticket."""

from __future__ import annotations

from datetime import UTC, datetime

from helpdesk_tui.compose.render import AppliedTemplate, apply_template
from helpdesk_tui.compose.templates import Template, TemplateError, TemplateLoadResult, load_templates, resolve_template
from helpdesk_tui.content import clean_line
from helpdesk_tui.services.errors import InvalidRequest, ServiceError
from helpdesk_tui.services.workspace import Workspace, find_ticket


def _synced(workspace: Workspace) -> list:
    """The account's templates synced from its helpdesk; none before the first sync."""
    if not workspace.db_path.exists():
        return []
    with workspace.cache() as cache:
        return cache.synced_templates()


def all_templates(workspace: Workspace) -> TemplateLoadResult:
    """Every template the app offers, and the files that failed to load (name, sentence)."""
    return load_templates(workspace.locations.templates_dir, _synced(workspace))


def render_for_ticket(workspace: Workspace, name: str, reference: str, now: datetime) -> tuple[Template, AppliedTemplate]:
    """The template ``name`` (in the customer's language when there is one) filled in for a ticket.

    The result may still list placeholders without a value (``unresolved``): the caller decides."""
    templates = all_templates(workspace).templates
    with workspace.cache() as cache:
        ticket = find_ticket(cache, reference)
        summary = cache.customer_summary(ticket.requester_id) if ticket.requester_id else None
    language = summary.customer.language if summary else "en"
    try:
        template = resolve_template(templates, name, language)
    except (TemplateError, LookupError, ValueError) as exc:
        raise InvalidRequest(clean_line(str(exc))) from None
    try:
        result = apply_template(template, ticket=ticket, customer=summary.customer if summary else None,
                                organization=summary.organization if summary else None,
                                agent_name=workspace.settings.agent.name, now=now,
                                tz=now.astimezone().tzinfo or UTC)
    except TemplateError as exc:
        raise ServiceError(f"Template {template.id} cannot be rendered: {exc}") from None
    return template, result
