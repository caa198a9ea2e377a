"""The portfolio as of past days and what changed between two days, from the history in ``history_story``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.config import get_settings
from app.errors import ValidationFailed
from app.listing import Paging
from app.organisations.models import AreaOfEngagement
from app.reports import history
from app.reports.schemas import AsOfFilter, ChangesFilter
from tests.reports.history_story import at


def _partnerships(session, on: date, **filters) -> dict[int, str]:
    found = history.partnerships_as_of(session, AsOfFilter(on=on, **filters), Paging(page_size=200))
    return {item.id: item.stage for item in found.items}


def _agreements(session, on: date, **filters) -> dict[int, str]:
    found = history.agreements_as_of(session, AsOfFilter(on=on, **filters), Paging(page_size=200))
    return {item.id: item.status for item in found.items}


def test_the_portfolio_as_of_several_past_days(session, story):
    p, a = story.p, story.a
    assert _partnerships(session, date(2026, 2, 28)) == {}  # before any record: an empty answer
    assert _agreements(session, date(2026, 2, 28)) == {}
    assert _partnerships(session, date(2026, 3, 1)) == {p["P1"].id: "ad_hoc", p["P2"].id: "ad_hoc"}
    assert _partnerships(session, date(2026, 3, 6)) == {p["P1"].id: "formalising", p["P2"].id: "ad_hoc"}
    assert _partnerships(session, date(2026, 4, 15)) == {p["P1"].id: "formal", p["P2"].id: "formal"}
    assert _agreements(session, date(2026, 4, 15)) == {
        a["MOU1"].id: "superseded",
        a["MOU2"].id: "active",
        a["EXT1"].id: "active",
    }
    assert _agreements(session, date(2026, 4, 30))[a["MOU2"].id] == "active"  # its last day
    assert _agreements(session, date(2026, 5, 1))[a["MOU2"].id] == "expired"  # the tick of the day after
    assert _partnerships(session, date(2026, 5, 1)) == {p["P1"].id: "formal", p["P2"].id: "ended"}
    assert _partnerships(session, date(2026, 5, 25)) == {
        p["P1"].id: "ended",
        p["P2"].id: "ended",
        p["P3"].id: "ad_hoc",
    }
    assert _agreements(session, date(2026, 5, 25))[a["EXT1"].id] == "terminated"
    # The state that day comes from the history, not from the current columns.
    found = history.partnerships_as_of(session, AsOfFilter(on=date(2026, 4, 15)), Paging())
    by_id = {item.id: item for item in found.items}
    p1 = by_id[story.p["P1"].id]
    assert (p1.stage, p1.stage_now, p1.since) == ("formal", "ended", at(date(2026, 3, 11)))
    assert p1.stage_label == "Formal"


def test_the_as_of_lists_are_filtered_like_the_list(session, story):
    on = date(2026, 5, 25)
    assert set(_partnerships(session, on, stage="ended")) == story.pid("P1", "P2")
    assert set(_partnerships(session, on, area="research_data")) == story.pid("P2")
    assert set(_partnerships(session, on, region="east africa")) == story.pid("P1", "P3")
    assert set(_partnerships(session, on, partner_kind="academic_institution")) == story.pid("P2")
    assert set(_partnerships(session, date(2026, 4, 15), partner_kind="national_cso")) == story.pid("P1")
    assert set(_agreements(session, on, stage="expired")) == story.aid("MOU2")
    assert set(_agreements(session, on, area="humanitarian")) == story.aid("MOU1", "EXT1")


def test_the_as_of_list_is_walked_by_keyset(session, story):
    seen, paging = [], Paging(page_size=1)
    while True:
        found = history.partnerships_as_of(session, AsOfFilter(on=date(2026, 6, 1)), paging)
        seen += [item.id for item in found.items]
        assert found.total == 3
        if found.next_cursor is None:
            break
        assert found.next_cursor.startswith("k")
        paging = Paging(page_size=1, cursor=found.next_cursor)
    assert seen == [story.p["P3"].id, story.p["P2"].id, story.p["P1"].id]  # newest first


def test_a_day_in_the_future_or_an_unknown_state_is_refused(session, story):
    with pytest.raises(ValidationFailed) as refused:
        history.partnerships_as_of(session, AsOfFilter(on=date(2026, 6, 16)), Paging())
    assert refused.value.problems[0].field == "on"
    assert _partnerships(session, date(2026, 6, 15))  # today is allowed
    with pytest.raises(ValidationFailed) as refused:
        history.partnerships_as_of(session, AsOfFilter(on=date(2026, 6, 1), stage="nowhere"), Paging())
    assert refused.value.problems[0].field == "stage"
    with pytest.raises(ValidationFailed) as refused:
        history.changes_between(session, ChangesFilter(start=date(2026, 6, 1), end=date(2026, 6, 16)))
    assert refused.value.problems[0].field == "end"
    with pytest.raises(ValidationFailed) as refused:
        history.changes_between(session, ChangesFilter(start=date(2026, 6, 2), end=date(2026, 6, 1)))
    assert refused.value.problems[0].field == "start"
    with pytest.raises(ValidationFailed) as refused:
        history.change_records(
            session, "renamed", ChangesFilter(start=date(2026, 3, 1), end=date(2026, 3, 2)), Paging()
        )
    assert refused.value.problems[0].field == "category"


def _records(session, key: str, start: date, end: date, **filters) -> set[int]:
    chosen = ChangesFilter(start=start, end=end, **filters)
    return {item.id for item in history.change_records(session, key, chosen, Paging(page_size=200)).items}


def _counts(session, start: date, end: date, **filters) -> dict[str, int]:
    summary = history.changes_between(session, ChangesFilter(start=start, end=end, **filters))
    return {category.key: category.count for category in summary.categories}


def test_changes_over_the_whole_history(session, story):
    start, end = date(2026, 3, 1), date(2026, 6, 15)
    summary = history.changes_between(session, ChangesFilter(start=start, end=end))
    counts = {c.key: c.count for c in summary.categories}
    assert counts == {
        "new": 3,
        "formalised": 2,
        "agreements_signed": 3,
        "agreements_extended": 1,
        "agreements_expired": 1,
        "agreements_terminated": 1,
    }
    assert _records(session, "new", start, end) == story.pid("P1", "P2", "P3")
    assert _records(session, "formalised", start, end) == story.pid("P1", "P2")
    assert _records(session, "agreements_signed", start, end) == story.aid("MOU1", "MOU2", "EXT1")
    assert _records(session, "agreements_extended", start, end) == story.aid("MOU1")  # the agreement extended
    assert _records(session, "agreements_expired", start, end) == story.aid("MOU2")
    assert _records(session, "agreements_terminated", start, end) == story.aid("EXT1")

    new = next(c for c in summary.categories if c.key == "new")
    assert {(c.key, c.count) for c in new.by_area} == {("humanitarian", 2), ("research_data", 1)}
    assert {(c.key, c.count) for c in new.by_region} == {("East Africa", 2), ("Europe", 1)}
    assert {(c.key, c.count) for c in new.by_partner_kind} == {("national_cso", 2), ("academic_institution", 1)}
    assert new.records_url == "/api/v1/reports/changes/new?start=2026-03-01&end=2026-06-15"
    # The records behind a cell of a breakdown.
    assert _records(session, "new", start, end, area="humanitarian") == story.pid("P1", "P3")
    assert _records(session, "agreements_signed", start, end, region="Europe") == story.aid("MOU2")
    assert _counts(session, start, end, partner_kind="academic_institution")["agreements_expired"] == 1
    regional = history.changes_between(session, ChangesFilter(start=start, end=end, region="East Africa"))
    assert regional.categories[0].records_url.endswith("&region=East+Africa")
    assert regional.categories[0].count == 2
    assert _counts(session, start, end, partner_kind="academic_institution")["agreements_terminated"] == 0


def test_changes_in_an_empty_range_and_in_narrow_ones(session, story):
    assert set(_counts(session, date(2026, 2, 1), date(2026, 2, 28)).values()) == {0}  # before anything
    assert set(_counts(session, date(2026, 3, 2), date(2026, 3, 5)).values()) == {0}  # nothing happened
    april = _counts(session, date(2026, 4, 1), date(2026, 4, 30))
    assert april == {
        "new": 0,
        "formalised": 0,
        "agreements_signed": 1,
        "agreements_extended": 1,
        "agreements_expired": 0,
        "agreements_terminated": 0,
    }
    assert _records(session, "agreements_expired", date(2026, 5, 1), date(2026, 5, 1)) == story.aid("MOU2")
    assert _records(session, "agreements_expired", date(2026, 4, 30), date(2026, 4, 30)) == set()
    assert _counts(session, date(2026, 5, 20), date(2026, 5, 20))["agreements_terminated"] == 1
    march = _counts(session, date(2026, 3, 1), date(2026, 3, 31))
    assert (march["new"], march["formalised"], march["agreements_signed"]) == (2, 2, 2)


def test_days_are_the_organisation_timezone(session, story, monkeypatch):
    """P3 was created at 23:30 UTC on 9 May: that is 10 May in Tokyo."""
    p3 = story.p["P3"].id
    assert p3 in _partnerships(session, date(2026, 5, 9))
    assert _records(session, "new", date(2026, 5, 9), date(2026, 5, 9)) == {p3}
    assert _records(session, "new", date(2026, 5, 10), date(2026, 5, 10)) == set()
    monkeypatch.setattr(get_settings(), "timezone", "Asia/Tokyo")
    assert p3 not in _partnerships(session, date(2026, 5, 9))
    assert p3 in _partnerships(session, date(2026, 5, 10))
    assert _records(session, "new", date(2026, 5, 9), date(2026, 5, 9)) == set()
    assert _records(session, "new", date(2026, 5, 10), date(2026, 5, 10)) == {p3}
    summary = history.changes_between(session, ChangesFilter(start=date(2026, 5, 10), end=date(2026, 5, 10)))
    assert summary.timezone == "Asia/Tokyo"
    assert summary.since == datetime(2026, 5, 9, 15, 0, tzinfo=UTC)
    assert summary.until == datetime(2026, 5, 10, 15, 0, tzinfo=UTC)


def test_the_breakdown_reads_the_areas_as_they_are_now(session, story):
    """An area changed since: the changes count the partnership under its area now, as the notes say."""
    p2 = story.p["P2"]
    p2.areas = list(session.scalars(select(AreaOfEngagement).where(AreaOfEngagement.code == "humanitarian")))
    session.commit()
    summary = history.changes_between(session, ChangesFilter(start=date(2026, 3, 1), end=date(2026, 3, 31)))
    new = next(c for c in summary.categories if c.key == "new")
    assert {(c.key, c.count) for c in new.by_area} == {("humanitarian", 2)}
    assert any("as they are now" in note for note in summary.notes)


def test_the_first_day_starts_at_midnight_in_the_organisation_timezone():
    assert history.start_of(date(2026, 5, 10)) == datetime(2026, 5, 10, tzinfo=get_settings().zone).astimezone(UTC)
    assert history.start_of(date(2026, 5, 10)) + timedelta(days=1) == history.start_of(date(2026, 5, 11))
