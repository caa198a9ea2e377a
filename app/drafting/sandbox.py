"""The bounded Jinja2 sandbox templates render in: limits on time, output, loops, value sizes and numbers.

The same sandbox runs the shipped templates and those uploaded by legal officers, so it assumes a template
may be hostile: no attribute access to internals, no unbounded loops, values, numbers or output. These limits
are checked inside the render; a custom template also renders in a worker process that is killed when it runs
out of time (``app.drafting.render_pool``), because one Python operation cannot be interrupted from within.
"""

from __future__ import annotations

import contextvars
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from app.drafting.errors import TemplateError, too_slow
from app.drafting.filters import as_date, cell, format_date, inline, localised_date

__all__ = ["BoundedSandbox", "as_date", "cell", "format_date", "inline", "make_environment", "run_bounded"]

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "agreements"
MAX_RANGE = 10_000
MAX_VALUE_SIZE = 1_000_000  # characters (or items) any single value may reach while rendering
MAX_INT_ARGUMENT = 10_000  # largest integer passed to a function or filter (widths, counts, sizes)
MAX_ITERATIONS = 1_000_000  # loop iterations per render, all loops together
DEFAULT_MAX_INT_BITS = 4096  # the setting render_max_int_bits overrides it for each render


@dataclass
class _Budget:
    deadline: float
    timeout_s: float
    max_chars: int
    max_int_bits: int = DEFAULT_MAX_INT_BITS
    iterations: int = 0


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("template_budget", default=None)


def _too_slow(budget: _Budget) -> TemplateError:
    return TemplateError(too_slow(budget.timeout_s))


def _tick() -> None:
    budget = _BUDGET.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise _too_slow(budget)


def _max_int_bits() -> int:
    budget = _BUDGET.get()
    return budget.max_int_bits if budget is not None else DEFAULT_MAX_INT_BITS


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_number(value: Any) -> None:
    """Refuse an integer wider than the limit: every operation on it would cost time that grows with its size."""
    if _is_integer(value) and value.bit_length() > (limit := _max_int_bits()):
        raise SecurityError(f"a number in the template is larger than {limit:,} bits")


def _scalar_weight(value: Any) -> int:
    if isinstance(value, str | bytes):
        return len(value)
    if _is_integer(value):
        return value.bit_length() * 30103 // 100_000 + 1  # its decimal digits, about: how long it is as text
    return 1


def _weight(value: Any, limit: int = MAX_VALUE_SIZE) -> int:
    """Characters plus items in ``value``, counted through shared references; stops counting past ``limit``."""
    if isinstance(value, range):
        return len(value)
    if not isinstance(value, list | tuple | set | frozenset | dict):
        return _scalar_weight(value)
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, dict):
            total += 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 1
            stack.extend(item)
        else:
            total += _scalar_weight(item)
    return total


def _guard(value: Any) -> Any:
    _check_number(value)
    if _weight(value) > MAX_VALUE_SIZE:
        raise SecurityError(f"a value in the template grew beyond {MAX_VALUE_SIZE:,} characters")
    return value


def _check_int_arguments(args: Iterable[Any]) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_INT_ARGUMENT:
            raise SecurityError(f"numbers passed to functions in a template may not exceed {MAX_INT_ARGUMENT:,}")


def _safe_range(*args: int) -> Iterator[int]:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() in a template is limited to {MAX_RANGE:,} items")
    return iter(numbers)


def _guard_iter(iterable: Any) -> Iterator[Any]:
    budget = _BUDGET.get()
    for item in iterable:
        if budget is not None:
            budget.iterations += 1
            if budget.iterations > MAX_ITERATIONS:
                raise SecurityError(f"the template ran more than {MAX_ITERATIONS:,} loop steps")
            if time.monotonic() > budget.deadline:
                raise _too_slow(budget)
        yield item


def _guard_concat(parts: list[Any]) -> str:
    total = 0
    for part in parts:
        total += _weight(part)
        if total > MAX_VALUE_SIZE:
            raise SecurityError(f"a value in the template grew beyond {MAX_VALUE_SIZE:,} characters")
    return "".join(str(p) for p in parts)


def _estimate_replace(text: str, old: Any, new: Any) -> int:
    old, new = str(old), str(new)
    count = len(text) + 1 if old == "" else text.count(old)
    return len(text) + count * max(len(new) - len(old), 0)


