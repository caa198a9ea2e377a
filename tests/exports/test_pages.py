"""The pages' "Export CSV / Export Excel" links: they carry the filters on screen and download that list."""

from __future__ import annotations

import html
import re

from app.users.models import Role
from tests.exports.conftest import read_csv, read_xlsx


def _export_links(page: str) -> dict[str, str]:
    links = re.findall(r'href="(/exports/[^"]+)"[^>]*>(Export [A-Za-z]+)<', page)
    return {label: html.unescape(url) for url, label in links}


def test_the_organisation_directory_links_to_its_list_as_filtered(sign_in, portfolio):
    browser = sign_in(Role.VIEWER)
    page = browser.get("/organisations?country_code=CI")
    assert page.status_code == 200
    links = _export_links(page.text)
    assert links["Export CSV"] == "/exports/organisations?format=csv&country_code=CI"
    assert links["Export Excel"] == "/exports/organisations?format=xlsx&country_code=CI"
    download = browser.get(links["Export CSV"])
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith('attachment; filename="organisations-')
    assert [row["organisation_name"] for row in read_csv(download.content)] == ["Université Félix Houphouët-Boigny"]


def test_the_partnership_list_and_its_htmx_results_carry_the_search(sign_in, portfolio):
    browser = sign_in(Role.VIEWER)
    page = browser.get("/partnerships?q=corridor")
    assert _export_links(page.text)["Export Excel"] == "/exports/partnerships?format=xlsx&q=corridor"
    partial = browser.get("/partnerships?q=Think", headers={"HX-Request": "true", "HX-Target": "partnership-results"})
    assert "<html" not in partial.text
    link = _export_links(partial.text)["Export Excel"]
    _, rows, _ = read_xlsx(browser.get(link).content)
    assert [row["reference"] for row in rows] == [portfolio.solo.reference]


def test_the_pipeline_export_keeps_only_mine(sign_in, portfolio):
    browser = sign_in(user=portfolio.people.admin)
    page = browser.get("/pipeline?mine=1")
    link = _export_links(page.text)["Export CSV"]
    assert link == "/exports/partnerships?format=csv&mine=1"
    assert [row["reference"] for row in read_csv(browser.get(link).content)] == [portfolio.solo.reference]
    everything = read_csv(browser.get("/exports/partnerships?format=csv&page=3&stage=").content)
    assert {portfolio.solo.reference, portfolio.joint.reference, portfolio.formal.reference} <= {
        row["reference"] for row in everything
    }


def test_bad_filters_and_unknown_lists_are_pages_in_words(sign_in, portfolio):
    browser = sign_in(Role.VIEWER)
    bad = browser.get("/exports/partnerships?stage=signed")
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    assert "unknown stage" in bad.text
    unknown = browser.get("/exports/partnerships?colour=red")
    assert unknown.status_code == 422 and "colour" in unknown.text
    missing = browser.get("/exports/contacts?format=csv")
    assert missing.status_code == 404 and "there is no export of" in html.unescape(missing.text)


def test_a_stranger_is_sent_to_sign_in(client):
    response = client.get("/exports/organisations?format=csv", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in?next=")
