"""The generic REST backend: a helpdesk described by a mapping file (YAML), not by Python.

See ``docs/mappings.md`` for the format; ``sync/mappings/`` holds the shipped mappings.

How the parts fit, in the order a file is read and a sync runs:

- ``node``, ``paths``, ``template``: the file with the line of every key; paths into JSON; the
  templates that put values into requests.
- ``mapping``: the whole file → a frozen ``Mapping``, every section compiled once (and cached
  while the file stays the same); ``values`` and ``fields`` compile field specs into getters.
- ``requests`` (one compiled request, sent through the shared ``HttpClient``), ``streams`` (a
  listing: records, side-loads, expand, skip), ``paging`` (where the next page is).
- ``incremental`` (what changed: the cursor), ``ticket_pull`` (one ``pull``), ``people`` (users
  and organizations), ``threads`` (a ticket's messages), ``lists`` (articles, templates),
  ``lookups`` (names ↔ ids).
- ``writes_spec``, ``writes``, ``write_files`` (the writes side), ``base64_download``.
- ``backend``: ``GenericBackend`` and ``MappedBackend`` wire them to the backend contract.
"""
