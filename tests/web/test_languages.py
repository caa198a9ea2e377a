"""The language of each page and API answer (user setting > lang cookie > Accept-Language > English), the language
switch on every page, and the pages rendered in French and Spanish without the English words they had."""

from __future__ import annotations

import re

import pytest

from app.api.language import LANGUAGE_COOKIE
from app.users.models import Role, User
from app.web.security import SIGN_IN_CSRF_COOKIE
from tests.builders import assert_problem, organisation, partnership

API = "/api/v1"


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([a-z]{2})">', html)
    assert found, html[:200]
    return found.group(1)


def _h1(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found, html[:500]
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


# which language ----------------------------------------------------------------------------------------------


def test_before_signing_in_the_browser_language_chooses_else_english(client) -> None:
    english = client.get("/sign-in")
    assert _lang(english.text) == "en" and english.headers["content-language"] == "en"
    assert _h1(english.text) == "Sign in"
    french = client.get("/sign-in", headers={"Accept-Language": "de-DE, fr-CA;q=0.8, en;q=0.5"})
    assert _lang(french.text) == "fr" and french.headers["content-language"] == "fr"
    assert _h1(french.text) == "Se connecter"
    unknown = client.get("/sign-in", headers={"Accept-Language": "de, pt;q=0.9"})
    assert _lang(unknown.text) == "en" and unknown.headers["content-language"] == "en"


def test_the_cookie_beats_the_browser_and_the_user_setting_beats_both(client, sign_in, session) -> None:
    client.cookies.set(LANGUAGE_COOKIE, "es")
    spanish = client.get("/sign-in", headers={"Accept-Language": "fr"})
    assert _lang(spanish.text) == "es" and _h1(spanish.text) == "Iniciar sesión"

    browser = sign_in(Role.PROJECT_MANAGER)
    follows_cookie = browser.get("/dashboard", headers={"Accept-Language": "fr"})
    assert _lang(follows_cookie.text) == "es" and _h1(follows_cookie.text) == "Panel"

    browser.user.language = "fr"
    session.commit()
    own = browser.get("/dashboard", headers={"Accept-Language": "es"})
    assert _lang(own.text) == "fr" and own.headers["content-language"] == "fr"
    assert _h1(own.text) == "Tableau de bord"


def test_the_api_speaks_the_same_order_and_problems_stay_problems(client, auth, session) -> None:
    user, headers = auth(Role.PROJECT_MANAGER)
    plain = client.get(f"{API}/me", headers=headers)
    assert plain.headers["content-language"] == "en" and plain.json()["language"] is None
    asked = client.get(f"{API}/me", headers={**headers, "Accept-Language": "es-MX,es;q=0.9"})
    assert asked.headers["content-language"] == "es"
    client.cookies.set(LANGUAGE_COOKIE, "fr")
    assert client.get(f"{API}/me", headers={**headers, "Accept-Language": "es"}).headers["content-language"] == "fr"
    user.language = "es"
    session.commit()
    own = client.get(f"{API}/me", headers={**headers, "Accept-Language": "fr"})
    assert own.headers["content-language"] == "es" and own.json()["language"] == "es"

    missing = client.get(f"{API}/organisations/999999", headers={**headers, "Accept-Language": "fr"})
    assert_problem(missing, 404)
    assert missing.headers["content-language"] == "es"
    refused = client.post(f"{API}/organisations", json={"kind": "nothing"}, headers=headers)
    assert_problem(refused, 422, "legal_name", "kind")
    stranger = client.get(f"{API}/me", headers={"Accept-Language": "fr"})
    assert_problem(stranger, 401)


# the switch --------------------------------------------------------------------------------------------------


def _switch_token(html: str) -> str:
    form = html[html.index('action="/language"') :]
    return re.search(r'name="csrf_token" value="([^"]*)"', form).group(1)


def test_every_page_has_the_switch_listing_each_language_by_its_own_name(sign_in) -> None:
    browser = sign_in(Role.ADMIN)
    for url in ("/dashboard", "/pipeline", "/organisations", "/partnerships", "/admin/users"):
        html = browser.get(url).text
        assert 'action="/language"' in html, url
        assert ">English</option>" in html and ">Français</option>" in html and ">Español</option>" in html
        assert _switch_token(html) == browser.csrf
        assert 'name="next" value="' + url + '"' in html


def test_the_switch_refuses_a_form_without_its_token_and_changes_nothing(sign_in, session) -> None:
    browser = sign_in(Role.PROJECT_MANAGER)
    for token in (None, "0" * 64):
        data = {"language": "fr", "next": "/pipeline"} | ({"csrf_token": token} if token else {})
        refused = browser.post("/language", data, csrf=False)
        assert refused.status_code == 403 and "did not come from this site" in refused.text
        assert LANGUAGE_COOKIE not in refused.headers.get("set-cookie", "")
    session.expire_all()
    assert session.get(User, browser.user.id).language is None


def test_switching_sets_the_cookie_saves_the_profile_and_returns_to_the_same_page(sign_in, session) -> None:
    browser = sign_in(Role.PROJECT_MANAGER)
    switched = browser.post("/language", {"language": "fr", "next": "/pipeline?stage=informal"})
    assert switched.status_code == 303 and switched.headers["location"] == "/pipeline?stage=informal"
    assert f"{LANGUAGE_COOKIE}=fr" in switched.headers["set-cookie"]
    session.expire_all()
    assert session.get(User, browser.user.id).language == "fr"
    page = browser.get("/pipeline?stage=informal")
    assert _lang(page.text) == "fr" and _h1(page.text) == "Portefeuille"
    elsewhere = browser.post("/language", {"language": "es", "next": "https://evil.example/"})
    assert elsewhere.headers["location"] == "/dashboard"  # never another site
    session.expire_all()
    assert session.get(User, browser.user.id).language == "es"
    unknown = browser.post("/language", {"language": "de", "next": "/pipeline"})
    assert unknown.status_code == 303
    session.expire_all()
    assert session.get(User, browser.user.id).language == "es"


def test_a_visitor_switches_before_signing_in_with_the_page_token(client) -> None:
    page = client.get("/sign-in")
    token = _switch_token(page.text)
    assert token and client.cookies.get(SIGN_IN_CSRF_COOKIE) == token
    forged = client.post("/language", data={"language": "es", "next": "/sign-in"}, follow_redirects=False)
    assert forged.status_code == 403
    switched = client.post(
        "/language", data={"language": "es", "next": "/sign-in", "csrf_token": token}, follow_redirects=False
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/sign-in"
    assert _h1(client.get("/sign-in").text) == "Iniciar sesión"


# the pages in French and Spanish ----------------------------------------------------------------------------

ENGLISH = {
    "/dashboard": ["Dashboard", "My partnerships", "Agreements expiring soon", "Overdue obligations",
                   "Reminders that could not be sent", "My next reminders", "Within 30 days", "Sign out",
                   "Skip to main content", "Data quality", "No reminder is planned"],
    "/partnerships": ["Partnerships", "Board view", "New partnership", "Reference", "Stage", "Partners", "Owner",
                      "Search", "Any stage"],
    "/pipeline": ["Pipeline", "Every partnership by stage", "All stages", "Area of engagement", "Only mine",
                  "Partner kind", "Clear filters", "Owner", "Ends"],
    "/organisations": ["New organisation", "Search by name", "All kinds", "All countries", "Country", "Region",
                       "Legal name"],
}  # fmt: skip
"""Words of each page that must not be left in English in a French or Spanish rendering."""
TRANSLATED = {
    "fr": {"/dashboard": "Tableau de bord", "/partnerships": "Partenariats", "/pipeline": "Portefeuille",
           "/organisations": "Organisations"},
    "es": {"/dashboard": "Panel", "/partnerships": "Asociaciones", "/pipeline": "Cartera",
           "/organisations": "Organizaciones"},
}  # fmt: skip


def _visible(html: str) -> str:
    """The words a person reads: text and labels, without tags, scripts or the language switch's own names."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<option value="(en|fr|es)" lang="\1"[^>]*>[^<]*</option>', " ", html)
    labels = " ".join(re.findall(r'(?:aria-label|title|placeholder)="([^"]*)"', html))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html) + " " + labels)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_my_pages_speak_french_and_spanish_without_english_words(sign_in, session, make_user, language) -> None:
    owner = make_user(Role.PROJECT_MANAGER)
    partner = organisation(session, "Croix-Rouge du Kenya", short_name="KRC")
    partnership(session, owner, partner, title="Stabilisation à Turkana")
    browser = sign_in(Role.ADMIN)
    browser.user.language = language
    session.commit()
    for url, english in ENGLISH.items():
        page = browser.get(url)
        assert page.status_code == 200 and _lang(page.text) == language
        assert _h1(page.text) == TRANSLATED[language][url]
        words = _visible(page.text)
        left = [word for word in english if re.search(rf"\b{re.escape(word)}\b", words)]
        assert not left, f"{url} in {language} still says {left}"
    countries = browser.get("/organisations").text
    assert {"fr": "Kenya (KE)", "es": "Kenia (KE)"}[language] in re.sub(r"<[^>]+>", "", countries)


def test_a_french_partnership_and_organisation_read_in_french_with_french_dates(sign_in, session, make_user):
    owner = make_user(Role.PROJECT_MANAGER)
    partner = organisation(session, "Croix-Rouge du Kenya", country_code="KE", correspondence_language="fr")
    created = partnership(session, owner, partner, title="Stabilisation à Turkana")
    browser = sign_in(Role.ADMIN)
    browser.client.cookies.set(LANGUAGE_COOKIE, "fr")
    page = browser.get(f"/partnerships/{created.id}").text
    for french in ("Partenaires", "Interactions", "Engagements", "Historique des stades", "Détails", "Responsable"):
        assert french in page
    for english in ("Stage history", "Log an interaction", "Record an undertaking", "Last changed", "Timeline"):
        assert english not in page
    months = "janv.|févr.|mars|avr.|mai|juin|juil.|août|sept.|oct.|nov.|déc."
    assert re.search(rf"\d{{1,2}} ({months}) \d{{4}}", page)
    detail = browser.get(f"/organisations/{partner.id}").text
    assert "Langue de correspondance" in detail and "français" in detail
    assert "Kenya" in detail and "Informations" in detail
    assert "Correspondence language" not in detail and "Areas of engagement" not in detail


def test_an_organisations_correspondence_language_and_a_contacts_are_chosen_on_its_page(sign_in, session) -> None:
    partner = organisation(session, "Croix-Rouge du Sénégal", country_code="SN")
    browser = sign_in(Role.PROJECT_MANAGER)
    url = f"/organisations/{partner.id}"
    page = browser.get(url).text
    assert 'action="' + url + '/language"' in page and 'name="correspondence_language"' in page
    refused = browser.post(f"{url}/language", {"correspondence_language": "de"})
    assert refused.status_code == 422 and "field-correspondence_language" in refused.text
    saved = browser.post(f"{url}/language", {"correspondence_language": "fr"})
    assert saved.status_code == 303 and saved.headers["location"] == url
    session.expire_all()
    assert session.get(type(partner), partner.id).correspondence_language == "fr"
    added = browser.post(f"{url}/contacts", {"name": "Awa Ndiaye", "language": "es"})
    assert added.status_code == 303
    wrong = browser.post(f"{url}/contacts", {"name": "Moussa Diop", "language": "wolof"})
    assert wrong.status_code == 422 and "field-language" in wrong.text
    session.expire_all()
    contacts = {contact.name: contact.language for contact in session.get(type(partner), partner.id).contacts}
    assert contacts == {"Awa Ndiaye": "es"}
    created = browser.post(
        "/organisations/new",
        {
            "legal_name": "Fundación Andina",
            "kind": "national_cso",
            "country_code": "PE",
            "correspondence_language": "es",
        },
    )
    assert created.status_code == 303, created.text[:500]
    new_id = int(created.headers["location"].rsplit("/", 1)[1])
    assert session.get(type(partner), new_id).correspondence_language == "es"
