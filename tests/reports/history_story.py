"""A history built with clock travel, for the tests of the portfolio as of past days and of the changes.

Timeline (UTC, the organisation's timezone unless a test says otherwise):

- 2026-03-01 10:00: P1 (A: national CSO, East Africa; humanitarian) and P2 (B: academic, Europe; research_data)
  are created, ad hoc.
- 2026-03-06: P1 gets an undertaking (informal) and starts formalising.
- 2026-03-11: MOU1 of P1 signed and in force (ends 2026-06-09): P1 formal.
- 2026-03-13: P2 informal, formalising; MOU2 signed and in force (ends 2026-04-30): P2 formal.
- 2026-04-10: EXT1, an extension of MOU1 (ends 2026-12-31), signed and in force: MOU1 superseded.
- 2026-05-01 06:00: the daily tick expires MOU2: P2 ended.
- 2026-05-09 23:30: P3 (A; humanitarian) created (2026-05-10 08:30 in Tokyo).
- 2026-05-20: EXT1 terminated: P1 ended.
- Today: 2026-06-15.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from app import clock
from app.agreements.models import Agreement, AgreementKind
from app.jobs import run_daily_transitions
from app.obligations.service import list_for_agreement
from app.organisations.models import OrganisationKind
from app.partnerships.models import Partnership
from app.partnerships.schemas import UndertakingCreate
from app.partnerships.service import record_undertaking
from app.users.models import Role
from app.workflow import engine
from app.workflow.actor import Actor
from tests.builders import Cast, advance, draft_agreement, organisation, partnership

START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
TODAY = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
SIGN = ("submit_for_review", "approve", "record_signatures", "activate")


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@dataclass
class Story:
    people: Cast
    p: dict[str, Partnership]
    a: dict[str, Agreement]

    def pid(self, *names: str) -> set[int]:
        return {self.p[name].id for name in names}

    def aid(self, *names: str) -> set[int]:
        return {self.a[name].id for name in names}


def _formalise(session, people: Cast, target: Partnership, when: datetime) -> None:
    with clock.frozen_at(when):
        for party, org in zip(target.parties, [party.organisation for party in target.parties], strict=True):
            party.focal_point_id = org.contacts[0].id
        data = UndertakingCreate(given_on=when.date(), given_by="The director", scope="Joint work", form="verbal")
        record_undertaking(session, target.id, data, people.manager)
        engine.fire(session, "partnership", target, "start_formalising", Actor.person(people.manager))
        session.commit()


def _signed(session, people: Cast, target: Partnership, when: datetime, end: date, **extra) -> Agreement:
    with clock.frozen_at(when):
        agreement = draft_agreement(session, people, target, end=end, notice=0, **extra)
        if extra.get("kind") == AgreementKind.EXTENSION:
            for obligation in list_for_agreement(session, agreement.id):
                session.delete(obligation)
            session.flush()
        for step in SIGN:
            advance(session, agreement, step, people)
        session.commit()
    return agreement


@pytest.fixture
def story(session, session_factory, make_user) -> Story:
    people = Cast(
        make_user(Role.PROJECT_MANAGER),
        make_user(Role.LEGAL_OFFICER),
        make_user(Role.LEGAL_OFFICER),
        make_user(Role.ADMIN),
    )
    focal = [{"name": "Focal Point", "title": "Director", "email": "focal@example.org"}]
    a = organisation(session, "Alpha Association", kind=OrganisationKind.NATIONAL_CSO, region="East Africa",
                     contacts=focal)  # fmt: skip
    b = organisation(session, "Beta University", kind=OrganisationKind.ACADEMIC, country_code="FR", region="Europe",
                     contacts=focal)  # fmt: skip
    with clock.frozen_at(START):
        p1 = partnership(session, people.manager, a, area_codes=["humanitarian"], legal_officer_id=people.lawyer.id)
        p2 = partnership(session, people.manager, b, area_codes=["research_data"], legal_officer_id=people.lawyer.id)
    _formalise(session, people, p1, at(date(2026, 3, 6)))
    mou1 = _signed(session, people, p1, at(date(2026, 3, 11)), date(2026, 6, 9))
    _formalise(session, people, p2, at(date(2026, 3, 13)))
    mou2 = _signed(session, people, p2, at(date(2026, 3, 13), 11), date(2026, 4, 30))
    ext1 = _signed(
        session, people, p1, at(date(2026, 4, 10)), date(2026, 12, 31), kind=AgreementKind.EXTENSION, parent=mou1
    )
    with clock.frozen_at(at(date(2026, 5, 1), 6)):
        report = run_daily_transitions(session_factory)
    assert report.fired.get("expire") == [mou2.id]
    with clock.frozen_at(at(date(2026, 5, 9), 23, 30)):
        p3 = partnership(session, people.manager, a, area_codes=["humanitarian"])
    with clock.frozen_at(at(date(2026, 5, 20))):
        advance(session, ext1, "terminate", people)
        session.commit()
    session.expire_all()
    assert (p1.stage, p2.stage, p3.stage) == ("ended", "ended", "ad_hoc")
    assert (mou1.status, mou2.status, ext1.status) == ("superseded", "expired", "terminated")
    with clock.frozen_at(TODAY):
        yield Story(people, {"P1": p1, "P2": p2, "P3": p3}, {"MOU1": mou1, "MOU2": mou2, "EXT1": ext1})
