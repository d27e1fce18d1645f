"""Documents made from the cache for people: the handover note, product insights, KPI exports.

Presentation, not rules: the data comes in as domain objects (gathered by the store,
handed over by ``services``), untrusted text is made safe with ``content``. This layer
never opens a cache itself. Its CSV cells pass ``helpdesk_tui.csv_cells``, the one guard
against spreadsheet formulas; files are written whole by ``helpdesk_tui.atomic_file``.
"""
