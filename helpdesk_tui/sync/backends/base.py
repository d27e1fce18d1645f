"""Moved to ``helpdesk_tui.sync.contract``; kept so plug-ins written against it still import."""

from helpdesk_tui.sync.contract import *  # noqa: F403
from helpdesk_tui.sync.contract import __all__  # noqa: F401
