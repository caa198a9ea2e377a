"""The portfolio summary (scores and how many fail each check) and the list of records to fix: sorts, filters, pages."""

from __future__ import annotations

import pytest

from app.errors import ValidationFailed
from app.quality.schemas import RecordsQuery
from app.quality.service import records_to_fix, summary
from app.users.models import Role
from tests.quality.conftest import (
    WEIGHTS,
    complete_organisation,
    complete_partnership,
    expected_score,
    formal_agreement,
    today,
)

ORGANISATION_CHECKS = set(WEIGHTS["organisation"]) - {"partner_confirmed"}  # applies once a partner confirms
AD_HOC_CHECKS = {"title", "owner", "partner", "objectives", "area", "project_dates", "stale"}


def _checks(result, entity: str) -> dict[str, tuple[int, int]]:
    part = next(item for item in result.entities if item.entity == entity)
    return {check.name: (check.applicable, check.failing) for check in part.checks}


def test_an_empty_portfolio_has_no_score(session):
    result = summary(session, today())
    assert result.overall.records == 0 and result.overall.score is None and result.overall.weighted_score is None
    assert [part.entity for part in result.entities] == ["organisation", "partnership"]
    assert records_to_fix(session, today()).total == 0


def test_the_summary_counts_each_failing_check_and_averages_scores(session, make_user):
    complete = complete_organisation(session)
    no_region = complete_organisation(session, region=None)
    bare = complete_organisation(session, contacts=[], website=None)  # no contact, focal point, website or email
    manager = make_user(Role.PROJECT_MANAGER)
    complete_partnership(session, manager, complete, objectives=None)
    result = summary(session, today())

    organisations = next(part for part in result.entities if part.entity == "organisation")
    bare_failed = {"contact", "focal_point", "website_or_email"}
    scores = [
        100.0,
        expected_score("organisation", ORGANISATION_CHECKS, {"region"}),
        expected_score("organisation", ORGANISATION_CHECKS - {"contact_emails"}, bare_failed),
    ]
    assert organisations.records == 3 and organisations.records_to_fix == 2
    assert organisations.score == pytest.approx(sum(scores) / 3, abs=0.06)
    applicable = 31 + 31 + 29
    failed = 1 + (3 + 3 + 1)
    assert organisations.weighted_score == round(100 * (applicable - failed) / applicable, 1)
    counted = _checks(result, "organisation")
    assert counted["focal_point"] == (3, 1) and counted["region"] == (3, 1) and counted["contact_emails"] == (2, 0)
    assert counted["legal_name"] == (3, 0)
    assert bare.id and no_region.id

    partnerships = next(part for part in result.entities if part.entity == "partnership")
    assert partnerships.records == 1 and partnerships.records_to_fix == 1
    assert partnerships.score == expected_score("partnership", AD_HOC_CHECKS, {"objectives"})
    assert _checks(result, "partnership")["objectives"] == (1, 1)
    assert _checks(result, "partnership")["legal_officer"] == (0, 0)  # not applicable to ad hoc partnerships

    assert result.overall.records == 4 and result.overall.records_to_fix == 3
    partnership_applicable = sum(WEIGHTS["partnership"][name] for name in AD_HOC_CHECKS)
    overall = 100 * (applicable - failed + partnership_applicable - 2) / (applicable + partnership_applicable)
    assert result.overall.weighted_score == round(overall, 1)
    assert result.stale_days == 365 and result.as_of == today()


def test_records_to_fix_lists_what_to_fix_in_words_and_skips_complete_records(session, make_user):
    complete = complete_organisation(session, "Complete Org")
    bare = complete_organisation(session, "Bare Org", contacts=[], website=None)
    found = records_to_fix(session, today())
    assert [item.id for item in found.items] == [bare.id] and found.total == 1
    item = found.items[0]
    assert item.entity == "organisation" and item.url == f"/organisations/{bare.id}"
    assert [failed.problem for failed in item.failed] == [
        "no contact person is recorded",
        "no contact is marked as focal point",
        "neither a website nor an email address is recorded",
    ]  # heaviest first
    assert item.impact == 7.0 and complete.id