def _estimate_filter(name: str, values: list[Any], kwargs: dict[str, Any]) -> int:
    """An upper bound of the length of the text filter ``name`` makes by inserting its arguments (0: does not)."""
    text = values[0] if values else None
    if name == "replace" and len(values) >= 3 and isinstance(text, str):
        return _estimate_replace(text, values[1], values[2])
    if name == "indent" and isinstance(text, str):
        width = values[1] if len(values) > 1 else kwargs.get("width", 4)
        width = len(width) if isinstance(width, str) else int(width)
        return len(text) + width * (text.count("\n") + 1)
    if name == "join" and isinstance(text, str | list):
        separator = str(values[1] if len(values) > 1 else kwargs.get("d", ""))
        return len(separator) * max(len(text) - 1, 0) + sum(_weight(item) for item in text)
    if name == "wordwrap" and isinstance(text, str):
        width = int(values[1] if len(values) > 1 else kwargs.get("width", 79))
        wrapstring = str((values[3] if len(values) > 3 else kwargs.get("wrapstring")) or "\n")
        return len(text) + len(wrapstring) * (len(text) // max(width, 1) + text.count("\n") + 1)
    if name == "urlize" and isinstance(text, str):
        attributes = sum(len(value) for value in [*values[1:], *kwargs.values()] if isinstance(value, str))
        words = text.count(" ") + text.count("\n") + text.count("\t") + 1
        return 2 * len(text) + words * (attributes + 64)  # every word a link: its text twice, and the attributes
    return 0


def _passed_in(arg: Any) -> bool:
    return isinstance(arg, jinja2.runtime.Context | jinja2.nodes.EvalContext | jinja2.Environment)


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def checked(*args: Any, **kwargs: Any) -> Any:
        _tick()
        arguments = list(args)
        first = next((index for index, arg in enumerate(arguments) if not _passed_in(arg)), len(arguments))
        if name == "join" and first < len(arguments) and not isinstance(arguments[first], str):
            arguments[first] = list(_guard_iter(arguments[first]))  # measured, then joined
        values = arguments[first:]
        _check_int_arguments(values[1:] + list(kwargs.values()))  # the filtered value itself may be any size
        if _estimate_filter(name, values, kwargs) > MAX_VALUE_SIZE:
            raise SecurityError(f"{name}() would make the text longer than {MAX_VALUE_SIZE:,} characters")
        if name == "sum" and not isinstance(kwargs.get("start", 0), int | float):
            raise SecurityError("sum() in a template only adds numbers")
        return _guard(function(*arguments, **kwargs))

    for attribute in ("jinja_pass_arg",):
        if hasattr(function, attribute):
            setattr(checked, attribute, getattr(function, attribute))
    checked.__name__ = getattr(function, "__name__", name)
    return checked


class _Instrument(NodeTransformer):
    """Route every loop, text join and literal through the guards, so bounds hold inside macros and loops too."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, "_guard_iter", [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)
        items = nodes.List(node.nodes, lineno=node.lineno)
        return nodes.Filter(items, "_guard_concat", [], [], None, None, lineno=node.lineno)

    def _literal(self, node: nodes.Node) -> nodes.Node:
        node = self.generic_visit(node)
        if getattr(node, "ctx", "load") != "load":
            return node
        return nodes.Filter(node, "_guard_value", [], [], None, None, lineno=node.lineno)

    visit_List = visit_Tuple = visit_Dict = _literal


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox whose operators, calls, attribute reads and loops keep values and time bounded."""

    # Every arithmetic operator, so none is folded at compile time nor applied to a number past the limit.
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"+", "-"})
    _unsafe_str_methods = frozenset({"format", "format_map", "expandtabs"})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _Instrument().visit(super()._parse(source, name, filename))

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Refuse the string methods that can build unbounded text from a short format."""
        if isinstance(obj, str) and attr in self._unsafe_str_methods:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        """Apply an operator to numbers within the size limit, unless its result would be huge (``'a' * 10**9``)."""
        _tick()
        _check_number(left)
        _check_number(right)
        integers = isinstance(left, int) and isinstance(right, int)
        limit = _max_int_bits()
        if operator == "**" and integers and right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > limit:
            raise SecurityError(f"a number in the template would be larger than {limit:,} bits")
        if operator == "*":
            sequence, times = (left, right) if isinstance(right, int) else (right, left)
            repeats = isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int)
            if repeats and _weight(sequence) * times > MAX_VALUE_SIZE:
                raise SecurityError(f"a value in the template grew beyond {MAX_VALUE_SIZE:,} characters")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("formatting text with % is not allowed in templates; join text with ~")
        return _guard(super().call_binop(context, operator, left, right))

    def call_unop(self, context: jinja2.runtime.Context, operator: str, arg: Any) -> Any:
        """Apply ``-`` or ``+`` to a number within the size limit."""
        _tick()
        _check_number(arg)
        return _guard(super().call_unop(context, operator, arg))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call a function from a template, with bounded arguments and result."""
        _tick()
        if not isinstance(__obj, Macro):
            _check_int_arguments(list(args) + list(kwargs.values()))
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            method = getattr(__obj, "__name__", "")
            if method == "replace" and len(args) >= 2 and _estimate_replace(owner, *args[:2]) > MAX_VALUE_SIZE:
                raise SecurityError("replace() would make the text too long")
            if method == "join" and args:
                items = list(_guard_iter(args[0]))
                if len(owner) * len(items) + sum(_weight(i) for i in items) > MAX_VALUE_SIZE:
                    raise SecurityError("join() would make the text too long")
                args = (items, *args[1:])
        return _guard(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Read an attribute, refusing values that grew too large and string formatting methods."""
        if isinstance(obj, str) and attribute in self._unsafe_str_methods:
            return self.unsafe_undefined(obj, attribute)
        return _guard(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Read an item, refusing values that grew too large."""
        return _guard(super().getitem(obj, argument))


def _bounded_test(function: Callable[..., Any]) -> Callable[..., Any]:
    def checked(*args: Any, **kwargs: Any) -> Any:
        _tick()
        for arg in [*args, *kwargs.values()]:
            _check_number(arg)  # ``x is divisibleby(y)`` divides, and is no operator the sandbox sees
        return function(*args, **kwargs)

    if hasattr(function, "jinja_pass_arg"):
        checked.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return checked


def _finalize(value: Any) -> Any:
    return "" if value is None else _guard(value)


def make_environment(root: Path = TEMPLATES_DIR, extra: Mapping[str, str] | None = None) -> BoundedSandbox:
    """A sandbox loading only from ``root`` (and ``extra`` named sources, looked up first), Markdown-safe filters."""
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(root), encoding="utf-8")]
    if extra:
        loaders.insert(0, jinja2.DictLoader(dict(extra)))
    env = BoundedSandbox(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
        auto_reload=False,
    )
    env.globals.pop("lipsum", None)
    env.globals["range"] = _safe_range
    env.filters.pop("format", None)
    env.filters.pop("xmlattr", None)
    env.filters.update({"inline": inline, "cell": cell, "date": localised_date})
    env.filters = {name: _bounded_filter(name, function) for name, function in env.filters.items()}
    env.filters.update({"_guard_iter": _guard_iter, "_guard_concat": _guard_concat, "_guard_value": _guard})
    env.tests = {name: _bounded_test(function) for name, function in env.tests.items()}
    return env


