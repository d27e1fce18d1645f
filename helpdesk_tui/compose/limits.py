"""The size cap of a template's text, apart from the sandbox that enforces it.

Reading a template's header (``front_matter``) and listing templates need the cap; importing
the sandbox for it would bring Jinja (~15 ms) onto the workstation's way to its first frame.
"""

from __future__ import annotations

MAX_TEMPLATE_CHARS = 100_000
