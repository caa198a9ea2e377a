"""Property-based fuzzing of the published OpenAPI description with schemathesis, stateless and stateful.

Every operation of ``/openapi.json`` is called in-process (ASGI) with requests generated from its own schema,
valid ones and invalid ones, against a migrated database of this module's own that holds a small realistic
portfolio, so that ids 1..EXISTING_IDS and known names (workflows, templates, triggers) reach existing rows:

- ``test_fuzz``: every operation as an administrator, with every check that applies (``fuzzing.CHECKS``);
- ``test_fuzz_as_viewer``: every operation as a viewer, who reads and never changes anything, and
  ``test_fuzz_as_project_manager``: every operation as a project manager, who never administers;
- ``test_stateful``: scenarios that follow the schema's links (create → read, change, transitions), checking
  also that what was created can be read (``ensure_resource_availability``) and what was removed cannot
  (``use_after_free``).

The runs are bounded for CI (``MAX_EXAMPLES`` generated requests per operation, a fixed seed, derandomized, no
deadline, no example database). What must hold for every response: never a 5xx; the documented status code,
content type, headers and body; a schema-valid request accepted (but for the business rules listed in
``fuzzing.BUSINESS_RULES``) and an invalid one refused; an error is an RFC 9457 problem+json document whose
``status`` is the response's.

The summary (operations, requests, statuses, undocumented error responses) is printed after the module;
``AGREEMENTS_FUZZ_VERBOSE=1`` lists the statuses per operation.
"""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.engine import events as engine_events
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
from app.users.models import Role
from tests.security import fuzzing
from tests.security.fuzzing import CHECKS, CONFIG, MAX_EXAMPLES, SEED, assert_problem_document
from tests.support import scratch_database

ROLE_EXAMPLES = 4
"""Requests per operation for a viewer and a project manager: enough to see refusals and answers conform."""
ROLE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
STATEFUL_SCENARIOS = 40
"""Scenarios per family (each of up to ``max-steps`` calls)."""
STATEFUL_FAMILIES = {
    "organisations and users": r"^/api/v1/(organisations|users|me)",
    "partnerships": r"^/api/v1/partnerships",
    "agreements and obligations": r"^/api/v1/(agreements|obligations)",
}
SELF_SERVICE = ("/api/v1/me", "/api/v1/auth/")
"""What a viewer may change: their own tokens, and signing in."""
ADMINISTRATION = ("/api/v1/users", "/api/v1/audit", "/api/v1/templates/{key}/{language}")
"""What only administrators (and, for templates, legal officers) reach."""
VERBOSE = os.environ.get("AGREEMENTS_FUZZ_VERBOSE") == "1"

STATS: dict[str, Counter[int]] = defaultdict(Counter)
UNDOCUMENTED: dict[str, set[str]] = defaultdict(set)


@pytest.fixture(scope="module")
def fuzz_factory(database_url: str, settings: Settings, tmp_path_factory) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated, seeded database of this module's own: schemathesis calls one app many times."""
    with scratch_database(database_url, tmp_path_factory.mktemp("fuzz")) as url:
        migrate.upgrade(url)
        bound = make_engine(url)
        factory = sessionmaker(bind=bound, expire_on_commit=False)
        fuzzing.seed(factory)
        yield factory
        bound.dispose()


def flatmap_path_parameters(context, path_parameters: dict[str, Any] | None):  # a hook: named for it
    """Half the requests name existing rows; the other half keep what was generated (404s, 422s)."""
    if not path_parameters:
        return st.just(path_parameters)
    described = {
        parameter["name"]: parameter.get("schema", {})
        for parameter in context.operation.definition.raw.get("parameters", [])
        if parameter.get("in") == "path"
    }
    existing = {name: fuzzing.existing(name, value, described.get(name, {})) for name, value in path_parameters.items()}
    return st.sampled_from([existing, path_parameters])


def map_body(context, body: Any) -> Any:  # a hook: named for it
    """Even row ids in a body name existing rows, so that creations succeed and chains go deeper."""
    return fuzzing.existing_ids_in(body)


def _hooked(schema: schemathesis.BaseSchema) -> schemathesis.BaseSchema:
    schema.hook(flatmap_path_parameters)
    schema.hook(map_body)
    return schema


@pytest.fixture(scope="module")
def fuzz_schema(settings: Settings, fuzz_factory: sessionmaker[Session]) -> schemathesis.BaseSchema:
    """The application's own OpenAPI description, loaded over ASGI from an app on the fuzz database."""
    return _hooked(schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, fuzz_factory), config=CONFIG))


@pytest.fixture(scope="module")
def caller(fuzz_factory: sessionmaker[Session]) -> Callable[[Role, str], dict[str, str]]:
    """A new user with the role, and a token, per operation: revoking a token or demoting a user spoils no other."""
    cache: dict[tuple[Role, str], dict[str, str]] = {}

    def headers(role: Role, label: str) -> dict[str, str]:
        if (role, label) not in cache:
            cache[role, label] = fuzzing.token_headers(fuzz_factory, role)
        return cache[role, label]

    return headers


