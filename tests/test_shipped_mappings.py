"""Every shipped mapping is a backend of its own name: registered in the installed entry points,
its file loads, and its class says what the file says."""

from __future__ import annotations

from dataclasses import replace
from importlib.resources import files
from pathlib import Path

import pytest

from helpdesk_tui.sync import registry
from helpdesk_tui.sync.generic.backend import GenericBackend, MappedBackend
from helpdesk_tui.sync.generic.mapping import load_mapping

SHIPPED = sorted(p.name for p in files("helpdesk_tui.sync.mappings").iterdir() if p.name.endswith(".yaml"))


def test_the_shipped_mappings_are_the_ones_we_promise() -> None:
    assert {"freshdesk.yaml", "helpscout.yaml", "redmine.yaml", "roundup.yaml", "zammad.yaml"} <= set(SHIPPED)


@pytest.mark.parametrize("file_name", SHIPPED)
def test_each_shipped_mapping_is_registered_under_its_name_and_loads(file_name: str) -> None:
    path = files("helpdesk_tui.sync.mappings").joinpath(file_name)
    mapping = load_mapping(Path(str(path)))
    cls = registry.load_backend(mapping.name)
    assert issubclass(cls, MappedBackend) and cls.mapping_file == file_name
    assert cls.name == mapping.name and cls.label == mapping.label
    # The same, but for where the attachment limits say they come from (the file's path as shown).
    assert replace(cls.capabilities, attachments=None) == replace(mapping.capabilities, attachments=None)
    assert cls.capabilities.attachments.max_bytes == mapping.capabilities.attachments.max_bytes


def test_generic_is_registered_and_takes_a_mapping_file() -> None:
    cls = registry.load_backend("generic")
    assert cls is GenericBackend
    assert "mapping" in {option.name for option in cls.options}
