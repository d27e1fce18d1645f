"""A JMESPath expression in a mapping that multiplies what it reads (``[@,@][]`` chained:
2^30 values from one number, in 210 characters) is refused when the file is loaded, in one
sentence, instead of holding a sync for minutes and gigabytes on its first record."""

from __future__ import annotations

import time

import pytest

from helpdesk_tui.sync.generic.node import MappingError, loads
from helpdesk_tui.sync.generic.paths import compile_path, path_at


@pytest.mark.parametrize("expression", [
    "a." + "[@,@][]" * 30,
    "a.[@,@,@,@,@,@,@,@,@,@][].[@,@,@,@,@,@,@,@,@,@][].[@,@,@,@,@,@,@,@,@,@][].[@,@,@,@,@,@,@,@,@,@][]",
    "{" + ", ".join(f"k{n}: [@,@][].[@,@][]" for n in range(20)) + "}.*[].[@,@][].[@,@][].[@,@][].[@,@][]",
])
def test_a_path_that_multiplies_its_input_is_refused_at_load(expression: str) -> None:
    node = loads(f"path: '{expression}'", "m.yaml").need("path")
    started = time.monotonic()
    with pytest.raises(MappingError) as caught:
        path_at(node)
    assert time.monotonic() - started < 1
    assert "m.yaml" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("expression", [
    "join(' ', [first, last][?@])", "[login][?@ != '-'] | [0]", "items[*].{id: id, name: name}",
    "values(KnowledgeBaseAnswer)[0].[archived_at != `null` || (published_at == `null`)]",
])
def test_the_paths_shipped_mappings_write_still_compile(expression: str) -> None:
    assert callable(compile_path(expression))
