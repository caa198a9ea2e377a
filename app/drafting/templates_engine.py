"""Agreement template library and the sandboxed renderer that turns a template and its variables into Markdown.

Templates are data under ``templates/agreements/<key>/``: ``template.yaml`` (metadata and the variables it needs,
described in plain words) and one ``<lang>.md.j2`` per language; the MOU clauses live in ``clauses/``. Rendering
runs in an immutable Jinja2 sandbox with bounded time, output, loops and value sizes, so the same engine can run
templates uploaded by legal officers.
"""

from __future__ import annotations

import contextvars
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from app.errors import DomainError

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "agreements"
KINDS = frozenset(
    {"mou", "amendment", "extension", "renewal", "termination_notice", "undertaking_record", "ad_hoc_note"}
)
VARIABLE_TYPES = frozenset(
    {"text", "date", "integer", "boolean", "list", "parties", "obligations", "areas", "contacts"}
)
MAX_RANGE = 10_000
MAX_VALUE_SIZE = 1_000_000  # characters (or items) any single value may reach while rendering
MAX_INT_ARGUMENT = 10_000  # largest integer passed to a function or filter (widths, counts, sizes)
MAX_ITERATIONS = 1_000_000  # loop iterations per render, all loops together
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
_CLAUSES_DIR = "clauses"

# Optional fields of structured items; absent ones are filled with None so templates can test them.
_ITEM_FIELDS = {
    "parties": ("legal_name", "short_name", "signatory_name", "signatory_title", "signed_on", "country"),
    "obligations": ("party", "description", "due_date"),
    "contacts": ("party", "name", "email", "title", "phone"),
    "areas": ("name", "description"),
}
_EMPTY = {"text": None, "date": None, "integer": None, "boolean": False}


class TemplateError(DomainError):
    """A template cannot be loaded, parsed or rendered; the message says which file or what went wrong."""

    status = 422
    title = "Template cannot be used"


class UnknownTemplate(TemplateError):
    """No template has the key asked for."""

    status = 404
    title = "Not found"


@dataclass(frozen=True)
class Problem:
    """One reason the variables cannot fill a template, in words a project manager understands."""

    variable: str
    message: str

    @property
    def field(self) -> str:
        """The variable, under the name the API's problem bodies use."""
        return self.variable

    @property
    def reason(self) -> str:
        """The message, under the name the API's problem bodies use."""
        return self.message


