"""Benchmark: render the MOU as text, HTML, DOCX and PDF, against a bare Jinja2 render of the same template.

Usage: python bench/bench_render.py [--repeat 20]
Prints the median time of each step and its ratio to the baseline measured in the same run: the same
template files and variables rendered by a plain (unsandboxed, unbounded) ``jinja2.Environment``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import jinja2

from app.drafting import outputs
from app.drafting.preflight import template_context
from app.drafting.samples import sample_variables
from app.drafting.template_files import find_template
from app.drafting.templates_engine import TEMPLATES_DIR, render


def _median_ms(step: Callable[[], object], repeat: int) -> float:
    step()  # warm up (imports, fonts, template cache)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    variables = sample_variables("mou")
    info, language = find_template("mou", "en")
    context, _ = template_context(info, variables)
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), undefined=jinja2.StrictUndefined)
    collapse = lambda value: " ".join(str(value).split())  # noqa: E731
    plain.filters.update(inline=collapse, cell=collapse, date=jinja2.pass_context(lambda _ctx, value: str(value)))
    bare = plain.get_template(info.file_for(language))
    text = render("mou", "en", variables).text
    reference, label = variables["reference"], "version 1"

    steps: list[tuple[str, Callable[[], object]]] = [
        ("bare Jinja2 render (baseline)", lambda: bare.render({**context, "language": language})),
        ("sandboxed render with preflight", lambda: render("mou", "en", variables)),
        ("HTML from the text", lambda: outputs.to_html(text, reference=reference, version_label=label, draft=True)),
        ("DOCX from the text", lambda: outputs.to_docx(text, reference=reference, version_label=label, draft=True)),
        ("PDF from the text", lambda: outputs.to_pdf(text, reference=reference, version_label=label, draft=True)),
    ]
    results = [(name, _median_ms(step, args.repeat)) for name, step in steps]
    baseline = results[0][1]
    print(f"MOU in English: {len(text):,} characters, median of {args.repeat} runs")
    print(f"{'step':40} {'ms':>10} {'x baseline':>12}")
    for name, median in results:
        print(f"{name:40} {median:10.3f} {median / baseline:12.1f}")


if __name__ == "__main__":
    main()
