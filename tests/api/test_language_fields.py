"""The languages in the API: a user's own (PATCH /me, admins through /users), an organisation's correspondence
language, a contact's language, and the languages an agreement is signed in — each checked against en, fr, es."""

from __future__ import annotations

import pytest

from app.users.models import Role
from tests.builders import assert_problem, cast, formalising_partnership

API = "/api/v1"


def test_a_user_sets_their_own_language_and_clears_it(client, auth) -> None:
    _, headers = auth(Role.VIEWER)
    assert client.get(f"{API}/me", headers=headers).json()["language"] is None
    changed = client.patch(f"{API}/me", json={"language": "fr"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "fr" and changed.headers["content-language"] == "fr"
    assert changed.headers["ETag"] == '"2"'
    assert client.get(f"{API}/me", headers=headers).json()["language"] == "fr"
    assert_problem(client.patch(f"{API}/me", json={"language": "es"}, headers={**headers, "If-Match": '"1"'}), 412)
    cleared = client.patch(f"{API}/me", json={"language": None}, headers=headers)
    assert cleared.json()["language"] is None
    assert client.get(f"{API}/me", headers={**headers, "Accept-Language": "es"}).headers["content-language"] == "es"


@pytest.mark.parametrize("wrong", ["de", "", "french", 7, ["fr"]])
def test_a_language_the_product_does_not_speak_is_refused_naming_the_field(client, auth, wrong) -> None:
    _, headers = auth(Role.VIEWER)
    body = assert_problem(client.patch(f"{API}/me", json={"language": wrong}, headers=headers), 422, "language")
    assert len(body["errors"]) == 1
    admin, admin_headers = auth(Role.ADMIN)
    refused = client.patch(f"{API}/users/{admin.id}", json={"language": wrong}, headers=admin_headers)
    assert_problem(refused, 422, "language")


def test_admins_set_a_users_language(client, auth, make_user) -> None:
    _, headers = auth(Role.ADMIN)
    officer = make_user(Role.LEGAL_OFFICER)
    changed = client.patch(f"{API}/users/{officer.id}", json={"language": "ES"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "es" and changed.json()["roles"] == ["legal_officer"]
    listed = client.get(f"{API}/users", params={"role": "legal_officer"}, headers=headers).json()["items"]
    assert [u["language"] for u in listed] == ["es"]
    _, manager = auth(Role.PROJECT_MANAGER)
    assert_problem(client.patch(f"{API}/users/{officer.id}", json={"language": "fr"}, headers=manager), 403)


def test_organisations_have_a_correspondence_language_and_contacts_their_own(client, auth) -> None:
    _, headers = auth(Role.PROJECT_MANAGER)
    body = {"legal_name": "Cruz Roja Peruana", "kind": "national_cso", "country_code": "PE",
            "contacts": [{"name": "Rosa Quispe", "language": "es"}, {"name": "Ana Lima"}]}  # fmt: skip
    plain = client.post(f"{API}/organisations", json={**body, "legal_name": "Plain"}, headers=headers).json()
    assert plain["correspondence_language"] == "en"
    created = client.post(f"{API}/organisations", json={**body, "correspondence_language": "es"}, headers=headers)
    assert created.status_code == 201, created.text
    organisation = created.json()
    assert organisation["correspondence_language"] == "es"
    assert [c["language"] for c in organisation["contacts"]] == ["es", None]
    url = f"{API}/organisations/{organisation['id']}"
    moved = client.patch(url, json={"correspondence_language": "fr"}, headers=headers)
    assert moved.status_code == 200 and moved.json()["correspondence_language"] == "fr"
    assert client.get(url, headers=headers).json()["correspondence_language"] == "fr"
    assert_problem(client.patch(url, json={"correspondence_language": None}, headers=headers), 422,
                   "correspondence_language")  # fmt: skip
    assert_problem(client.patch(url, json={"correspondence_language": "pt"}, headers=headers), 422,
                   "correspondence_language")  # fmt: skip
    bad = {**body, "legal_name": "Other", "correspondence_language": "de"}
    assert_problem(client.post(f"{API}/organisations", json=bad, headers=headers), 422, "correspondence_language")

    contact = organisation["contacts"][1]
    contact_url = f"{url}/contacts/{contact['id']}"
    changed = client.patch(contact_url, json={"language": "fr"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "fr"
    back = client.patch(contact_url, json={"language": None}, headers=headers)
    assert back.json()["language"] is None  # the organisation's again
    assert_problem(client.patch(contact_url, json={"language": "it"}, headers=headers), 422, "language")
    added = client.post(f"{url}/contacts", json={"name": "Luis", "language": "xx"}, headers=headers)
    assert_problem(added, 422, "language")


def test_agreements_are_signed_in_a_list_of_languages(client, session, make_user, auth) -> None:
    people = cast(make_user)
    owner = formalising_partnership(session, people)
    _, manager = auth(user=people.manager)
    body = {"partnership_id": owner.id, "title": "MOU on labour migration"}
    plain = client.post(f"{API}/agreements", json=body, headers=manager)
    assert plain.status_code == 201, plain.text
    assert plain.json()["languages"] == ["en"]
    bilingual = client.post(f"{API}/agreements", json={**body, "languages": ["fr", "en"]}, headers=manager)
    assert bilingual.status_code == 201 and bilingual.json()["languages"] == ["fr", "en"]
    url = f"{API}/agreements/{bilingual.json()['id']}"
    changed = client.patch(url, json={"languages": ["es"]}, headers=manager)
    assert changed.status_code == 200 and changed.json()["languages"] == ["es"]
    assert client.get(url, headers=manager).json()["languages"] == ["es"]
    for wrong in ([], ["fr", "fr"], ["de"], ["en", "fr", "es", "en"], "fr", None):
        field = "languages[0]" if wrong == ["de"] else "languages"  # an unknown language is named by its place
        assert_problem(client.patch(url, json={"languages": wrong}, headers=manager), 422, field)
        assert_problem(client.post(f"{API}/agreements", json={**body, "languages": wrong}, headers=manager), 422,
                       field)  # fmt: skip
    assert client.get(url, headers=manager).json()["languages"] == ["es"]
