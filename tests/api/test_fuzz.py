"""Property-based fuzzing of the published OpenAPI description with schemathesis.

Every operation of ``/openapi.json`` is called in-process (ASGI) with requests generated from its own schema,
valid ones and invalid ones, as an administrator, against a migrated database of this module's own that holds
a small realistic portfolio, so that ids 1..EXISTING_IDS and known names (workflows, templates, triggers)
reach existing rows. The run is bounded for CI: ``MAX_EXAMPLES`` generated requests per operation (plus the
schema's own examples), derandomized with a fixed seed, no deadline, no example database.

What must hold for every response: never a 5xx; a 2xx/3xx has a documented status code, a documented content
type and a body matching its documented schema; an error is an RFC 9457 problem+json document whose
``status`` is the response's. See ``checks_for`` for why the 4xx are not held to the description yet.

The summary (operations, requests, statuses, undocumented error responses) is printed after the module;
``AGREEMENTS_FUZZ_VERBOSE=1`` lists the statuses per operation.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.api.app import create_app
from app.config import Settings
from app.db import make_engine
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from tests.builders import PROBLEM_JSON, advance, cast, draft_agreement, formalising_partnership, organisation
from tests.support import scratch_database

MAX_EXAMPLES = 15
SEED = 20261129
EXISTING_IDS = 4
"""After seeding, rows 1..4 exist in most tables (organisations, contacts, users, tokens, obligations, reminders)."""

KNOWN_NAMES: dict[str, list[str]] = {
    "name": ["agreement", "partnership", "obligation"],
    "key": ["mou", "amendment", "extension"],
    "language": ["en", "fr", "es"],
    "trigger": ["submit_for_review", "request_changes", "approve", "cancel", "fulfil", "waive", "go_dormant"],
}
"""Path parameters that name things rather than rows: half the requests use one of these real names."""

VERBOSE = os.environ.get("AGREEMENTS_FUZZ_VERBOSE") == "1"

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,  # Hypothesis derandomize=True: the same requests on every run
            "database": "none",  # no .hypothesis directory; nothing replays from an earlier run
            # Every call carries the admin token we pass; without this, negative generation would also drop or
            # garble the Authorization header and a 401 would hide the operation behind it.
            "with-security-parameters": False,
        },
        # Coverage phase: boundary values for every parameter, unbounded by max-examples (hundreds of requests
        # per operation here), too slow for a 2-core CI run. Stateful phase: links are not declared.
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)

_emails = itertools.count(1)
STATS: dict[str, Counter[int]] = defaultdict(Counter)
UNDOCUMENTED: dict[str, set[str]] = defaultdict(set)


def _seed(factory: sessionmaker[Session]) -> None:
    """Organisations with contacts, two formalising partnerships, agreements in draft, review and force."""
    with factory() as session:

        def make_user(*roles: Role) -> User:
            email = f"fuzz{next(_emails)}@example.org"
            user = create_user(session, UserCreate(email=email, full_name="Fuzz Person", roles=list(roles)))
            session.commit()
            return user

        people = cast(make_user)
        draft_agreement(session, people)
        in_review = draft_agreement(session, people, formalising_partnership(session, people))
        advance(session, in_review, "submit_for_review", people)
        active = draft_agreement(session, people)
        for trigger in ("submit_for_review", "approve", "record_signatures", "activate"):
            advance(session, active, trigger, people)
        organisation(session, contacts=[{"name": "Focal", "title": "Head"}])
        for _ in range(EXISTING_IDS):
            create_token(session, people.admin, "seed")
        session.commit()


@pytest.fixture(scope="module")
def fuzz_factory(database_url: str, settings: Settings, tmp_path_factory) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated, seeded database of this module's own: schemathesis calls one app many times."""
    with scratch_database(database_url, tmp_path_factory.mktemp("fuzz")) as url:
        migrate.upgrade(url)
        bound = make_engine(url)
        factory = sessionmaker(bind=bound, expire_on_commit=False)
        _seed(factory)
        yield factory
        bound.dispose()


def _existing(name: str, value: Any) -> Any:
    if type(value) is int and value >= 0:
        return value % EXISTING_IDS + 1
    if isinstance(value, str) and name in KNOWN_NAMES:
        return KNOWN_NAMES[name][len(value) % len(KNOWN_NAMES[name])]
    return value


