"""Benchmark: what the rendering bounds cost a normal template, and how fast the attacks of issue 16 are stopped.

Usage: python bench/bench_render_bounds.py [--repeat 20]

Prints the median time of rendering the English MOU as a custom template (in a warm worker process, as it is
now) against the same source rendered in this process (compiled and rendered in the sandbox, as custom
templates were before the worker), the shipped MOU in-process, and a worker's cold start. Then each attack:
how long until it is refused, and the longest pause it causes to another thread of this process (the server).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import threading
import time
from collections.abc import Callable

from app.drafting.preflight import template_context
from app.drafting.render_pool import RenderJob, RenderPool, get_pool
from app.drafting.samples import sample_variables
from app.drafting.sandbox import TEMPLATES_DIR, cached_environment, run_bounded
from app.drafting.template_files import find_template
from app.drafting.templates_engine import (
    TemplateError,
    _job,
    render,
    render_limits,
    render_source,
)

HUGE = "{% set ns = namespace(x=1, y=1) %}{% set ns.x = 2**4000 - 1 %}"
SQUARINGS = "{% for i in range(11) %}{% set ns.y = ns.x + 1 %}{% set ns.x = ns.x * ns.x %}{% endfor %}"
ATTACKS = {
    "x % y on 8-million-bit numbers": HUGE + SQUARINGS + "{{ ns.x % ns.y > 1 }}",
    "x // y on 8-million-bit numbers": HUGE + SQUARINGS + "{{ ns.x // ns.y > 1 }}",
    "sorting a million items 1000 times": "{% set s = ('ab' * 499999)|list %}"
    "{% for i in range(1000) %}{{ s|sort|length }}{% endfor %}",
    "600 texts of a million characters": "".join(f"{{% set v{i} = 'x' * 999990 ~ {i} %}}" for i in range(600)),
}


def _median_ms(step: Callable[[], object], repeat: int) -> float:
    step()  # warm up
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _cold_start() -> None:
    pool = RenderPool(1)
    try:
        pool.run(_job_for("{{ 1 }}"), 30)
    finally:
        pool.close()


def _job_for(source: str) -> RenderJob:
    return _job(source, TEMPLATES_DIR, render_limits(), context={})


def _attack(source: str) -> tuple[float, float, str]:
    """Seconds until refused, the longest pause of another thread meanwhile, and the reason."""
    pauses, done = [0.0], threading.Event()

    def heartbeat() -> None:
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.005)
            now = time.perf_counter()
            pauses[0], last = max(pauses[0], now - last), now

    beating = threading.Thread(target=heartbeat)
    beating.start()
    started = time.perf_counter()
    try:
        render_source(source, {})
        reason = "rendered"
    except TemplateError as exc:
        reason = exc.detail
    elapsed = time.perf_counter() - started
    done.set()
    beating.join()
    return elapsed, pauses[0], reason


def main() -> None:
    """Run the benchmark and print two tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    variables = sample_variables("mou")
    info, language = find_template("mou", "en")
    context, _ = template_context(info, variables)
    context["language"] = language
    source = (TEMPLATES_DIR / info.file_for(language)).read_text(encoding="utf-8")
    environment = cached_environment(TEMPLATES_DIR)

    def in_process() -> str:  # what render_source did before custom templates went to a worker
        return run_bounded(environment.from_string(source), context, 500_000, 5)

    get_pool()
    fresh = (f"{{# {number} #}}" for number in itertools.count())  # a new source: no compiled template to reuse
    steps: list[tuple[str, Callable[[], object]]] = [
        ("custom MOU in-process (before, baseline)", in_process),
        ("custom MOU in a warm worker (now)", lambda: render_source(source, context, language=language)),
        ("the same, compiled anew each time", lambda: render_source(source + next(fresh), context, language=language)),
        ("shipped MOU in-process, with preflight", lambda: render("mou", "en", variables)),
        ("a worker's cold start and first render", _cold_start),
    ]
    results = [(name, _median_ms(step, args.repeat)) for name, step in steps]
    baseline = results[0][1]
    print(f"MOU in English, median of {args.repeat} runs")
    print(f"{'step':45} {'ms':>10} {'x baseline':>12}")
    for name, median in results:
        print(f"{name:45} {median:10.3f} {median / baseline:12.2f}")

    print(f"\n{'attack':40} {'refused after s':>16} {'longest pause s':>16}  reason")
    for name, attack in ATTACKS.items():
        elapsed, pause, reason = _attack(attack)
        print(f"{name:40} {elapsed:16.2f} {pause:16.3f}  {reason[:90]}")


if __name__ == "__main__":
    main()