_ENVIRONMENTS: dict[Path, BoundedSandbox] = {}


def cached_environment(root: Path) -> BoundedSandbox:
    """The sandbox loading from ``root``, made once per process."""
    root = Path(root).resolve()
    if root not in _ENVIRONMENTS:
        _ENVIRONMENTS[root] = make_environment(root)
    return _ENVIRONMENTS[root]


def run_bounded(
    template: jinja2.Template,
    context: dict[str, Any],
    max_chars: int,
    timeout_s: float,
    max_int_bits: int = DEFAULT_MAX_INT_BITS,
) -> str:
    """Render ``template`` with ``context`` within the output, time and number bounds, or raise ``TemplateError``."""
    budget = _Budget(time.monotonic() + timeout_s, timeout_s, max_chars, max_int_bits)
    token = _BUDGET.set(budget)
    chunks: list[str] = []
    size = 0
    try:
        for chunk in template.generate(context):
            size += len(chunk)
            if size > max_chars:
                raise TemplateError(f"the document would be longer than {max_chars:,} characters")
            if time.monotonic() > budget.deadline:
                raise _too_slow(budget)
            chunks.append(chunk)
    except TemplateError:
        raise
    except SecurityError as exc:
        raise TemplateError(f"the template tried something that is not allowed: {exc}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"the template includes {exc.name!r}, which does not exist") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"the template uses a value that was not given: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"the template cannot be rendered: {exc}") from exc
    except MemoryError as exc:
        chunks.clear()
        raise TemplateError("the template needed more memory than a render may use") from exc
    except RecursionError as exc:
        raise TemplateError("the template calls itself or nests too deeply") from exc
    except OverflowError as exc:
        raise TemplateError(f"the template cannot be rendered: a number is too large ({exc})") from exc
    except Exception as exc:  # a filter or a value misbehaved: report it instead of crashing the request
        raise TemplateError(f"the template cannot be rendered: {type(exc).__name__}: {exc}") from exc
    finally:
        _BUDGET.reset(token)
    return "".join(chunks)


def compile_source(env: BoundedSandbox, source: str) -> jinja2.Template:
    """Compile a template's source in ``env``; ``TemplateError`` names the line of a syntax error."""
    try:
        return env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"line {exc.lineno}: {exc.message}") from exc
    except SecurityError as exc:
        raise TemplateError(f"the template tried something that is not allowed: {exc}") from exc
    except RecursionError as exc:
        raise TemplateError("the template nests too deeply to be read") from exc


def source_problems(env: BoundedSandbox, source: str, declared_variables: Iterable[str]) -> list[str]:
    """Reasons to refuse a template's source: syntax errors (with line), undeclared and unused variables, includes."""
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return [f"line {exc.lineno}: {exc.message}"]
    except RecursionError:
        return ["the template nests too deeply to be read"]
    declared = set(declared_variables)
    used = meta.find_undeclared_variables(tree) - set(env.globals) - {"language", "loop"}
    reasons = [f"the template uses {name!r}, which is not a declared variable" for name in sorted(used - declared)]
    reasons += [f"the declared variable {name!r} is never used" for name in sorted(declared - used - {"language"})]
    for name in sorted(meta.find_referenced_templates(tree), key=str):
        if name is None:
            reasons.append("the template includes another template chosen at render time, which is not allowed")
        elif name not in env.list_templates():
            reasons.append(f"the template includes {name!r}, which does not exist")
    return reasons
