"""One module per helpdesk API, each behind the same small contract."""
