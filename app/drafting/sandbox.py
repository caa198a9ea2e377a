"""The bounded Jinja2 sandbox templates render in: limits on time, output, loops, value sizes and numbers.

The same sandbox runs the shipped templates and those uploaded by legal officers, so it assumes a template
may be hostile: no attribute access to internals, no unbounded loops, values, numbers or output. These limits
are checked inside the render; a custom template also renders in a worker process that is killed when it runs
out of time (``app.drafting.render_pool``), because one Python operation cannot be interrupted from within.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.runtime import Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from app.drafting.bounds import (
    MAX_VALUE_SIZE,
    bounded_filter,
    bounded_test,
    check_int_arguments,
    check_number,
    estimate_replace,
    finalize,
    guard,
    guard_concat,
    guard_iter,
    max_int_bits,
    run_bounded,
    safe_range,
    tick,
    weight,
)
from app.drafting.errors import TemplateError
from app.drafting.filters import as_date, cell, format_date, inline, localised_date
from app.resources import agreement_templates_dir

__all__ = ["BoundedSandbox", "as_date", "cell", "format_date", "inline", "make_environment", "run_bounded"]

TEMPLATES_DIR = agreement_templates_dir()
COMPILED_CACHE_SIZE = 256
"""How many compiled templates one sandbox keeps (least recently used dropped first)."""


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


_DICT_ATTRIBUTES = frozenset(dir(dict))


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
        tick()
        check_number(left)
        check_number(right)
        integers = isinstance(left, int) and isinstance(right, int)
        limit = max_int_bits()
        if operator == "**" and integers and right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > limit:
            raise SecurityError(f"a number in the template would be larger than {limit:,} bits")
        if operator == "*":
            sequence, times = (left, right) if isinstance(right, int) else (right, left)
            repeats = isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int)
            if repeats and weight(sequence) * times > MAX_VALUE_SIZE:
                raise SecurityError(f"a value in the template grew beyond {MAX_VALUE_SIZE:,} characters")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("formatting text with % is not allowed in templates; join text with ~")
        return guard(super().call_binop(context, operator, left, right))

    def call_unop(self, context: jinja2.runtime.Context, operator: str, arg: Any) -> Any:
        """Apply ``-`` or ``+`` to a number within the size limit."""
        tick()
        check_number(arg)
        return guard(super().call_unop(context, operator, arg))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call a function from a template, with bounded arguments and result."""
        tick()
        if not isinstance(__obj, Macro):
            check_int_arguments(list(args) + list(kwargs.values()))
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            method = getattr(__obj, "__name__", "")
            if method == "replace" and len(args) >= 2 and estimate_replace(owner, *args[:2]) > MAX_VALUE_SIZE:
                raise SecurityError("replace() would make the text too long")
            if method == "join" and args:
                items = list(guard_iter(args[0]))
                if len(owner) * len(items) + sum(weight(i) for i in items) > MAX_VALUE_SIZE:
                    raise SecurityError("join() would make the text too long")
                args = (items, *args[1:])
        return guard(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Read an attribute, refusing values that grew too large and string formatting methods."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES and attribute in obj:
            return guard(obj[attribute])  # what Jinja2 answers after dict has no such attribute, minus the exception
        if isinstance(obj, str) and attribute in self._unsafe_str_methods:
            return self.unsafe_undefined(obj, attribute)
        return guard(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Read an item, refusing values that grew too large."""
        return guard(super().getitem(obj, argument))


def _file_version(path: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class _VersionedFileLoader(jinja2.FileSystemLoader):
    """Template files, each compiled version valid while the file keeps its modification time, size and inode.

    Jinja2 compares the modification time alone; an editor saving by rename (another inode) or a change of size
    within the clock's granularity is seen here too. A file changed while it was read is read again next time.
    """

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        """The file's source, its path and a check that the file is still the version read."""
        before_read: tuple[int, int, int] | None = None
        filename = None
        for search in self.searchpath:
            candidate = os.path.join(search, *split_template_path(template))
            if os.path.isfile(candidate):
                filename, before_read = candidate, _file_version(candidate)
                break
        source, found, _mtime_check = super().get_source(environment, template)
        version = _file_version(found) if found == filename else None
        read = version if version is not None and version == before_read else None
        return source, found, lambda: read is not None and _file_version(found) == read


def make_environment(root: Path = TEMPLATES_DIR, extra: Mapping[str, str] | None = None) -> BoundedSandbox:
    """A sandbox loading only from ``root`` (and ``extra`` named sources, looked up first), Markdown-safe filters."""
    loaders: list[jinja2.BaseLoader] = [_VersionedFileLoader(str(root), encoding="utf-8")]
    if extra:
        loaders.insert(0, jinja2.DictLoader(dict(extra)))
    env = BoundedSandbox(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=finalize,
        auto_reload=True,  # an edited file is compiled again: the cache never serves an old version
        cache_size=COMPILED_CACHE_SIZE,
    )
    env.globals.pop("lipsum", None)
    env.globals["range"] = safe_range
    env.filters.pop("format", None)
    env.filters.pop("xmlattr", None)
    env.filters.update({"inline": inline, "cell": cell, "date": localised_date})
    env.filters = {name: bounded_filter(name, function) for name, function in env.filters.items()}
    env.filters.update({"_guard_iter": guard_iter, "_guard_concat": guard_concat, "_guard_value": guard})
    env.tests = {name: bounded_test(function) for name, function in env.tests.items()}
    return env


_ENVIRONMENTS: OrderedDict[Path, BoundedSandbox] = OrderedDict()
_ENVIRONMENTS_SIZE = 8
_ENVIRONMENTS_LOCK = threading.Lock()


def cached_environment(root: Path) -> BoundedSandbox:
    """The sandbox loading from ``root``, made once per process and reused with its compiled templates.

    Its cache holds at most ``COMPILED_CACHE_SIZE`` compiled templates; a template file edited since it was
    compiled (another modification time) is compiled again when it is next loaded or included.
    """
    root = Path(root)
    if not root.is_absolute():
        root = root.resolve()
    with _ENVIRONMENTS_LOCK:
        env = _ENVIRONMENTS.get(root)
        if env is None:
            env = _ENVIRONMENTS[root] = make_environment(root)
            if len(_ENVIRONMENTS) > _ENVIRONMENTS_SIZE:
                _ENVIRONMENTS.popitem(last=False)
        else:
            _ENVIRONMENTS.move_to_end(root)
        return env


def clear_environments() -> None:
    """Forget every sandbox and its compiled templates (benchmarks measure a cold render with it)."""
    with _ENVIRONMENTS_LOCK:
        _ENVIRONMENTS.clear()


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
