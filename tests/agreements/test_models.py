"""Document versions are immutable: once written, a version is never changed."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from app.agreements.models import Agreement, AgreementKind, DocumentVersion, ImmutableRecordError
from app.users.models import Role
from app.workflow.definition import get_workflow
from tests.builders import organisation, partnership

TEXT = "Memorandum of understanding between the parties."


@pytest.fixture
def version(session, make_user) -> DocumentVersion:
    actor = make_user(Role.PROJECT_MANAGER)
    opened = partnership(session, actor, organisation(session))
    agreement = Agreement(
        partnership=opened, kind=AgreementKind.MOU, title="MOU", status=get_workflow("agreement").initial
    )
    written = DocumentVersion(
        agreement=agreement,
        number=1,
        template_key="mou-standard",
        template_version="1",
        body=TEXT,
        variables={"partner": "Org"},
        sha256=hashlib.sha256(TEXT.encode()).hexdigest(),
        author_id=actor.id,
    )
    session.add(agreement)
    session.commit()
    return written


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("body", "A quietly different text."), ("sha256", "0" * 64), ("variables", {"partner": "Someone else"})],
)
def test_a_document_version_cannot_be_updated(session, version, attribute, value):
    setattr(version, attribute, value)
    with pytest.raises(ImmutableRecordError, match=r"document version 1 of agreement \d+ is immutable"):
        session.flush()
    session.rollback()
    session.expire_all()
    stored = session.get(DocumentVersion, version.id)
    assert (stored.body, stored.sha256, stored.variables) == (
        TEXT,
        hashlib.sha256(TEXT.encode()).hexdigest(),
        {"partner": "Org"},
    )


def test_a_new_version_is_a_new_row(session, version):
    session.add(
        DocumentVersion(agreement_id=version.agreement_id, number=2, body="Amended.", sha256="1" * 64, variables={})
    )
    session.commit()
    numbers = session.scalars(
        select(DocumentVersion.number).where(DocumentVersion.agreement_id == version.agreement_id)
    ).all()
    assert sorted(numbers) == [1, 2]
