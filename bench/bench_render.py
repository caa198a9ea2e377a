"""Benchmark: render the MOU through the sandbox and preflight, as HTML, DOCX and PDF, against bare Jinja2.

Usage: python bench/bench_render.py [--repeat 200] [--document-repeat 40] [--profile]

Each step runs once cold (caches emptied, or a fresh worker process), then warms up, then runs ``--repeat``
times; the steps take turns in each round so that a machine busy with other work slows them alike, and garbage is
collected between rounds. Prints the
median and p95 of each step, and its ratio to its baseline measured in the same run: a plain (unsandboxed,
unbounded) ``jinja2.Environment`` rendering the same template files with the same variables.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from app.drafting import outputs
from app.drafting.labels import localise_variables
from app.drafting.preflight import clear_preflight_cache, preflight, template_context
from app.drafting.render_pool import RenderPool
from app.drafting.samples import sample_variables
from app.drafting.sandbox import clear_environments
from app.drafting.template_files import clear_info_cache, find_template
from app.drafting.templates_engine import TEMPLATES_DIR, render, render_source

WARM_UP = 5


def _median_ms(step: Callable[[], object], repeat: int) -> float:
    """The median of ``repeat`` timed calls after one warm-up call (``bench/run_all.py`` uses it)."""
    step()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _ms(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return (time.perf_counter() - started) * 1000


def p95(timings: list[float]) -> float:
    """The 95th percentile (nearest rank) of ``timings``."""
    ordered = sorted(timings)
    return ordered[max(0, round(0.95 * len(ordered) + 0.5) - 1)]


@dataclass
class Step:
    """A step to time, its baseline's name, and what to do before its cold call."""

    name: str
    run: Callable[[], object]
    baseline: str | None = None
    make_cold: Callable[[], None] = lambda: None
    target: str = ""  # issue 20: "ratio <= 5" (median against the baseline) or "p95 < 150" (ms)
    cold_ms: float = 0.0
    timings: list[float] = field(default_factory=list)


def _clear_caches() -> None:
    clear_environments()
    clear_info_cache()
    clear_preflight_cache()


def _bare_environment() -> jinja2.Environment:
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), undefined=jinja2.StrictUndefined)
    collapse = lambda value: " ".join(str(value).split())  # noqa: E731
    plain.filters.update(inline=collapse, cell=collapse, date=jinja2.pass_context(lambda _ctx, value: str(value)))
    return plain


def steps(pool: RenderPool) -> list[Step]:
    """The steps measured, each after its baseline."""
    variables = sample_variables("mou")
    info, language = find_template("mou", "en")
    context, _ = template_context(info, variables)
    bare_template = _bare_environment().get_template(info.file_for(language))
    bare = lambda: bare_template.render({**context, "language": language})  # noqa: E731
    text = render("mou", "en", variables).text
    source = (Path(TEMPLATES_DIR) / info.file_for(language)).read_text(encoding="utf-8")
    reference, label = variables["reference"], "version 1"

    def custom() -> str:  # what ``service._render`` does for a custom template: preflight, then the worker
        assert not preflight(info, variables)
        filled, _missing = template_context(info, localise_variables(variables, language))
        return render_source(source, filled, language=language, pool=pool)

    def html(make_text: Callable[[], str]) -> Callable[[], str]:
        return lambda: outputs.to_html(make_text(), reference=reference, version_label=label, draft=True)

    document = dict(reference=reference, version_label=label, draft=True)
    return [
        Step("bare Jinja2 render (baseline)", bare),
        Step(
            "sandbox + preflight, shipped, in-process",
            lambda: render("mou", "en", variables),
            "bare Jinja2 render (baseline)",
            _clear_caches,
            "ratio <= 5",
        ),
        Step("sandbox + preflight, custom, warm worker", custom, "bare Jinja2 render (baseline)", pool.close),
        Step("MOU HTML from bare Jinja2 (baseline)", html(bare)),
        Step(
            "MOU HTML through sandbox + preflight",
            html(lambda: render("mou", "en", variables).text),
            "MOU HTML from bare Jinja2 (baseline)",
            _clear_caches,
            "ratio <= 5",
        ),
        Step("DOCX from the text", lambda: outputs.to_docx(text, **document), target="p95 < 150"),
        Step("PDF from the text", lambda: outputs.to_pdf(text, **document), target="p95 < 1500"),
    ]


def measure(repeat: int, document_repeat: int, pool: RenderPool) -> list[Step]:
    """Cold call, warm-up, then ``repeat`` rounds in which every step runs once (DOCX and PDF in the first
    ``document_repeat`` rounds only)."""
    measured = steps(pool)
    for step in measured:
        step.make_cold()
        step.cold_ms = _ms(step.run)
    for _ in range(WARM_UP):
        for step in measured:
            step.run()
    for round_number in range(repeat):
        gc.collect()  # the garbage a PDF leaves is collected here, not inside whichever step comes next
        for step in measured:
            if step.name.startswith(("PDF", "DOCX")) and round_number >= document_repeat:
                continue
            step.timings.append(_ms(step.run))
    return measured


def profile(renders: int = 200, top: int = 15) -> None:
    """Print where the time of ``renders`` warm renders of the shipped MOU goes (cProfile, by own time)."""
    variables = sample_variables("mou")
    render("mou", "en", variables)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(renders):
        render("mou", "en", variables)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the sandboxed render only")
    parser.add_argument("--repeat", type=int, default=200, help="timed rounds of the text and HTML steps")
    parser.add_argument("--document-repeat", type=int, default=40, help="timed rounds of DOCX and PDF (>= 30)")
    args = parser.parse_args()
    if args.profile:
        profile()
        return
    pool = RenderPool(1)
    try:
        measured = measure(args.repeat, min(args.document_repeat, args.repeat), pool)
    finally:
        pool.close()
    by_name = {step.name: step for step in measured}
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    rounds = f"{args.repeat} timed rounds ({min(args.document_repeat, args.repeat)} of DOCX and PDF)"
    print(f"MOU in English; {rounds} after {WARM_UP} warm-up rounds; load average {load}")
    print(f"{'step':42} {'cold ms':>8} {'median ms':>10} {'p95 ms':>8} {'x base (median, p95)':>21}  target")
    for step in measured:
        median, high = statistics.median(step.timings), p95(step.timings)
        ratio, verdict = "", ""
        if step.baseline:
            base = by_name[step.baseline]
            ratio = f"{median / statistics.median(base.timings):10.1f} {high / p95(base.timings):10.1f}"
            if step.target.startswith("ratio"):
                met = median / statistics.median(base.timings) <= float(step.target.split()[-1])
                verdict = f"{step.target.replace('ratio', 'median ratio')}: {'met' if met else 'NOT met'}"
        if step.target.startswith("p95"):
            verdict = f"{step.target} ms: {'met' if high < float(step.target.split()[-1]) else 'NOT met'}"
        print(f"{step.name:42} {step.cold_ms:8.2f} {median:10.3f} {high:8.3f} {ratio:>21}  {verdict}")


if __name__ == "__main__":
    main()
