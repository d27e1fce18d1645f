"""The shipped mappings: one YAML file per helpdesk here, and one tiny ``MappedBackend``
subclass per file below, registered in pyproject.toml's ``helpdesk_tui.backends`` entry points
(``redmine = "helpdesk_tui.sync.mappings:RedmineBackend"``). Each class reads its name, label,
options and capabilities from its file when this module is imported.
"""

from __future__ import annotations

from helpdesk_tui.sync.generic.backend import MappedBackend

__all__ = ["FreshdeskBackend", "HelpScoutBackend", "MappedBackend", "ZammadBackend"]


class FreshdeskBackend(MappedBackend):
    mapping_file = "freshdesk.yaml"


class HelpScoutBackend(MappedBackend):
    mapping_file = "helpscout.yaml"


class ZammadBackend(MappedBackend):
    mapping_file = "zammad.yaml"
