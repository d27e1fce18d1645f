"""``@record`` gives callers what ``@dataclass`` gives them (helpdesk_tui/records.py), without importing it."""

from __future__ import annotations

import dataclasses
import copy
import subprocess
import sys
from pathlib import Path

import pytest

from helpdesk_tui.records import field, record

ROOT = Path(__file__).resolve().parent.parent


def _pair(frozen: bool, slots: bool) -> tuple[type, type]:
    made = []
    for decorate, make_field in ((dataclasses.dataclass(frozen=frozen, slots=slots), dataclasses.field),
                                 (record(frozen=frozen, slots=slots), field)):
        class Point:
            """A point."""

            x: int
            y: int = 0
            tags: list[str] = make_field(default_factory=list)

        made.append(decorate(Point))
    return made[0], made[1]


@pytest.mark.parametrize("frozen", [False, True])
@pytest.mark.parametrize("slots", [False, True])
@pytest.mark.parametrize("made_before", [0, 100])
def test_a_record_behaves_as_the_same_dataclass(frozen, slots, made_before):
    """``made_before``: a class made often has its __init__ compiled; it must behave the same."""
    real, mine = _pair(frozen, slots)
    for cls in (real, mine):
        for n in range(made_before):
            assert cls(n, tags=[n]).tags == [n]
        a, b = cls(1), cls(1, y=0)
        assert a == b and a is not b and a.tags == [] and a.tags is not b.tags
        assert a != cls(2) and a != (1, 0, []) and (a == object()) is False
        assert repr(cls(3, 4, ["t"])) == "_pair.<locals>.Point(x=3, y=4, tags=['t'])"
        assert cls.__match_args__ == ("x", "y", "tags")
        assert hasattr(a, "__dict__") is not slots
        with pytest.raises(TypeError):
            cls()
        with pytest.raises(TypeError):
            cls(1, 2, [], 4)
        with pytest.raises(TypeError):
            cls(1, x=1)
        with pytest.raises(TypeError):
            cls(1, z=1)
        with pytest.raises(TypeError):
            cls(y=1)
        assert cls(y=2, x=1) == cls(1, 2) and cls(1, tags=["a"]).tags == ["a"]
        if frozen:
            with pytest.raises(dataclasses.FrozenInstanceError):
                a.x = 5  # type: ignore[misc]
            with pytest.raises(dataclasses.FrozenInstanceError):
                del a.x  # type: ignore[misc]
            assert hash(cls(1, 2, ())) == hash(cls(1, 2, ()))  # type: ignore[arg-type]
            assert copy.deepcopy(cls(1, 2, ["z"])) == cls(1, 2, ["z"])
        else:
            a.x = 5
            assert a.x == 5
            with pytest.raises(TypeError):
                hash(a)
        moved = dataclasses.replace(cls(1, 2, ["k"]), y=9)
        assert moved == cls(1, 9, ["k"]) and type(moved) is cls
        assert [f.name for f in dataclasses.fields(cls)] == ["x", "y", "tags"]
        assert dataclasses.asdict(cls(1, 2, ["k"])) == {"x": 1, "y": 2, "tags": ["k"]}
        assert dataclasses.is_dataclass(cls) and dataclasses.is_dataclass(a)
        assert cls.__doc__ == "A point."


def test_a_record_keeps_the_methods_its_class_writes():
    @record(frozen=True)
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

    assert repr(Named("a")) == "<a>"


def test_a_record_refuses_what_it_does_not_do():
    with pytest.raises(TypeError):
        @record
        class Later:
            a: int

            def __post_init__(self) -> None: ...
    with pytest.raises(ValueError):
        @record
        class Shared:
            items: list[int] = []  # noqa: RUF012
    with pytest.raises(TypeError):
        @record
        class Order:
            a: int = 1
            b: int


def test_making_and_using_records_does_not_import_dataclasses():
    probe = ("import sys\nfrom helpdesk_tui.records import record, field\n"
             "@record(frozen=True, slots=True)\nclass A:\n    a: int\n    b: tuple = field(default_factory=tuple)\n"
             "x = A(1); assert x == A(1) and repr(x) == 'A(a=1, b=())' and hash(x)\n"
             "print('dataclasses' in sys.modules, 'inspect' in sys.modules)\n"
             "import dataclasses\nassert dataclasses.replace(x, a=2) == A(2)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT)})
    assert done.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("frozen", [False, True])
def test_replace_copies_a_record_or_a_dataclass_with_changes(frozen):
    from helpdesk_tui.records import replace

    for cls in _pair(frozen, slots=True):
        a = cls(1, 2, ["k"])
        assert replace(a, y=3) == cls(1, 3, ["k"]) and replace(a) == a and replace(a) is not a
        with pytest.raises(TypeError):
            replace(a, z=1)
