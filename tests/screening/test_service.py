"""Screening in the service: hits found when organisations are created or renamed, decisions remembered across
reloads and re-opened when their entry changes, what a reload reports, and the guard on approval."""

from __future__ import annotations

from sqlalchemy import select

from app.screening import service
from app.screening.models import HitStatus, ScreeningHit, ScreeningStatus
from app.users.models import Role
from app.workflow import engine
from app.workflow.actor import Actor
from tests.builders import cast, draft_agreement, happy_step, organisation
from tests.screening.support import FIXTURE_TEXT, NEW_VERSION_OF_CRESCENT, load, variant


def _hits(session, organisation_id: int) -> list[ScreeningHit]:
    return list(session.scalars(select(ScreeningHit).where(ScreeningHit.organisation_id == organisation_id)))


def test_a_new_organisation_is_screened_when_it_is_committed(session) -> None:
    clean = organisation(session, "Kisumu Youth Theatre", country_code="KE")
    suspect = organisation(session, "Northern Crescent Foundation", country_code="SO", short_name="NCF")
    assert service.standing(session, clean).status is ScreeningStatus.CLEAR
    found = service.standing(session, suspect)
    assert found.status is ScreeningStatus.PENDING and found.screening_list is not None
    [hit] = found.hits
    assert hit.data_id == "6900001" and hit.status is HitStatus.PENDING and hit.score >= service.threshold()
    assert hit.components["entry_name"] == "Northern Crescent Foundation"


def test_a_renamed_organisation_is_screened_again(session) -> None:
    body = organisation(session, "Lakeside Traders", country_code="RU")
    assert service.standing(session, body).status is ScreeningStatus.CLEAR
    body.legal_name = "Baykal Shipping"
    assert service.standing(session, body).status is ScreeningStatus.UNSCREENED  # renamed, not yet screened
    session.commit()
    assert service.standing(session, body).status is ScreeningStatus.PENDING


def test_a_cleared_false_positive_stays_cleared_until_its_entry_changes(session, make_user) -> None:
    lawyer = make_user(Role.LEGAL_OFFICER)
    suspect = organisation(session, "Northern Crescent Foundation", country_code="KE")
    [hit] = service.standing(session, suspect).hits
    service.decide(session, hit.id, "cleared", "A Nairobi youth charity, registered 2019", actor=Actor.person(lawyer))
    assert service.standing(session, suspect).status is ScreeningStatus.CLEAR
    assert (hit.decided_by_id, hit.reason) == (lawyer.id, "A Nairobi youth charity, registered 2019")

    same = load(session, FIXTURE_TEXT.encode())  # the same list again: nothing comes back
    assert same.unchanged_file and not same.new_hits and not same.reopened
    assert service.standing(session, suspect).status is ScreeningStatus.CLEAR

    other = load(session, variant(("Rashid Trust", "Rashid Welfare Trust")))  # another entry changed
    assert [data_id for data_id, _name in other.changed] == ["6900002"] and not other.reopened
    assert service.standing(session, suspect).status is ScreeningStatus.CLEAR

    amended = load(session, variant(NEW_VERSION_OF_CRESCENT))  # its own entry changed: the decision is re-opened
    assert [data_id for data_id, _name in amended.changed] == ["6900001", "6900002"]  # 6900002 back as it was
    assert [(org_id, entry) for org_id, _name, entry in amended.reopened] == [
        (suspect.id, "NORTHERN CRESCENT RELIEF FOUNDATION")
    ]
    session.refresh(hit)
    assert hit.status is HitStatus.PENDING and hit.reopened_at is not None and hit.version_num == 2
    assert service.standing(session, suspect).status is ScreeningStatus.PENDING