@pytest.fixture(scope="module")
def fuzz_schema(settings: Settings, fuzz_factory: sessionmaker[Session]) -> schemathesis.BaseSchema:
    """The application's own OpenAPI description, loaded over ASGI from an app on the fuzz database."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, fuzz_factory), config=CONFIG)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters: dict[str, Any] | None):
        """Half the requests name existing rows; the other half keep what was generated (404s, 422s)."""
        if not path_parameters:
            return st.just(path_parameters)
        existing = {name: _existing(name, value) for name, value in path_parameters.items()}
        return st.sampled_from([existing, path_parameters])

    return schema


@pytest.fixture(scope="module")
def admin_headers(fuzz_factory: sessionmaker[Session]) -> Callable[[str], dict[str, str]]:
    """A fresh administrator and token per operation: one that revokes a token or demotes a user spoils no other."""
    cache: dict[str, dict[str, str]] = {}

    def headers(label: str) -> dict[str, str]:
        if label not in cache:
            with fuzz_factory() as session:
                email = f"fuzz-admin{next(_emails)}@example.org"
                user = create_user(session, UserCreate(email=email, full_name="Fuzz Admin", roles=[Role.ADMIN]))
                _, secret = create_token(session, user, "fuzz")
                session.commit()
            cache[label] = {"Authorization": f"Bearer {secret}"}
        return cache[label]

    return headers


@pytest.fixture(scope="module", autouse=True)
def fuzz_summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print how much was tried (shown without ``-s``), for the notes."""
    started = time.monotonic()
    yield
    requests = sum(sum(counter.values()) for counter in STATS.values())
    statuses = sum(STATS.values(), Counter())
    lines = [
        f"schemathesis {schemathesis.__version__}: {len(STATS)} operations, {requests} requests "
        f"in {time.monotonic() - started:.1f}s (max_examples={MAX_EXAMPLES}, seed={SEED})",
        f"statuses: {dict(sorted(statuses.items()))}",
    ]
    if UNDOCUMENTED:
        gaps = Counter(found for label in UNDOCUMENTED for found in UNDOCUMENTED[label])
        lines.append(
            f"undocumented error responses on {len(UNDOCUMENTED)} operations (not failed, see checks_for), "
            f"operations per kind: {dict(sorted(gaps.items()))}"
        )
    if VERBOSE:
        lines += [f"  {label}: {', '.join(sorted(found))}" for label, found in sorted(UNDOCUMENTED.items())]
        lines += [f"  {label}: {dict(sorted(counter.items()))}" for label, counter in sorted(STATS.items())]
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_sep("-", "fuzz summary")
        for line in lines:
            reporter.write_line(line)


def _note_undocumented(case: schemathesis.Case, response: schemathesis.Response) -> None:
    documented = case.operation.definition.raw.get("responses", {})
    status = str(response.status_code)
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0]
    if status not in documented and "default" not in documented:
        UNDOCUMENTED[case.operation.label].add(status)
    elif content_type not in documented.get(status, {}).get("content", {}):
        UNDOCUMENTED[case.operation.label].add(f"{status} as {content_type}")


def checks_for(status: int) -> list:
    """The schemathesis checks a response with ``status`` must pass.

    - ``not_a_server_error`` and ``response_schema_conformance`` always (the latter validates the body against
      the schema documented for that status and content type, and so covers every 2xx body; it has nothing to
      check on statuses or content types that are not documented).
    - ``status_code_conformance`` and ``content_type_conformance`` on every response: every route documents
      its error statuses (400, 401, 403, 404, 409, 412, 422, 429) as ``application/problem+json`` problem
      documents (``app.api.app._document_problems``), and each 4xx is also held to the problem contract by
      ``assert_problem_document``.
    - Not used: ``negative_data_rejection`` / ``positive_data_acceptance`` (a generated "invalid" request is
      often valid to us, e.g. an extra JSON property that we ignore, and a schema-valid one often breaks a
      business rule: a 409 or 422 is the right answer); ``use_after_free`` / ``ensure_resource_availability``
      (stateful, and the stateful phase is off); ``ignored_auth`` (we always send a valid token; the auth
      matrix is covered by tests/users); ``response_headers_conformance`` (no response headers documented);
      ``max_response_time`` (not about the contract, and flaky on a loaded CI machine).
    """
    return [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def assert_problem_document(response: schemathesis.Response) -> None:
    """An error answer is an RFC 9457 problem+json document that repeats the response's status."""
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith(PROBLEM_JSON), f"{response.status_code} answered as {content_type!r}"
    body = response.json()
    assert isinstance(body, dict), body
    assert body.get("status") == response.status_code, body
    assert body.get("title") and body.get("type") and body.get("detail"), body


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schema.parametrize()
def test_fuzz(case: schemathesis.Case, admin_headers: Callable[[str], dict[str, str]]) -> None:
    response = case.call(headers=admin_headers(case.operation.label))
    STATS[case.operation.label][response.status_code] += 1
    case.validate_response(response, checks=checks_for(response.status_code))
    if response.status_code >= 400:
        _note_undocumented(case, response)
        assert_problem_document(response)
