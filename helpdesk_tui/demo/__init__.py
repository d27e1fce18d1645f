"""The built-in demo workspace: a deterministic, pure-Python helpdesk full of plausible work."""

from helpdesk_tui.demo.generate import DemoSpec, DemoWorkspace, TicketBundle

__all__ = ["DemoSpec", "DemoWorkspace", "TicketBundle"]