def _portfolio(session, make_user, people):
    """Records whose impact, score and name orders all differ."""
    orgs = {
        "Zeta Org": complete_organisation(session, "Zeta Org", region=None),  # failed 1, score 96.8, impact 1
        "Alpha Org": complete_organisation(session, "Alpha Org", contacts=[], website=None),  # failed 7, impact 7
        "Mid Org": complete_organisation(session, "Mid Org", area_codes=[]),  # failed 2, impact 2
    }
    agreement = formal_agreement(session, people)  # formal, fails project_dates (1): impact 2 x 1
    manager = make_user(Role.PROJECT_MANAGER)
    adhoc = complete_partnership(session, manager, orgs["Zeta Org"], title="Beta partnership", objectives=None)
    return orgs, agreement, adhoc


def _positions(found, *ids: int) -> list[int]:
    listed = [item.id for item in found.items if item.entity == "organisation"]
    return [listed.index(record_id) for record_id in ids]


def test_sort_orders(session, make_user, people):
    orgs, agreement, adhoc = _portfolio(session, make_user, people)
    alpha, mid, zeta = orgs["Alpha Org"].id, orgs["Mid Org"].id, orgs["Zeta Org"].id
    by_impact = records_to_fix(session, today(), RecordsQuery(sort="impact"))
    impacts = [item.impact for item in by_impact.items]
    assert impacts == sorted(impacts, reverse=True)
    assert _positions(by_impact, alpha, mid, zeta) == sorted(_positions(by_impact, alpha, mid, zeta))
    by_score = records_to_fix(session, today(), RecordsQuery(sort="score"))
    scores = [item.score for item in by_score.items]
    assert scores == sorted(scores)
    assert _positions(by_score, alpha, mid, zeta) == sorted(_positions(by_score, alpha, mid, zeta))
    by_name = records_to_fix(session, today(), RecordsQuery(sort="name"))
    names = [item.name.lower() for item in by_name.items]
    assert names == sorted(names)
    assert _positions(by_name, alpha, mid, zeta) == sorted(_positions(by_name, alpha, mid, zeta))
    assert {item.entity for item in by_name.items} == {"organisation", "partnership"}
    formal = next(item for item in by_impact.items if item.id == agreement.partnership_id)
    assert formal.entity == "partnership" and formal.impact == 2.0 and formal.category == "formal"
    assert any(item.id == adhoc.id and item.reference == adhoc.reference for item in by_name.items)
    # The partners of the formal partnership count double too.
    partner_ids = {party.organisation_id for party in agreement.partnership.parties}
    for item in by_impact.items:
        if item.entity == "organisation":
            factor = 2 if item.id in partner_ids else 1
            assert item.impact == factor * sum(failed.weight for failed in item.failed), item


def test_filters_by_entity_and_check(session, make_user, people):
    orgs, agreement, adhoc = _portfolio(session, make_user, people)
    only_partnerships = records_to_fix(session, today(), RecordsQuery(entity="partnership"))
    assert {item.entity for item in only_partnerships.items} == {"partnership"}
    no_area = records_to_fix(session, today(), RecordsQuery(check="area"))
    listed = {item.id for item in no_area.items if item.entity == "organisation"}
    assert orgs["Mid Org"].id in listed and not {orgs["Alpha Org"].id, orgs["Zeta Org"].id} & listed
    assert all("area" in {failed.name for failed in item.failed} for item in no_area.items)
    no_project = records_to_fix(session, today(), RecordsQuery(check="project_dates"))
    assert {item.id for item in no_project.items} == {agreement.partnership_id}
    assert adhoc.id not in {item.id for item in no_project.items}
    with pytest.raises(ValidationFailed) as refused:
        records_to_fix(session, today(), RecordsQuery(check="no_such_check"))
    assert refused.value.problems[0].field == "check" and "focal_point" in refused.value.problems[0].reason
    with pytest.raises(ValidationFailed) as wrong_entity:
        records_to_fix(session, today(), RecordsQuery(entity="organisation", check="title"))
    assert "for organisations" in wrong_entity.value.problems[0].reason


def test_paging(session):
    for number in range(7):
        complete_organisation(session, f"Paged {number}", region=None)
    seen = []
    for page in (1, 2, 3):
        found = records_to_fix(session, today(), RecordsQuery(sort="name", page=page, page_size=3))
        assert found.total == 7 and found.page == page and found.page_size == 3
        seen.extend(item.name for item in found.items)
    assert seen == [f"Paged {number}" for number in range(7)]
    beyond = records_to_fix(session, today(), RecordsQuery(page=9, page_size=3))
    assert beyond.items == [] and beyond.total == 7
