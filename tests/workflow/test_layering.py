"""The workflow engine sits below the domains: it imports none of them, and no import cycle runs through it
(function-level imports count: grimp sees them)."""

from __future__ import annotations

import grimp
import pytest

RUNTIME = ("app.workflow.engine", "app.workflow.definition", "app.workflow.registry", "app.workflow.actor")
BELOW = (
    "app.workflow.",
    "app.users.models",
    "app.errors",
    "app.config",
    "app.clock",
    "app.db",
    "app.resources",
    "app.i18n",
)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("app")


@pytest.mark.parametrize("module", RUNTIME)
def test_the_workflow_runtime_imports_no_domain(graph, module):
    upward = sorted(m for m in graph.find_modules_directly_imported_by(module) if not m.startswith(BELOW))
    assert upward == [], f"{module} imports {upward}: domains register their rules through app.rules instead"


def test_no_import_cycle_runs_through_the_engine(graph):
    engine = "app.workflow.engine"
    back = sorted(
        m for m in graph.find_upstream_modules(engine) if engine in graph.find_upstream_modules(m) and m != engine
    )
    assert back == [], f"these modules import the engine and are imported by it: {back}"