class PreflightFailed(TemplateError):
    """The variables are incomplete or wrong; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems), problems)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Variable:
    """One variable a template needs, with its type and a plain-words description."""

    name: str
    type: str
    required: bool
    description: str
    unit: str | None = None


@dataclass(frozen=True)
class TemplateInfo:
    """What a template is, which kinds of document it serves, its languages and its variables."""

    key: str
    title: str
    version: str
    languages: tuple[str, ...]
    kinds: tuple[str, ...]
    variables: tuple[Variable, ...]
    path: Path = field(compare=False)

    def file_for(self, language: str) -> str:
        """The loader name of the template file in ``language``."""
        return f"{self.key}/{language}.md.j2"


@dataclass(frozen=True)
class Rendered:
    """A rendered document and what produced it."""

    text: str
    template_key: str
    template_version: str
    language: str
    missing: list[str]


# ---------------------------------------------------------------------------------------------------- metadata


def _fail(path: Path, reason: str) -> TemplateError:
    return TemplateError(f"{path}: {reason}")


def _load_variable(path: Path, index: int, raw: Any) -> Variable:
    where = f"variable {index + 1}"
    if not isinstance(raw, Mapping):
        raise _fail(path, f"{where} must be a mapping with name, type, required and description")
    for name in ("name", "type", "required", "description"):
        if name not in raw:
            raise _fail(path, f"{where} has no {name}")
    name = raw["name"]
    if not isinstance(name, str) or not name.isidentifier():
        raise _fail(path, f"{where} has an invalid name {name!r}")
    if raw["type"] not in VARIABLE_TYPES:
        raise _fail(path, f"variable {name!r} has unknown type {raw['type']!r}")
    if not isinstance(raw["required"], bool):
        raise _fail(path, f"variable {name!r}: required must be true or false")
    if not isinstance(raw["description"], str) or not raw["description"].strip():
        raise _fail(path, f"variable {name!r} needs a description in plain words")
    unknown = set(raw) - {"name", "type", "required", "description", "unit"}
    if unknown:
        raise _fail(path, f"variable {name!r} has unknown fields: {', '.join(sorted(unknown))}")
    return Variable(name, raw["type"], raw["required"], raw["description"].strip(), raw.get("unit"))


def load_template_info(directory: Path) -> TemplateInfo:
    """Read and validate ``directory/template.yaml``; raise ``TemplateError`` naming the file and the reason."""
    path = directory / "template.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(path, f"cannot be read: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise _fail(path, "must be a mapping")
    for name in ("key", "title", "version", "languages", "kinds", "variables"):
        if name not in raw:
            raise _fail(path, f"missing field {name!r}")
    key = raw["key"]
    if key != directory.name or not isinstance(key, str) or not _KEY_RE.match(key):
        raise _fail(path, f"key {key!r} must be lowercase and equal the directory name {directory.name!r}")
    if not isinstance(raw["title"], str) or not raw["title"].strip():
        raise _fail(path, "title must be text")
    if not isinstance(raw["version"], str) or not re.match(r"^\d+(\.\d+)*$", raw["version"]):
        raise _fail(path, 'version must be quoted text like "1.0"')
    languages = raw["languages"]
    if not isinstance(languages, list) or not languages:
        raise _fail(path, "languages must be a non-empty list")
    for language in languages:
        if not isinstance(language, str) or not _LANGUAGE_RE.match(language):
            raise _fail(path, f"invalid language {language!r}")
        if not (directory / f"{language}.md.j2").is_file():
            raise _fail(path, f"language {language!r} has no file {language}.md.j2")
    kinds = raw["kinds"]
    if not isinstance(kinds, list) or not kinds or not set(kinds) <= KINDS:
        raise _fail(path, f"kinds must be a non-empty list drawn from {', '.join(sorted(KINDS))}")
    if not isinstance(raw["variables"], list):
        raise _fail(path, "variables must be a list")
    variables = tuple(_load_variable(path, i, v) for i, v in enumerate(raw["variables"]))
    names = [v.name for v in variables]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(path, f"variables declared twice: {', '.join(duplicates)}")
    return TemplateInfo(key, raw["title"].strip(), raw["version"], tuple(languages), tuple(kinds), variables, directory)


def list_templates(root: Path = TEMPLATES_DIR) -> list[TemplateInfo]:
    """Every template under ``root``, validated, sorted by key."""
    directories = sorted(p for p in Path(root).iterdir() if p.is_dir() and (p / "template.yaml").is_file())
    return [load_template_info(p) for p in directories if p.name != _CLAUSES_DIR]


def get_template_info(key: str, root: Path = TEMPLATES_DIR) -> TemplateInfo:
    """The template with ``key``; ``UnknownTemplate`` if there is none."""
    directory = Path(root) / key
    if not _KEY_RE.match(key) or key == _CLAUSES_DIR or not (directory / "template.yaml").is_file():
        raise UnknownTemplate(f"there is no agreement template {key!r}")
    return load_template_info(directory)


def find_template(key: str, language: str, root: Path = TEMPLATES_DIR) -> tuple[TemplateInfo, str]:
    """The template and the language to use: exact language, then its base (``fr-CH`` → ``fr``), then English."""
    info = get_template_info(key, root)
    wanted = (language or "").strip().lower().replace("_", "-")
    for candidate in (wanted, wanted.split("-")[0], "en"):
        if candidate in info.languages:
            return info, candidate
    return info, info.languages[0]


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


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def format_date(value: Any, language: str = "en") -> str:
    """``2027-12-31`` as "31 December 2027" (French "31 décembre 2027", Spanish "31 de diciembre de 2027")."""
    if value is None or value == "":
        return ""
    day = _as_date(value)
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


def _environment(root: Path) -> BoundedSandbox:
    root = Path(root).resolve()
    if root not in _ENVIRONMENTS:
        _ENVIRONMENTS[root] = make_environment(root)
    return _ENVIRONMENTS[root]


# ---------------------------------------------------------------------------------------------------- preflight


def _is_date(value: Any) -> bool:
    try:
        _as_date(value)
    except (TypeError, ValueError):
        return False
    return True


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _item_problems(variable: Variable, value: Any) -> list[str]:
    """Reasons the items of a structured variable are wrong, each a plain sentence without the subject."""
    what = variable.description
    if not isinstance(value, list):
        return [f"{what} must be a list"]
    reasons: list[str] = []
    for number, item in enumerate(value, start=1):
        if variable.type in ("list", "areas") and isinstance(item, str):
            if not item.strip():
                reasons.append(f"{what}: item {number} is empty")
            continue
        if variable.type == "list":
            reasons.append(f"{what}: item {number} must be text")
            continue
        if not isinstance(item, Mapping):
            reasons.append(f"{what}: item {number} must have named fields")
            continue
        if variable.type == "parties" and not _text(item.get("legal_name")):
            reasons.append(f"{what}: party {number} has no legal name")
        if variable.type == "parties" and item.get("signed_on") and not _is_date(item["signed_on"]):
            reasons.append(f"{what}: the signature date of party {number} is not a date like 2027-12-31")
        if variable.type == "obligations":
            if not _text(item.get("party")):
                reasons.append(f"{what}: obligation {number} does not say which party owes it")
            if not _text(item.get("description")):
                reasons.append(f"{what}: obligation {number} has no description")
            if item.get("due_date") and not _is_date(item["due_date"]):
                reasons.append(f"{what}: the due date of obligation {number} is not a date like 2027-12-31")
        if variable.type == "areas" and not _text(item.get("name")):
            reasons.append(f"{what}: area {number} has no name")
        if variable.type == "contacts":
            if not _text(item.get("party")) or not _text(item.get("name")):
                reasons.append(f"{what}: contact {number} needs the party and the person's name")
            email = item.get("email")
            if not isinstance(email, str) or not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
                reasons.append(f"{what}: contact {number} needs a valid email address")
    return reasons


def _value_problems(variable: Variable, value: Any) -> list[str]:
    what = variable.description
    if variable.type == "text":
        return [] if isinstance(value, str) else [f"{what} must be text"]
    if variable.type == "date":
        return [] if _is_date(value) else [f"{what} must be a date like 2027-12-31"]
    if variable.type == "integer":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return []
        unit = f" of {variable.unit}" if variable.unit else ""
        return [f"{what} must be a whole number{unit}"]
    if variable.type == "boolean":
        return [] if isinstance(value, bool) else [f"{what} must be yes or no (true or false)"]
    return _item_problems(variable, value)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value)


def _party_names(info: TemplateInfo, variables: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for variable in info.variables:
        value = variables.get(variable.name)
        if variable.type == "parties" and isinstance(value, list):
            for party in value:
                if isinstance(party, Mapping):
                    names.update(str(party[k]) for k in ("legal_name", "short_name") if party.get(k))
        if variable.name == "organisation_name" and isinstance(value, str):
            names.add(value)
    return names


def preflight(info: TemplateInfo, variables: Mapping[str, Any]) -> list[Problem]:
    """Every reason ``variables`` cannot fill ``info``: missing required values, wrong types, unknown parties."""
    problems: list[Problem] = []
    for variable in info.variables:
        value = variables.get(variable.name)
        if _is_missing(value):
            if variable.required:
                problems.append(Problem(variable.name, f"{variable.description} is missing"))
            continue
        problems.extend(Problem(variable.name, reason) for reason in _value_problems(variable, value))
    if problems:
        return problems
    known = _party_names(info, variables)
    for variable in info.variables:
        if variable.type not in ("obligations", "contacts") or not known:
            continue
        for number, item in enumerate(variables.get(variable.name) or [], start=1):
            if item["party"] not in known:
                problems.append(
                    Problem(
                        variable.name,
                        f"{variable.description}: item {number} names {item['party']!r}, "
                        "which is not a party to the agreement",
                    )
                )
    return problems


def _context(info: TemplateInfo, variables: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Template variables with every optional one present (None, False or empty) and items' fields filled."""
    context: dict[str, Any] = dict(variables)
    missing: list[str] = []
    for variable in info.variables:
        value = variables.get(variable.name)
        if _is_missing(value):
            if not variable.required:
                missing.append(variable.name)
            context[variable.name] = _EMPTY.get(variable.type, [])
            continue
        fields = _ITEM_FIELDS.get(variable.type)
        if fields:
            context[variable.name] = [
                {"name": item, "description": None}
                if isinstance(item, str)
                else {**{name: None for name in fields}, **item}
                for item in value
            ]
    return context, missing


