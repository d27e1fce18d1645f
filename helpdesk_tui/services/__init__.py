"""The one API the TUI and the CLI share for a workspace: open it, read it, reply, sync,
triage, focus, rate, report.

A screen or a command is a thin client of these functions: they take what they need (a
workspace, an open cache, a clock value), return data, and raise ``errors.ServiceError``
(one sentence a user can act on) for anything a user can cause. They never print and never
import textual, argparse, the UI or the CLI.
"""
