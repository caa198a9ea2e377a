"""The bounded Jinja2 sandbox templates render in: filters, and limits on time, output, loops and value sizes.

The same sandbox runs the shipped templates and those uploaded by legal officers, so it assumes a template
may be hostile: no attribute access to internals, no unbounded loops, values or output.
"""

from __future__ import annotations

import contextvars
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from app.drafting.errors import TemplateError

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "agreements"
MAX_RANGE = 10_000
MAX_VALUE_SIZE = 1_000_000  # characters (or items) any single value may reach while rendering
MAX_INT_ARGUMENT = 10_000  # largest integer passed to a function or filter (widths, counts, sizes)
MAX_ITERATIONS = 1_000_000  # loop iterations per render, all loops together

# ---------------------------------------------------------------------------------------------------- filters

_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}


def as_date(value: Any) -> date:
    """A date from a ``date``, a ``datetime`` or an ISO string; ``ValueError`` or ``TypeError`` otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def format_date(value: Any, language: str = "en") -> str:
    """``2027-12-31`` as "31 December 2027" (French "31 décembre 2027", Spanish "31 de diciembre de 2027")."""
    if value is None or value == "":
        return ""
    day = as_date(value)
    base = language.split("-")[0]
    months = _MONTHS.get(base, _MONTHS["en"])
    month = months[day.month - 1]
    if base == "es":
        return f"{day.day} de {month} de {day.year}"
    if base == "fr" and day.day == 1:
        return f"1er {month} {day.year}"
    return f"{day.day} {month} {day.year}"


@jinja2.pass_context
def _date_filter(context: jinja2.runtime.Context, value: Any) -> str:
    return format_date(value, str(context.get("language") or "en"))


def inline(value: Any) -> str:
    """Free text made safe for one line of the Markdown subset: newlines collapsed, a leading # - * | escaped."""
    if value is None:
        return ""
    text = re.sub(r"\s+", " ", str(value)).strip()
    if text[:1] in {"#", "-", "*", "|"}:  # the converters read "* " as a bullet too
        text = "\\" + text
    return text


def cell(value: Any) -> str:
    """Free text made safe for a pipe-table cell: on one line, every ``|`` escaped as ``\\|``."""
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value)).strip().replace("|", "\\|")


# ---------------------------------------------------------------------------------------------------- sandbox


@dataclass
class _Budget:
    deadline: float
    max_chars: int
    iterations: int = 0


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("template_budget", default=None)


def _tick() -> None:
    budget = _BUDGET.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise TemplateError("the template took too long to render")


def _weight(value: Any, limit: int = MAX_VALUE_SIZE) -> int:
    """Characters plus items in ``value``, counted through shared references; stops counting past ``limit``."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, range):
        return len(value)
    if not isinstance(value, list | tuple | set | frozenset | dict):
        return 1
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, dict):
            total += 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 1
            stack.extend(item)
        else:
            total += 1
    return total


def _guard(value: Any) -> Any:
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
                raise TemplateError("the template took too long to render")
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


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def checked(*args: Any, **kwargs: Any) -> Any:
        _tick()
        values = [a for a in args if not isinstance(a, jinja2.runtime.Context | jinja2.nodes.EvalContext)]
        _check_int_arguments(values[1:] + list(kwargs.values()))  # the filtered value itself may be any size
        replacing = name == "replace" and len(values) >= 3 and isinstance(values[0], str)
        if replacing and _estimate_replace(values[0], values[1], values[2]) > MAX_VALUE_SIZE:
            raise SecurityError("replace() would make the text too long")
        if name == "indent" and values and isinstance(values[0], str):
            width = values[1] if len(values) > 1 else kwargs.get("width", 4)
            width = len(width) if isinstance(width, str) else int(width)
            if len(values[0]) + width * (values[0].count("\n") + 1) > MAX_VALUE_SIZE:
                raise SecurityError("indent() would make the text too long")
        if name == "sum" and not isinstance(kwargs.get("start", 0), int | float):
            raise SecurityError("sum() in a template only adds numbers")
        return _guard(function(*args, **kwargs))

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

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    _unsafe_str_methods = frozenset({"format", "format_map", "expandtabs"})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _Instrument().visit(super()._parse(source, name, filename))

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Refuse the string methods that can build unbounded text from a short format."""
        if isinstance(obj, str) and attr in self._unsafe_str_methods:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        """Apply an operator unless its result would be huge (``'a' * 10**9``, ``10**10**10``)."""
        _tick()
        integers = isinstance(left, int) and isinstance(right, int)
        if operator == "**" and integers and right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > 4096:
            raise SecurityError("the number in the template would be too large")
        if operator == "*":
            sequence, times = (left, right) if isinstance(right, int) else (right, left)
            repeats = isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int)
            if repeats and _weight(sequence) * times > MAX_VALUE_SIZE:
                raise SecurityError(f"a value in the template grew beyond {MAX_VALUE_SIZE:,} characters")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("formatting text with % is not allowed in templates; join text with ~")
        return _guard(super().call_binop(context, operator, left, right))

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
    env.filters.update({"inline": inline, "cell": cell, "date": _date_filter})
    env.filters = {name: _bounded_filter(name, function) for name, function in env.filters.items()}
    env.filters.update({"_guard_iter": _guard_iter, "_guard_concat": _guard_concat, "_guard_value": _guard})
    return env


_ENVIRONMENTS: dict[Path, BoundedSandbox] = {}


def cached_environment(root: Path) -> BoundedSandbox:
    root = Path(root).resolve()
    if root not in _ENVIRONMENTS:
        _ENVIRONMENTS[root] = make_environment(root)
    return _ENVIRONMENTS[root]


def run_bounded(template: jinja2.Template, context: dict[str, Any], max_chars: int, timeout_s: float) -> str:
    """Render ``template`` with ``context`` within the output and time bounds; errors become ``TemplateError``."""
    budget = _Budget(deadline=time.monotonic() + timeout_s, max_chars=max_chars)
    token = _BUDGET.set(budget)
    chunks: list[str] = []
    size = 0
    try:
        for chunk in template.generate(context):
            size += len(chunk)
            if size > max_chars:
                raise TemplateError(f"the document would be longer than {max_chars:,} characters")
            if time.monotonic() > budget.deadline:
                raise TemplateError(f"the template took longer than {timeout_s} seconds to render")
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
    except (RecursionError, MemoryError, OverflowError) as exc:
        raise TemplateError(f"the template cannot be rendered: {type(exc).__name__}") from exc
    except Exception as exc:  # a filter or a value misbehaved: report it instead of crashing the request
        raise TemplateError(f"the template cannot be rendered: {type(exc).__name__}: {exc}") from exc
    finally:
        _BUDGET.reset(token)
    return "".join(chunks)
