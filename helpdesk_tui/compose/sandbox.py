"""The Jinja2 environment reply templates run in: a template is untrusted input.

Templates will be synced from servers, so a template must not reach Python objects,
files or the environment, and must not exhaust memory or time. Layers of defence:

1. Before compiling, the template's syntax tree is checked against a whitelist: output,
   ``if``/``elif``/``else``, literals, comparisons, arithmetic, a small set of filters and
   tests. No loops (so rendering time is linear in the template's size), no ``set``,
   no calls, no ``include``/``import``/``extend``/``macro``/``block``, no names or keys
   starting with ``_``. Each refusal is a ``TemplateError`` naming the line.
2. Every placeholder path (``customer.first_name``, ``ticket["number"]``) is rewritten
   into one resolver that walks the plain dicts of the context by key. Python attributes
   are never looked up, so ``''.__class__`` has nothing to walk.
3. The environment is Jinja2's ``ImmutableSandboxedEnvironment`` with no loader, no
   globals (``range``, ``lipsum``, ``cycler``, ``joiner``, ``namespace``, ``dict`` are gone)
   and autoescape off (the output is markdown, not HTML).
4. Sizes are capped: the template (``MAX_TEMPLATE_CHARS``), every intermediate value
   (see ``filters``: checked before ``*``, ``**``, ``+``, ``replace`` and ``join``
   allocate) and the output (``MAX_OUTPUT_CHARS``, counted while streaming).

A placeholder that does not resolve renders as itself (``{{ customer.first_name }}``) so
the agent sees it, and is recorded with its template line; ``| default(...)`` and
``is defined`` still see it as undefined.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import cache, lru_cache
from typing import Any

from jinja2 import Undefined, nodes, pass_context
from jinja2.exceptions import SecurityError, TemplateRuntimeError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from helpdesk_tui.compose.errors import TemplateError
from helpdesk_tui.compose.filters import FILTERS, TESTS, LimitError, bounded, check_binop, guard, join
from helpdesk_tui.compose.limits import MAX_TEMPLATE_CHARS

MAX_OUTPUT_CHARS = 100_000

_TEMPLATE_FILENAME = "<template>"
_RESOLVE = "__resolve_path"  # a filter name no template can write (names with '_' are refused)


class Unresolved(Undefined):
    """A placeholder with no value: renders as itself and remembers where it was written."""

    __slots__ = ("line",)

    def __init__(self, hint: str | None = None, obj: Any = missing, name: str | None = None,
                 exc: type[TemplateRuntimeError] = UndefinedError, line: int = 0) -> None:
        super().__init__(hint, obj, name, exc)
        self.line = line

    def __str__(self) -> str:
        return "{{ " + str(self._undefined_name) + " }}"


# --- the environment ---------------------------------------------------------------------

class _ReplyEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"+", "-"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        for side in (left, right):
            if isinstance(side, Undefined):
                return side
        check_binop(operator, left, right)
        return bounded(self.binop_table[operator](left, right))

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        return arg if isinstance(arg, Undefined) else self.unop_table[operator](arg)

    def getitem(self, obj: Any, argument: Any) -> Any:
        # Only reached for slices and indexes on computed values: placeholder paths are
        # rewritten into the resolver before compiling.
        if isinstance(obj, Undefined):
            return obj
        if isinstance(obj, (str, list, tuple)) and isinstance(argument, (int, slice)):
            try:
                return obj[argument]
            except IndexError:
                return ""
        raise SecurityError(f"cannot index a {type(obj).__name__} with {argument!r}")

    def getattr(self, obj: Any, attribute: str) -> Any:
        raise SecurityError(f"cannot read attribute {attribute!r}")


_unresolved_seen: ContextVar[list[tuple[str, int]] | None] = ContextVar("_unresolved_seen", default=None)


def _finalize(value: Any) -> Any:
    if isinstance(value, Unresolved):
        seen = _unresolved_seen.get()
        if seen is not None:
            seen.append((str(value._undefined_name), value.line))
        return str(value)
    if isinstance(value, (list, tuple)):
        return join(value, ", ")
    return value


@pass_context
def _resolve_path(context: Context, _value: Any, path: tuple[str | int, ...], shown: str, line: int) -> Any:
    current: Any = context.get(path[0]) if isinstance(path[0], str) else None
    for key in path[1:]:
        if isinstance(current, Mapping) and isinstance(key, str) and key in current:
            current = current[key]
        elif isinstance(current, (list, tuple)) and isinstance(key, int) and -len(current) <= key < len(current):
            current = current[key]
        else:
            return Unresolved(name=shown, line=line)
    if current is None or isinstance(current, Mapping):
        return Unresolved(name=shown, line=line)  # a group such as ``customer`` is not a value to print
    return current


@cache
def environment() -> _ReplyEnvironment:
    env = _ReplyEnvironment(
        autoescape=False,
        loader=None,
        undefined=Unresolved,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=0,
    )
    env.globals.clear()
    env.filters = {name: guard(name, func) for name, func in FILTERS.items()}
    env.filters[_RESOLVE] = _resolve_path
    env.tests = dict(TESTS)
    return env


# --- checking and rewriting the syntax tree ------------------------------------------------

_ALLOWED = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Const, nodes.Name, nodes.Getattr,
    nodes.Getitem, nodes.Slice, nodes.Filter, nodes.Test, nodes.If, nodes.CondExpr, nodes.Compare,
    nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Pos, nodes.Add, nodes.Sub,
    nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow, nodes.List, nodes.Tuple,
    nodes.Dict, nodes.Pair, nodes.Keyword,
)
_REFUSED: tuple[tuple[tuple[type[nodes.Node], ...], str], ...] = (
    ((nodes.For,), "loops ({% for %}) are not allowed in reply templates"),
    ((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends),
     "templates cannot include, import or extend other files or templates"),
    ((nodes.Macro, nodes.CallBlock, nodes.Call), "templates cannot define or call functions or methods"),
    ((nodes.Assign, nodes.AssignBlock, nodes.With, nodes.Scope, nodes.ExprStmt, nodes.NSRef,
      nodes.EvalContextModifier), "templates cannot set variables or change how they are rendered"),
    ((nodes.Block,), "blocks ({% block %}) are not allowed in reply templates"),
    ((nodes.FilterBlock,), "filter blocks are not allowed: apply the filter to a placeholder instead"),
    ((nodes.Concat,), "the ~ operator is not allowed: write {{ a }}{{ b }} instead"),
)


def _refuse(node: nodes.Node, reason: str) -> TemplateError:
    return TemplateError(reason, line=node.lineno)


def _path_of(node: nodes.Node) -> list[str | int] | None:
    if isinstance(node, nodes.Name):
        return [node.name]
    if isinstance(node, nodes.Getattr):
        base = _path_of(node.node)
        return None if base is None else [*base, node.attr]
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
            and isinstance(node.arg.value, (str, int)) and not isinstance(node.arg.value, bool):
        base = _path_of(node.node)
        return None if base is None else [*base, node.arg.value]
    return None


def _show_path(path: list[str | int]) -> str:
    shown = str(path[0])
    for key in path[1:]:
        if isinstance(key, int):
            shown += f"[{key}]"
        elif key.isidentifier():
            shown += f".{key}"
        else:
            shown += f"[{key!r}]"
    return shown


def _check_node(node: nodes.Node) -> None:
    if not isinstance(node, _ALLOWED):
        for kinds, reason in _REFUSED:
            if isinstance(node, kinds):
                raise _refuse(node, reason)
        raise _refuse(node, f"'{type(node).__name__}' is not allowed in reply templates")
    if isinstance(node, nodes.Name) and node.name.startswith("_"):
        raise _refuse(node, f"names starting with '_' are not allowed ({node.name})")
    if isinstance(node, nodes.Getattr):
        if node.attr.startswith("_"):
            raise _refuse(node, f"names starting with '_' are not allowed ({node.attr})")
        if _path_of(node.node) is None:
            raise _refuse(node, f"'.{node.attr}' can only follow a placeholder such as customer.name")
    if isinstance(node, nodes.Getitem):
        arg = node.arg
        if isinstance(arg, nodes.Const) and isinstance(arg.value, str) and arg.value.startswith("_"):
            raise _refuse(node, f"keys starting with '_' are not allowed ({arg.value})")
        if not isinstance(arg, (nodes.Const, nodes.Slice)):
            raise _refuse(node, "only fixed keys and numbers are allowed inside [ ]")
    if isinstance(node, nodes.Filter):
        if node.name not in FILTERS:
            raise _refuse(node, f"there is no filter '{node.name}': use one of {', '.join(FILTERS)}")
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise _refuse(node, "filters take plain arguments only")
    if isinstance(node, nodes.Test):
        if node.name not in TESTS:
            raise _refuse(node, f"there is no test '{node.name}': use one of {', '.join(TESTS)}")
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise _refuse(node, "tests take plain arguments only")


def _rewrite(node: nodes.Node, env: _ReplyEnvironment) -> nodes.Node:
    """Check ``node`` and its children; turn each placeholder path into one resolver call."""
    _check_node(node)
    path = _path_of(node)
    if path is not None:
        inner = node
        while isinstance(inner, (nodes.Getattr, nodes.Getitem)):
            inner = inner.node
            _check_node(inner)
        lineno = node.lineno
        const = [nodes.Const(tuple(path)), nodes.Const(_show_path(path)), nodes.Const(lineno)]
        resolver = nodes.Filter(nodes.Const(None), _RESOLVE, const, [], None, None)
        resolver.set_lineno(lineno).set_environment(env)
        return resolver
    for field in node.fields:
        value = getattr(node, field, None)
        if isinstance(value, nodes.Node):
            setattr(node, field, _rewrite(value, env))
        elif isinstance(value, list):
            setattr(node, field, [_rewrite(v, env) if isinstance(v, nodes.Node) else v for v in value])
    return node


_UNCLOSED = re.compile(r"block that needs to be closed is '(\w+)'")


def _syntax_reason(message: str) -> str:
    """Jinja's message cut to one sentence, saying which block to close when that is the problem."""
    first = message.split(". ")[0].rstrip(".")
    first = first[:1].lower() + first[1:]
    unclosed = _UNCLOSED.search(message)
    if unclosed:
        first += f": close the '{unclosed[1]}' block with {{% end{unclosed[1]} %}}"
    return first