def test_a_reload_reports_entries_added_removed_and_changed_and_the_new_hits(session) -> None:
    organisation(session, "Tigris Valley Development Fund", country_code="IQ")
    organisation(session, "Sunrise Orphanage Trust", country_code="KE")
    added_entry = (
        "<ENTITIES>",
        "<ENTITIES>\n<ENTITY><DATAID>6900099</DATAID><VERSIONNUM>1</VERSIONNUM>"
        "<FIRST_NAME>SUNRISE ORPHANAGE TRUST</FIRST_NAME><UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>"
        "<REFERENCE_NUMBER>QDe.999</REFERENCE_NUMBER><LISTED_ON>2026-11-01</LISTED_ON>"
        "<ENTITY_ADDRESS><COUNTRY>Kenya</COUNTRY></ENTITY_ADDRESS></ENTITY>",
    )
    start = FIXTURE_TEXT.index("<ENTITY>\n<DATAID>6900009</DATAID>")
    removed_entry = (FIXTURE_TEXT[start : FIXTURE_TEXT.index("</ENTITY>", start) + len("</ENTITY>")], "")
    report = load(session, variant(added_entry, removed_entry, ("Meridian Brokers", "Meridian Arms Brokers")))
    assert report.added == [("6900099", "SUNRISE ORPHANAGE TRUST")]
    assert report.removed == [("6900009", "TIGRIS VALLEY DEVELOPMENT FUND")]
    assert report.changed == [("6900010", "MERIDIAN ARMS BROKERAGE")]
    assert [(name, entry) for _id, name, entry, _score in report.new_hits] == [
        ("Sunrise Orphanage Trust", "SUNRISE ORPHANAGE TRUST")
    ]
    assert report.organisations >= 2
    loaded = service.current_list(session)
    assert (loaded.added, loaded.removed, loaded.changed, loaded.new_hits) == (1, 1, 1, 1)
    # the removed entry's hit no longer counts: the organisation is clear against the new list
    statuses = {hit.data_id: hit.active for hit in session.scalars(select(ScreeningHit))}
    assert statuses.get("6900009") is False and statuses["6900099"] is True


def _approval_reasons(session, agreement, people) -> list[str]:
    actor, _comment, _payload = happy_step(agreement, "approve", people)
    options = {
        option.trigger: option for option in engine.available(session, "agreement", agreement, Actor.person(actor))
    }
    return options["approve"].reasons


def test_the_guard_blocks_approval_of_a_matched_party_until_the_hit_is_cleared(session, make_user) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    party = agreement.partnership.parties[0].organisation
    party.legal_name = "Koryo General Trading Corp."
    party.country_code = "KP"
    session.commit()
    engine.fire(session, "agreement", agreement, "submit_for_review", Actor.person(people.manager))
    session.commit()
    reasons = _approval_reasons(session, agreement, people)
    assert any("Koryo General Trading Corp. has 1 potential sanctions-list matches" in r for r in reasons), reasons
    [hit] = service.standing(session, party).hits
    service.decide(session, hit.id, "confirmed", "Same registration number", actor=Actor.person(people.admin))
    assert any("is a confirmed match" in reason for reason in _approval_reasons(session, agreement, people))
    service.decide(session, hit.id, "cleared", "Another company: different owners", actor=Actor.person(people.admin))
    assert not [r for r in _approval_reasons(session, agreement, people) if "sanctions" in r]


def test_with_no_list_loaded_approval_is_blocked_unless_screening_is_switched_off(session, make_user, monkeypatch):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    engine.fire(session, "agreement", agreement, "submit_for_review", Actor.person(people.manager))
    session.delete(service.current_list(session))
    session.flush()
    reasons = _approval_reasons(session, agreement, people)
    assert any(reason.startswith("no sanctions list is loaded") for reason in reasons), reasons
    monkeypatch.setattr(service.get_settings(), "screening_required", False)
    assert not [reason for reason in _approval_reasons(session, agreement, people) if "sanctions" in reason]


def test_an_unscreened_party_is_screened_when_the_approval_relies_on_it(session, make_user) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    engine.fire(session, "agreement", agreement, "submit_for_review", Actor.person(people.manager))
    party = agreement.partnership.parties[0].organisation
    session.delete(session.get(service.OrganisationScreening, party.id))
    session.flush()
    assert service.standing(session, party).status is ScreeningStatus.UNSCREENED
    actor, comment, payload = happy_step(agreement, "approve", people)
    engine.fire(session, "agreement", agreement, "approve", Actor.person(actor), comment, payload=payload)
    assert agreement.status == "approved"
    assert service.standing(session, party).status is ScreeningStatus.CLEAR


def test_only_legal_officers_and_admins_decide_and_a_reason_is_required(session, make_user) -> None:
    import pytest

    from app.errors import DomainError, Forbidden

    suspect = organisation(session, "Hope Bridge Charitable Society", country_code="SY")
    [hit] = service.standing(session, suspect).hits
    with pytest.raises(Forbidden):
        service.decide(session, hit.id, "cleared", "Looks fine", actor=Actor.person(make_user(Role.PROJECT_MANAGER)))
    lawyer = Actor.person(make_user(Role.LEGAL_OFFICER))
    with pytest.raises(DomainError) as refused:
        service.decide(session, hit.id, "cleared", "  ", actor=lawyer)
    assert refused.value.problems[0].field == "reason"
    with pytest.raises(DomainError) as refused:
        service.decide(session, hit.id, "maybe", "Unsure", actor=lawyer)
    assert refused.value.problems[0].field == "decision"
    assert hit.status is HitStatus.PENDING
