"""Stage stays: the engine keeps them as the history gives them, and the report read from them is unchanged.

The report's figures for today are compared with the computation it replaced (``legacy_sections``: from the
transition history and the current stages), on a varied portfolio: generated in bulk, built through the services,
and moved again through the engine after the bulk load. A report as of a past day counts only what had happened by
then.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app import clock
from app.config import get_settings
from app.devtools.generate import generate_portfolio
from app.organisations.schemas import OrganisationUpdate
from app.organisations.service import update_organisation
from app.partnerships.models import Partnership, PartyRole
from app.partnerships.schemas import PartnershipUpdate
from app.partnerships.service import update_partnership
from app.reports import sections, service, tallies
from app.reports.dialect import run_sections
from app.reports.schemas import ReportFilter
from app.reports.tallies import ReportTally
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.stays import StageStay, rebuild_stage_stays
from tests.builders import partnership
from tests.reports import legacy_sections
from tests.reports.portfolio import day

FILTERS = [
    None,
    ReportFilter(area="humanitarian"),
    ReportFilter(partner_kind="private_sector"),
    ReportFilter(region="Europe"),
    ReportFilter(country_code="KE"),
]


def _stays(session) -> list[tuple]:
    columns = (StageStay.workflow, StageStay.entity_id, StageStay.stage, StageStay.entered_at, StageStay.left_at)
    rows = session.execute(select(*columns, StageStay.days).order_by(*columns)).all()
    return [(*row[:5], None if row[5] is None else round(row[5], 9)) for row in rows]


def _rebuilt(session) -> list[tuple]:
    rebuild_stage_stays(session)
    return _stays(session)


def _move_some(session, manager) -> None:
    """Move generated partnerships through the engine, after the bulk load rebuilt their stays."""
    actor = Actor.person(manager)
    moves = {"ad_hoc": "go_dormant", "dormant": "revive", "ended": "close"}
    for stage, trigger in moves.items():
        chosen = session.scalars(select(Partnership).where(Partnership.stage == stage).limit(3)).all()
        for target in chosen:
            engine.fire(session, "partnership", target, trigger, actor)
    session.flush()


@pytest.fixture
def varied(session, connection, small_portfolio):
    """Generated partnerships (stays rebuilt by the generator), the small portfolio, and engine moves after both."""
    generate_portfolio(connection, organisations=40, partnerships=300, seed=11)
    session.expire_all()
    _move_some(session, small_portfolio.people.manager)
    return small_portfolio


def test_the_engine_keeps_the_stays_the_history_gives(session, small_portfolio):
    kept = _stays(session)
    p2 = small_portfolio.partnerships["P2"].id
    assert [(s[2], s[4] is None) for s in kept if s[0] == "partnership" and s[1] == p2] == [
        ("ad_hoc", False),
        ("informal", True),  # the second undertaking (informal -> informal) is no new stay
    ]
    assert {s[0] for s in kept} == {"partnership", "agreement", "obligation"}
    assert kept == _rebuilt(session)


def test_stays_moved_after_a_bulk_load_match_the_history(session, varied):
    kept = _stays(session)
    assert len(kept) > 600
    assert kept == _rebuilt(session)
    open_stays = [s for s in kept if s[0] == "partnership" and s[4] is None]
    stages = dict(session.execute(select(Partnership.id, Partnership.stage)).all())
    assert {s[1]: s[2] for s in open_stays} == stages  # one open stay per partnership, in its stage


@pytest.mark.parametrize("chosen", FILTERS, ids=lambda f: "all" if f is None else next(iter(f.chosen())))
def test_the_report_from_stays_equals_the_one_from_history(session, varied, chosen):
    today = clock.today(get_settings().zone)
    old_scope = legacy_sections.scope_of(session, today, chosen)
    old = {name: section(old_scope) for name, section in legacy_sections.SECTIONS.items()}
    new = run_sections(session, service._sections(today, chosen))
    assert new == old
    assert (old["stages"] and old["stage_medians"] and old["funnel"]) or chosen is not None
    before = service.assemble(old, today, chosen).model_dump(exclude={"generated_at"})
    assert service.portfolio(session, today, chosen).model_dump(exclude={"generated_at"}) == before


def test_a_report_as_of_a_past_day_counts_what_had_happened_by_then(session, small_portfolio):
    # Day 22: P2 informal since day 10, P3 informal since day 20 (formalising on day 25 comes later), P4 still ad
    # hoc (dormant on day 30 comes later).
    as_of = service.portfolio(session, day(22).date())
    assert {s.stage: s.count for s in as_of.stages if s.count} == {"ad_hoc": 2, "informal": 2}
    assert {f.stage: f.ever_reached for f in as_of.funnel} == {
        "ad_hoc": 4,
        "informal": 2,
        "formalising": 0,
        "formal": 0,
    }
    durations = {d.stage: d for d in as_of.stage_durations}
    # Ended by then: P2's ad hoc stay (10 days) and P3's (20). P4's ad hoc stay, ended on day 30, was open on day 22:
    # it is measured to that day, so not an ended stay; so is P3's informal stay, ended on day 25.
    assert (durations["ad_hoc"].median_days, durations["ad_hoc"].completed_stays) == (15, 2)
    assert (durations["informal"].completed_stays, durations["informal"].open_stays) == (0, 2)
    assert durations["ad_hoc"].open_stays == 2 and durations["formalising"].open_stays == 0
    matrix = {row.key: row.total for row in as_of.modality_by_area}
    assert matrix["ad_hoc"] == 2 and matrix["formal"] == 0 and matrix["inactive"] == 0
    assert as_of.total_partnerships == 4 and as_of.multi_actor.total == 4


def test_a_report_before_the_first_partnership_is_empty(session, small_portfolio):
    before = service.portfolio(session, date(2026, 5, 30))
    assert before.total_partnerships == 0 and before.partnerships_without_partner == 0
    assert before.by_partner_kind == [] and before.multi_actor.distribution == []
    assert all(step.ever_reached == 0 for step in before.funnel)
    assert all(row.completed_stays == 0 and row.open_stays == 0 for row in before.stage_durations)


def test_a_filtered_report_as_of_a_past_day(session, small_portfolio):
    # Private-sector partner D is in P3 and P4: on day 22 both were still in their first stages.
    as_of = service.portfolio(session, day(22).date(), ReportFilter(partner_kind="private_sector"))
    assert {s.stage: s.count for s in as_of.stages if s.count} == {"ad_hoc": 1, "informal": 1}
    durations = {d.stage: d for d in as_of.stage_durations}
    assert (durations["ad_hoc"].median_days, durations["ad_hoc"].completed_stays) == (20, 1)


def test_the_cutoff_is_the_end_of_the_day_in_the_organisation_timezone():
    cutoff = sections.cutoff_of(date(2026, 6, 1))
    local = cutoff.astimezone(get_settings().zone)
    assert (local.date(), local.hour, local.minute) == (date(2026, 6, 2), 0, 0)


def _tallied(session) -> dict:
    rows = session.execute(
        select(ReportTally.section, ReportTally.key, ReportTally.number, func.sum(ReportTally.delta)).group_by(
            ReportTally.section, ReportTally.key, ReportTally.number
        )
    )
    return {(section, key, number): n for section, key, number, n in rows if n}


def _recounted(session) -> dict:
    return {key: n for key, n in tallies._counts(session, None).items() if n}


def test_the_running_counts_follow_every_change_of_the_records(session, small_portfolio):
    people, orgs, ps = small_portfolio.people, small_portfolio.orgs, small_portfolio.partnerships
    assert _tallied(session) == _recounted(session)
    parties = [
        {"organisation_id": orgs["B"].id, "role": "lead_partner"},
        {"organisation_id": orgs["C"].id, "role": "co_partner"},
    ]
    update_partnership(
        session, ps["P1"].id, PartnershipUpdate(area_codes=["research_data"], parties=parties), actor=people.admin
    )
    update_partnership(session, ps["P2"].id, PartnershipUpdate(parties=parties[:1]), actor=people.admin)
    assert _tallied(session) == _recounted(session)
    update_organisation(
        session, orgs["A"].id, OrganisationUpdate(kind="think_tank", region="West Africa"), actor=people.admin
    )
    update_organisation(session, orgs["D"].id, OrganisationUpdate(country_code="FR"), actor=people.admin)
    assert _tallied(session) == _recounted(session)
    engine.fire(session, "partnership", ps["P1"], "go_dormant", Actor.person(people.manager))
    partnership(session, people.manager, orgs["A"], (orgs["D"], PartyRole.DONOR), area_codes=["humanitarian"])
    session.flush()
    assert _tallied(session) == _recounted(session)
    today = clock.today(get_settings().zone)
    old_scope = legacy_sections.scope_of(session, today, None)
    old = {name: section(old_scope) for name, section in legacy_sections.SECTIONS.items()}
    assert run_sections(session, service._sections(today, None)) == old


def test_a_flush_counts_the_partnerships_it_changes_as_the_report_does(session, varied):
    ids = sorted(session.scalars(select(Partnership.id).limit(40)))
    assert tallies._changed_counts(session, ids) == tallies._counts(session, ids)
