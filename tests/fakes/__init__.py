"""Fake helpdesk servers for backend tests: real HTTP on 127.0.0.1, in-memory state, fault injection."""
