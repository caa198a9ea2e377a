"""The vocabulary speaks the reader's language: workflow states, transitions and groups, areas, kinds, roles and the
other codes people read are translated by the central functions, while codes stay codes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.agreements.models import AgreementKind
from app.i18n import VOCAB, translations, use_language, vocab
from app.obligations.models import Recurrence
from app.organisations.models import AreaOfEngagement, OrganisationKind
from app.organisations.schemas import AreaRead
from app.partnerships.models import InteractionKind, PartyRole, UndertakingForm
from app.reminders.models import ReminderKind, ReminderStatus
from app.users.models import Role
from app.workflow.definition import (
    STATE_ATTRIBUTES,
    WorkflowDefinitionError,
    get_workflow,
    group_label,
    label,
    load_workflow_file,
    short_label,
    state_name,
    state_names,
    trigger_label,
)
from app.workflow.schemas import PayloadFieldRead

SAME_IN_SOME_LANGUAGES = {"Ad hoc", "Formal", "Informal", "Verbal", "Obligation", "Organisation", "Contact"}
"""Words a French or Spanish officer writes as the English do."""

ENUMS = {
    "organisation_kind": OrganisationKind,
    "agreement_kind": AgreementKind,
    "party_role": PartyRole,
    "interaction_kind": InteractionKind,
    "undertaking_form": UndertakingForm,
    "recurrence": Recurrence,
    "reminder_kind": ReminderKind,
    "reminder_status": ReminderStatus,
    "role": Role,
}


def _translated(message: str, language: str) -> bool:
    return translations(language, "vocab").gettext(message) != message or message in SAME_IN_SOME_LANGUAGES


def _workflow_words() -> list[str]:
    found = []
    for workflow in map(get_workflow, STATE_ATTRIBUTES):
        found += list(workflow.states.values()) + list(workflow.short_labels.values())
        found += list(workflow.group_labels.values()) + [t.label for t in workflow.transitions]
        found += [spec.description for t in workflow.transitions for spec in t.payload]
    return found


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_word_of_every_workflow_is_translated(language):
    words = _workflow_words()
    assert len(words) > 80
    assert [word for word in words if not _translated(word, language)] == []


@pytest.mark.parametrize("language", ["fr", "es"])
@pytest.mark.parametrize("vocabulary", sorted(ENUMS))
def test_every_code_of_every_enum_has_translated_words(vocabulary, language):
    table = vocab.labels(vocabulary, "en")
    assert {member.value for member in ENUMS[vocabulary]} == set(table)
    assert [words for words in table.values() if not _translated(words, language)] == []


def test_states_transitions_and_groups_speak_the_language_in_use():
    assert (state_name("agreement", "in_review"), short_label("agreement", "in_review")) == (
        "in review by a legal officer",
        "In review",
    )
    with use_language("fr"):
        assert label("agreement", "active") == "Actif : en vigueur"
        assert state_name("agreement", "active") == "actif"
        assert state_names("agreement", ["draft", "in_review"]) == "projet ou en cours d'examen par un juriste"
        assert short_label("partnership", "dormant") == "En sommeil"
        assert trigger_label("agreement", "submit_for_review") == "soumettre pour examen"
        assert group_label("partnership", "modality_formal") == "Formel (y compris en formalisation)"
    with use_language("es"):
        assert label("obligation", "overdue") == "Atrasada: ha pasado su fecha de vencimiento"
        assert state_names("obligation", ["open", "overdue"]) == "abierta o atrasada"
        assert trigger_label("partnership", "start_formalising") == "iniciar la formalización"
    # An explicit language wins over the one in use, and English is the message id itself.
    with use_language("es"):
        assert state_name("partnership", "formalising", "fr") == "en formalisation"
        assert short_label("agreement", "signed", "en") == "Signed"


def test_codes_are_translated_by_vocabulary_and_unknown_codes_read_as_words():
    with use_language("fr"):
        assert vocab.organisation_kind(OrganisationKind.UN_AGENCY) == "Organisme des Nations Unies"
        assert vocab.party_role("lead_partner") == "Partenaire chef de file"
        assert vocab.recurrence("quarterly") == "Tous les trimestres"
        assert vocab.role("legal_officer") == "Juriste"
        assert vocab.interaction_kind("no_such_kind") == "No such kind"
    assert vocab.agreement_kind("mou", "es") == "Memorando de entendimiento"
    assert vocab.label("interaction_kind", "field_visit", "es") == "Visita sobre el terreno"
    assert vocab.label("recurrence", None) == ""
    with pytest.raises(KeyError):
        vocab.label("colour", "blue")


def test_the_twelve_seeded_areas_read_in_french_and_spanish_and_a_renamed_one_keeps_its_name(session):
    areas = list(session.scalars(select(AreaOfEngagement).order_by(AreaOfEngagement.id)))
    assert len(areas) == 12
    for language in ("fr", "es"):
        named = [vocab.area_name(area.code, area.name, language) for area in areas]
        assert all(name != area.name for name, area in zip(named, areas, strict=True)), named
    with use_language("fr"):
        humanitarian = next(area for area in areas if area.code == "humanitarian")
        assert humanitarian.label == "Activités humanitaires"
        read = AreaRead.model_validate(humanitarian)
        assert (read.code, read.name) == ("humanitarian", "Activités humanitaires")
        assert read.description.startswith("Préparation aux catastrophes")
        assert vocab.area_name("migrant_health", "Migrant health and wellbeing") == "Migrant health and wellbeing"
    assert AreaRead.model_validate(humanitarian).name == "Humanitarian activities"


def test_the_workflow_definition_for_the_api_keeps_codes_and_translates_words():
    workflow = get_workflow("obligation")
    fulfil = next(t for t in workflow.transitions if t.trigger == "fulfil")
    with use_language("es"):
        fields = [PayloadFieldRead.model_validate(spec) for spec in fulfil.payload]
    first = fields[0]
    assert (first.name, first.type, first.description) == ("fulfilled_on", "date", "la fecha en que se cumplió")


def test_labels_naming_unknown_states_or_groups_stop_the_start(tmp_path):
    good = (
        "name: agreement\ninitial: draft\nstates:\n  draft: Draft\n  done: Done\n"
        "short_labels:\n  draft: Draft\ngroups:\n  finished: [done]\ngroup_labels:\n  finished: Finished\n"
        "transitions:\n  - {trigger: finish, label: finish it, source: draft, dest: done, roles: [legal_officer]}\n"
    )
    path = tmp_path / "agreement.yaml"
    path.write_text(good, encoding="utf-8")
    workflow = load_workflow_file(path)
    assert (workflow.short_label("done"), workflow.group_label("finished"), workflow.trigger_label("finish")) == (
        "Done",
        "Finished",
        "finish it",
    )
    for old, new, message in (
        ("  draft: Draft\ngroups", "  gone: Gone\ngroups", "short_labels names unknown state 'gone'"),
        ("  finished: Finished", "  unfinished: Unfinished", "group_labels names unknown group 'unfinished'"),
    ):
        path.write_text(good.replace(old, new), encoding="utf-8")
        with pytest.raises(WorkflowDefinitionError, match=message):
            load_workflow_file(path)


def test_the_vocab_domain_is_what_the_central_functions_read():
    # The words above come from the compiled vocab catalog, not from strings written into the code.
    assert VOCAB.gettext("Draft", "fr") == "Projet" and VOCAB.gettext("Draft", "es") == "Borrador"


def test_the_workflow_diagram_names_states_in_the_language_in_use():
    from app.workflow.diagram import mermaid

    with use_language("es"):
        text = mermaid(get_workflow("agreement"))
    line = next(line for line in text.splitlines() if line.strip().startswith("active :"))
    assert "Activo" in line and "en vigor" in line
    assert "active --> expired : expire" in text  # triggers and state codes stay codes in the drawing
