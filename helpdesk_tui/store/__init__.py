"""The local SQLite cache: one file per account. Never imports textual or httpx."""
