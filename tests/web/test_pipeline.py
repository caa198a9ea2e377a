"""The pipeline board: columns by stage, filters that filter, htmx partials, and a stage shown in full."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.config import get_settings
from app.organisations.models import AreaOfEngagement, OrganisationKind
from app.users.models import Role
from tests.builders import advance, cast, draft_agreement, organisation, partnership


def _column(html: str, stage: str) -> str:
    start = html.index(f'id="column-{stage}"')
    return html[start : html.index("</section>", start)]


def _count(html: str, stage: str) -> int:
    found = re.search(r'<span class="visually-hidden">Partnerships in this stage: </span>(\d+)', _column(html, stage))
    return int(found.group(1))


def test_the_board_has_a_column_per_stage_in_workflow_order_with_counts(sign_in, session, make_user):
    manager = make_user(Role.PROJECT_MANAGER, name="Paula Owner")
    org = organisation(session, "Kenya Red Cross Society", short_name="KRCS", region="East Africa")
    area = session.scalars(select(AreaOfEngagement)).first()
    first = partnership(session, manager, org, title="Flood response", area_codes=[area.code])
    page = sign_in(Role.VIEWER).get("/pipeline")
    assert page.status_code == 200
    html = page.text
    positions = [html.index(f'id="column-{stage}"') for stage in
                 ("ad_hoc", "informal", "formalising", "formal", "ended", "dormant", "closed")]  # fmt: skip
    assert positions == sorted(positions)
    ad_hoc = _column(html, "ad_hoc")
    assert _count(html, "ad_hoc") == 1 and _count(html, "formal") == 0
    assert f'href="/partnerships/{first.id}"' in ad_hoc
    assert first.reference in ad_hoc and "Flood response" in ad_hoc
    assert "KRCS" in ad_hoc and "Paula Owner" in ad_hoc and area.name in ad_hoc
    assert "No partnerships in this stage." in _column(html, "formal")


def test_cards_show_the_end_date_of_the_agreement_in_force(sign_in, session, make_user):
    people = cast(make_user)
    end = clock.today(get_settings().zone) + timedelta(days=200)
    agreement = draft_agreement(session, people, end=end)
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, step, people)
    session.commit()
    html = sign_in(Role.VIEWER).get("/pipeline").text
    formal = _column(html, "formal")
    assert agreement.partnership.reference in formal
    assert f"{end.day} {end:%b %Y}" in formal


def test_filters_filter(sign_in, session, make_user):
    manager = make_user(Role.PROJECT_MANAGER)
    other = make_user(Role.PROJECT_MANAGER)
    areas = list(session.scalars(select(AreaOfEngagement).order_by(AreaOfEngagement.id)))[:2]
    cso = organisation(session, "Nairobi Youth Network", region="East Africa")
    university = organisation(session, "Dakar University", kind=OrganisationKind.ACADEMIC, country_code="SN",
                              region="West Africa")  # fmt: skip
    health = partnership(session, manager, cso, title="Clinics for migrants", area_codes=[areas[0].code])
    research = partnership(session, other, university, title="Return study", area_codes=[areas[1].code])
    browser = sign_in(Role.VIEWER)

    def shown(query: str) -> set[int]:
        page = browser.get(f"/pipeline?{query}")
        assert page.status_code == 200, page.text
        return {int(found) for found in re.findall(r'href="/partnerships/(\d+)"', page.text)}

    assert shown("") >= {health.id, research.id}
    assert shown(f"area={areas[0].code}") == {health.id}
    assert shown("partner_kind=academic_institution") == {research.id}
    assert shown("region=West+Africa") == {research.id}
    assert shown(f"owner_id={manager.id}") == {health.id}
    assert shown("q=clinics") == {health.id}
    assert shown("q=dakar") == {research.id}
    assert shown(f"q=clinics&owner_id={other.id}") == set()
    mine = sign_in(user=manager).get("/pipeline?mine=1").text
    assert f'href="/partnerships/{health.id}"' in mine and f'href="/partnerships/{research.id}"' not in mine


def test_the_filter_form_keeps_the_choices_and_works_without_javascript(sign_in, session, make_user):
    organisation(session, "Somewhere", region="East Africa")
    html = sign_in(Role.VIEWER).get("/pipeline?q=flood&region=East+Africa&partner_kind=think_tank").text
    assert '<form class="filters card" method="get" action="/pipeline"' in html
    assert 'hx-get="/pipeline"' in html and 'hx-target="#board"' in html and 'hx-push-url="true"' in html
    assert 'name="q" type="search" value="flood"' in html
    assert '<option value="East Africa" selected>' in html
    assert '<option value="think_tank" selected>' in html
    assert 'href="/pipeline">Clear filters</a>' in html
    assert "None match the filters." in html


def test_bad_filters_are_explained_not_a_crash(sign_in):
    page = sign_in(Role.VIEWER).get("/pipeline?area=no-such-area&partner_kind=pirates")
    assert page.status_code == 422
    assert "Please correct the following" in page.text
    assert 'id="field-area"' in page.text


def test_htmx_gets_only_the_board(sign_in, session, make_user):
    manager = make_user(Role.PROJECT_MANAGER)
    created = partnership(session, manager, organisation(session), title="Only the board")
    browser = sign_in(Role.VIEWER)
    partial = browser.get("/pipeline?q=only", headers={"HX-Request": "true", "HX-Target": "board"})
    assert partial.status_code == 200
    assert "<html" not in partial.text and 'class="board' in partial.text
    assert f'href="/partnerships/{created.id}"' in partial.text
    restore = browser.get("/pipeline?q=only", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_a_column_shows_at_most_fifty_cards_and_links_to_all(sign_in, session, make_user):
    manager = make_user(Role.PROJECT_MANAGER)
    org = organisation(session)
    created = [partnership(session, manager, org, title=f"Card {number:03d}") for number in range(53)]
    browser = sign_in(Role.VIEWER)
    ad_hoc = _column(browser.get("/pipeline").text, "ad_hoc")
    assert ad_hoc.count('class="board-card"') == 50
    assert "Show all 53 in ad hoc" in ad_hoc
    assert 'href="/pipeline?stage=ad_hoc"' in ad_hoc
    assert f'href="/partnerships/{created[-1].id}"' in ad_hoc  # newest first
    assert f'href="/partnerships/{created[0].id}"' not in ad_hoc
    full = browser.get("/pipeline?stage=ad_hoc").text
    assert full.count('class="board-card"') == 53
    assert 'id="column-formal"' not in full
    assert "Back to the whole board" in full
