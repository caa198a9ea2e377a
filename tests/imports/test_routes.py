"""``POST /imports`` (dry run, ``update``, ``mapping``), ``GET /imports`` and ``GET /imports/{id}``."""

from __future__ import annotations

import csv
import json

from sqlalchemy import func, select

from app.imports import routes
from app.organisations.models import Organisation
from app.partnerships.models import Partnership
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP, assert_problem
from tests.imports.conftest import EXPECTED, SAMPLE, expected_totals

API = "/api/v1"


def _sample_owner(session):
    create_user(
        session,
        UserCreate(email="pm.sample@example.org", full_name="Owner", roles=[Role.PROJECT_MANAGER]),
        actor=SET_UP,
    )
    session.commit()


def _post(client, headers, content, name="x.csv", query="", data=None):
    files = {"file": (name, content, "text/csv")}
    return client.post(f"{API}/imports{query}", files=files, data=data or {}, headers=headers)


def test_import_the_sample_over_http(client, session, auth):
    _sample_owner(session)
    user, headers = auth(Role.PROJECT_MANAGER)
    expected = {int(row["line"]): row for row in csv.DictReader(EXPECTED.open(encoding="utf-8"))}
    number = {kind: sum(row["outcome"] == kind for row in expected.values()) for kind in
              ("created", "updated", "unchanged", "doubtful", "conflict", "skipped", "rejected")}  # fmt: skip

    dry = _post(client, headers, SAMPLE.read_bytes(), "inventory_sample.csv", "?dry_run=true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["run_id"] is None and dry.json()["dry_run"] is True
    assert session.scalar(select(func.count()).select_from(Organisation)) == 0

    response = _post(client, headers, SAMPLE.read_bytes(), "inventory_sample.csv")
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"/api/v1/imports/{body['run_id']}"
    for outcome in ("doubtful", "rejected"):
        assert body[outcome] == body["totals"][outcome] == number[outcome], outcome
    for outcome in ("conflict", "skipped"):
        assert body["totals"][outcome] == number[outcome], outcome
    written = ("created", "updated", "unchanged")
    assert sum(body[outcome] for outcome in written) == sum(number[outcome] for outcome in written)
    # A known defect (test_sample) creates a partnership for untitled duplicate lines expected unchanged or updated.
    assert body["created"] == number["created"]
    organisations, partnerships = expected_totals(expected)
    totals = body["totals"]
    assert totals["organisations_created"] == body["organisations_created"] == organisations
    assert totals["partnerships_created"] == partnerships
    assert (totals["rows_read"], totals["skipped_blank"], totals["skipped_total"], totals["skipped_title"]) == (
        len(expected), 2, 1, 1
    )  # fmt: skip
    assert totals["agreements_recorded"] == sum(bool(row["agreement"]) for row in expected.values())
    assert totals["reminders_planned"] > 0 and totals["conflicts"] == 0 and body["conflicts"] == []
    assert body["exit_code"] == 1  # lines were rejected
    # How the file was read: the header under the title line, each column's field, the date order, the wordings.
    with SAMPLE.open(encoding="utf-8", newline="") as stream:
        headers_row = list(csv.reader(stream))[1]
    assert body["header_line"] == 2
    assert list(body["mapping"]) == headers_row and body["mapping"]["Contact Person"] == "contact_name"
    assert 'column "Areas of engagement" → areas of engagement' in body["header"]
    assert body["date_order"].startswith("the file writes dates both ways")
    assert 'Country: "Keyna" → Kenya (KE) (line 258)' in body["non_exact"]
    assert any("no title given; the partnership is called" in note for note in body["notes"])
    ended = "is recorded as expired after its end date; the partnership is now ended"
    assert any(ended in note for note in body["notes"])
    # Every rejected and doubtful line is listed with its column and reason.
    assert body["problems_total"] == len(body["problems"]) == body["rejected"] + body["doubtful"]
    by_line = {problem["line"]: problem for problem in body["problems"]}
    for line, row in expected.items():
        if row["outcome"] in {"rejected", "doubtful"}:
            assert by_line[line]["outcome"] == row["outcome"]
            assert row["reason"] in by_line[line]["reason"]
            assert by_line[line]["column"] == row["column"], line
    assert {k: dry.json()[k] for k in ("created", "rejected", "totals")} == {
        k: body[k] for k in ("created", "rejected", "totals")
    }

    runs = client.get(f"{API}/imports", headers=headers).json()["items"]
    assert runs[0]["id"] == body["run_id"] and runs[0]["user_id"] == user.id
    assert runs[0]["status"] == "finished" and runs[0]["sha256"] == body["sha256"]
    detail = client.get(f"{API}/imports/{body['run_id']}", headers=headers).json()
    assert detail["rejected"] == body["rejected"] and len(detail["problems"]) == body["problems_total"]
    assert detail["report"]["totals"] == body["totals"] and detail["report"]["header_line"] == 2

    again = _post(client, headers, SAMPLE.read_bytes(), "inventory_sample.csv").json()
    assert again["created"] == again["updated"] == again["doubtful"] == 0
    assert again["totals"]["organisations_created"] == again["totals"]["partnerships_created"] == 0
    assert again["rejected"] == number["rejected"]


def test_a_mapping_field_and_update(client, session, auth):
    _, headers = auth(Role.ADMIN)
    content = (
        b"Nation,Nom,Type,Titre,Modalite,Debut,Fin\nKenya,Mapped,NGO,Mapped programme,informal,2026-01-15,2027-01-14\n"
    )
    unmapped = _post(client, headers, content)
    body = assert_problem(unmapped, 422, "file")
    assert 'closest headers: "Nation"' in body["detail"] and '{"Nation": "country"}' in body["detail"]
    mapping = json.dumps({"Nation": "country", "Debut": "start_date", "Fin": "end_date"})
    response = _post(client, headers, content, data={"mapping": mapping})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["mapping"]["Nation"] == "country" and body["mapping"]["Fin"] == "end_date"
    assert 'column "Nation" → country' in body["header"]
    assert body["created"] == 1 and body["exit_code"] == 0

    changed = content.replace(b"2027-01-14", b"2027-06-30").replace(b"informal", b"ad hoc")
    conflict = _post(client, headers, changed, data={"mapping": mapping}).json()
    assert conflict["exit_code"] == 1 and conflict["totals"]["conflict"] == 1
    assert conflict["problems"][0]["outcome"] == "conflict"
    assert any("modality: recorded informal, the file says ad hoc (not applied" in c for c in conflict["conflicts"])
    assert session.scalar(select(Partnership.stage)) == "informal"

    applied = _post(client, headers, changed, query="?update=true", data={"mapping": mapping}).json()
    assert applied["exit_code"] == 0 and applied["totals"]["conflict"] == 0 and applied["updated"] == 1
    assert all(c.endswith("(applied)") for c in applied["conflicts"]) and len(applied["conflicts"]) == 2
    session.expire_all()
    assert session.scalar(select(Partnership.stage)) == "ad_hoc"


def test_a_missing_column_is_explained_in_the_apis_terms(client, auth):
    _, headers = auth(Role.ADMIN)
    body = assert_problem(_post(client, headers, b"Nation,Nom,Type\nKenya,A,NGO\n"), 422, "file")
    assert "mapping" in body["detail"] and "--map" not in body["detail"]


def test_a_bad_mapping_is_a_422_naming_it(client, auth):
    _, headers = auth(Role.ADMIN)
    content = b"Nation,Nom,Type\nKenya,A,NGO\n"
    for mapping in ("{not json", '["Nation", "country"]', '{"Nation": 3}'):
        assert_problem(_post(client, headers, content, data={"mapping": mapping}), 422, "mapping")
    unknown = _post(client, headers, content, data={"mapping": '{"Nation": "nonsense"}'})
    assert 'unknown field "nonsense"' in assert_problem(unknown, 422, "file")["detail"]
    assert client.get(f"{API}/imports", headers=headers).json()["items"] == []


def test_unusable_files_are_a_422_naming_the_file(client, auth):
    _, headers = auth(Role.ADMIN)
    for content in (b"", b"Name,Region\nA,B\n", b"PK\x03\x04garbage", b"\x00\x00\x00"):
        assert_problem(_post(client, headers, content), 422, "file")
    response = client.get(f"{API}/imports", headers=headers)
    assert response.json()["items"] == [] and response.json()["next_cursor"] is None


def test_a_file_too_large_is_a_413(client, auth, monkeypatch):
    monkeypatch.setattr(routes, "import_upload_bytes", lambda: 100)
    _, headers = auth(Role.ADMIN)
    content = b"name,country,kind\n" + b"Partner,KE,NGO\n" * 20
    assert_problem(_post(client, headers, content, "big.csv"), 413)


def test_a_missing_run_is_a_404(client, auth):
    _, headers = auth(Role.ADMIN)
    assert_problem(client.get(f"{API}/imports/999999", headers=headers), 404)


def test_date_order_query(client, session, auth):
    _, headers = auth(Role.ADMIN)
    content = b"name,country,kind,title,start,end\nA,KE,NGO,P,03/04/2026,05/06/2027\n"
    response = _post(client, headers, content, "d.csv", "?date_order=month_first")
    assert response.status_code == 201 and response.json()["doubtful"] == 0
    assert response.json()["date_order"] == "dates read month first, as asked"
    auto = _post(client, headers, content.replace(b"A,KE", b"B,KE"), "d.csv").json()
    assert auto["doubtful"] == 1 and "ambiguous date" in auto["problems"][0]["reason"]  # nothing tells the order
    assert_problem(_post(client, headers, content, "d.csv", "?date_order=sideways"), 422)
