"""Creating with an ``Idempotency-Key``: a retried request gets the first answer and creates nothing more."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.organisations.models import Organisation
from app.partnerships.models import Partnership
from app.users.models import Role
from tests.builders import assert_problem, organisation

API = "/api/v1"


@pytest.mark.parametrize(
    ("path", "model", "body"),
    [
        (
            "/organisations",
            Organisation,
            lambda ids: {"legal_name": "Once Only", "kind": "other", "country_code": "KE"},
        ),
        (
            "/partnerships",
            Partnership,
            lambda ids: {"title": "Once only", "parties": [{"organisation_id": ids["org"], "role": "lead_partner"}]},
        ),
    ],
)
def test_a_retried_create_returns_the_first_answer(client, session, auth, path, model, body):
    _, headers = auth(Role.ADMIN)
    ids = {"org": organisation(session, "Partner for retries").id}
    count = session.scalar(select(func.count()).select_from(model))
    keyed = {**headers, "Idempotency-Key": "create-once-7c1d"}
    first = client.post(API + path, json=body(ids), headers=keyed)
    again = client.post(API + path, json=body(ids), headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201), first.text
    assert again.json() == first.json() and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert session.scalar(select(func.count()).select_from(model)) == count + 1
    changed = {**body(ids), "notes" if model is Organisation else "objectives": "different"}
    assert_problem(client.post(API + path, json=changed, headers=keyed), 422, "Idempotency-Key")
