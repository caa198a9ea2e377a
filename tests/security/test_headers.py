"""What every response says about itself: file names a browser cannot be tricked by (RFC 6266 / 5987), an
``If-Match`` checked before it is believed, ``nosniff`` everywhere and ``no-store`` wherever a secret travels."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from app.api.app import create_app
from app.drafting.outputs import to_docx
from app.drafting.service import DOCX_MEDIA_TYPE
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from app.web.security import SESSION_COOKIE, csrf_for
from tests.builders import SET_UP, assert_problem, cast, draft_agreement, organisation
from tests.web.conftest import Browser

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]


def _names(disposition: str) -> tuple[str, str]:
    """The plain ``filename`` and the decoded ``filename*`` of a Content-Disposition header."""
    plain = re.search(r'filename="([^"]*)"', disposition)
    extended = re.search(r"filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]+)$", disposition)
    assert plain and extended, disposition
    return plain.group(1), unquote(extended.group(1), encoding="utf-8", errors="strict")


@pytest.fixture
def sign_in(client, session, make_user):
    """The pages' browser, signed in as a new user with these roles (or as ``user``)."""

    def _sign_in(*roles: Role, user=None) -> Browser:
        user = user or make_user(*roles)
        _, secret = create_token(session, user, "sign-in", 1)
        session.commit()
        client.cookies.set(SESSION_COOKIE, secret)
        return Browser(client, user, csrf_for(secret))

    return _sign_in


# file names -----------------------------------------------------------------------------------------------------


def test_a_non_latin1_upload_name_downloads_under_its_own_name(client, session, make_user, auth):
    """The attack: upload a Word file called in Japanese and Czech; its download used to be a 500."""
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    _, lawyer = auth(user=people.lawyer)
    name = "smlouva-ČR-契約書.docx"
    files = {"file": (name, to_docx("# Terms\n\nEdited.\n", reference="X"), DOCX_MEDIA_TYPE)}
    uploaded = client.post(f"{API}/agreements/{agreement.id}/versions/upload", files=files, headers=lawyer)
    assert uploaded.status_code == 201, uploaded.text
    number = uploaded.json()["number"]
    # the uploaded file as stored keeps its own name (the rendered document is named by the agreement's reference)
    download = client.get(f"{API}/agreements/{agreement.id}/versions/{number}/file", headers=lawyer)
    assert download.status_code == 200, download.text
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    plain, extended = _names(disposition)
    assert extended == name
    assert plain.isascii() and plain.endswith(".docx") and plain.startswith("smlouva-CR-")


@pytest.mark.parametrize(
    "name",
    [
        'contract".docx',
        "contract\r\nSet-Cookie: stolen=1.docx",
        "contract; filename=evil.exe",
        "..\\..\\contract.docx",
        "契約書.docx",
        "\x00\x07",
        "",
        "x" * 1000 + ".docx",
    ],
    ids=["quote", "crlf", "semicolon", "backslashes", "japanese", "controls", "empty", "long"],
)
def test_a_hostile_file_name_cannot_break_the_header(name):
    from app.api.downloads import content_disposition

    header = content_disposition(name, fallback="agreement.docx")
    header.encode("latin-1")  # what a server can send at all
    assert not any(ch in header for ch in "\r\n\x00")
    plain, extended = _names(header)
    assert plain and not any(ch in plain for ch in '"\\;/') and plain.isascii() and plain.isprintable()
    assert not any(ch in extended for ch in "\r\n\x00\\/")
    assert len(header) < 1200
    if name == "":
        assert plain == extended == "agreement.docx"


def test_one_helper_names_every_downloaded_file():
    writers = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*.py")
        if re.search(r"Content-Disposition|; ?filename", path.read_text(encoding="utf-8"), re.IGNORECASE)
    ]
    assert writers == ["app/api/downloads.py"]


def test_every_download_sends_both_names(client, session, make_user, auth, sign_in):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    _, headers = auth(user=people.manager)
    organisation(session)
    responses = {
        "version": client.get(
            f"{API}/agreements/{agreement.id}/versions/1/document", params={"format": "docx"}, headers=headers
        ),
        "redline": client.get(f"{API}/agreements/{agreement.id}/versions/1/diff/1", headers=headers),
        "export": client.get(f"{API}/exports/organisations", params={"format": "csv"}, headers=headers),
    }
    browser = sign_in(user=people.manager)
    responses["page version"] = browser.get(f"/agreements/{agreement.id}/versions/1/download?format=docx")
    responses["page export"] = browser.get("/exports/organisations?format=csv")
    for what, response in responses.items():
        assert response.status_code == 200, (what, response.text[:300])
        plain, extended = _names(response.headers["content-disposition"])
        assert plain == extended, what


