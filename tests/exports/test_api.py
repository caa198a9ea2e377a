"""GET /api/v1/exports/{entity}: the list's rows (same filters, same order) as CSV or XLSX, as an attachment."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app import clock
from app.config import get_settings
from app.exports import service
from app.users.models import Role
from tests.builders import assert_problem
from tests.exports.conftest import EVIL_NAME, read_csv, read_xlsx

API = "/api/v1"
ENTITIES = ("organisations", "partnerships", "agreements", "obligations")


@pytest.fixture
def headers(auth):
    return auth(Role.VIEWER)[1]


def _export(client, headers, entity: str, **params: str):
    response = client.get(f"{API}/exports/{entity}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


def _listed(client, headers, entity: str, **params: str) -> list[dict]:
    response = client.get(f"{API}/{entity}", params={**params, "page_size": 200}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_partnerships_csv_has_the_filtered_rows_and_readable_columns(client, headers, portfolio):
    response = _export(client, headers, "partnerships", area="migrant_health")
    rows = read_csv(response.content)
    assert [row["reference"] for row in rows] == [portfolio.joint.reference]
    row = rows[0]
    assert row["title"] == "Health desks on the corridor"
    assert row["stage"] == "ad_hoc"
    assert row["areas"] == "Migrant health"
    assert row["partners"] == "Kituo Cha Sheria (lead partner); Université Félix Houphouët-Boigny (co partner)"
    assert row["partner_countries"] == "KE; CI"
    assert row["owner"] == portfolio.people.manager.full_name
    assert row["legal_officer"] == portfolio.people.lawyer.full_name
    assert row["current_agreement_status"] == ""
    assert datetime.fromisoformat(row["created_at"].removesuffix("Z")).date() == portfolio.joint.created_at.date()


def test_a_partnership_shows_its_agreement_in_force_rather_than_a_newer_draft(client, headers, portfolio):
    rows = read_csv(_export(client, headers, "partnerships", stage="formal").content)
    assert [row["reference"] for row in rows] == [portfolio.formal.reference]
    assert rows[0]["current_agreement"] == portfolio.in_force.title
    assert rows[0]["current_agreement_status"] == "active"
    assert rows[0]["current_agreement_end_date"] == portfolio.in_force.end_date.isoformat()


@pytest.mark.parametrize(
    ("entity", "params", "key"),
    [
        ("organisations", {}, "id"),
        ("organisations", {"country_code": "KE", "sort": "-created_at"}, "id"),
        ("organisations", {"kind": "think_tank"}, "id"),
        ("partnerships", {}, "id"),
        ("partnerships", {"partner_kind": "academic_institution"}, "id"),
        ("partnerships", {"q": "corridor", "sort": "title"}, "id"),
        ("agreements", {}, "id"),
        ("agreements", {"status": "active"}, "id"),
        ("obligations", {}, "id"),
        ("obligations", {"status": "open", "sort": "-due_date"}, "id"),
    ],
)
def test_an_export_has_exactly_the_rows_of_the_list_in_the_same_order(client, headers, portfolio, entity, params, key):
    listed = [str(item["id"]) for item in _listed(client, headers, entity, **params)]
    exported = [row[key] for row in read_csv(_export(client, headers, entity, **params).content)]
    assert listed and exported == listed


def test_organisations_csv_matches_the_import_layout_and_neutralises_formulas(client, headers, portfolio):
    rows = read_csv(_export(client, headers, "organisations").content)
    kenyan = next(row for row in rows if row["organisation_name"] == "Kituo Cha Sheria")
    assert list(kenyan)[:12] == [
        "organisation_ref",
        "organisation_name",
        "acronym",
        "partner_type",
        "country",
        "region",
        "registration_number",
        "website",
        "email",
        "contact_name",
        "contact_email",
        "areas",
    ]
    assert kenyan["acronym"] == "KCS"
    assert kenyan["partner_type"] == "national_cso"
    assert kenyan["country"] == "KE"
    assert kenyan["contact_name"] == "Amina Wanjiru"  # the focal point, not the first contact
    assert kenyan["contact_email"] == "amina@kituo.example.org"
    assert kenyan["other_contacts"] == "Otieno <otieno@kituo.example.org>"
    assert kenyan["areas"] == "Migrant health; Humanitarian activities"
    evil = next(row for row in rows if row["id"] == str(portfolio.evil.id))
    assert evil["organisation_name"] == "'" + EVIL_NAME
    assert evil["notes"] == "'-2+3"
    ivorian = next(row for row in rows if row["id"] == str(portfolio.ivorian.id))
    assert ivorian["organisation_name"] == "Université Félix Houphouët-Boigny"


def test_agreements_csv(client, headers, portfolio):
    rows = read_csv(_export(client, headers, "agreements", partnership_id=str(portfolio.formal.id)).content)
    by_title = {row["title"]: row for row in rows}
    assert set(by_title) == {portfolio.in_force.title, portfolio.draft.title}
    active = by_title[portfolio.in_force.title]
    assert active["partnership_reference"] == portfolio.formal.reference
    assert active["kind"] == "mou"
    assert active["status"] == "active"
    assert active["effective_date"] == portfolio.in_force.effective_date.isoformat()
    assert active["notice_period_days"] == "30"
    assert active["approved_version"] == "1"
    assert active["signed_on"] == clock.today(get_settings().zone).isoformat()
    assert by_title[portfolio.draft.title]["signed_on"] == ""


def test_obligations_csv_names_the_party_and_the_agreement(client, headers, portfolio):
    params = {"partnership_id": str(portfolio.formal.id)}
    rows = read_csv(_export(client, headers, "obligations", **params).content)
    assert len(rows) == len(_listed(client, headers, "obligations", **params)) == 6  # 3 per agreement
    parties = {row["party"] for row in rows}
    assert get_settings().organisation_name in parties
    assert {party.organisation.legal_name for party in portfolio.formal.parties} <= parties
    assert {row["agreement"] for row in rows} == {portfolio.in_force.title, portfolio.draft.title}
    assert {row["partnership_reference"] for row in rows} == {portfolio.formal.reference}
    assert {row["status"] for row in rows} == {"open"}
    assert all(date.fromisoformat(row["due_date"]) for row in rows)


@pytest.mark.parametrize("entity", ENTITIES)
def test_rows_read_in_several_batches_are_all_there_in_order(client, headers, portfolio, monkeypatch, entity):
    whole = _export(client, headers, entity).content
    monkeypatch.setattr(service, "BATCH_SIZE", 1)
    assert _export(client, headers, entity).content == whole
    _, rows, _ = read_xlsx(_export(client, headers, entity, format="xlsx").content)
    assert [str(row["id"]) for row in rows] == [row["id"] for row in read_csv(whole)]
    assert len(rows) > 1


@pytest.mark.parametrize("entity", ENTITIES)
def test_xlsx_of_each_list_has_the_rows_a_bold_frozen_header_and_real_dates(client, headers, portfolio, entity):
    response = _export(client, headers, entity, format="xlsx")
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheet")
    header, rows, sheet = read_xlsx(response.content)
    csv_rows = read_csv(_export(client, headers, entity).content)
    assert header == list(csv_rows[0])
    assert [row["id"] for row in rows] == [int(row["id"]) for row in csv_rows]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > 8
    created = next(cell for cell in sheet[2] if header[cell.column - 1] == "created_at")
    assert created.is_date and isinstance(created.value, datetime)


def test_xlsx_dates_are_date_cells_and_formulas_stay_text(client, headers, portfolio):
    _, rows, sheet = read_xlsx(_export(client, headers, "agreements", format="xlsx", status="active").content)
    assert rows[0]["end_date"] == datetime.combine(portfolio.in_force.end_date, datetime.min.time())
    end_cell = sheet.cell(row=2, column=7)
    assert end_cell.is_date and end_cell.number_format == "yyyy-mm-dd"
    _, rows, sheet = read_xlsx(_export(client, headers, "organisations", format="xlsx", kind="think_tank").content)
    assert rows[0]["organisation_name"] == EVIL_NAME  # stored as text, so Excel shows it and never runs it
    assert sheet.cell(row=2, column=2).data_type == "s"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_file_comes_as_an_attachment_named_after_the_list_and_the_day(client, headers, portfolio, file_format):
    response = _export(client, headers, "partnerships", format=file_format)
    today = clock.today(get_settings().zone).isoformat()
    name = f"partnerships-{today}.{file_format}"
    assert response.headers["content-disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"


def test_an_empty_selection_is_a_header_only_file(client, headers, portfolio):
    response = _export(client, headers, "partnerships", q="no such partnership")
    assert response.content.decode("utf-8-sig").strip().startswith("reference,title,stage")
    assert read_csv(response.content) == []


def test_without_a_token_it_is_401(client, portfolio):
    assert_problem(client.get(f"{API}/exports/partnerships"), 401)


def test_a_user_without_a_role_is_refused(client, session, auth, make_user):
    user = make_user(Role.VIEWER)
    user.role_grants = []
    session.commit()
    _, headers = auth(user=user)
    assert_problem(client.get(f"{API}/exports/organisations", headers=headers), 403)


def test_an_unknown_list_is_404(client, headers):
    assert_problem(client.get(f"{API}/exports/contacts", headers=headers), 404)


@pytest.mark.parametrize(
    ("entity", "params", "field"),
    [
        ("partnerships", {"stage": "signed"}, "stage"),
        ("partnerships", {"area": "gardening"}, "area"),
        ("partnerships", {"owner_id": "abc"}, "owner_id"),
        ("partnerships", {"page": "2"}, "page"),
        ("organisations", {"country_code": "XX"}, "country_code"),
        ("organisations", {"sort": "password"}, "sort"),
        ("agreements", {"status": "ripe"}, "status"),
        ("agreements", {"ending_before": "2026-02-30"}, "ending_before"),
        ("obligations", {"status": "late"}, "status"),
        ("obligations", {"format": "pdf"}, "format"),
    ],
)
def test_a_bad_filter_is_422_naming_it(client, headers, entity, params, field):
    assert_problem(client.get(f"{API}/exports/{entity}", params=params, headers=headers), 422, field)
