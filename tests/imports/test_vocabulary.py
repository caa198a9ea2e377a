"""The vocabulary is data: loaded from app/imports/vocabulary/*.yaml and checked against the partnership workflow."""

from __future__ import annotations

from importlib import resources

import pytest

from app.imports import vocabulary
from app.workflow.definition import states


def test_every_stage_the_modality_words_name_is_a_partnership_state():
    named = {*vocabulary.MODALITY_PHRASES, *vocabulary.MODALITY_STATUS, *vocabulary.MODALITY_RELATION_STATUS}
    named |= {vocabulary.EVENTS_READ_AS, vocabulary.NO_AGREEMENT_READ_AS}
    assert named <= states("partnership")


def test_a_stage_the_workflow_does_not_declare_stops_the_load():
    with pytest.raises(vocabulary.VocabularyError, match=r"signed_off.*not a state of workflow 'partnership'"):
        vocabulary._check_stages("modalities", ["formal", "signed_off"])


def test_the_data_files_ship_inside_the_package():
    files = {path.name for path in resources.files("app.imports.vocabulary").iterdir()}
    assert {"words.yaml", "modalities.yaml", "kinds.yaml", "areas.yaml", "roles.yaml", "countries.yaml"} <= files