# If-Match -------------------------------------------------------------------------------------------------------


@pytest.fixture
def organisation_url(session):
    return f"{API}/organisations/{organisation(session).id}"


@pytest.mark.parametrize(
    "value",
    [
        '"' + "1" * 4301 + '"',
        "1" * 4301,
        "W/" + '"' + "9" * 5000 + '"',
        "latest",
        'W/"1", "2"',
        "3",
        '"1',
        "é".encode() * 10,
    ],
    ids=["4301-quoted-digits", "4301-digits", "5000-weak", "word", "list", "unquoted", "unclosed", "non-ascii"],
)
def test_an_if_match_that_is_not_an_etag_is_a_400_naming_the_header(client, auth, organisation_url, value):
    _, headers = auth(Role.ADMIN)
    response = client.patch(organisation_url, json={"notes": "x"}, headers={**headers, "If-Match": value})
    assert_problem(response, 400, "If-Match")


@pytest.mark.parametrize("value", ['"abc"', '"99999999999999999999999"', 'W/"v2"'])
def test_an_etag_that_is_not_ours_fails_the_precondition(client, auth, organisation_url, value):
    _, headers = auth(Role.ADMIN)
    response = client.patch(organisation_url, json={"notes": "x"}, headers={**headers, "If-Match": value})
    assert_problem(response, 412, "If-Match")


def test_the_current_etag_still_works(client, auth, organisation_url):
    _, headers = auth(Role.ADMIN)
    current = client.get(organisation_url, headers=headers).headers["etag"]
    assert (
        client.patch(organisation_url, json={"notes": "x"}, headers={**headers, "If-Match": current}).status_code == 200
    )
    assert_problem(client.patch(organisation_url, json={"notes": "y"}, headers={**headers, "If-Match": current}), 412)


# nosniff and no-store -------------------------------------------------------------------------------------------


@pytest.fixture
def failing_client(settings, session_factory):
    """A client of an application with one API route and one page that fail unexpectedly."""
    app = create_app(settings, session_factory)

    def boom() -> None:
        raise RuntimeError("unexpected")

    app.add_api_route(f"{API}/boom", boom)
    app.add_api_route("/boom", boom, include_in_schema=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_every_response_says_nosniff(client, auth, sign_in, failing_client):
    _, headers = auth(Role.VIEWER)
    responses = {
        "api": client.get(f"{API}/me", headers=headers),
        "api 401": client.get(f"{API}/me"),
        "api 404": client.get(f"{API}/partnerships/999999", headers=headers),
        "api 422": client.get(f"{API}/partnerships", params={"stage": "nowhere"}, headers=headers),
        "health": client.get("/healthz"),
        "openapi": client.get("/openapi.json"),
        "static": client.get("/static/app.css"),
        "static 404": client.get("/static/no-such-file.css"),
        "api 500": failing_client.get(f"{API}/boom"),
        "page 500": failing_client.get("/boom"),
    }
    browser = sign_in(Role.VIEWER)
    responses["page"] = browser.get("/dashboard")
    responses["page 404"] = browser.get("/no-such-page")
    expected = {"api 401": 401, "api 404": 404, "api 422": 422, "static 404": 404, "api 500": 500, "page 500": 500,
                "page 404": 404}  # fmt: skip
    for what, response in responses.items():
        assert response.status_code == expected.get(what, 200), (what, response.status_code)
        assert response.headers.get("x-content-type-options") == "nosniff", what


def test_secrets_and_signed_in_answers_are_never_stored(client, session, auth, sign_in):
    user = create_user(
        session,
        UserCreate(email="keeper@example.org", full_name="Keeper", roles=[Role.VIEWER], password="a long passphrase 1"),
        actor=SET_UP,
    )
    session.commit()
    _, headers = auth(user=user)
    responses = {
        "sign-in token": client.post(
            f"{API}/auth/token", json={"email": "keeper@example.org", "password": "a long passphrase 1"}
        ),
        "refused sign-in": client.post(f"{API}/auth/token", json={"email": "keeper@example.org", "password": "no"}),
        "new token": client.post(f"{API}/me/tokens", json={"name": "laptop"}, headers=headers),
        "me": client.get(f"{API}/me", headers=headers),
        "my tokens": client.get(f"{API}/me/tokens", headers=headers),
    }
    browser = sign_in(user=user)
    responses["dashboard"] = browser.get("/dashboard")
    for what, response in responses.items():
        assert response.status_code < 500, (what, response.text)
        assert "no-store" in response.headers.get("cache-control", ""), what
    assert client.get("/static/app.css").headers.get("cache-control", "") != "no-store"