# ---------------------------------------------------------------------------------------------------- render


_BLANK_CELL = re.compile(r"(?<!\\)\|\s+(?=\|)")


def _normalise(text: str) -> str:
    """Trailing spaces removed, at most one blank line between blocks, one final newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    lines = [_BLANK_CELL.sub("| ", line) if line.startswith("|") else line for line in lines]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def _run(template: jinja2.Template, context: dict[str, Any], max_chars: int, timeout_s: float) -> str:
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
    return _normalise("".join(chunks))


def render(
    key: str,
    language: str,
    variables: Mapping[str, Any],
    *,
    max_chars: int = 500_000,
    timeout_s: float = 5,
    root: Path = TEMPLATES_DIR,
) -> Rendered:
    """Render template ``key`` in ``language`` (with fallback); ``PreflightFailed`` lists every variable problem."""
    info, used = find_template(key, language, root)
    problems = preflight(info, variables)
    if problems:
        raise PreflightFailed(problems)
    context, missing = _context(info, variables)
    context["language"] = used
    try:
        template = _environment(root).get_template(info.file_for(used))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}: line {exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template file not found: {exc.name}") from exc
    text = _run(template, context, max_chars, timeout_s)
    return Rendered(text, info.key, info.version, used, missing)


def render_source(
    source: str,
    variables: Mapping[str, Any],
    *,
    language: str = "en",
    max_chars: int = 500_000,
    timeout_s: float = 5,
    root: Path = TEMPLATES_DIR,
    extra_templates: Mapping[str, str] | None = None,
) -> str:
    """Render a custom template string in the same sandbox and bounds as the shipped templates.

    ``extra_templates`` (name → source) can be included by name, before the shipped files of the same name.
    """
    if len(source) > max_chars:
        raise TemplateError(f"the template is longer than {max_chars:,} characters")
    env = make_environment(root, extra_templates) if extra_templates else _environment(root)
    try:
        template = env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"line {exc.lineno}: {exc.message}") from exc
    except SecurityError as exc:
        raise TemplateError(f"the template tried something that is not allowed: {exc}") from exc
    return _run(template, {**variables, "language": language}, max_chars, timeout_s)


def validate_custom_template(source: str, declared_variables: Iterable[str], root: Path = TEMPLATES_DIR) -> list[str]:
    """Reasons to refuse an uploaded template: syntax errors (with line), undeclared and unused variables."""
    env = _environment(root)
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return [f"line {exc.lineno}: {exc.message}"]
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


# ---------------------------------------------------------------------------------------------------- samples

_SAMPLE_EXTRAS: dict[str, dict[str, Any]] = {
    "amendment": {
        "amendments": [
            "Article 3 is replaced by a new list of areas of cooperation that adds migrant health.",
            "The notice period in Article 5 becomes 90 days.",
        ],
        "effective_date": "2027-01-01",
    },
    "extension": {"new_end_date": "2028-06-30", "reason": "Activities were delayed by the floods of 2027."},
    "renewal": {"new_end_date": "2030-12-31", "changes": ["The focal point of the Organisation changes."]},
    "termination_notice": {
        "notice_date": "2027-03-01",
        "termination_date": "2027-06-01",
        "reason": "The programme that the partnership supported has closed.",
    },
    "undertaking_record": {
        "undertaking_date": "2026-02-10",
        "undertaking": "Both parties agreed to share referral information on victims of trafficking.",
        "follow_up": ["Exchange focal points by the end of February.", "Meet again in May."],
    },
    "ad_hoc_note": {
        "interaction_date": "2026-01-20",
        "event": "Regional workshop on labour migration, Almaty",
        "summary": "The partners presented their labour-migration programmes and agreed to stay in touch.",
        "follow_up": ["Send the workshop report to both partners."],
    },
}


def sample_variables(key: str = "mou") -> dict[str, Any]:
    """A complete, realistic variable set for the MOU, plus the extra variables template ``key`` needs."""
    migrant, alliance = "Ассоциация «Мигрант»", 'Smith & <Partners> "Alliance" O\'Neil'
    organisation = "International Organization for Migration"
    variables: dict[str, Any] = {
        "reference": "PA-2026-0042",
        "organisation_name": organisation,
        "organisation_signatory_name": "Amy Pope",
        "organisation_signatory_title": "Director General",
        "organisation_signed_on": "2026-03-15",
        "partners": [
            {
                "legal_name": migrant,
                "short_name": "Migrant",
                "country": "Kazakhstan",
                "signatory_name": "Айгерим Сапарова",
                "signatory_title": "Председатель",
                "signed_on": "2026-03-14",
            },
            {"legal_name": alliance, "short_name": "the Alliance", "country": "Ireland"},
        ],
        "purpose": "to cooperate on assistance to migrants in vulnerable situations along the Central Asian route",
        "areas": [
            {"name": "counter-trafficking and assistance to victims of trafficking", "description": None},
            {"name": "migrant health", "description": "mobile clinics at border crossing points"},
            "awareness raising and public information",
        ],
        "obligations": [
            {"party": organisation, "description": "provide technical guidance and training materials"},
            {"party": organisation, "description": "share quarterly situation reports", "due_date": "2026-06-30"},
            {"party": migrant, "description": "run two shelters for victims of trafficking"},
            {"party": "the Alliance", "description": "fund the mobile clinics", "due_date": "2026-09-01"},
        ],
        "contacts": [
            {"party": organisation, "name": "Jean Dupont", "title": "Partnerships Officer", "email": "jd@example.org"},
            {"party": migrant, "name": "Айгерим Сапарова", "email": "aigerim@migrant.example.kz"},
            {"party": alliance, "name": "Mary O'Neil", "title": "Director", "email": "mary@alliance.example.ie"},
        ],
        "effective_date": "2026-04-01",
        "end_date": "2027-12-31",
        "notice_period_days": 60,
        "handles_personal_data": True,
        "original_title": "Memorandum of Understanding on assistance to migrants",
        "original_date": "2026-03-15",
        "original_reference": "PA-2026-0042",
    }
    variables.update(_SAMPLE_EXTRAS.get(key, {}))
    return variables
