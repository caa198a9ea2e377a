"""Arrows point down and nothing goes round in circles: the import contracts and a cycle check over ``app``.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``): the house's layers, the layers inside each
domain, services without FastAPI, models below services. The cycle check counts every import grimp sees,
function-level ones included (an import moved into a function to dodge a cycle is still a cycle); imports under
``TYPE_CHECKING`` are left out, as they never run. The Alembic scripts under ``app/migrations`` are not modules of
the application (a folder of scripts Alembic loads by path, with no ``__init__.py``) and are left out of both.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = "app.migrations"


def test_the_import_contracts_are_kept():
    run = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]
    done = subprocess.run([*run, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = done.stdout + done.stderr
    broken = report.split("Broken contracts", 1)[-1] if "Broken contracts" in report else report
    assert done.returncode == 0, f"import contracts broken (see [tool.importlinter] in pyproject.toml):\n{broken}"


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of a directed graph, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def test_strongly_connected_finds_a_cycle_and_leaves_a_chain_alone():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert sorted(c for c in strongly_connected(edges) if len(c) > 1) == [["a", "b", "c"]]


def test_no_module_of_app_takes_part_in_an_import_cycle():
    graph = grimp.build_graph("app", cache_dir=None, exclude_type_checking_imports=True)
    modules = {module for module in graph.modules if not module.startswith(MIGRATIONS)}
    edges = {module: set(graph.find_modules_directly_imported_by(module)) & modules for module in modules}
    cycles = [component for component in strongly_connected(edges) if len(component) > 1]
    described = []
    for component in sorted(cycles, key=len, reverse=True):
        members = set(component)
        lines = [f"cycle of {len(component)} modules: {', '.join(component)}"]
        for importer in component:
            for imported in sorted(edges[importer] & members):
                details = graph.get_import_details(importer=importer, imported=imported)
                where = ", ".join(f"l.{detail['line_number']}" for detail in details)
                lines.append(f"    {importer} -> {imported} ({where})")
        described.append("\n".join(lines))
    assert not cycles, f"{len(cycles)} import cycle(s) among the modules of app:\n" + "\n".join(described)
