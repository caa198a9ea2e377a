"""What the schemathesis runs of ``test_fuzz`` share: the configuration, the seed data, the checks and the rules.

The checks are every built-in one that applies to this API (see ``CHECKS``), with one adjustment written down
here rather than hidden: ``positive_data_acceptance`` lets a schema-valid request be refused with 422 only for a
business rule that JSON Schema cannot state (``BUSINESS_RULES``: a pair of fields, another row's state, a file's
content), named field by field.
"""

from __future__ import annotations

import itertools
from typing import Any

import jsonschema_rs
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from app.schemas import MAX_ID
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from tests.builders import PROBLEM_JSON, SET_UP, advance, cast, draft_agreement, formalising_partnership, organisation

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

# The schema's "email" is RFC 5322 syntax; the API takes addresses that could be delivered (email-validator refuses
# "x@localhost" and reserved domains such as .test): generated addresses are of that kind.
schemathesis.openapi.format("email", st.from_regex(r"\A[a-z0-9]{1,12}(\.[a-z0-9]{1,8})?@[a-z0-9]{1,12}\.(org|net)\Z"))

STATE_CHANGED = ["412"]
"""An ``If-Match`` of the right form naming an older version: the answer to a well-formed request on changed data."""

SETTINGS: dict[str, Any] = {
    "seed": SEED,
    "generation": {
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,  # Hypothesis derandomize=True: the same requests on every run
        "database": "none",  # no .hypothesis directory; nothing replays from an earlier run
        # Every call carries the token we pass; without this, negative generation would also drop or
        # garble the Authorization header and a 401 would hide the operation behind it.
        "with-security-parameters": False,
        # Every text input refuses NUL (PostgreSQL cannot store it): app.schemas.InputModel.
        "allow-x00": False,
    },
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", *STATE_CHANGED, "429"]
        },
    },
    "phases": {
        # Coverage phase (boundary values of every parameter, unexpected methods): with the enums it runs for
        # minutes, and it fills an optional If-Match with "0" in requests it calls valid. Its 405/Allow part
        # is tests/security/test_api_contract.py, for every path.
        "coverage": {"enabled": False},
        # Links are declared by app.api.openapi (create → read, change, transitions); inferring more from
        # field names made wrong ones (a text version's "file").
        "stateful": {"inference": {"algorithms": []}, "max-steps": 8},
    },
}
CONFIG = schemathesis.Config.from_dict(SETTINGS)


def stateful_config(headers: dict[str, str], scenarios: int, **generation: Any) -> schemathesis.Config:
    """The stateful phase alone, run by schemathesis' engine with ``headers`` on every call and every check."""
    checks = {"object_level_authorization": {"enabled": False}}
    return schemathesis.Config.from_dict(
        SETTINGS
        | {
            "headers": headers,
            "workers": 1,
            "generation": SETTINGS["generation"] | {"max-examples": scenarios} | generation,
            "checks": checks
            | {"positive_data_acceptance": {"enabled": False} | SETTINGS["checks"]["positive_data_acceptance"]},
            "phases": {
                "examples": {"enabled": False},
                "coverage": {"enabled": False},
                "fuzzing": {"enabled": False},
                "stateful": SETTINGS["phases"]["stateful"],
            },
        }
    )


