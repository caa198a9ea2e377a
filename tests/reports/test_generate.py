"""The generated portfolio tells consistent stories: stages match the history, formal means an active agreement…"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import pairwise

from sqlalchemy import func, select

from app.devtools.generate import generate_portfolio
from app.models import (
    Agreement,
    Obligation,
    Organisation,
    OrganisationKind,
    Partnership,
    PartnershipParty,
    ReferenceCounter,
    Signature,
    TransitionEvent,
)
from app.partnerships.models import partnership_areas
from app.reports.service import portfolio
from app.workflow.definition import get_workflow


def _histories(session, entity_type: str) -> dict[int, list[TransitionEvent]]:
    found: dict[int, list] = defaultdict(list)
    stmt = (
        select(TransitionEvent)
        .where(TransitionEvent.entity_type == entity_type)
        .order_by(TransitionEvent.entity_id, TransitionEvent.occurred_at, TransitionEvent.id)
    )
    for event in session.scalars(stmt):
        found[event.entity_id].append(event)
    return found


def _check_chains(histories, states_now: dict[int, str], workflow: str) -> None:
    machine = get_workflow(workflow)
    for entity_id, events in histories.items():
        assert events[0].from_state is None and events[0].trigger == "create", (workflow, entity_id)
        for previous, event in pairwise(events):
            assert event.from_state == previous.to_state, (workflow, entity_id, event.trigger)
            assert event.occurred_at >= previous.occurred_at
            transition = machine.find(event.trigger, event.from_state)
            assert transition is not None and transition.dest == event.to_state, (workflow, event.trigger)
        assert events[-1].to_state == states_now[entity_id], (workflow, entity_id)
    assert set(histories) == set(states_now)


def test_generated_portfolio_is_consistent(session, connection):
    written = generate_portfolio(connection, organisations=60, partnerships=400, seed=7)
    session.expire_all()
    assert written["partnerships"] == 400 and written["organisations"] == 60
    stages = dict(session.execute(select(Partnership.id, Partnership.stage)).all())
    assert set(stages.values()) == set(get_workflow("partnership").states)  # every stage
    assert {kind for (kind,) in session.execute(select(Organisation.kind).distinct())} == set(OrganisationKind)
    _check_chains(_histories(session, "partnership"), stages, "partnership")
    _check_chains(
        _histories(session, "agreement"),
        dict(session.execute(select(Agreement.id, Agreement.status)).all()),
        "agreement",
    )
    _check_chains(
        _histories(session, "obligation"),
        dict(session.execute(select(Obligation.id, Obligation.status)).all()),
        "obligation",
    )

    active = Counter(session.scalars(select(Agreement.partnership_id).where(Agreement.status == "active")))
    for pid, stage in stages.items():
        assert active[pid] == (1 if stage == "formal" else 0), (pid, stage)
    parties = Counter(session.scalars(select(PartnershipParty.partnership_id)))
    assert set(parties.values()) <= {1, 2, 3, 4} and set(parties) == set(stages)
    with_area = set(session.scalars(select(partnership_areas.c.partnership_id)))
    without_focal = set(
        session.scalars(select(PartnershipParty.partnership_id).where(PartnershipParty.focal_point_id.is_(None)))
    )
    for pid, stage in stages.items():
        if stage in {"formalising", "formal", "ended"}:
            assert pid in with_area and pid not in without_focal, (pid, stage)
    # Every agreement in force has an obligation for each party and one for the organisation, and every signature.
    for agreement in session.scalars(select(Agreement).where(Agreement.status.in_(("active", "expired")))):
        owed = Counter(session.scalars(select(Obligation.party_id).where(Obligation.agreement_id == agreement.id)))
        signed = set(session.scalars(select(Signature.party_id).where(Signature.agreement_id == agreement.id)))
        expected = {None, *(p.id for p in agreement.partnership.parties)}
        assert set(owed) == expected and signed == expected, agreement.id
        assert agreement.effective_date <= agreement.end_date
    # References are unique and the counters go on from the highest number handed out.
    references = list(session.scalars(select(Partnership.reference)))
    assert len(set(references)) == len(references)
    counters = dict(session.execute(select(ReferenceCounter.series, ReferenceCounter.last_value)).all())
    for reference in references:
        series, _, number = reference.rpartition("-")
        assert int(number) <= counters[series]
    # The report reads it.
    report = portfolio(session)
    assert report.total_partnerships == 400
    assert report.funnel[0].ever_reached == 400


def test_generating_twice_adds_without_clashing(session, connection):
    generate_portfolio(connection, organisations=10, partnerships=30, seed=1)
    generate_portfolio(connection, organisations=10, partnerships=30, seed=1)
    assert session.scalar(select(func.count()).select_from(Partnership)) == 60
    assert session.scalar(select(func.count()).select_from(Organisation)) == 20
