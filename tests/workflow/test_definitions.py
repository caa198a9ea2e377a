"""Workflow files are checked at start-up: anything unknown stops the process with the file, the line and the name."""

from __future__ import annotations

import pytest

from app.workflow.definition import WorkflowDefinitionError, load_all, load_workflow_file

GOOD = """\
name: agreement
initial: draft
states:
  draft: Draft
  done: Done
transitions:
  - trigger: finish
    source: draft
    dest: done
    roles: [legal_officer]
    guards: [term_set]
    effects: [record_submission]
    payload:
      when: {type: date, required: true}
daily:
  - {trigger: finish, when: end_date_passed}
partnership_moves:
  ended: last_agreement_ended
"""

BROKEN = [
    ("dest: done", "dest: nowhere", 7, "unknown state 'nowhere'"),
    ("roles: [legal_officer]", "roles: [legal_officer, wizard]", 7, "unknown role 'wizard'"),
    ("guards: [term_set]", "guards: [is_sunny]", 7, "unknown guard 'is_sunny'"),
    ("effects: [record_submission]", "effects: [send_flowers]", 7, "unknown effect 'send_flowers'"),
    ("{type: date, required: true}", "{type: colour}", 7, "unknown type 'colour'"),
    ("trigger: finish, when: end_date_passed", "trigger: vanish, when: end_date_passed", 16, "trigger 'vanish'"),
    ("trigger: finish, when: end_date_passed", "trigger: finish, when: full_moon", 16, "criterion 'full_moon'"),
    ("ended: last_agreement_ended", "ended: evaporate", 18, "unknown partnership trigger 'evaporate'"),
    ("    dest: done\n", "    dest: done\n    colour: blue\n", 7, "unknown key 'colour'"),
]  # fmt: skip


def test_the_shipped_workflows_load():
    names = [workflow.name for workflow in load_all()]
    assert names == ["partnership", "agreement", "obligation"]


def test_a_well_formed_file_loads(tmp_path):
    path = tmp_path / "agreement.yaml"
    path.write_text(GOOD, encoding="utf-8")
    workflow = load_workflow_file(path)
    assert [t.trigger for t in workflow.transitions] == ["finish"]
    assert workflow.transitions[0].payload[0].required
    assert workflow.daily[0].when == "end_date_passed"


@pytest.mark.parametrize(("old", "new", "line", "name"), BROKEN, ids=[case[3] for case in BROKEN])
def test_anything_unknown_is_reported_with_file_line_and_name(tmp_path, old, new, line, name):
    assert old in GOOD
    path = tmp_path / "agreement.yaml"
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError) as caught:
        load_workflow_file(path)
    assert str(caught.value).startswith(f"{path}, line {line}: ")
    assert name in str(caught.value)


def test_invalid_yaml_is_reported_with_its_position(tmp_path):
    path = tmp_path / "agreement.yaml"
    path.write_text(GOOD.replace("states:", "states: [", 1), encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError) as caught:
        load_workflow_file(path)
    assert str(caught.value) == f"{path}, line 5: not valid YAML: expected ',' or ']', but got ':'"
