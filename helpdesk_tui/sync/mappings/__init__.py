"""The shipped mappings: one YAML file per helpdesk here, and one tiny ``MappedBackend``
subclass per file below, registered in pyproject.toml's ``helpdesk_tui.backends`` entry points
(``redmine = "helpdesk_tui.sync.mappings:RedmineBackend"``). Each class reads its name, label,
options and capabilities from its file when this module is imported.
"""

from __future__ import annotations

from helpdesk_tui.sync.generic.backend import MappedBackend

__all__ = ["FreshdeskBackend", "HelpScoutBackend", "MappedBackend", "RedmineBackend", "RoundupBackend", "ZammadBackend",
           "ZendeskMappedBackend"]


class FreshdeskBackend(MappedBackend):
    mapping_file = "freshdesk.yaml"


class HelpScoutBackend(MappedBackend):
    mapping_file = "helpscout.yaml"


class RoundupBackend(MappedBackend):
    mapping_file = "roundup.yaml"


class ZammadBackend(MappedBackend):
    mapping_file = "zammad.yaml"


class RedmineBackend(MappedBackend):
    """Redmine 5: the issues of one project (``--option project=…``), journals as the thread."""

    mapping_file = "redmine.yaml"


class ZendeskMappedBackend(MappedBackend):
    """Zendesk as a mapping (``zendesk.yaml``), beside the hand-written ``zendesk`` backend."""

    mapping_file = "zendesk.yaml"
