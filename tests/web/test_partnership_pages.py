"""The partnership pages: list, new partnership, one partnership with its timeline, and the actions on it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement
from app.config import get_settings
from app.organisations.models import AreaOfEngagement, Organisation
from app.partnerships.models import Interaction, Partnership, PartyRole, Undertaking
from app.users.models import Role
from tests.builders import cast, database_snapshot, formalising_partnership, organisation, partnership

ACTION_FORM = re.compile(r'<form method="post" action="/partnerships/')


def _today():
    return clock.today(get_settings().zone)


def _areas(session: Session) -> list[AreaOfEngagement]:
    return list(session.scalars(select(AreaOfEngagement).order_by(AreaOfEngagement.id)))


def _snapshot(session: Session) -> dict:
    """Every row of every table except sign-in tokens (each request notes when its token was last used)."""
    session.expire_all()
    return {name: rows for name, rows in database_snapshot(session).items() if name != "api_tokens"}


def _buttons(html: str) -> list[str]:
    """The labels of every button on the page except the header's (sign out, change language)."""
    labels = [re.sub(r"<[^>]+>", "", label).strip() for label in re.findall(r"<button[^>]*>(.*?)</button>", html, re.S)]
    return [label for label in labels if label not in {"Sign out", "Change language"}]


def _informal(session: Session, owner, *, focal: bool = True) -> Partnership:
    """A committed informal partnership (an undertaking recorded) with an area and, if asked, a focal point."""
    org = organisation(session, contacts=[{"name": "Amina Focal", "title": "Director", "email": "amina@partner.org"}])
    created = partnership(session, owner, org, title="Water for schools")
    created.areas = [_areas(session)[0]]
    if focal:
        created.parties[0].focal_point_id = org.contacts[0].id
    session.commit()
    from app.partnerships.schemas import UndertakingCreate
    from app.partnerships.service import record_undertaking

    record_undertaking(
        session, created.id, UndertakingCreate(given_on=_today(), given_by="Ms Director", scope="Work", form="verbal"),
        owner,
    )  # fmt: skip
    session.commit()
    return created


# a new partnership -------------------------------------------------------------------------------------------


def test_the_new_partnership_form_offers_every_field(sign_in, session: Session, make_user) -> None:
    organisation(session, "Kenya Red Cross Society", short_name="KRCS")
    lawyer = make_user(Role.LEGAL_OFFICER, name="Lena Lawyer")
    browser = sign_in(Role.PROJECT_MANAGER)
    page = browser.get("/partnerships/new")
    assert page.status_code == 200
    html = page.text
    for label in ("Title", "Objectives", "Areas of engagement", "Legal officer", "Co-owners", "Project name"):
        assert label in html
    assert 'name="parties[2].organisation_id"' in html and 'name="parties[3].organisation_id"' not in html
    assert "Kenya Red Cross Society (KRCS)" in html
    assert f'<option value="{lawyer.id}">Lena Lawyer</option>' in html
    assert "Handles personal data" in html
    assert "Create partnership" in _buttons(html) and "Add another partner" in _buttons(html)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.LEGAL_OFFICER])
def test_only_managers_may_open_partnerships(sign_in, session: Session, role: Role) -> None:
    org = organisation(session)
    browser = sign_in(role)
    assert browser.get("/partnerships/new").status_code == 403
    before = session.scalar(select(func.count()).select_from(Partnership))
    form = {"title": "Sneaky", "parties[0].organisation_id": str(org.id), "parties[0].role": "lead_partner"}
    response = browser.post("/partnerships", form)
    assert response.status_code == 403
    assert "Not allowed" in response.text
    assert session.scalar(select(func.count()).select_from(Partnership)) == before