@lru_cache(maxsize=1024)  # synced helpdesk macros can number in the hundreds
def compile_template(body: str) -> Any:
    """Check and compile ``body`` once; raises ``TemplateError`` naming the line."""
    if len(body) > MAX_TEMPLATE_CHARS:
        raise TemplateError(f"the template is longer than {MAX_TEMPLATE_CHARS} characters: shorten it")
    env = environment()
    try:
        tree = env.parse(body)
        # The root is a Template, never a placeholder path: its children are rewritten in place.
        _rewrite(tree, env)
        return env.from_string(tree)
    except TemplateSyntaxError as exc:
        raise TemplateError(_syntax_reason(exc.message or "syntax error"), line=exc.lineno) from None
    except (RecursionError, MemoryError, SyntaxError):
        raise TemplateError("the template is nested too deeply to read: simplify its expressions") from None


def _template_line(exc: BaseException) -> int | None:
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _TEMPLATE_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _explain(exc: Exception) -> str:
    if isinstance(exc, LimitError):
        return str(exc)
    if isinstance(exc, SecurityError):
        return f"not allowed: {exc}"
    if isinstance(exc, UndefinedError):
        return f"{exc}; give it a fallback with | default(...)"
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    return f"cannot compute this ({type(exc).__name__}: {exc})"


def run(template: Any, context: Mapping[str, Any]) -> tuple[str, list[tuple[str, int]]]:
    """Render a compiled template; returns the text and the unresolved placeholders in order."""
    seen: list[tuple[str, int]] = []
    token = _unresolved_seen.set(seen)
    parts: list[str] = []
    size = 0
    try:
        chunks: Iterator[str] = template.generate(dict(context))
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateError(f"the rendered reply would be longer than {MAX_OUTPUT_CHARS} characters")
            parts.append(chunk)
    except TemplateError:
        raise
    except (RecursionError, MemoryError):
        raise TemplateError("the template needs too much memory to render: simplify it") from None
    except Exception as exc:  # a template's own mistake, not a bug: one sentence with the line
        raise TemplateError(_explain(exc), line=_template_line(exc)) from None
    finally:
        _unresolved_seen.reset(token)
    unique = list(dict.fromkeys(seen))
    return "".join(parts), unique
