"""Workflow states are data: no Python module under ``app/`` (migrations aside) names one, and a state added to a
YAML group shows up.

The scanner is ``tests/architecture/state_literals.py`` (run it as a script for the full list and counts).
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from app.partnerships.schemas import PartnershipFilter
from app.partnerships.service import matching
from app.quality.service import record_quality
from app.reports.service import modality_of, portfolio
from app.users.models import Role
from app.workflow import definition
from app.workflow.models import TransitionEvent
from tests.architecture.state_literals import EXEMPTION_MARKER, scan, scan_file, state_names
from tests.builders import organisation, partnership

NAMES = state_names()


def test_no_module_under_app_names_a_workflow_state():
    by_file: dict[str, list[str]] = defaultdict(list)
    for literal in scan():
        by_file[_relative(literal.path)].append(f"{literal.line} {literal.value!r}")
    summary = "\n".join(f"  {path} ({len(lines)}): lines {', '.join(lines)}" for path, lines in sorted(by_file.items()))
    if by_file:
        pytest.fail(
            f"{sum(map(len, by_file.values()))} workflow state names written in Python, in {len(by_file)} files; ask "
            "app.workflow.definition.states(workflow, group=...) instead (add a group to app/workflows/*.yaml if "
            "needed), "
            f"or mark a word that only looks like a state with '{EXEMPTION_MARKER}' on its line:\n{summary}",
            pytrace=False,
        )


def _relative(path: Path) -> str:
    root = Path(__file__).resolve().parents[2]
    return str(path.relative_to(root))


def _scanned(tmp_path: Path, source: str) -> list[tuple[int, str]]:
    module = tmp_path / "module.py"
    module.write_text(source, encoding="utf-8")
    return [(literal.line, literal.value) for literal in scan_file(module, NAMES)]


def test_the_scanner_catches_comparisons_tuples_and_dictionary_keys(tmp_path):
    source = (
        "IN_FORCE = ('active', 'suspended')\n"
        "def f(Agreement):\n"
        "    return Agreement.status == 'active'\n"
        "LABELS = {'draft': 'Draft'}\n"
    )
    assert _scanned(tmp_path, source) == [(1, "active"), (1, "suspended"), (3, "active"), (4, "draft")]


def test_the_scanner_leaves_docstrings_group_names_and_marked_words_alone(tmp_path):
    source = (
        '"""An agreement that is active."""\n'
        "def f(states, workflow):\n"
        '    """Only the open ones."""\n'
        "    return states('obligation', group='open') | workflow.group('closed')\n"
        f"USER_FLAG = 'active'  {EXEMPTION_MARKER}: a user who may sign in\n"
        "WORKFLOW = 'agreement'\n"
    )
    assert _scanned(tmp_path, source) == []


def test_the_scanner_leaves_the_frozen_migrations_alone(tmp_path):
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "migrations" / "versions" / "revision.py").write_text("STATUSES = ('active',)\n", encoding="utf-8")
    (tmp_path / "module.py").write_text("STATUSES = ('active',)\n", encoding="utf-8")
    assert [(literal.path.name, literal.value) for literal in scan(tmp_path, NAMES)] == [("module.py", "active")]


# --- a state added to a group needs no Python change -------------------------------------------------------------

NEW_STAGE = "renegotiating"


@pytest.fixture
def extended_workflows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The workflow files, with a new partnership stage in the groups a formal partnership is in."""
    copied = tmp_path / "workflows"
    shutil.copytree(definition.WORKFLOWS_DIR, copied)
    path = copied / "partnership.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["states"][NEW_STAGE] = "Renegotiating the terms of its agreement"
    for group in ("open", "working", "bound", "modality_formal"):
        raw["groups"][group].append(NEW_STAGE)
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    monkeypatch.setattr(definition, "WORKFLOWS_DIR", copied)
    definition.get_workflow.cache_clear()
    yield
    definition.get_workflow.cache_clear()


def test_a_stage_added_to_yaml_groups_reaches_reports_quality_and_filters(session, make_user, extended_workflows):
    assert NEW_STAGE in definition.states("partnership", group="bound")
    actor = make_user(Role.PROJECT_MANAGER)
    moved = partnership(session, actor, organisation(session))
    # As a transition of the extended workflow would leave it: the stage, and the event the report's stays follow.
    session.add(TransitionEvent(entity_type="partnership", entity_id=moved.id, from_state=moved.stage,
                                to_state=NEW_STAGE, trigger="renegotiate"))  # fmt: skip
    moved.stage = NEW_STAGE
    session.flush()

    report = portfolio(session)
    assert modality_of(NEW_STAGE) == "formal"
    assert {m.key: m.count for m in report.modalities}["formal"] == 1
    assert "other" not in {m.key for m in report.modalities}
    assert NEW_STAGE in {s.stage for s in report.stages}

    checks = {check.name: check.status for check in record_quality(session, "partnership", moved.id).checks}
    assert checks["formal_agreement"] == "failed"  # expected of a bound partnership, and it has no agreement
    assert checks["stale"] != "not_applicable"  # a working stage is expected to move

    conditions = matching(session, PartnershipFilter(stage=NEW_STAGE))
    assert conditions  # the list filter accepts the new stage
