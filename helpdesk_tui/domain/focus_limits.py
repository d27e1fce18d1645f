"""How long a focus session may be: read by the settings' range check, which must not import the
focus rules (statistics and the KPI helpers) on every command's start."""

MAX_MINUTES = 8 * 60  # a longer "session" is a working day, not a focus block