def test_creating_a_partnership_with_two_partners(sign_in, session: Session, make_user) -> None:
    lead, other = organisation(session, "Lead Org"), organisation(session, "Other Org")
    lawyer = make_user(Role.LEGAL_OFFICER)
    colleague = make_user(Role.PROJECT_MANAGER)
    areas = _areas(session)
    browser = sign_in(Role.PROJECT_MANAGER)
    form = {
        "title": "  Turkana resilience  ",
        "objectives": "Build resilience",
        "area_codes": [areas[0].code, areas[1].code],
        "legal_officer_id": str(lawyer.id),
        "co_owner_ids": [str(colleague.id)],
        "handles_personal_data": "yes",
        "project.name": "Turkana Resilience",
        "project.code": "KE-TR-01",
        "project.start_date": "2026-01-01",
        "project.end_date": "2027-12-31",
        "parties[0].organisation_id": str(lead.id),
        "parties[0].role": "lead_partner",
        "parties[1].organisation_id": "",  # a blank row in the middle is ignored
        "parties[1].role": "co_partner",
        "parties[2].organisation_id": str(other.id),
        "parties[2].role": "implementing_partner",
    }
    response = browser.post("/partnerships", form)
    assert response.status_code == 303, response.text
    created = session.scalars(select(Partnership).where(Partnership.title == "Turkana resilience")).one()
    assert response.headers["location"] == f"/partnerships/{created.id}"
    session.refresh(created)
    assert {(p.organisation_id, p.role) for p in created.parties} == {
        (lead.id, PartyRole.LEAD_PARTNER),
        (other.id, PartyRole.IMPLEMENTING_PARTNER),
    }
    assert created.owner_id == browser.user.id and created.legal_officer_id == lawyer.id
    assert [p.id for p in created.co_owners] == [colleague.id]
    assert [a.code for a in created.areas] == [areas[0].code, areas[1].code]
    assert created.handles_personal_data is True
    assert created.project.code == "KE-TR-01" and created.stage == "ad_hoc"
    page = browser.get(response.headers["location"])
    assert f"Partnership {created.reference} created." in page.text
    assert "Lead Org" in page.text and "Implementing partner" in page.text


def test_no_partner_is_refused_with_the_message_and_what_was_typed(sign_in, session: Session) -> None:
    browser = sign_in(Role.PROJECT_MANAGER)
    before = _snapshot(session)
    response = browser.post("/partnerships", {"title": "Kept title", "objectives": "Kept objectives"})
    assert response.status_code == 422
    assert "Partners: add at least one partner organisation." in response.text
    assert 'value="Kept title"' in response.text and "Kept objectives</textarea>" in response.text
    assert _snapshot(session) == before


def test_an_unknown_organisation_is_named_on_its_row(sign_in, session: Session) -> None:
    known = organisation(session, "Known Org")
    browser = sign_in(Role.PROJECT_MANAGER)
    form = {
        "title": "Two partners",
        "parties[0].organisation_id": str(known.id),
        "parties[0].role": "lead_partner",
        "parties[1].organisation_id": "",
        "parties[2].organisation_id": "999999",
        "parties[2].role": "co_partner",
    }
    response = browser.post("/partnerships", form)
    assert response.status_code == 422
    html = response.text
    assert 'id="field-parties-2-organisation_id-error"' in html
    assert "Partner 3 organisation: organisation 999999 does not exist." in html
    assert 'href="#field-parties-2-organisation_id"' in html  # the error summary links to the row
    assert f'<option value="{known.id}" selected>Known Org</option>' in html
    assert 'value="Two partners"' in html


def test_a_project_ending_before_it_starts_is_refused(sign_in, session: Session) -> None:
    org = organisation(session)
    browser = sign_in(Role.PROJECT_MANAGER)
    form = {
        "title": "Dates",
        "parties[0].organisation_id": str(org.id),
        "parties[0].role": "lead_partner",
        "project.name": "Backwards",
        "project.start_date": "2027-06-01",
        "project.end_date": "2027-01-01",
    }
    response = browser.post("/partnerships", form)
    assert response.status_code == 422
    assert 'id="field-project-end_date-error"' in response.text
    assert "is before its start date" in response.text
    assert 'value="2027-06-01"' in response.text and 'value="Backwards"' in response.text
    assert session.scalar(select(func.count()).select_from(Partnership).where(Partnership.title == "Dates")) == 0


