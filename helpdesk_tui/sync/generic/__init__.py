"""The generic REST backend: a helpdesk described by a mapping file (YAML), not by Python.

See ``docs/mappings.md`` for the format; ``sync/mappings/`` holds the shipped mappings.
"""