BUSINESS_RULES: dict[str, set[str]] = {
    "*": {"Idempotency-Key", "cursor"},  # the same key sent with another request (422, as the IETF draft says);
    # a cursor is opaque: only the server that issued it can tell a real one (the schema gives its alphabet)
    "GET /api/v1/partnerships/{partnership_id}/existing-agreements/{upload_id}": {"upload_id"},  # not an upload
    "GET /api/v1/quality/records": {"check"},  # a check of the other entity
    "PATCH /api/v1/agreements/{agreement_id}": {"end_date"},  # after the effective date
    "PATCH /api/v1/partnerships/{partnership_id}": {
        "owner_id",
        "legal_officer_id",
        "co_owner_ids",
        "parties",
        "project",
    },
    "POST /api/v1/agreements": {"parent_id", "end_date"},  # a parent this kind may modify; after the start
    # a due date or a recurrence; not owed after the agreement's end unless it survives termination
    "POST /api/v1/agreements/{agreement_id}/obligations": {"body", "party_id", "due_date", "recurrence_until"},
    # the same, merged
    "PATCH /api/v1/obligations/{obligation_id}": {"party_id", "due_date", "recurrence_until"},
    "POST /api/v1/agreements/{agreement_id}/transitions/{trigger}": {"comment", "payload"},  # what a trigger needs
    "POST /api/v1/agreements/{agreement_id}/versions/generate": {
        "template",
        "purpose",
        "obligations",
        "variables",
        "effective_date",  # the agreement must state its terms
        "end_date",
        "bilingual",  # an agreement signed in two languages
        "language",  # two different languages for a bilingual rendering
    },
    # a day not after today (the history is not written ahead); a start not after the end
    "GET /api/v1/reports/portfolio": {"as_of"},
    "GET /api/v1/reports/as-of/partnerships": {"on", "stage"},  # a stage of the partnership workflow
    "GET /api/v1/reports/as-of/agreements": {"on", "stage"},  # a status of the agreement workflow
    "GET /api/v1/reports/changes": {"start", "end"},
    "GET /api/v1/reports/changes/{category}": {"start", "end"},
    "POST /api/v1/agreements/{agreement_id}/versions/upload": {"file"},  # a readable Word document
    # a party of this agreement, on notice (the notice period, within the term), on the approved version's hash
    "POST /api/v1/agreements/{agreement_id}/withdrawals": {"party_id", "notice_given_on", "effective_on"},
    "POST /api/v1/agreements/{agreement_id}/signing/{party}/electronic": {"party", "party_id", "version_sha256"},
    "POST /api/v1/agreements/{agreement_id}/signing/{party}/wet-ink": {
        "party",
        "party_id",
        "version_sha256",
        "file",
        "signed_on",
    },
    # a contact of one of the partnership's parties, with an e-mail; a version of its agreements; within the maximum
    "POST /api/v1/partnerships/{partnership_id}/partner-links": {"contact_id", "document_version_id", "days"},
    "POST /api/v1/imports": {"file", "mapping"},  # a spreadsheet with a header line; the mapping as JSON
    "POST /api/v1/screening/lists": {"file"},  # the Consolidated List's XML
    "POST /api/v1/screening/hits/{hit_id}/decision": {"decision"},  # a hit still on the current list
    "POST /api/v1/obligations/{obligation_id}/transitions/{trigger}": {"comment", "payload"},
    "POST /api/v1/partnerships": {"parties", "owner_id", "legal_officer_id", "co_owner_ids", "project"},
    "POST /api/v1/partnerships/{partnership_id}/existing-agreements": {"end_date", "upload_id", "parties"},
    "POST /api/v1/partnerships/{partnership_id}/drafts": {
        "template",
        "purpose",
        "obligations",
        "variables",
        "effective_date",
        "end_date",
    },
    "POST /api/v1/partnerships/{partnership_id}/existing-agreements/extract": {"file"},  # a PDF or Word file
    "POST /api/v1/partnerships/{partnership_id}/interactions": {"occurred_on"},  # not in the future
    "POST /api/v1/partnerships/{partnership_id}/transitions/{trigger}": {"comment", "payload"},
    "POST /api/v1/partnerships/{partnership_id}/undertakings": {"given_on", "organisation_id"},  # not ahead; a party
    # every declared variable used and named once, the template renders
    "PUT /api/v1/templates/{key}/{language}": {"source", "variables"},
    # an https URL whose host resolves to public addresses only (or an admin's allowance for private ones)
    "POST /api/v1/webhooks": {"url"},
    "PATCH /api/v1/webhooks/{webhook_id}": {"url", "allow_private"},
}
"""Per operation, the fields whose refusal is a rule JSON Schema cannot state: another row (it must exist, be in
the right state, be of the right kind), a pair of fields, what a trigger needs, a file's content. The answer is a
422 (415 for a file of another type) naming the field; an entry covers the field and what is inside it."""
CONTENT_REFUSALS = {415, 422}


def _covered(field: str, allowed: set[str]) -> bool:
    return any(field == name or field.startswith((f"{name}.", f"{name}[")) for name in allowed)


