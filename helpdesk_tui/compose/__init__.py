"""Replies: templates rendered in a sandbox, the built-in templates, and the checks before sending.

Modules, each doing one thing: ``templates`` (files, front matter, loading, the fuzzy
picker), ``sandbox`` (the Jinja2 environment a template cannot escape), ``filters`` (the
bounded filters, tests and operators a template may use), ``render``
(context from the ticket, rendering, applying a template), ``placeholders`` (finding
``{{ … }}`` and ``[[ … ]]`` in reply text), ``checks`` (what blocks or warns before
sending) and ``phrases`` (the editable list of phrases that blame the customer).
Nothing here imports Textual or httpx.
"""