def test_another_partner_row_with_and_without_javascript(sign_in, session: Session) -> None:
    org = organisation(session)
    browser = sign_in(Role.PROJECT_MANAGER)
    form = {"title": "Growing", "parties[0].organisation_id": str(org.id), "add_party": "1"}
    response = browser.post("/partnerships", form)
    assert response.status_code == 200
    assert 'name="parties[3].organisation_id"' in response.text and 'value="Growing"' in response.text
    assert session.scalar(select(func.count()).select_from(Partnership).where(Partnership.title == "Growing")) == 0
    row = browser.get("/partnerships/new/party-row?index=3", headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert 'name="parties[3].organisation_id"' in row.text and "Partner 4" in row.text
    assert 'hx-swap-oob="true"' in row.text and "index=4" in row.text


# the list ----------------------------------------------------------------------------------------------------


def test_the_list_searches_and_pages(sign_in, session: Session, make_user) -> None:
    manager = make_user(Role.PROJECT_MANAGER, name="Mo Manager")
    org = organisation(session, "Searchable Partner")
    first = partnership(session, manager, org, title="Needle in a haystack")
    for number in range(26):
        partnership(session, manager, organisation(session), title=f"Hay {number}")
    browser = sign_in(Role.VIEWER)
    page = browser.get("/partnerships?q=needle")
    assert page.status_code == 200
    assert first.reference in page.text and "Searchable Partner" in page.text and "Mo Manager" in page.text
    assert "Hay 3" not in page.text
    assert "New partnership" not in page.text  # a viewer cannot open one
    assert 'href="/pipeline"' in page.text
    everything = browser.get("/partnerships")
    assert "Page 1 of 2" in everything.text and "Next page" in everything.text
    second = browser.get("/partnerships?page=2")
    assert "Page 2 of 2" in second.text and "Previous page" in second.text
    partial = browser.get("/partnerships?q=needle", headers={"HX-Request": "true", "HX-Target": "partnership-results"})
    assert "<html" not in partial.text and first.reference in partial.text
    unknown = browser.get("/partnerships?stage=nowhere")
    assert unknown.status_code == 200 and "unknown stage" in unknown.text
    manager_view = sign_in(Role.PROJECT_MANAGER).get("/partnerships")
    assert 'href="/partnerships/new"' in manager_view.text and "New partnership" in manager_view.text


# one partnership ---------------------------------------------------------------------------------------------


def test_the_page_shows_the_partnership(sign_in, session: Session, make_user) -> None:
    people = cast(make_user)
    created = formalising_partnership(session, people)
    agreement_id = session.scalar(select(func.count()).select_from(Agreement))  # noqa: F841 - just data
    from tests.builders import draft_agreement

    agreement = draft_agreement(session, people, created)
    browser = sign_in(user=people.manager)
    page = browser.get(f"/partnerships/{created.id}")
    assert page.status_code == 200
    html = page.text
    assert created.reference in html and created.title in html
    assert "badge--formalising" in html and "Focal 0" in html and "Lead partner" in html
    assert f'href="/agreements/{agreement.id}"' in html and "badge--draft" in html
    assert "Report" in html and "Our organisation" in html  # obligations across its agreements
    assert "Stage history" in html and "Start formalisation" in html  # the step that led here
    assert people.lawyer.full_name in html and people.manager.full_name in html


@pytest.mark.parametrize("who", ["viewer", "other manager"])
def test_people_who_may_not_edit_see_no_actions_and_are_refused(sign_in, session: Session, make_user, who) -> None:
    owner = make_user(Role.PROJECT_MANAGER)
    created = _informal(session, owner)
    browser = sign_in(Role.VIEWER if who == "viewer" else Role.PROJECT_MANAGER)
    page = browser.get(f"/partnerships/{created.id}")
    assert page.status_code == 200
    assert _buttons(page.text) == []
    assert not ACTION_FORM.search(page.text)
    main = page.text.split("<main", 1)[1]  # the header's language switch is everyone's
    assert "<select" not in main and "<textarea" not in main
    before = _snapshot(session)
    posts = {
        "interactions": {"interaction.occurred_on": _today().isoformat(), "interaction.kind": "call",
                         "interaction.summary": "Hello"},
        "undertakings": {"undertaking.given_on": _today().isoformat(), "undertaking.given_by": "X",
                         "undertaking.scope": "Y", "undertaking.form": "verbal"},
        "transitions/start_formalising": {},
        "transitions/go_dormant": {},
    }  # fmt: skip
    for path, form in posts.items():
        assert browser.post(f"/partnerships/{created.id}/{path}", form).status_code == 403, path
    assert _snapshot(session) == before


def test_logging_an_interaction_and_recording_an_undertaking(sign_in, session: Session, make_user) -> None:
    manager = make_user(Role.PROJECT_MANAGER)
    org = organisation(session, "Partner A")
    created = partnership(session, manager, org)
    browser = sign_in(user=manager)
    page = browser.get(f"/partnerships/{created.id}")
    assert {"Log interaction", "Record undertaking", "Mark as dormant"} <= set(_buttons(page.text))
    yesterday = (_today() - timedelta(days=1)).isoformat()
    response = browser.post(
        f"/partnerships/{created.id}/interactions",
        {"interaction.occurred_on": yesterday, "interaction.kind": "field_visit",
         "interaction.summary": "Visited the clinic", "interaction.participants": "Dr Who"},
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == f"/partnerships/{created.id}#interactions"
    response = browser.post(
        f"/partnerships/{created.id}/undertakings",
        {"undertaking.given_on": yesterday, "undertaking.given_by": "The director", "undertaking.form": "email",
         "undertaking.organisation_id": str(org.id), "undertaking.scope": "Joint vaccination campaign"},
    )  # fmt: skip
    assert response.status_code == 303
    session.expire_all()
    assert (
        session.scalars(select(Interaction).where(Interaction.partnership_id == created.id)).one().kind == "field_visit"
    )
    assert session.scalars(select(Undertaking).where(Undertaking.partnership_id == created.id)).one().form == "email"
    assert session.get(Partnership, created.id).stage == "informal"
    page = browser.get(f"/partnerships/{created.id}").text
    timeline = page.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    assert "Interaction · Field visit" in timeline and "Visited the clinic" in timeline
    assert "Undertaking given by The director" in timeline and "Joint vaccination campaign" in timeline
    assert "Stage change" in timeline and "(Ad hoc → Informal)" in timeline
    assert "Undertaking recorded." in page


def test_a_bad_interaction_keeps_what_was_typed(sign_in, session: Session, make_user) -> None:
    manager = make_user(Role.PROJECT_MANAGER)
    created = partnership(session, manager, organisation(session))
    browser = sign_in(user=manager)
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    response = browser.post(
        f"/partnerships/{created.id}/interactions",
        {"interaction.occurred_on": tomorrow, "interaction.kind": "call", "interaction.summary": "Future call",
         "interaction.participants": "Kept people"},
    )  # fmt: skip
    assert response.status_code == 422
    assert (
        'id="field-interaction-occurred_on-error"' in response.text and "cannot be dated in the future" in response.text
    )
    assert f'value="{tomorrow}"' in response.text and "Future call</textarea>" in response.text
    assert '<details class="disclosure" id="log-interaction" open>' in response.text
    missing = browser.post(f"/partnerships/{created.id}/interactions", {"interaction.kind": "call"})
    assert missing.status_code == 422
    assert "Summary is required." in missing.text and "Date of the interaction is required." in missing.text
    assert session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_firing_a_transition_moves_the_stage(sign_in, session: Session, make_user) -> None:
    manager = make_user(Role.PROJECT_MANAGER)
    created = _informal(session, manager)
    browser = sign_in(user=manager)
    page = browser.get(f"/partnerships/{created.id}")
    assert f'action="/partnerships/{created.id}/transitions/start_formalising"' in page.text
    response = browser.post(
        f"/partnerships/{created.id}/transitions/start_formalising", {"version": str(created.version)}
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Partnership, created.id).stage == "formalising"
    page = browser.get(f"/partnerships/{created.id}")
    assert "Start formalisation: the partnership is now formalising." in page.text
    assert "Start an agreement" in page.text


def test_a_refused_transition_shows_the_reason(sign_in, session: Session, make_user) -> None:
    manager = make_user(Role.PROJECT_MANAGER)
    created = _informal(session, manager, focal=False)
    browser = sign_in(user=manager)
    page = browser.get(f"/partnerships/{created.id}")
    assert "no partner party has a focal point" in page.text  # shown beside the disabled button
    assert re.search(r'<button type="button" class="button" disabled[^>]*>Start formalisation</button>', page.text)
    response = browser.post(f"/partnerships/{created.id}/transitions/start_formalising", {})
    assert response.status_code == 409
    assert "Start formalisation was not done" in response.text
    assert "No partner party has a focal point" in response.text
    assert session.get(Partnership, created.id).stage == "informal"
    stale = browser.post(f"/partnerships/{created.id}/transitions/go_dormant", {"version": "1"})
    assert stale.status_code == 412 and "Mark as dormant was not done" in stale.text
    assert "Someone changed this partnership meanwhile" in stale.text
    wrong_stage = browser.post(f"/partnerships/{created.id}/transitions/revive", {})
    assert wrong_stage.status_code == 409 and "It cannot be done while the partnership is informal" in wrong_stage.text
    assert browser.post(f"/partnerships/{created.id}/transitions/fly_away", {}).status_code == 404


def test_a_legal_officer_sees_why_only_managers_formalise(sign_in, session: Session, make_user) -> None:
    manager, lawyer = make_user(Role.PROJECT_MANAGER), make_user(Role.LEGAL_OFFICER)
    created = _informal(session, manager)
    created.legal_officer_id = lawyer.id
    session.commit()
    page = sign_in(user=lawyer).get(f"/partnerships/{created.id}")
    assert "only an admin or a project manager may do this" in page.text
    assert "Log interaction" in _buttons(page.text)


def test_naming_a_focal_point(sign_in, session: Session, make_user) -> None:
    manager = make_user(Role.PROJECT_MANAGER)
    created = _informal(session, manager, focal=False)
    party = created.parties[0]
    contact = party.organisation.contacts[0]
    browser = sign_in(user=manager)
    url = f"/partnerships/{created.id}/parties/{party.id}/focal-point"
    response = browser.post(url, {"focal_point_id": str(contact.id), "version": str(created.version)})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Partnership, created.id).parties[0].focal_point_id == contact.id
    page = browser.get(f"/partnerships/{created.id}")
    assert "amina@partner.org" in page.text and "Focal point saved." in page.text
    stranger = organisation(session, contacts=[{"name": "Someone Else"}]).contacts[0]
    refused = browser.post(url, {"focal_point_id": str(stranger.id)})
    assert refused.status_code == 422 and "does not work at" in refused.text


def test_starting_an_agreement(sign_in, session: Session, make_user) -> None:
    people = cast(make_user)
    created = formalising_partnership(session, people)
    browser = sign_in(user=people.manager)
    form = {
        "agreement.kind": "mou",
        "agreement.title": "MOU on clean water",
        "agreement.effective_date": "2027-01-01",
        "agreement.end_date": "2028-12-31",
        "agreement.notice_period_days": "60",
    }
    response = browser.post(f"/partnerships/{created.id}/agreements", form)
    assert response.status_code == 303
    agreement = session.scalars(select(Agreement).where(Agreement.partnership_id == created.id)).one()
    assert response.headers["location"] == f"/agreements/{agreement.id}"
    assert (agreement.status, agreement.kind, agreement.notice_period_days) == ("draft", "mou", 60)


def test_a_bad_agreement_is_refused_and_kept(sign_in, session: Session, make_user) -> None:
    people = cast(make_user)
    created = formalising_partnership(session, people)
    browser = sign_in(user=people.manager)
    form = {
        "agreement.title": "Backwards MOU",
        "agreement.effective_date": "2027-06-01",
        "agreement.end_date": "2027-01-01",
    }
    response = browser.post(f"/partnerships/{created.id}/agreements", form)
    assert response.status_code == 422
    assert 'id="field-agreement-end_date-error"' in response.text and "must come after" in response.text
    assert 'value="Backwards MOU"' in response.text and 'value="2027-06-01"' in response.text
    assert session.scalar(select(func.count()).select_from(Agreement)) == 0


def test_no_agreement_before_formalising(sign_in, session: Session, make_user) -> None:
    manager = make_user(Role.PROJECT_MANAGER)
    created = _informal(session, manager)
    browser = sign_in(user=manager)
    page = browser.get(f"/partnerships/{created.id}")
    assert "Start agreement" not in _buttons(page.text)
    response = browser.post(f"/partnerships/{created.id}/agreements", {"agreement.title": "Too early"})
    assert response.status_code == 409
    assert "start formalising it before drafting an agreement" in response.text
    assert session.scalar(select(func.count()).select_from(Agreement)) == 0


def test_posts_without_the_csrf_token_write_nothing(sign_in, session: Session, make_user) -> None:
    manager = make_user(Role.PROJECT_MANAGER)
    org = organisation(session)
    created = _informal(session, manager)
    browser = sign_in(user=manager)
    before = _snapshot(session)
    posts = {
        "/partnerships": {"title": "No token", "parties[0].organisation_id": str(org.id),
                          "parties[0].role": "lead_partner"},
        f"/partnerships/{created.id}/interactions": {"interaction.occurred_on": _today().isoformat(),
                                                     "interaction.kind": "call", "interaction.summary": "x"},
        f"/partnerships/{created.id}/transitions/start_formalising": {},
        f"/partnerships/{created.id}/agreements": {"agreement.title": "x"},
    }  # fmt: skip
    for url, form in posts.items():
        response = browser.post(url, form, csrf=False)
        assert response.status_code == 403, url
        assert "did not come from this site" in response.text
    assert _snapshot(session) == before


def test_an_unknown_partnership_is_not_found(sign_in) -> None:
    browser = sign_in(Role.PROJECT_MANAGER)
    assert browser.get("/partnerships/999999").status_code == 404
    interaction = {"interaction.occurred_on": "2026-01-01", "interaction.kind": "call", "interaction.summary": "x"}
    assert browser.post("/partnerships/999999/interactions", interaction).status_code == 404
    assert browser.post("/partnerships/999999/transitions/go_dormant", {}).status_code == 404


def test_organisations_are_listed_by_name(session: Session) -> None:
    from app.partnerships.service import organisation_choices

    organisation(session, "Zeta Org")
    organisation(session, "Alpha Org", short_name="AO")
    names = [label for _, label in organisation_choices(session)]
    assert names.index("Alpha Org (AO)") < names.index("Zeta Org")
    assert session.scalar(select(func.count()).select_from(Organisation)) == len(names)