def business_rule_refusal(case: schemathesis.Case, response: schemathesis.Response) -> bool:
    """Whether ``response`` refuses only fields with a business rule on this operation (422, or 415 for a file)."""
    if response.status_code not in CONTENT_REFUSALS:
        return False
    allowed = BUSINESS_RULES["*"] | BUSINESS_RULES.get(case.operation.label, set())
    errors = (response.json() or {}).get("errors") or [{"field": ""}]
    if response.status_code == 415:
        return all(error.get("field") == "file" and "file" in allowed for error in errors)
    return all(_covered(error.get("field", ""), allowed) for error in errors)


def positive_data_accepted(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """``positive_data_acceptance``, except for a 422 that names only fields with a business rule."""
    if business_rule_refusal(case, response):
        return None
    return positive_data_acceptance(ctx, response, case)


@schemathesis.check
def business_rules_aside(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """For schemathesis' engine (the stateful run): ``positive_data_accepted``."""
    return positive_data_accepted(ctx, response, case)


@schemathesis.check
def problem_documents(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """For schemathesis' engine (the stateful run): every error is a problem document."""
    if response.status_code >= 400:
        assert_problem_document(response)
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_accepted,
    ignored_auth,
]
"""Every built-in check that applies, but ``max_response_time`` (flaky on a loaded machine),
``object_level_authorization`` (needs identities schemathesis signs up itself; tests/security/test_role_matrix.py holds
the role matrix) and the coverage phase's own (``unsupported_method``, ``allow_header_conformance``,
``missing_required_header``: that phase is off, see ``CONFIG``). The stateful run (schemathesis' engine) runs
every enabled built-in check, ``use_after_free`` and ``ensure_resource_availability`` among them, and the two
registered above in place of ``positive_data_acceptance``."""

_emails = itertools.count(1)


def seed(factory: sessionmaker[Session]) -> None:
    """Organisations with contacts, two formalising partnerships, agreements in draft, review and force."""
    with factory() as session:

        def make_user(*roles: Role) -> User:
            email = f"fuzz{next(_emails)}@example.org"
            user = create_user(
                session, UserCreate(email=email, full_name="Fuzz Person", roles=list(roles)), actor=SET_UP
            )
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


def token_headers(factory: sessionmaker[Session], role: Role) -> dict[str, str]:
    """The Authorization header of a new user with ``role`` and a fresh token."""
    with factory() as session:
        email = f"fuzz-{role.value}{next(_emails)}@example.org"
        user = create_user(session, UserCreate(email=email, full_name=f"Fuzz {role.value}", roles=[role]), actor=SET_UP)
        _, secret = create_token(session, user, "fuzz")
        session.commit()
    return {"Authorization": f"Bearer {secret}"}


def existing(name: str, value: Any, schema: dict[str, Any]) -> Any:
    """``value`` turned into a row id or a name that exists (for half the generated path parameters).

    A value that breaks the parameter's ``schema`` is kept: it is a negative case, and must stay one.
    """
    if not jsonschema_rs.is_valid(schema, value):
        return value
    if type(value) is int and value >= 0:
        return value % EXISTING_IDS + 1
    if isinstance(value, str) and name in KNOWN_NAMES:
        return KNOWN_NAMES[name][len(value) % len(KNOWN_NAMES[name])]
    return value


def existing_ids_in(value: Any, key: str = "") -> Any:
    """``value`` (a request body) with its even row ids (``*_id``, ``*_ids``) turned into ids that exist.

    Creations refer to other rows (a partnership to organisations, an agreement to a partnership): with only
    random ids they would all be refused, and nothing deeper would be reached. Odd ids stay as generated (422s),
    and so does anything out of range (a negative case stays one).
    """
    if isinstance(value, dict):
        return {name: existing_ids_in(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [existing_ids_in(item, key) for item in value]
    if key.endswith(("_id", "_ids")) and type(value) is int and 1 <= value <= MAX_ID and value % 2 == 0:
        return value % EXISTING_IDS + 1
    return value


def assert_problem_document(response: schemathesis.Response) -> None:
    """An error answer is an RFC 9457 problem+json document that repeats the response's status."""
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith(PROBLEM_JSON), f"{response.status_code} answered as {content_type!r}"
    body = response.json()
    assert isinstance(body, dict), body
    assert body.get("status") == response.status_code, body
    assert body.get("title") and body.get("type") and body.get("detail"), body
