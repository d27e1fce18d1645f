"""The fault proxy moved into the package (``helpdesk_tui.sync.testing.fault_proxy``) with the
conformance suite; tests keep importing it from here."""

from helpdesk_tui.sync.testing.fault_proxy import (  # noqa: F401 - re-exported
    HOP_BY_HOP, PASS, Entry, Fault, FaultProxy, Rule, drop_after_upstream, drop_before_upstream, stall,
    stall_before_upstream, status,
)
