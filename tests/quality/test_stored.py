"""The stored scores (``quality_scores``) answer exactly what computing every record from its sources answers.

``app.quality.live`` is the computation the service ran on each request before the scores were stored; every test
here compares the service with it after writes of every kind, on a generated portfolio, days later and after an
import, and checks that a rollback takes the scores back with the rest.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.config import get_settings
from app.devtools.generate import generate_portfolio
from app.listing import MAX_PAGE_SIZE
from app.organisations.models import Organisation
from app.organisations.schemas import ContactCreate, OrganisationUpdate
from app.organisations.service import add_contact, update_organisation
from app.partnerships.schemas import InteractionCreate, PartnershipUpdate
from app.partnerships.service import record_interaction, update_partnership
from app.quality import live, service
from app.quality.models import QualityScore
from app.quality.rules import CHECKS, ENTITIES
from app.quality.schemas import RecordsQuery
from app.quality.store import rebuild_quality_scores
from app.users.models import Role
from app.users.service import set_active
from tests.builders import formalising_partnership
from tests.quality.conftest import complete_organisation, complete_partnership, formal_agreement, today


def _queries(checks: bool) -> list[RecordsQuery]:
    queries = [RecordsQuery(entity=entity, page_size=MAX_PAGE_SIZE) for entity in (None, *ENTITIES)]
    queries += [RecordsQuery(sort=sort, page_size=MAX_PAGE_SIZE) for sort in ("score", "name")]
    queries += [RecordsQuery(sort="score", page_size=7, page=3)]
    if checks:
        names = {check.name for checks in CHECKS.values() for check in checks}
        queries += [RecordsQuery(check=name, page_size=MAX_PAGE_SIZE) for name in sorted(names)]
        queries += [RecordsQuery(entity="partnership", check="stale", sort="name", page_size=MAX_PAGE_SIZE)]
    return queries


def assert_current(session, *days: date, checks: bool = False) -> None:
    """The service's summary and the lists of records to fix (by each check too) equal the computation."""
    for day in days or (today(),):
        assert service.summary(session, day) == live.summary(session, day), day
        for query in _queries(checks):
            assert service.records_to_fix(session, day, query) == live.records_to_fix(session, day, query), query


def test_a_generated_portfolio_reads_the_same_today_and_on_later_days(connection, session):
    generate_portfolio(connection, 12, 120, seed=7)
    complete_organisation(session, "Zebra Partners", region=None)
    session.commit()
    stale = get_settings().quality_stale_days
    first = today()
    assert_current(session, first, first + timedelta(days=stale + 1), checks=True)
    assert_current(session, first + timedelta(days=stale), first + timedelta(days=3 * stale), first - timedelta(days=9))


def test_writes_of_every_kind_keep_the_scores_current(session, people, make_user):
    partner = complete_organisation(session, "Alpha Relief")
    bare = complete_organisation(session, "Bare Org", contacts=[], website=None)
    created = complete_partnership(session, people.manager, partner, bare, objectives=None)
    session.commit()
    assert_current(session)

    add_contact(session, bare.id, ContactCreate(name="Carl", email="carl@bare.example.org", is_focal_point=True),
                actor=people.admin)  # fmt: skip
    update_organisation(session, partner.id, OrganisationUpdate(region=None), actor=people.admin)
    session.commit()
    assert_current(session)

    update_partnership(session, created.id, PartnershipUpdate(objectives="Joint referrals"), actor=people.manager)
    record_interaction(
        session, created.id, InteractionCreate(occurred_on=today(), kind="meeting", summary="Kick-off"), people.manager
    )
    session.commit()
    assert_current(session)

    agreement = formal_agreement(session, people)  # the workflow engine: stages, signatures, activation
    assert_current(session)
    owner = make_user(Role.PROJECT_MANAGER)
    moved = formalising_partnership(session, people)
    update_partnership(session, moved.id, PartnershipUpdate(owner_id=owner.id), actor=people.admin)
    session.commit()
    set_active(session, owner, False)  # the owner can no longer sign in: the check fails
    session.commit()
    assert_current(session, today(), today() + timedelta(days=get_settings().quality_stale_days + 1))
    session.delete(session.get(Organisation, bare.id).contacts[0])
    session.commit()
    assert_current(session, checks=True)
    assert agreement.partnership_id


