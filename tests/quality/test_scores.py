"""Exact scores of hand-built records: each check failing and passing, applicability by stage, staleness in time."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, update

from app import clock
from app.agreements.models import Agreement, Signature
from app.config import get_settings
from app.obligations.models import Obligation
from app.organisations.models import Contact, Organisation, OrganisationKind
from app.partnerships.models import InteractionKind, Partnership, PartnershipParty
from app.partnerships.schemas import InteractionCreate
from app.partnerships.service import record_interaction
from app.quality.service import record_quality
from app.users.models import Role, User
from app.workflow.actor import Actor
from tests.builders import formalising_partnership, organisation
from tests.quality.conftest import (
    WEIGHTS,
    complete_organisation,
    complete_partnership,
    expected_score,
    formal_agreement,
    make_informal,
    today,
)

ORGANISATION_CHECKS = set(WEIGHTS["organisation"]) - {"partner_confirmed"}  # applies once a partner confirms
PARTNERSHIP_CHECKS = set(WEIGHTS["partnership"])
AD_HOC_CHECKS = {"title", "owner", "partner", "objectives", "area", "project_dates", "stale"}


def _statuses(result: Any) -> dict[str, str]:
    return {check.name: check.status for check in result.checks}


def _failed(result: Any) -> set[str]:
    return {name for name, status in _statuses(result).items() if status == "failed"}


def _applicable(result: Any) -> set[str]:
    return {name for name, status in _statuses(result).items() if status != "not_applicable"}


def test_a_complete_organisation_scores_100(session):
    created = complete_organisation(session)
    result = record_quality(session, "organisation", created.id, today())
    assert _failed(result) == set() and _applicable(result) == ORGANISATION_CHECKS
    assert result.score == 100.0 and result.impact == 0.0
    assert result.name == created.legal_name and result.category == "national_cso"


def _blank_legal_name(session, org: Organisation) -> None:
    # Legacy or imported data can hold what the API refuses: write it directly, as such a load would.
    session.execute(update(Organisation).where(Organisation.id == org.id).values(legal_name="   "))


def _blank_country(session, org: Organisation) -> None:
    session.execute(update(Organisation).where(Organisation.id == org.id).values(country_code=""))


def _no_focal_point(session, org: Organisation) -> None:
    session.execute(update(Contact).where(Contact.organisation_id == org.id).values(is_focal_point=False))


def _contact_without_email(session, org: Organisation) -> None:
    session.add(Contact(organisation_id=org.id, name="No Email", email="  "))


ORGANISATION_CASES = {
    "legal_name": ({}, _blank_legal_name),
    "country": ({}, _blank_country),
    "region": ({"region": None}, None),
    "registration_number": ({"registration_number": None}, None),
    "website_or_email": ({"website": None}, None),
    "area": ({"area_codes": []}, None),
    "focal_point": ({}, _no_focal_point),
    "contact_emails": ({}, _contact_without_email),
}


@pytest.mark.parametrize("check", list(ORGANISATION_CASES))
def test_each_organisation_check_fails_alone_with_its_weight(session, check):
    fields, spoil = ORGANISATION_CASES[check]
    created = complete_organisation(session, **fields)
    if spoil:
        spoil(session, created)
        session.commit()
    result = record_quality(session, "organisation", created.id, today())
    assert _failed(result) == {check}
    assert result.score == expected_score("organisation", ORGANISATION_CHECKS, {check})
    problem = next(item.problem for item in result.checks if item.name == check)
    assert problem and problem[0].islower()  # words, not a code


def test_organisation_scores_by_hand(session):
    # CSO without region (weight 1) and without registration number (2): applicable 31, passed 28.
    cso = complete_organisation(session, region=None, registration_number=None)
    assert record_quality(session, "organisation", cso.id, today()).score == 90.3
    # An academic institution needs no registration number; without contacts the e-mail check does not apply:
    # applicable 31 - 2 - 2 = 27, failed contact (3) + focal point (3) -> 100 x 21 / 27.
    academic = complete_organisation(session, kind=OrganisationKind.ACADEMIC, registration_number=None, contacts=[])
    result = record_quality(session, "organisation", academic.id, today())
    assert _statuses(result)["registration_number"] == "not_applicable"
    assert _statuses(result)["contact_emails"] == "not_applicable"
    assert _failed(result) == {"contact", "focal_point"}
    assert result.score == 77.8


def test_an_email_alone_is_enough_for_a_website_or_email(session):
    created = complete_organisation(session, website=None, email="office@partner.example.org")
    assert "website_or_email" not in _failed(record_quality(session, "organisation", created.id, today()))


def test_a_complete_ad_hoc_partnership_scores_100_on_the_checks_of_its_stage(session, make_user):
    manager = make_user(Role.PROJECT_MANAGER)
    created = complete_partnership(session, manager, complete_organisation(session))
    result = record_quality(session, "partnership", created.id, today())
    assert _applicable(result) == AD_HOC_CHECKS
    assert result.score == 100.0 and result.reference == created.reference and result.category == "ad_hoc"


def _deactivate_owner(session, created: Partnership) -> None:
    session.execute(update(User).where(User.id == created.owner_id).values(is_active=False))


def _drop_parties(session, created: Partnership) -> None:
    # A partnership without parties cannot be created through the API: simulate data loaded from elsewhere.
    session.execute(delete(PartnershipParty).where(PartnershipParty.partnership_id == created.id))


def _blank_title(session, created: Partnership) -> None:
    session.execute(update(Partnership).where(Partnership.id == created.id).values(title=""))


PARTNERSHIP_CASES = {
    "title": ({}, _blank_title),
    "owner": ({}, _deactivate_owner),
    "partner": ({}, _drop_parties),
    "objectives": ({"objectives": None}, None),
    "area": ({"area_codes": []}, None),
    "project_dates": ({"project": {"name": "Open-ended"}}, None),
}


@pytest.mark.parametrize("check", list(PARTNERSHIP_CASES))
def test_each_partnership_check_fails_alone_with_its_weight(session, make_user, check):
    fields, spoil = PARTNERSHIP_CASES[check]
    created = complete_partnership(session, make_user(Role.PROJECT_MANAGER), complete_organisation(session), **fields)
    if spoil:
        spoil(session, created)
        session.commit()
    result = record_quality(session, "partnership", created.id, today())
    assert _failed(result) == {check}
    assert result.score == expected_score("partnership", AD_HOC_CHECKS, {check})
    assert result.impact == WEIGHTS["partnership"][check]  # an ad hoc partnership counts once


def test_informal_partnerships_need_focal_points_and_an_undertaking(session, make_user):
    manager = make_user(Role.PROJECT_MANAGER)
    created = complete_partnership(session, manager, complete_organisation(session), complete_organisation(session))
    make_informal(session, created, manager)
    informal = AD_HOC_CHECKS | {"party_focal_points", "undertaking"}
    result = record_quality(session, "partnership", created.id, today())
    assert result.category == "informal" and _applicable(result) == informal and result.score == 100.0
    created.parties[1].focal_point_id = None
    session.commit()
    result = record_quality(session, "partnership", created.id, today())
    assert _failed(result) == {"party_focal_points"}
    assert result.score == expected_score("partnership", informal, {"party_focal_points"})


def test_formalising_partnerships_need_a_legal_officer_and_weigh_more(session, people):
    created = formalising_partnership(session, people)
    created.legal_officer_id = None
    session.commit()
    result = record_quality(session, "partnership", created.id, today())
    formalising = AD_HOC_CHECKS | {"party_focal_points", "undertaking", "legal_officer"}
    assert _applicable(result) == formalising
    # The builder gives no objectives and no project: those fail too.
    assert _failed(result) == {"legal_officer", "objectives", "project_dates"}
    assert result.score == expected_score("partnership", formalising, _failed(result))
    assert result.impact == 1.5 * (3 + 2 + 1)


def test_a_formal_partnership_with_a_signed_agreement_in_force_passes_the_agreement_checks(session, people):
    agreement = formal_agreement(session, people)
    result = record_quality(session, "partnership", agreement.partnership_id, today())
    assert result.category == "formal"
    statuses = _statuses(result)
    for name in ("formal_agreement", "signed_versions", "obligations", "legal_officer", "undertaking"):
        assert statuses[name] == "passed", name
    assert _applicable(result) == PARTNERSHIP_CHECKS
    assert _failed(result) == {"project_dates"}  # the builder's partnership serves no project
    assert result.score == expected_score("partnership", PARTNERSHIP_CHECKS, {"project_dates"})
    assert result.impact == 2.0 * 1  # formal records count double


def test_an_active_agreement_without_signatures_is_flagged(session, people):
    agreement = formal_agreement(session, people)
    # Agreements loaded from an old register can be "active" with no signature recorded.
    session.execute(delete(Signature).where(Signature.agreement_id == agreement.id))
    session.commit()
    result = record_quality(session, "partnership", agreement.partnership_id, today())
    assert {"formal_agreement", "signed_versions"} <= _failed(result)
    assert result.score == expected_score("partnership", PARTNERSHIP_CHECKS, _failed(result))


def test_an_agreement_in_force_without_an_approved_version_is_flagged(session, people):
    agreement = formal_agreement(session, people)
    session.execute(update(Agreement).where(Agreement.id == agreement.id).values(approved_version_number=None))
    session.commit()
    assert {"formal_agreement", "signed_versions"} <= _failed(
        record_quality(session, "partnership", agreement.partnership_id, today())
    )


def test_a_formal_partnership_without_obligations_is_flagged(session, people):
    agreement = formal_agreement(session, people)
    session.execute(delete(Obligation).where(Obligation.agreement_id == agreement.id))
    session.commit()
    result = record_quality(session, "partnership", agreement.partnership_id, today())
    assert _failed(result) == {"obligations", "project_dates"}


def test_dormant_partnerships_are_not_expected_to_move(session, make_user):
    manager = make_user(Role.PROJECT_MANAGER)
    created = complete_partnership(session, manager, complete_organisation(session))
    from app.workflow import engine

    engine.fire(session, "partnership", created, "go_dormant", Actor.person(manager), "Quiet year")
    session.commit()
    later = today() + timedelta(days=800)
    result = record_quality(session, "partnership", created.id, later)
    assert _statuses(result)["stale"] == "not_applicable"
    assert _applicable(result) == AD_HOC_CHECKS - {"stale"}


def _at(day) -> datetime:
    return datetime.combine(day, time(12), tzinfo=get_settings().zone)


def test_records_become_stale_after_the_configured_days(session, make_user):
    days = get_settings().quality_stale_days
    created_on = today()
    org = complete_organisation(session)
    manager = make_user(Role.PROJECT_MANAGER)
    created = complete_partnership(session, manager, org)
    with clock.frozen_at(_at(created_on + timedelta(days=days))):
        fresh = clock.today(get_settings().zone)
        assert "stale" not in _failed(record_quality(session, "organisation", org.id, fresh))
        assert "stale" not in _failed(record_quality(session, "partnership", created.id, fresh))
    with clock.frozen_at(_at(created_on + timedelta(days=days + 1))):
        stale_day = clock.today(get_settings().zone)
        assert _failed(record_quality(session, "organisation", org.id, stale_day)) == {"stale"}
        result = record_quality(session, "partnership", created.id, stale_day)
        assert _failed(result) == {"stale"}
        assert result.score == expected_score("partnership", AD_HOC_CHECKS, {"stale"})
        # An interaction logged now touches the partnership (not its row), and keeps it fresh.
        meeting = InteractionCreate(occurred_on=stale_day, kind=InteractionKind.MEETING, summary="Catch-up")
        record_interaction(session, created.id, meeting, manager)
        session.commit()
        assert _failed(record_quality(session, "partnership", created.id, stale_day)) == set()
        # A contact added now touches the organisation.
        session.add(Contact(organisation_id=org.id, name="New person", email="new@partner.example.org"))
        session.commit()
        assert _failed(record_quality(session, "organisation", org.id, stale_day)) == set()


def test_the_stale_period_is_a_setting(session, monkeypatch):
    org = organisation(session, region="Sahel")
    monkeypatch.setattr(get_settings(), "quality_stale_days", 10)
    result = record_quality(session, "organisation", org.id, today() + timedelta(days=11))
    assert "stale" in _failed(result)
    monkeypatch.setattr(get_settings(), "quality_stale_days", 12)
    assert "stale" not in _failed(record_quality(session, "organisation", org.id, today() + timedelta(days=11)))


def test_an_unknown_record_is_not_found(session):
    from app.errors import NotFound

    with pytest.raises(NotFound, match="no partnership has the id 987654"):
        record_quality(session, "partnership", 987654, today())


def test_a_partner_confirmation_raises_the_score_and_lowers_none(session):
    spoilt = complete_organisation(session, region=None)
    before = record_quality(session, "organisation", spoilt.id, today())
    assert _statuses(before)["partner_confirmed"] == "not_applicable"
    spoilt.partner_confirmed_at = clock.now()
    session.commit()
    after = record_quality(session, "organisation", spoilt.id, today())
    assert _statuses(after)["partner_confirmed"] == "passed"
    assert after.score == expected_score("organisation", ORGANISATION_CHECKS | {"partner_confirmed"}, {"region"})
    assert after.score > before.score
    complete = complete_organisation(session)
    complete.partner_confirmed_at = clock.now()
    session.commit()
    assert record_quality(session, "organisation", complete.id, today()).score == 100.0
