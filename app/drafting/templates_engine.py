"""Agreement template library and the sandboxed renderer that turns a template and its variables into Markdown.

Templates are data under ``templates/agreements/<key>/``: ``template.yaml`` (metadata and the variables it needs,
described in plain words) and one ``<lang>.md.j2`` per language; the MOU clauses live in ``clauses/``. Rendering
runs in an immutable Jinja2 sandbox with bounded time, output, loops, value sizes and numbers, so the same engine can
run templates written by legal officers; those (custom templates) are also read and rendered in a worker process
that is killed when it runs out of time (``app.drafting.render_pool``). The limits come from the settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from app.config import get_settings
from app.drafting.errors import PreflightFailed, Problem, TemplateError, UnknownTemplate, too_slow
from app.drafting.render_pool import RenderJob, WorkerStopped, get_pool
from app.drafting.sandbox import TEMPLATES_DIR, as_date, cached_environment, run_bounded

__all__ = ["PreflightFailed", "Problem", "TemplateError", "UnknownTemplate"]

KINDS = frozenset(
    {"mou", "amendment", "extension", "renewal", "termination_notice", "undertaking_record", "ad_hoc_note"}
)
VARIABLE_TYPES = frozenset(
    {"text", "date", "integer", "boolean", "list", "parties", "obligations", "areas", "contacts"}
)
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
class RenderLimits:
    """How long, how large and how much memory one render may take, and how wide its numbers may grow."""

    max_chars: int
    timeout_s: float
    memory_mb: int
    max_int_bits: int


def render_limits(
    max_chars: int | None = None, timeout_s: float | None = None, memory_mb: int | None = None
) -> RenderLimits:
    """The limits in the settings, with any given here instead."""
    settings = get_settings()
    return RenderLimits(
        max_chars if max_chars is not None else settings.render_max_output_chars,
        timeout_s if timeout_s is not None else settings.render_timeout_seconds,
        memory_mb if memory_mb is not None else settings.render_memory_limit_mb,
        settings.render_max_int_bits,
    )


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


# ---------------------------------------------------------------------------------------------------- preflight


def _is_date(value: Any) -> bool:
    try:
        as_date(value)
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


def render(
    key: str,
    language: str,
    variables: Mapping[str, Any],
    *,
    max_chars: int | None = None,
    timeout_s: float | None = None,
    root: Path = TEMPLATES_DIR,
) -> Rendered:
    """Render shipped template ``key`` in ``language`` (with fallback); ``PreflightFailed`` lists every problem.

    The shipped templates are files deployed with the code, so they render in this process (the sandbox's
    limits still hold); custom templates go through ``render_source``.
    """
    limits = render_limits(max_chars, timeout_s)
    info, used = find_template(key, language, root)
    problems = preflight(info, variables)
    if problems:
        raise PreflightFailed(problems)
    context, missing = _context(info, variables)
    context["language"] = used
    try:
        template = cached_environment(root).get_template(info.file_for(used))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}: line {exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template file not found: {exc.name}") from exc
    text = run_bounded(template, context, limits.max_chars, limits.timeout_s, limits.max_int_bits)
    return Rendered(_normalise(text), info.key, info.version, used, missing)


def _in_worker(job: RenderJob) -> dict[str, Any]:
    try:
        reply = get_pool().run(job, job.timeout_s)
    except WorkerStopped as exc:
        if exc.timed_out:
            raise TemplateError(f"{too_slow(job.timeout_s)}; it was stopped") from None
        raise TemplateError(
            f"the template stopped its renderer (it may have needed more than {job.memory_mb:,} MB of memory)"
        ) from None
    if "error" in reply:
        raise TemplateError(str(reply["error"]))
    return reply


def _job(source: str, root: Path, limits: RenderLimits, **fields: Any) -> RenderJob:
    return RenderJob(
        source, str(Path(root).resolve()), limits.max_chars, limits.max_int_bits, limits.timeout_s, limits.memory_mb,
        **fields,
    )  # fmt: skip


def render_source(
    source: str,
    variables: Mapping[str, Any],
    *,
    language: str = "en",
    max_chars: int | None = None,
    timeout_s: float | None = None,
    memory_mb: int | None = None,
    root: Path = TEMPLATES_DIR,
    extra_templates: Mapping[str, str] | None = None,
) -> str:
    """Render a custom template string in the sandbox, in a worker process stopped when it runs out of time.

    ``extra_templates`` (name → source) can be included by name, before the shipped files of the same name.
    """
    limits = render_limits(max_chars, timeout_s, memory_mb)
    if len(source) > limits.max_chars:
        raise TemplateError(f"the template is longer than {limits.max_chars:,} characters")
    context = {**variables, "language": language}
    extra = dict(extra_templates) if extra_templates else None
    text = _in_worker(_job(source, root, limits, context=context, extra_templates=extra)).get("text")
    if not isinstance(text, str) or len(text) > limits.max_chars:
        raise TemplateError("the template's renderer answered with something else than the document")
    return _normalise(text)


def validate_custom_template(
    source: str, declared_variables: Iterable[str], root: Path = TEMPLATES_DIR, *, timeout_s: float | None = None
) -> list[str]:
    """Reasons to refuse an uploaded template: syntax errors (with line), undeclared and unused variables.

    The source is read in a worker process, like a render, since reading a hostile source can take long too.
    """
    job = _job(source, root, render_limits(timeout_s=timeout_s), declared=tuple(declared_variables))
    try:
        problems = _in_worker(job).get("problems")
    except TemplateError as exc:
        return [exc.detail]
    if not isinstance(problems, list):
        return ["the template's reader answered with something else than a list of problems"]
    return [str(problem) for problem in problems]
