"""problem+json speaks the request's language: titles, details and per-field reasons in French and Spanish, field
names unchanged, and English exactly as before.

The language of a request is chosen by the pages' middleware (user > cookie > Accept-Language), which lives on
another branch; here a minimal ASGI wrapper speaks the Accept-Language header, as that middleware does for a
visitor who is not signed in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.i18n import negotiate, use_language
from app.users.models import Role
from tests.builders import assert_problem, organisation, partnership

API = "/api/v1"


class SpeakAcceptLanguage:
    """ASGI wrapper: every request runs in the language its Accept-Language header prefers (English otherwise)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1")
        with use_language(negotiate(header)):
            await self.app(scope, receive, send)


@pytest.fixture
def speaking(client: TestClient) -> Iterator[TestClient]:
    """The test's API client, speaking the language of each request's Accept-Language header."""
    with TestClient(SpeakAcceptLanguage(client.app), raise_server_exceptions=False) as wrapped:
        yield wrapped


def _in(language: str, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Accept-Language": language}


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("en", "Not found", "organisation 987654 does not exist"),
        ("fr", "Introuvable", "l'organisation 987654 n'existe pas"),
        ("es-ES,es;q=0.9", "No encontrado", "la organización 987654 no existe"),
    ],
)
def test_a_404_in_the_readers_language(speaking, auth, language, title, detail) -> None:
    _, headers = auth(Role.ADMIN)
    body = assert_problem(speaking.get(f"{API}/organisations/987654", headers=_in(language, headers)), 404)
    assert (body["title"], body["detail"]) == (title, detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [("en", "agreement 987654 does not exist"), ("fr", "accord 987654 n'existe pas"),
     ("es", "acuerdo 987654 no existe")],
)  # fmt: skip
def test_a_missing_record_locked_for_a_change_is_named_in_the_readers_language(client, auth, language, detail) -> None:
    _, headers = auth(Role.ADMIN)
    url = f"{API}/agreements/987654/transitions/submit_for_review"
    body = assert_problem(client.post(url, json={}, headers=_in(language, headers)), 404)
    assert body["detail"] == detail


@pytest.mark.parametrize(
    ("language", "title", "required", "kind", "too_long"),
    [
        ("fr", "Données non valides", "est obligatoire", "doit être ", "doit comporter au plus 60 caractères"),
        ("es", "Datos no válidos", "es obligatorio", "debe ser ", "debe tener como máximo 60 caracteres"),
    ],
)
def test_a_422_names_the_fields_and_gives_reasons_in_the_readers_language(
    speaking, auth, language, title, required, kind, too_long
) -> None:
    _, headers = auth(Role.ADMIN)
    response = speaking.post(
        f"{API}/organisations",
        json={"kind": "nonsense", "country_code": "DE", "short_name": "x" * 61},
        headers=_in(language, headers),
    )
    body = assert_problem(response, 422, "legal_name", "kind", "short_name")  # field names never translate
    reasons = {error["field"]: error["reason"] for error in body["errors"]}
    assert body["title"] == title
    assert reasons["legal_name"] == required
    assert reasons["kind"].startswith(kind) and "think_tank" in reasons["kind"]  # the allowed values, as codes
    assert reasons["short_name"] == too_long
    assert f"legal_name: {required}" in body["detail"]


def test_a_422_in_english_keeps_pydantics_own_words(speaking, auth) -> None:
    _, headers = auth(Role.ADMIN)
    response = speaking.post(
        f"{API}/organisations", json={"kind": "nonsense", "country_code": "DE", "short_name": "x" * 61}, headers=headers
    )
    body = assert_problem(response, 422, "legal_name", "kind", "short_name")
    reasons = {error["field"]: error["reason"] for error in body["errors"]}
    assert body["title"] == "Invalid input"
    assert reasons["legal_name"] == "is required"
    assert reasons["kind"].startswith("Input should be ")
    assert reasons["short_name"] == "String should have at most 60 characters"


@pytest.mark.parametrize(
    ("language", "title", "reason", "not_allowed"),
    [
        (
            "en",
            "Conflict",
            "no undertaking in principle has been recorded",
            "cannot go dormant a partnership that is dormant; allowed from there: ",
        ),
        (
            "fr",
            "Conflit",
            "aucun engagement de principe n'a été enregistré",
            "action « mettre en sommeil » impossible pour un partenariat à l'état « en sommeil » ; "
            "actions possibles depuis cet état : relancer",
        ),
        (
            "es",
            "Conflicto",
            "no se ha registrado ningún compromiso de principio",
            "la acción «pasar a latente» no es posible para una asociación en estado «latente»; "
            "acciones posibles desde ese estado: reactivar",
        ),
    ],
)
def test_a_409_workflow_refusal_in_the_readers_language(
    speaking, session, auth, language, title, reason, not_allowed
) -> None:
    manager, headers = auth(Role.PROJECT_MANAGER)
    created = partnership(session, manager, organisation(session))
    url = f"{API}/partnerships/{created.id}/transitions"

    blocked = speaking.post(f"{url}/record_undertaking", json={}, headers=_in(language, headers))
    body = assert_problem(blocked, 409, "trigger")
    assert body["title"] == title
    assert body["errors"] == [{"field": "trigger", "reason": reason}]
    assert body["detail"].endswith(reason)

    assert speaking.post(f"{url}/go_dormant", json={}, headers=headers).status_code == 200
    again = speaking.post(f"{url}/go_dormant", json={}, headers=_in(language, headers))
    body = assert_problem(again, 409)
    assert not_allowed in body["detail"], body["detail"]


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("en", "Forbidden", "your roles (viewer) do not allow you to manage organisations"),
        ("fr", "Interdit", "vos rôles (viewer) ne vous permettent pas de gérer les organisations"),
        ("es", "Prohibido", "sus roles (viewer) no le permiten gestionar organizaciones"),
    ],
)
def test_a_403_in_the_readers_language(speaking, auth, language, title, detail) -> None:
    _, headers = auth(Role.VIEWER)
    organisation = {"legal_name": "Solvers", "kind": "think_tank", "country_code": "DE"}
    body = assert_problem(speaking.post(f"{API}/organisations", json=organisation, headers=_in(language, headers)), 403)
    assert (body["title"], body["detail"]) == (title, detail)


def test_an_unknown_language_falls_back_to_english_and_a_401_is_translated_too(speaking) -> None:
    body = assert_problem(speaking.get(f"{API}/organisations", headers={"Accept-Language": "de, pt;q=0.5"}), 401)
    assert body["title"] == "Unauthorized"
    body = assert_problem(speaking.get(f"{API}/organisations", headers={"Accept-Language": "fr-CA"}), 401)
    assert body["title"] == "Non authentifié"
    assert body["detail"].startswith("un jeton d'API est requis")


def test_a_schema_validators_reason_is_in_the_readers_language(speaking, auth) -> None:
    _, headers = auth(Role.ADMIN)
    organisation = {"legal_name": "Solvers", "kind": "think_tank", "country_code": "XX"}
    body = assert_problem(speaking.post(f"{API}/organisations", json=organisation, headers=_in("fr", headers)), 422)
    assert body["errors"] == [
        {"field": "country_code", "reason": "'XX' n'est pas un code de pays ISO 3166-1 alpha-2 (p. ex. KE, FR, BR)"}
    ]
    body = assert_problem(speaking.post(f"{API}/organisations", json=organisation, headers=headers), 422)
    assert body["errors"][0]["reason"] == "'XX' is not an ISO 3166-1 alpha-2 country code (e.g. KE, FR, BR)"
