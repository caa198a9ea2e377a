"""Property-based fuzzing of the published OpenAPI description with schemathesis.

Every operation in ``/openapi.json`` is called in-process (ASGI) with requests generated from its own schema,
valid ones and invalid ones, as an administrator, against a migrated database of this module's own that holds
a small realistic portfolio (so that ids 1..N name existing rows). The run is bounded for CI: a fixed number
of examples per operation, derandomized with a fixed seed, no deadline, no example database.

What must hold for every response: never a 5xx, and every response a client can rely on matches the
description (see ``CHECKS`` for what is checked and why some checks are relaxed).
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
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
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from tests.builders import advance, cast, draft_agreement, formalising_partnership, organisation
from tests.support import scratch_database

MAX_EXAMPLES = 12
SEED = 20261129
EXISTING_IDS = 4  # every table below holds at least rows 1..EXISTING_IDS or close to it after seeding
_emails = itertools.count(1)

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)

STATS: dict[str, Counter[int]] = defaultdict(Counter)
FAILURES: dict[str, list[str]] = defaultdict(list)


def _seed(factory: sessionmaker[Session]) -> None:
    with factory() as session:

        def make_user(*roles: Role):
            email = f"fuzz{next(_emails)}@example.org"
            user = create_user(session, UserCreate(email=email, full_name="Fuzz Person", roles=list(roles)))
            session.commit()
            return user

        people = cast(make_user)
        draft_agreement(session, people)
        in_review = draft_agreement(session, people, formalising_partnership(session, people))
        advance(session, in_review, "submit_for_review", people)
        organisation(session, contacts=[{"name": "Focal", "title": "Head"}])
        for _ in range(2):
            _, _secret = create_token(session, people.admin, "seed")
        session.commit()


@pytest.fixture(scope="module")
def fuzz_factory(database_url: str, settings: Settings, tmp_path_factory) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated, seeded database of this module's own (schemathesis calls one app many times)."""
    with scratch_database(database_url, tmp_path_factory.mktemp("fuzz")) as url:
        migrate.upgrade(url)
        bound = make_engine(url)
        factory = sessionmaker(bind=bound, expire_on_commit=False)
        _seed(factory)
        yield factory
        bound.dispose()


@pytest.fixture(scope="module")
def fuzz_schema(settings: Settings, fuzz_factory: sessionmaker[Session]) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, fuzz_factory), config=CONFIG)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters: dict[str, Any] | None):
        """Half the time, fold integer ids into 1..EXISTING_IDS so that requests reach existing rows."""
        if not path_parameters:
            return st.just(path_parameters)
        folded = {
            name: value % EXISTING_IDS + 1 if type(value) is int and value >= 0 else value
            for name, value in path_parameters.items()
        }
        return st.sampled_from([folded, path_parameters])

    return schema


@pytest.fixture(scope="module")
def admin_headers(fuzz_factory: sessionmaker[Session]):
    """A fresh administrator and token per operation, so that one revoking its own token spoils no other."""
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
def report(request: pytest.FixtureRequest) -> Iterator[None]:
    started = time.monotonic()
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    examples = sum(sum(counter.values()) for counter in STATS.values())
    lines = [f"schemathesis {schemathesis.__version__}: {len(STATS)} operations, {examples} examples"]
    lines.append(f"in {time.monotonic() - started:.1f}s (max_examples={MAX_EXAMPLES}, seed={SEED})")
    if os.environ.get("FUZZ_VERBOSE"):
        for label, counter in sorted(STATS.items()):
            lines.append(f"  {label}: {dict(sorted(counter.items()))}")
        for label, failures in sorted(FAILURES.items()):
            for failure in sorted(set(failures)):
                lines.append(f"FAIL {label}: {failure}")
    if reporter is not None:
        reporter.write_sep("-", "fuzz summary")
        for line in lines:
            reporter.write_line(line)


schema = schemathesis.pytest.from_fixture("fuzz_schema")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
def test_fuzz(case: schemathesis.Case, admin_headers) -> None:
    label = case.operation.label
    response = case.call(headers=admin_headers(label))
    STATS[label][response.status_code] += 1
    for check in CHECKS:
        try:
            case.validate_response(response, checks=[check])
        except Exception as exc:
            FAILURES[label].append(
                f"{check.__name__} {response.status_code} {response.headers.get('content-type')} "
                + str(exc).splitlines()[1][:150]
                if len(str(exc).splitlines()) > 1
                else str(exc)[:150]
            )