@pytest.fixture(scope="module", autouse=True)
def fuzz_summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print how much was tried (shown without ``-s``), for the notes."""
    started = time.monotonic()
    yield
    requests = sum(sum(counter.values()) for counter in STATS.values())
    statuses = sum(STATS.values(), Counter())
    lines = [
        f"schemathesis {schemathesis.__version__}: {len(STATS)} operations and scenarios, {requests} requests "
        f"in {time.monotonic() - started:.1f}s (max_examples={MAX_EXAMPLES}, seed={SEED})",
        f"statuses: {dict(sorted(statuses.items()))}",
    ]
    if UNDOCUMENTED:
        gaps = Counter(found for label in UNDOCUMENTED for found in UNDOCUMENTED[label])
        lines.append(f"undocumented responses on {len(UNDOCUMENTED)} operations: {dict(sorted(gaps.items()))}")
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


def _note(label: str, case: schemathesis.Case, response: schemathesis.Response) -> None:
    STATS[label][response.status_code] += 1
    if response.status_code < 400:
        return
    documented = case.operation.definition.raw.get("responses", {})
    status = str(response.status_code)
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0]
    if status not in documented and "default" not in documented:
        UNDOCUMENTED[case.operation.label].add(status)
    elif content_type not in documented.get(status, {}).get("content", {}):
        UNDOCUMENTED[case.operation.label].add(f"{status} as {content_type}")


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schema.parametrize()
def test_fuzz(case: schemathesis.Case, caller: Callable[[Role, str], dict[str, str]]) -> None:
    headers = caller(Role.ADMIN, case.operation.label)
    response = case.call(headers=headers)
    _note(case.operation.label, case, response)
    case.validate_response(response, checks=CHECKS, headers=headers)
    if response.status_code >= 400:
        assert_problem_document(response)


def _call_as(role: Role, case: schemathesis.Case, caller: Callable[[Role, str], dict[str, str]]) -> int:
    """Call as a user with ``role``; the answer must conform (a 403 is a documented problem document)."""
    headers = caller(role, case.operation.label)
    response = case.call(headers=headers)
    _note(f"{case.operation.label} ({role.value})", case, response)
    case.validate_response(response, checks=ROLE_CHECKS, headers=headers)
    if response.status_code >= 400:
        assert_problem_document(response)
    return response.status_code


@schema.parametrize()
@hypothesis.settings(max_examples=ROLE_EXAMPLES)
def test_fuzz_as_viewer(case: schemathesis.Case, caller: Callable[[Role, str], dict[str, str]]) -> None:
    status = _call_as(Role.VIEWER, case, caller)
    if case.method != "GET" and not case.path.startswith(SELF_SERVICE):
        assert status >= 400, f"a viewer changed something: {case.method} {case.formatted_path}"


@schema.parametrize()
@hypothesis.settings(max_examples=ROLE_EXAMPLES)
def test_fuzz_as_project_manager(case: schemathesis.Case, caller: Callable[[Role, str], dict[str, str]]) -> None:
    status = _call_as(Role.PROJECT_MANAGER, case, caller)
    if case.path.startswith(ADMINISTRATION):
        assert status >= 400, f"a project manager administered: {case.method} {case.formatted_path}"


@pytest.mark.parametrize("family", sorted(STATEFUL_FAMILIES))
def test_stateful(
    family: str,
    settings: Settings,
    fuzz_factory: sessionmaker[Session],
    caller: Callable[[Role, str], dict[str, str]],
) -> None:
    """Scenarios along the links, as an administrator: what was created is there, and behaves.

    Run by schemathesis' own engine, as its command line does: the database keeps what each scenario did, so a
    scenario cannot be replayed the same way, and the engine (unlike a bare Hypothesis state machine) goes on when
    a replay differs instead of calling the whole run flaky. One run per family of resources, so that each
    family's creations start scenarios (in one run, the first roots drawn took the whole budget).
    """
    config = fuzzing.stateful_config(caller(Role.ADMIN, f"stateful {family}"), STATEFUL_SCENARIOS)
    app = create_app(settings, fuzz_factory)
    stateful = _hooked(schemathesis.openapi.from_asgi("/openapi.json", app, config=config))
    stateful = stateful.include(path_regex=STATEFUL_FAMILIES[family])
    failures: list[str] = []
    errors: list[str] = []
    scenarios = 0
    for event in schemathesis.engine.from_schema(stateful).execute():
        if isinstance(event, engine_events.ScenarioFinished):
            scenarios += 1
            failures += _failures(event.recorder)
        elif isinstance(event, engine_events.NonFatalError | engine_events.FatalError):
            errors.append(repr(getattr(event, "value", None) or getattr(event, "exception", None)))
    assert not errors, errors
    assert scenarios, "no scenario ran"
    assert not failures, f"{len(failures)} failures, the first ones:\n\n" + "\n\n".join(failures[:5])


def _failures(recorder: Any) -> list[str]:
    """The failed checks of a scenario, each with the request that shows it; counts the statuses seen."""
    found = []
    for case_id, interaction in recorder.interactions.items():
        if interaction.response is not None:
            STATS["stateful"][interaction.response.status_code] += 1
        for node in recorder.checks.get(case_id, []):
            if node.failure_info is not None:
                failure = node.failure_info.failure
                answer = interaction.response.content[:500] if interaction.response is not None else b""
                found.append(
                    f"{failure.title} ({node.name})\n{failure.message}\n{node.failure_info.code_sample}\n{answer!r}"
                )
    return found
