"""Each party's copy of its organisation's kind, country and region stays current in the same transaction, the list
filters on it with the same meaning as before (one party matching every given fact), and a rebuild recomputes it."""

from __future__ import annotations

from sqlalchemy import select, update

from app.listing import PageParams
from app.organisations.models import OrganisationKind
from app.organisations.schemas import OrganisationUpdate
from app.organisations.service import update_organisation
from app.partnerships import service
from app.partnerships.facets import rebuild_party_facets
from app.partnerships.models import PartnershipParty
from app.partnerships.schemas import PartnershipFilter, PartnershipUpdate, PartyInput
from app.users.models import Role
from tests.builders import SET_UP, organisation, partnership


def _facts(session) -> set[tuple]:
    rows = session.execute(
        select(
            PartnershipParty.id,
            PartnershipParty.organisation_kind,
            PartnershipParty.organisation_country_code,
            PartnershipParty.organisation_region_key,
        )
    )
    return set(rows)


def _found(session, **filters) -> set[int]:
    found = service.list_partnerships(session, PartnershipFilter(**filters), PageParams(page_size=200))
    return {item.id for item in found.items}


def test_a_new_party_and_a_changed_organisation_update_the_copy_in_the_same_transaction(session, make_user):
    user = make_user(Role.PROJECT_MANAGER)
    kenyan = organisation(session, "Facet Kenya", kind=OrganisationKind.THINK_TANK, country_code="KE",
                          region="East and Horn of Africa")  # fmt: skip
    french = organisation(session, "Facet France", kind=OrganisationKind.NATIONAL_CSO, country_code="FR")
    both = partnership(session, user, kenyan, french)
    only_french = partnership(session, user, french)
    assert _found(session, region="EAST AND HORN OF AFRICA") == {both.id}
    assert _found(session, partner_kind="think_tank", country_code="KE") == {both.id}
    assert _found(session, partner_kind="think_tank", country_code="FR") == set()  # one party has every fact
    assert _found(session, partner_kind="national_cso") == {both.id, only_french.id}

    update_organisation(session, french.id, OrganisationUpdate(region="European Economic Area"), actor=SET_UP)
    update_organisation(session, kenyan.id, OrganisationUpdate(kind=OrganisationKind.ACADEMIC), actor=SET_UP)
    session.flush()  # no commit: the copies are current within the writing transaction
    assert _found(session, region="european economic area") == {both.id, only_french.id}
    assert _found(session, partner_kind="think_tank") == set()
    assert _found(session, partner_kind="academic_institution", country_code="KE") == {both.id}

    service.update_partnership(
        session,
        only_french.id,
        PartnershipUpdate(parties=[PartyInput(organisation_id=kenyan.id, role="lead_partner")]),
        actor=user,
    )
    session.flush()
    assert _found(session, country_code="KE") == {both.id, only_french.id}
    assert _found(session, country_code="FR") == {both.id}


def test_the_rebuild_recomputes_every_copy_from_the_organisations(session, make_user):
    user = make_user(Role.PROJECT_MANAGER)
    for n, country in enumerate(["KE", "FR", "BR"]):
        partnership(session, user, organisation(session, f"Facet rebuild {n}", country_code=country, region=f"R{n}"))
    before = _facts(session)
    session.execute(
        update(PartnershipParty).values(
            organisation_kind=None, organisation_country_code="ZZ", organisation_region_key=None
        )
    )
    assert _facts(session) != before
    rebuild_party_facets(session)
    assert _facts(session) == before
    assert {row[3] for row in before} >= {"r0", "r1", "r2"}
