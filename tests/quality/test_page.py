"""The data-quality page: scores, checks with how many fail (linked to the list), records to fix with filters."""

from __future__ import annotations

import re

from app.users.models import Role
from tests.quality.conftest import complete_organisation, complete_partnership


def _listed(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="(/(?:organisations|partnerships)/\d+)">', html)


def test_a_viewer_sees_scores_checks_and_records_to_fix(sign_in, session, make_user):
    complete = complete_organisation(session, "Complete Org")
    bare = complete_organisation(session, "Bare Org", contacts=[], website=None)
    created = complete_partnership(session, make_user(Role.PROJECT_MANAGER), complete, objectives=None)
    page = sign_in(Role.VIEWER).get("/quality")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Data quality</h1>" in html and "Overall score" in html
    assert re.search(r"quality-band--(good|fair|poor)\">(good|fair|poor)<", html)  # the band in words, not colour
    assert '<meter min="0" max="100"' in html
    assert "<caption>Organisations (2)</caption>" in html and "<caption>Partnerships (1)</caption>" in html
    assert 'href="/quality?entity=organisation&amp;check=focal_point#to-fix"' in html
    assert _listed(html) == [f"/organisations/{bare.id}", f"/partnerships/{created.id}"]  # by impact
    assert "No contact person is recorded" in html and "The objectives are missing" in html
    assert '<label for="field-sort">Sort by</label>' in html and '<label for="field-check">' in html
    assert (
        "<form" in html
        and 'method="get"' in html
        and "csrf_token" not in html.split("<main", 1)[1].split("Records to fix", 1)[1]
    )  # only GET forms: nothing to post


def test_the_list_filters_and_sorts_without_javascript(sign_in, session, make_user):
    complete_organisation(session, "Alpha Org", region=None)
    bare = complete_organisation(session, "Bare Org", contacts=[], website=None)
    created = complete_partnership(session, make_user(Role.PROJECT_MANAGER), bare, objectives=None)
    browser = sign_in(Role.VIEWER)
    by_name = browser.get("/quality?sort=name").text
    assert _listed(by_name)[:2] == [f"/organisations/{bare.id - 1}", f"/organisations/{bare.id}"]
    partnerships = browser.get("/quality?entity=partnership").text
    assert _listed(partnerships) == [f"/partnerships/{created.id}"]
    focal = browser.get("/quality?entity=organisation&check=focal_point").text
    assert _listed(focal) == [f"/organisations/{bare.id}"]
    assert '<option value="focal_point" selected>' in focal and "Clear filters" in focal


def test_bad_filters_are_explained(sign_in, session):
    complete_organisation(session, region=None)
    browser = sign_in(Role.VIEWER)
    page = browser.get("/quality?check=nonsense")
    assert page.status_code == 422
    assert "unknown check" in page.text and "Correct the filters above" in page.text
    assert "Overall score" in page.text  # the scores are still shown
    assert browser.get("/quality?sort=sideways").status_code == 422


def test_the_list_pages(sign_in, session):
    for number in range(27):
        complete_organisation(session, f"Paged {number:02d}", region=None)
    browser = sign_in(Role.VIEWER)
    first = browser.get("/quality?sort=name").text
    assert len(_listed(first)) == 25 and "Page 1 of 2" in first
    assert 'href="/quality?sort=name&amp;page=2#to-fix"' in first
    second = browser.get("/quality?sort=name&page=2").text
    assert len(_listed(second)) == 2 and "Previous page" in second