def test_a_fix_leaves_the_list_in_the_same_request(client, auth, session, people):
    partner = complete_organisation(session, "Alpha Relief")
    created = complete_partnership(session, people.manager, partner, objectives=None)
    session.commit()
    _, headers = auth(Role.ADMIN)
    api = "/api/v1"
    listed = client.get(f"{api}/quality/records", params={"check": "objectives"}, headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [created.id]
    fixed = client.patch(f"{api}/partnerships/{created.id}", json={"objectives": "Refer"}, headers=headers)
    assert fixed.status_code == 200, fixed.text
    listed = client.get(f"{api}/quality/records", params={"check": "objectives"}, headers=headers).json()
    assert listed["items"] == [] and listed["total"] == 0
    assert_current(session)


def test_within_a_transaction_the_list_sees_its_own_writes(session, people):
    partner = complete_organisation(session, "Alpha Relief", region=None)
    session.commit()
    partner.region = "East Africa"  # not flushed yet: reading the scores settles it first
    query = RecordsQuery(check="region")
    assert service.records_to_fix(session, today(), query).total == 0


def test_a_rollback_leaves_the_scores_as_they_were(session, people):
    partner = complete_organisation(session, "Alpha Relief", region=None)
    session.commit()
    stored = session.execute(select(QualityScore.fails_mask).where(QualityScore.record_id == partner.id)).scalar_one()
    update_organisation(session, partner.id, OrganisationUpdate(region="East Africa"), actor=people.admin)
    assert service.records_to_fix(session, today(), RecordsQuery(check="region")).total == 0
    session.rollback()
    assert service.records_to_fix(session, today(), RecordsQuery(check="region")).total == 1
    again = session.execute(select(QualityScore.fails_mask).where(QualityScore.record_id == partner.id)).scalar_one()
    assert again == stored
    assert_current(session)


def test_a_record_goes_stale_with_time_alone(session):
    partner = complete_organisation(session, "Alpha Relief")
    session.commit()
    days = get_settings().quality_stale_days
    last_fresh, first_stale = today() + timedelta(days=days), today() + timedelta(days=days + 1)
    assert service.records_to_fix(session, last_fresh).total == 0
    found = service.records_to_fix(session, first_stale)
    assert [(item.id, [failed.name for failed in item.failed]) for item in found.items] == [(partner.id, ["stale"])]
    assert service.summary(session, first_stale).overall.records_to_fix == 1
    assert_current(session, last_fresh, first_stale)


def test_the_rebuild_writes_what_the_writes_kept(session, people):
    partner = complete_organisation(session, "Alpha Relief", region=None)
    complete_partnership(session, people.manager, partner, objectives=None)
    session.commit()
    before = session.execute(select(QualityScore).order_by(QualityScore.entity, QualityScore.record_id)).scalars()
    kept = [(row.entity, row.record_id, row.fails_mask, row.applies_mask, row.touched_on) for row in before]
    assert rebuild_quality_scores(session) == {"organisation": 1, "partnership": 1}
    session.expire_all()
    after = session.execute(select(QualityScore).order_by(QualityScore.entity, QualityScore.record_id)).scalars()
    assert [(row.entity, row.record_id, row.fails_mask, row.applies_mask, row.touched_on) for row in after] == kept


def test_an_import_keeps_the_scores_current(session, make_user, tmp_path):
    from tests.imports.conftest import import_file, write_csv

    header = ["Partnership ref", "Organisation", "Country", "Partner type", "Modality", "Start date", "End date"]
    rows = [
        ["P-1", "Alpha Relief", "Kenya", "NGO", "informal", "", ""],
        ["P-2", "Beta Health", "Kenya", "NGO", "ad hoc", "2024-01-01", "2030-12-31"],
    ]
    importer = make_user(Role.PROJECT_MANAGER)
    session.commit()
    import_file(session, write_csv(tmp_path / "first.csv", rows, header), importer)
    stored = session.execute(select(QualityScore.entity, QualityScore.record_id)).all()
    assert len(stored) == 4  # two organisations, two partnerships
    assert_current(session)
    rows[0][4] = "formal"  # the engine moves P-1 on when the update is applied
    import_file(session, write_csv(tmp_path / "second.csv", rows, header), importer, update=True)
    assert_current(session, checks=True)


def test_deleting_a_focal_point_reaches_the_partnerships_it_served(session, people):
    partner = complete_organisation(session, "Alpha Relief")
    created = complete_partnership(session, people.manager, partner)
    session.commit()
    from tests.quality.conftest import make_informal

    make_informal(session, created, people.manager)  # the party's focal point is the contact
    assert_current(session)
    session.delete(session.get(Organisation, partner.id).contacts[0])  # the database sets the focal point to null
    session.commit()
    session.expire_all()
    assert_current(session, checks=True)


def test_the_pages_and_the_api_see_a_record_go_stale_on_the_clock(client, auth, session):
    from datetime import datetime, time

    from app import clock

    partner = complete_organisation(session, "Alpha Relief")
    _, headers = auth(Role.VIEWER)
    session.commit()
    later = today() + timedelta(days=get_settings().quality_stale_days + 1)
    noon = datetime.combine(later, time(12), tzinfo=get_settings().zone)
    assert client.get("/api/v1/quality/records", headers=headers).json()["total"] == 0
    with clock.frozen_at(noon):
        _, headers = auth(Role.VIEWER)  # a token of that day (an older one would have expired)
        listed = client.get("/api/v1/quality/records", headers=headers).json()
        summary = client.get("/api/v1/quality/summary", headers=headers).json()
    assert [(item["id"], [failed["name"] for failed in item["failed"]]) for item in listed["items"]] == [
        (partner.id, ["stale"])
    ]
    assert summary["as_of"] == later.isoformat() and summary["overall"]["records_to_fix"] == 1
