"""Keeping the cache and a helpdesk in step. Never imports textual."""
