"""The sandboxed renderer that turns an agreement template and its variables into Markdown.

Rendering runs in an immutable Jinja2 sandbox with bounded time, output, loops, value sizes and numbers, so the same
engine can run templates written by legal officers; those (custom templates) are also read and rendered in a worker
process that is killed when it runs out of time (``app.drafting.render_pool``). The limits come from the settings.
The template library is ``app.drafting.template_files``; checking variables first is ``app.drafting.preflight``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from app.config import get_settings
from app.drafting.errors import PreflightFailed, Problem, TemplateError, UnknownTemplate, too_slow
from app.drafting.labels import localise_variables
from app.drafting.preflight import preflight, template_context
from app.drafting.render_pool import RenderJob, RenderPool, WorkerStopped, get_pool
from app.drafting.sandbox import TEMPLATES_DIR, cached_environment, run_bounded
from app.drafting.template_files import find_template

__all__ = ["PreflightFailed", "Problem", "TemplateError", "UnknownTemplate"]


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

    The facts are put in the rendering's language first (country names, the owner's title: ``localise_variables``).

    The shipped templates are files deployed with the code, so they render in this process (the sandbox's
    limits still hold); custom templates go through ``render_source``.
    """
    limits = render_limits(max_chars, timeout_s)
    info, used = find_template(key, language, root)
    problems = preflight(info, variables)
    if problems:
        raise PreflightFailed(problems)
    context, missing = template_context(info, localise_variables(dict(variables), used))
    context["language"] = used
    try:
        template = cached_environment(root).get_template(info.file_for(used))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}: line {exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template file not found: {exc.name}") from exc
    text = run_bounded(template, context, limits.max_chars, limits.timeout_s, limits.max_int_bits)
    return Rendered(_normalise(text), info.key, info.version, used, missing)


def _in_worker(job: RenderJob, pool: RenderPool | None = None) -> dict[str, Any]:
    try:
        reply = (pool or get_pool()).run(job, job.timeout_s)
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
    pool: RenderPool | None = None,
    template: str | None = None,
) -> str:
    """Render a custom template string in the sandbox, in a worker process stopped when it runs out of time.

    ``extra_templates`` (name → source) can be included by name, before the shipped files of the same name.
    The worker keeps the template compiled for the next render of the same source; ``template`` names it
    ("custom:mou/fr") so that its older versions leave the worker's cache. ``pool``: the process's by default.
    """
    limits = render_limits(max_chars, timeout_s, memory_mb)
    if len(source) > limits.max_chars:
        raise TemplateError(f"the template is longer than {limits.max_chars:,} characters")
    context = {**variables, "language": language}
    extra = dict(extra_templates) if extra_templates else None
    text = _in_worker(_job(source, root, limits, context=context, extra_templates=extra, template=template), pool).get(
        "text"
    )
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
