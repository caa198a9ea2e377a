"""The bounds a render runs within: time, output, loop steps, value sizes and number widths.

A render's budget lives in a context variable set by ``run_bounded``; the guards here check it from inside the
sandbox's operators, calls, filters and loops (``app.drafting.sandbox`` wires them in). They import nothing of the
server, so a render worker process loads them cheaply.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError

from app.drafting.errors import TemplateError, too_slow

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


def tick() -> None:
    """Raise ``TemplateError`` when the render in progress has run out of time."""
    budget = _BUDGET.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise _too_slow(budget)


def max_int_bits() -> int:
    """How wide an integer the render in progress may hold, in bits."""
    budget = _BUDGET.get()
    return budget.max_int_bits if budget is not None else DEFAULT_MAX_INT_BITS


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_number(value: Any) -> None:
    """Refuse an integer wider than the limit: every operation on it would cost time that grows with its size."""
    if isinstance(value, int) and value.bit_length() > (limit := max_int_bits()):  # True and False: 1 bit
        raise SecurityError(f"a number in the template is larger than {limit:,} bits")


_TEXT = (str, bytes)
_SEQUENCES = (list, tuple, set, frozenset)
_CONTAINERS = (*_SEQUENCES, dict)


def _scalar_weight(value: Any) -> int:
    if isinstance(value, _TEXT):
        return len(value)
    if _is_integer(value):
        return value.bit_length() * 30103 // 100_000 + 1  # its decimal digits, about: how long it is as text
    return 1


def weight(value: Any, limit: int = MAX_VALUE_SIZE) -> int:
    """Characters plus items in ``value``, counted through shared references; stops counting past ``limit``."""
    if isinstance(value, range):
        return len(value)
    if not isinstance(value, _CONTAINERS):
        return _scalar_weight(value)
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, dict):
            total += 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, _SEQUENCES):
            total += 1
            stack.extend(item)
        else:
            total += _scalar_weight(item)
    return total


def _too_large() -> SecurityError:
    return SecurityError(f"a value in the template grew beyond {MAX_VALUE_SIZE:,} characters")


def guard(value: Any) -> Any:
    """``value`` itself, unless it is a number too wide or a value too large for a render."""
    kind = type(value)
    if kind is str:  # most values a template prints: only their length matters (what ``weight`` would count)
        if len(value) > MAX_VALUE_SIZE:
            raise _too_large()
        return value
    if value is None or kind is bool or kind is float:  # weight 1, and no integer to measure
        return value
    check_number(value)
    if kind is int:  # counters and numbers: their decimal digits, as ``weight`` counts them
        if value.bit_length() * 30103 // 100_000 + 1 > MAX_VALUE_SIZE:
            raise _too_large()
        return value
    if weight(value) > MAX_VALUE_SIZE:
        raise _too_large()
    return value


def check_int_arguments(args: Iterable[Any]) -> None:
    """Refuse integer arguments larger than ``MAX_INT_ARGUMENT`` (widths, counts, sizes)."""
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_INT_ARGUMENT:
            raise SecurityError(f"numbers passed to functions in a template may not exceed {MAX_INT_ARGUMENT:,}")


def safe_range(*args: int) -> Iterator[int]:
    """``range()`` for templates, limited to ``MAX_RANGE`` items."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() in a template is limited to {MAX_RANGE:,} items")
    return iter(numbers)


def guard_iter(iterable: Any) -> Iterator[Any]:
    """The items of ``iterable``, counting loop steps against the render's budget and its deadline."""
    budget = _BUDGET.get()
    for item in iterable:
        if budget is not None:
            budget.iterations += 1
            if budget.iterations > MAX_ITERATIONS:
                raise SecurityError(f"the template ran more than {MAX_ITERATIONS:,} loop steps")
            if time.monotonic() > budget.deadline:
                raise _too_slow(budget)
        yield item


def guard_concat(parts: list[Any]) -> str:
    """The parts joined as text, refused when the result would exceed ``MAX_VALUE_SIZE``."""
    total = 0
    for part in parts:
        total += weight(part)
        if total > MAX_VALUE_SIZE:
            raise SecurityError(f"a value in the template grew beyond {MAX_VALUE_SIZE:,} characters")
    return "".join(str(p) for p in parts)


