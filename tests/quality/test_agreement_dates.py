"""The agreement_dates check: a formal partnership has an agreement, other than a cancelled one, with both dates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.agreements.models import Agreement
from app.quality.service import record_quality, summary
from app.workflow import engine
from app.workflow.actor import Actor
from tests.builders import draft_agreement, formalising_partnership
from tests.quality.conftest import formal_agreement, today


def _check(session, partnership_id: int):
    result = record_quality(session, "partnership", partnership_id, today())
    return next(check for check in result.checks if check.name == "agreement_dates")


def test_a_formal_partnership_with_a_dated_agreement_passes(session, people):
    agreement = formal_agreement(session, people)
    check = _check(session, agreement.partnership_id)
    assert (check.status, check.weight, check.level) == ("passed", 3, "expected")


def test_a_formal_partnership_without_agreement_dates_fails(session, people):
    agreement = formal_agreement(session, people)
    # An old register can hold an agreement in force without its term: write it as such a load would.
    session.execute(update(Agreement).where(Agreement.id == agreement.id).values(end_date=None))
    session.commit()
    check = _check(session, agreement.partnership_id)
    assert check.status == "failed" and check.problem == "agreement dates missing"


def test_a_cancelled_agreement_does_not_count(session, people):
    agreement = formal_agreement(session, people)
    session.execute(update(Agreement).where(Agreement.id == agreement.id).values(effective_date=None))
    cancelled = draft_agreement(session, people, agreement.partnership, complete=False,
                                effective=today() - timedelta(days=3), end=today() + timedelta(days=300))  # fmt: skip
    engine.fire(session, "agreement", cancelled, "cancel", Actor.person(people.manager), "Not needed")
    session.commit()
    assert _check(session, agreement.partnership_id).status == "failed"


def test_it_applies_to_formal_partnerships_only_and_is_counted_in_the_summary(session, people):
    formalising = formalising_partnership(session, people)
    assert _check(session, formalising.id).status == "not_applicable"
    agreement = formal_agreement(session, people)
    session.execute(update(Agreement).where(Agreement.id == agreement.id).values(end_date=None))
    session.commit()
    partnerships = next(entity for entity in summary(session, today()).entities if entity.entity == "partnership")
    counted = {check.name: check for check in partnerships.checks}
    assert counted["agreement_dates"].failing >= 1 and counted["agreement_dates"].applicable >= 1
