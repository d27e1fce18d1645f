"""The built-in demo workspace: a deterministic, pure-Python helpdesk full of plausible work.

The generator's names are imported on first use (PEP 562): opening a demo workspace that is
already built (``workspace_db``, the demo backend) must not import the generator and its
corpora in four languages (~6 ms) on the way to the app's first frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpdesk_tui.lazy_names import lazy_getattr

if TYPE_CHECKING:
    from helpdesk_tui.demo.generate import DemoSpec, DemoWorkspace, TicketBundle

__all__ = ["DemoSpec", "DemoWorkspace", "TicketBundle"]

__getattr__ = lazy_getattr(__name__, {name: "generate" for name in __all__}, globals())