def estimate_replace(text: str, old: Any, new: Any) -> int:
    """The length ``text.replace(old, new)`` would have, without making it."""
    old, new = str(old), str(new)
    count = len(text) + 1 if old == "" else text.count(old)
    return len(text) + count * max(len(new) - len(old), 0)


def _estimate_filter(name: str, values: list[Any], kwargs: dict[str, Any]) -> int:
    """An upper bound of the length of the text filter ``name`` makes by inserting its arguments (0: does not)."""
    text = values[0] if values else None
    if name == "replace" and len(values) >= 3 and isinstance(text, str):
        return estimate_replace(text, values[1], values[2])
    if name == "indent" and isinstance(text, str):
        width = values[1] if len(values) > 1 else kwargs.get("width", 4)
        width = len(width) if isinstance(width, str) else int(width)
        return len(text) + width * (text.count("\n") + 1)
    if name == "join" and isinstance(text, str | list):
        separator = str(values[1] if len(values) > 1 else kwargs.get("d", ""))
        return len(separator) * max(len(text) - 1, 0) + sum(weight(item) for item in text)
    if name == "wordwrap" and isinstance(text, str):
        width = int(values[1] if len(values) > 1 else kwargs.get("width", 79))
        wrapstring = str((values[3] if len(values) > 3 else kwargs.get("wrapstring")) or "\n")
        return len(text) + len(wrapstring) * (len(text) // max(width, 1) + text.count("\n") + 1)
    if name == "urlize" and isinstance(text, str):
        attributes = sum(len(value) for value in [*values[1:], *kwargs.values()] if isinstance(value, str))
        words = text.count(" ") + text.count("\n") + text.count("\t") + 1
        return 2 * len(text) + words * (attributes + 64)  # every word a link: its text twice, and the attributes
    return 0


_ESTIMATED = frozenset({"replace", "indent", "join", "wordwrap", "urlize"})  # the filters ``_estimate_filter`` knows


def bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Filter ``name`` with its arguments, its result and the render's time checked."""
    first = 1 if hasattr(function, "jinja_pass_arg") else 0  # Jinja2 passes the context or environment first
    estimated = name in _ESTIMATED

    def checked(*args: Any, **kwargs: Any) -> Any:
        tick()
        if name == "join" and first < len(args) and not isinstance(args[first], str):
            arguments = list(args)
            arguments[first] = list(guard_iter(arguments[first]))  # measured, then joined
            args = tuple(arguments)
        values = args[first:]
        if len(values) > 1 or kwargs:
            check_int_arguments([*values[1:], *kwargs.values()])  # the filtered value itself may be any size
        if estimated and _estimate_filter(name, list(values), kwargs) > MAX_VALUE_SIZE:
            raise SecurityError(f"{name}() would make the text longer than {MAX_VALUE_SIZE:,} characters")
        if name == "sum" and not isinstance(kwargs.get("start", 0), int | float):
            raise SecurityError("sum() in a template only adds numbers")
        return guard(function(*args, **kwargs))

    if hasattr(function, "jinja_pass_arg"):
        checked.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    checked.__name__ = getattr(function, "__name__", name)
    return checked


def bounded_test(function: Callable[..., Any]) -> Callable[..., Any]:
    """A Jinja2 test with the render's time and its numbers' width checked."""

    def checked(*args: Any, **kwargs: Any) -> Any:
        tick()
        for arg in [*args, *kwargs.values()]:
            check_number(arg)  # ``x is divisibleby(y)`` divides, and is no operator the sandbox sees
        return function(*args, **kwargs)

    if hasattr(function, "jinja_pass_arg"):
        checked.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    return checked


def finalize(value: Any) -> Any:
    """What an expression prints: nothing for None, else the value within bounds."""
    return "" if value is None else guard(value)


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
    size, deadline, now, keep = 0, budget.deadline, time.monotonic, chunks.append
    try:
        for chunk in template.generate(context):
            size += len(chunk)
            if size > max_chars:
                raise TemplateError(f"the document would be longer than {max_chars:,} characters")
            if now() > deadline:
                raise _too_slow(budget)
            keep(chunk)
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
