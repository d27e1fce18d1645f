"""helpdesk-tui: a keyboard-first terminal workstation for helpdesk agents."""

__version__ = "0.1.0"
