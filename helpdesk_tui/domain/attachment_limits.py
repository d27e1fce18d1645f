"""What a helpdesk accepts as attachments, and the one sentence per file it would refuse.

Each backend declares its limits in ``Capabilities.attachments``; files are checked before
they are queued, so a reply never waits in the outbox for a refusal the server was sure to
give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

MB = 1000 * 1000
MIB = 1024 * 1024


@dataclass(frozen=True)
class AttachmentLimits:
    """``max_bytes``/``max_count`` None: no limit. ``allowed_extensions`` empty: any type;
    extensions are lower case with the dot (".png"). ``accepts_bare_names``: a name without an
    extension passes an allow-list (django-helpdesk lets those through)."""

    supported: bool = True
    max_bytes: int | None = None
    max_count: int | None = None
    allowed_extensions: tuple[str, ...] = ()
    blocked_extensions: tuple[str, ...] = ()
    accepts_bare_names: bool = True
    source: str = ""  # where the numbers come from (shown nowhere; for the reader of the code)


NO_ATTACHMENTS = AttachmentLimits(supported=False)


def human_size(size: int) -> str:
    """``1.4 MB``, ``136 KB``, ``12 bytes``: decimal units, as helpdesks state their limits."""
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= 1000:
        return f"{size / 1000:.0f} KB"
    return f"{size} byte{'s' if size != 1 else ''}"


def problems(limits: AttachmentLimits, files: Sequence[tuple[str, int]], helpdesk: str) -> list[str]:
    """One sentence per thing ``helpdesk`` would refuse among ``files`` ((name, size) each)."""
    if not files:
        return []
    if not limits.supported:
        return [f"{helpdesk} cannot take attachments from here: send the reply without them."]
    found: list[str] = []
    if limits.max_count is not None and len(files) > limits.max_count:
        found.append(f"{helpdesk} takes at most {limits.max_count} attachments per message: "
                     f"remove {len(files) - limits.max_count}.")
    for name, size in files:
        ext = PurePath(name).suffix.lower()
        if limits.max_bytes is not None and size > limits.max_bytes:
            found.append(f"{name} is {human_size(size)}, more than the {human_size(limits.max_bytes)} "
                         f"{helpdesk} takes per file: send a smaller file or a link to it.")
        if ext and ext in limits.blocked_extensions:
            found.append(f"{helpdesk} refuses {ext} files like {name}: zip it or send a link.")
        elif limits.allowed_extensions and ext not in limits.allowed_extensions \
                and not (not ext and limits.accepts_bare_names):
            found.append(f"{helpdesk} only takes {', '.join(limits.allowed_extensions)} files, not {name}: "
                         "convert it to one of those or send a link.")
    return found
