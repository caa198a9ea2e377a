"""The portfolio report's figures on a small portfolio whose every number is known (see ``portfolio.py``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import literal, select, union_all

from app.config import get_settings
from app.errors import ValidationFailed
from app.i18n import format_duration
from app.reports.dialect import median_by_group
from app.reports.schemas import ReportFilter
from app.reports.service import portfolio
from tests.reports.portfolio import TODAY


def _by(items, key="key"):
    return {getattr(item, key): item.count for item in items}


def test_stages_modalities_and_the_matrix_by_area(session, small_portfolio):
    report = portfolio(session, TODAY)
    assert report.total_partnerships == 4
    assert {s.stage: s.count for s in report.stages if s.count} == {
        "ad_hoc": 1,
        "informal": 1,
        "formal": 1,
        "dormant": 1,
    }
    assert {m.key: m.count for m in report.modalities} == {"ad_hoc": 1, "informal": 1, "formal": 1, "inactive": 1}
    names = [area.code for area in report.areas]
    assert names[-1] is None and report.areas[-1].name == "No area"
    matrix = {row.key: dict(zip(names, row.cells, strict=True)) for row in report.modality_by_area}
    # P1 counts under both of its areas; P4 has none.
    assert {code: n for code, n in matrix["ad_hoc"].items() if n} == {"humanitarian": 1, "migrant_health": 1}
    assert {code: n for code, n in matrix["informal"].items() if n} == {"humanitarian": 1}
    assert {code: n for code, n in matrix["formal"].items() if n} == {"research_data": 1}
    assert {code: n for code, n in matrix["inactive"].items() if n} == {None: 1}
    assert [row.total for row in report.modality_by_area] == [1, 1, 1, 1]
    assert {area.code: area.count for area in report.areas if area.count} == {
        "humanitarian": 2,
        "migrant_health": 1,
        "research_data": 1,
        None: 1,
    }
    stage_rows = {row.key: row for row in report.stage_by_area}
    assert stage_rows["dormant"].cells[-1] == 1 and stage_rows["formalising"].total == 0


def test_partner_kinds_regions_countries_and_multi_actor(session, small_portfolio):
    report = portfolio(session, TODAY)
    assert _by(report.by_partner_kind) == {
        "national_cso": 2,
        "academic_institution": 2,
        "un_agency": 1,
        "private_sector": 2,
    }
    assert next(c.label for c in report.by_partner_kind if c.key == "un_agency") == "UN agency"
    # the one given no region gets its country's (KE: Eastern Africa, UN M49)
    assert _by(report.by_region) == {"East Africa": 2, "Europe": 2, "South America": 2, "Eastern Africa": 1}
    assert _by(report.by_country) == {"KE": 3, "FR": 2, "BR": 2}
    assert _by(report.by_country, "label") == {"Kenya": 3, "France": 2, "Brazil": 2}
    in_french = portfolio(session, TODAY, locale="fr")
    assert _by(in_french.by_country, "label") == {"Kenya": 3, "France": 2, "Brésil": 2}
    assert report.partnerships_without_partner == 0
    multi = report.multi_actor
    assert (multi.count, multi.total, multi.share) == (2, 4, 0.5)
    assert {d.parties: d.partnerships for d in multi.distribution} == {1: 2, 2: 1, 3: 1}


def test_funnel_from_the_history_and_the_current_counts(session, small_portfolio):
    funnel = {step.stage: step for step in portfolio(session, TODAY).funnel}
    assert {s: (f.ever_reached, f.current) for s, f in funnel.items()} == {
        "ad_hoc": (4, 1),
        "informal": (2, 1),
        "formalising": (1, 0),
        "formal": (1, 1),
    }
    assert funnel["informal"].share_of_first == 0.5
    assert funnel["formalising"].share_of_previous == 0.5
    assert funnel["ad_hoc"].share_of_previous is None


def test_median_time_in_each_stage_counts_ended_stays_only(session, small_portfolio):
    durations = {row.stage: row for row in portfolio(session, TODAY).stage_durations}
    assert (durations["ad_hoc"].median_days, durations["ad_hoc"].completed_stays) == (20.0, 3)
    # The second undertaking on day 12 (informal -> informal) does not cut P2's informal stay.
    assert (durations["informal"].median_days, durations["informal"].completed_stays) == (5.0, 1)
    assert (durations["formalising"].median_days, durations["formalising"].completed_stays) == (15.0, 1)
    assert durations["formal"].median_days is None and durations["formal"].open_stays == 1
    assert (durations["ad_hoc"].median, durations["formal"].median) == ("20 days", "—")
    assert durations["ad_hoc"].open_stays == 1 and durations["dormant"].open_stays == 1


def test_expiring_windows_timeline_and_overdue_by_party(session, small_portfolio):
    report = portfolio(session, TODAY)
    assert [(w.count, w.within) for w in report.expiring] == [(0, 0), (1, 1), (0, 1)]
    ends = TODAY + timedelta(days=45)
    assert [m.month for m in report.end_dates_by_month if m.count] == [f"{ends:%Y-%m}"]
    assert len(report.end_dates_by_month) == 24 and report.end_dates_by_month[0].month == f"{TODAY:%Y-%m}"
    assert report.overdue.total == 4 and report.overdue.parties == 4
    names = {party.name: party.count for party in report.overdue.by_party}
    us = f"{get_settings().organisation_name} (ourselves)"
    assert names == {"Beta University": 1, "Gamma UN Office": 1, "Delta Logistics": 1, us: 1}


def test_filters_narrow_every_section(session, small_portfolio):
    by_area = portfolio(session, TODAY, ReportFilter(area="humanitarian"))
    assert by_area.total_partnerships == 2 and by_area.filters == {"area": "humanitarian"}
    assert {f.stage: f.ever_reached for f in by_area.funnel} == {
        "ad_hoc": 2,
        "informal": 1,
        "formalising": 0,
        "formal": 0,
    }
    assert by_area.overdue.total == 0 and by_area.expiring[-1].within == 0
    by_kind = portfolio(session, TODAY, ReportFilter(partner_kind="private_sector"))
    assert by_kind.total_partnerships == 2 and by_kind.overdue.total == 4 and by_kind.expiring[-1].within == 1
    durations = {row.stage: row.median_days for row in by_kind.stage_durations}
    assert durations["ad_hoc"] == 25.0  # P3 (20) and P4 (30)
    assert portfolio(session, TODAY, ReportFilter(region="south america")).total_partnerships == 2
    assert portfolio(session, TODAY, ReportFilter(country_code="FR")).total_partnerships == 2
    owner = small_portfolio.people.manager.id
    assert portfolio(session, TODAY, ReportFilter(owner_id=owner)).total_partnerships == 4
    with pytest.raises(ValidationFailed) as refused:
        portfolio(session, TODAY, ReportFilter(area="atlantis"))
    assert refused.value.problems[0].field == "area"


def test_an_empty_portfolio_has_zeros_not_errors(session):
    report = portfolio(session, TODAY)
    assert report.total_partnerships == 0 and report.multi_actor.share == 0.0
    assert all(step.ever_reached == 0 and step.share_of_first == 0.0 for step in report.funnel)
    assert all(row.median_days is None for row in report.stage_durations)


def test_median_by_group_on_this_backend(session, backend):
    rows = [("a", 1.0), ("a", 10.0), ("a", 2.0), ("a", 3.0), ("b", 5.0), ("c", 3.0), ("c", 1.0), ("c", 2.0)]
    values = union_all(*(select(literal(k).label("key"), literal(v).label("value")) for k, v in rows)).subquery()
    assert median_by_group(session, values) == {"a": (2.5, 4), "b": (5.0, 1), "c": (2.0, 3)}, backend


def test_durations_read_as_whole_days_then_years_and_months():
    # Up to two months in days, then in months, then in years and months (no "628.0", no "21 months").
    assert [format_duration(days) for days in (None, 0.4, 1.2, 14.6, 60.4, 61, 628.0, 730.5)] == [
        "—",
        "0 days",
        "1 day",
        "15 days",
        "60 days",
        "2 months",
        "1 year and 9 months",
        "2 years",
    ]
