"""``@record``: a frozen or plain data class like ``@dataclass`` makes, without importing ``dataclasses``.

``dataclasses`` imports ``inspect`` (with ``ast``, ``dis`` and ``tokenize``: ~13 ms) and compiles
five or six small functions per class, one ``exec`` each (~0.5 ms a class). The ~40 classes a
read-only command defines (settings, models, the SLA policy, queries) cost ``list --json`` a
third of its time. ``record`` makes the same methods from closures (nothing is compiled when a
class is made; a class instantiated often gets the ``__init__`` dataclasses would compile, see
``_init_method``) and imports only ``typing``, ``operator`` and ``reprlib``.

What callers see is what ``@dataclass`` gives them, for what the project uses: the same
``__init__`` (positional or keyword, defaults, ``field(default_factory=…)``), ``__repr__``,
``__eq__`` (same class only, fields in order), ``__hash__`` (frozen: from the fields; plain:
none), ``__match_args__``, ``slots=True``, and ``frozen=True`` raising
``dataclasses.FrozenInstanceError``. ``dataclasses.replace``, ``fields``, ``asdict`` and
``is_dataclass`` work too: ``__dataclass_fields__`` is made by ``dataclasses`` itself the first time
something asks for it. Not supported (refused when the class is made): ``ClassVar`` or
``InitVar`` fields, ``__post_init__``, inheriting fields, other ``field()`` options.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, TypeVar, dataclass_transform, overload

__all__ = ["field", "record", "replace"]

T = TypeVar("T")
_MUTABLE_DEFAULTS = (list, dict, set)


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], T]) -> T:
    """A field whose default is made by ``default_factory()`` for each instance."""
    return _Factory(default_factory)  # type: ignore[return-value]  # a marker, replaced by __init__


def replace(obj: T, /, **changes: Any) -> T:
    """``dataclasses.replace`` for a record (other data classes go to it): a copy with ``changes``."""
    if "__record__" not in type(obj).__dict__:
        import dataclasses

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    kept = {name: getattr(obj, name) for name in obj.__match_args__ if name not in changes}  # type: ignore[attr-defined]
    return obj.__class__(**kept, **changes)


def _frozen_error(name: str, verb: str) -> Exception:
    from dataclasses import FrozenInstanceError  # only a mistake pays for the import

    return FrozenInstanceError(f"cannot {verb} field {name!r}")


class _Fields:
    """``__dataclass_fields__`` and ``__dataclass_params__``, made by ``dataclasses`` on first use."""

    def __init__(self, attribute: str) -> None:
        self.attribute = attribute

    def __get__(self, instance: object, owner: type) -> Any:
        import dataclasses

        spec = owner.__dict__["__record__"]
        defaults = {name: dataclasses.field(default_factory=value.make) if isinstance(value, _Factory) else value
                    for name, value in spec["defaults"].items()}
        twin = type(owner.__name__, (), {"__module__": owner.__module__, "__qualname__": owner.__qualname__,
                                         "__annotations__": spec["annotations"], **defaults})
        twin = dataclasses.dataclass(frozen=spec["frozen"])(twin)
        for attribute in ("__dataclass_fields__", "__dataclass_params__"):
            setattr(owner, attribute, getattr(twin, attribute))
        return getattr(owner, self.attribute)


@overload
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(*, frozen: bool = False, slots: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, frozen: bool = False, slots: bool = False) -> Any:
    """Make ``cls`` a data class: ``@record``, ``@record(frozen=True, slots=True)``."""

    def wrap(cls: type[T]) -> type[T]:
        return _make(cls, frozen, slots)

    return wrap if cls is None else wrap(cls)


def _make(cls: type[T], frozen: bool, slots: bool) -> type[T]:
    own = cls.__dict__
    annotations: dict[str, Any] = dict(own.get("__annotations__", {}))
    for base in cls.__mro__[1:-1]:
        if "__record__" in base.__dict__ or "__dataclass_fields__" in base.__dict__:
            raise TypeError(f"{cls.__qualname__}: a record cannot inherit fields")
    if "__post_init__" in own:
        raise TypeError(f"{cls.__qualname__}: a record has no __post_init__")
    names = tuple(annotations)
    defaults: dict[str, Any] = {}
    for name in names:
        hint = annotations[name]
        text = hint if isinstance(hint, str) else repr(hint)
        if "ClassVar" in text or "InitVar" in text:
            raise TypeError(f"{cls.__qualname__}.{name}: a record has no ClassVar or InitVar fields")
        value = own.get(name, _MISSING)
        if value is _MISSING:
            if defaults:
                raise TypeError(f"non-default argument {name!r} follows default argument")
            continue
        if type(value) in _MUTABLE_DEFAULTS:
            raise ValueError(f"mutable default {type(value)} for field {name} is not allowed: use default_factory")
        defaults[name] = value
    for name, value in defaults.items():
        if isinstance(value, _Factory):
            delattr(cls, name)  # as dataclasses does: no class attribute for a made default

    holder: list[type] = []  # the class made, for the methods that need it (slots=True makes a new one)
    added = _methods(cls.__qualname__, names, defaults, frozen, holder)
    added = {name: method for name, method in added.items() if name not in own}
    explicit_hash = own.get("__hash__", _MISSING)
    if explicit_hash is _MISSING or (explicit_hash is None and "__eq__" in own):
        added["__hash__"] = _hash_method(names) if frozen else None
    added["__match_args__"] = names
    added["__record__"] = {"annotations": annotations, "defaults": defaults, "frozen": frozen}
    added["__dataclass_fields__"] = _Fields("__dataclass_fields__")
    added["__dataclass_params__"] = _Fields("__dataclass_params__")
    if slots:  # a new class, as dataclasses makes one: __slots__ must be there when the class is made
        class_dict = {key: value for key, value in own.items()
                      if key not in names and key not in ("__dict__", "__weakref__")}
        class_dict.update(added, __slots__=names)
        if frozen:
            class_dict.setdefault("__getstate__", _getstate)
            class_dict.setdefault("__setstate__", _setstate)
        metaclass: Any = type(cls)
        made = metaclass(cls.__name__, cls.__bases__, class_dict)
        made.__qualname__ = cls.__qualname__
    else:
        for key, value in added.items():
            setattr(cls, key, value)
        made = cls
    holder.append(made)
    return made


def _values_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _hash_method(names: tuple[str, ...]) -> Callable[[Any], int]:
    values = _values_of(names)

    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _methods(qualname: str, names: tuple[str, ...], defaults: dict[str, Any], frozen: bool,
             holder: list[type]) -> dict[str, Any]:
    """``__init__``, ``__repr__``, ``__eq__`` (and a frozen class's ``__setattr__``, ``__delattr__``)
    as dataclasses writes them, made from closures: nothing is compiled for a class never made."""
    values = _values_of(names)

    @recursive_repr("...")
    def __repr__(self: Any) -> str:
        return self.__class__.__qualname__ + "(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"

    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    methods: dict[str, Any] = {"__init__": _init_method(qualname, names, defaults, frozen, holder),
                               "__repr__": __repr__, "__eq__": __eq__}
    if frozen:
        def __setattr__(self: Any, name: str, value: Any) -> None:
            made: Any = holder[0]
            if type(self) is made or name in names:
                raise _frozen_error(name, "assign to")
            super(made, self).__setattr__(name, value)

        def __delattr__(self: Any, name: str) -> None:
            made: Any = holder[0]
            if type(self) is made or name in names:
                raise _frozen_error(name, "delete")
            super(made, self).__delattr__(name)

        methods.update(__setattr__=__setattr__, __delattr__=__delattr__)
    return methods


_COMPILE_AFTER = 16  # instances made with the generic __init__ before a class gets its compiled one


def _init_method(qualname: str, names: tuple[str, ...], defaults: dict[str, Any], frozen: bool,
                 holder: list[type]) -> Callable[..., None]:
    """A generic ``__init__``; a class made often swaps it for the one dataclasses would compile
    (same parameters, ~3× faster), so settings made once a run never pay for a compile."""
    count = len(names)
    assign: Callable[[Any, str, Any], None] = object.__setattr__ if frozen else setattr
    made = 0

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal made
        made += 1
        if made == _COMPILE_AFTER:
            holder[0].__init__ = _compiled_init(names, defaults, frozen)  # type: ignore[misc]
        if len(args) > count:
            raise TypeError(f"{qualname}.__init__() takes {count + 1} positional arguments "
                            f"but {len(args) + 1} were given")
        for name, value in zip(names, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{qualname}.__init__() got multiple values for argument {name!r}")
            assign(self, name, value)
        missing = []
        for name in names[len(args):]:
            if name in kwargs:
                value = kwargs.pop(name)
            else:
                value = defaults.get(name, _MISSING)
                if value is _MISSING:
                    missing.append(name)
                    continue
                if isinstance(value, _Factory):
                    value = value.make()
            assign(self, name, value)
        for name in kwargs:
            raise TypeError(f"{qualname}.__init__() got an unexpected keyword argument {name!r}")
        if missing:
            raise TypeError(f"{qualname}.__init__() missing {len(missing)} required positional "
                            f"argument{'s' if len(missing) > 1 else ''}: {', '.join(map(repr, missing))}")

    return __init__


def _compiled_init(names: tuple[str, ...], defaults: dict[str, Any], frozen: bool) -> Callable[..., None]:
    namespace: dict[str, Any] = {"_setattr": object.__setattr__, "_factory": _FACTORY}
    parameters, body = [], []
    for name in names:
        value = defaults.get(name, _MISSING)
        assigned = name
        if isinstance(value, _Factory):
            namespace[f"_make_{name}"] = value.make
            parameters.append(f"{name}=_factory")
            assigned = f"_make_{name}() if {name} is _factory else {name}"
        elif value is not _MISSING:
            namespace[f"_default_{name}"] = value
            parameters.append(f"{name}=_default_{name}")
        else:
            parameters.append(name)
        body.append(f"  _setattr(self, {name!r}, {assigned})" if frozen else f"  self.{name} = {assigned}")
    source = "\n".join([f"def __init__(self, {', '.join(parameters)}):", *(body or ["  pass"])])
    exec(source, namespace)  # noqa: S102  # made above from the class's own field names
    init: Callable[..., None] = namespace["__init__"]
    return init


class _MissingType:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _MissingType()
_FACTORY: Any = _MissingType()  # the default a factory field's parameter has: "make one"


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, name) for name in self.__match_args__]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(self.__match_args__, state, strict=True):
        object.__setattr__(self, name, value)


assert sys.version_info >= (3, 11)  # typing.dataclass_transform
