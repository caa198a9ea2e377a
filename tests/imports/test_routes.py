"""``POST /imports`` (and dry run), ``GET /imports`` and ``GET /imports/{id}``."""

from __future__ import annotations

import csv

from sqlalchemy import func, select

from app.imports import routes
from app.organisations.models import Organisation
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import assert_problem
from tests.imports.conftest import EXPECTED, SAMPLE

API = "/api/v1"


def _sample_owner(session):
    create_user(session, UserCreate(email="pm.sample@example.org", full_name="Owner", roles=[Role.PROJECT_MANAGER]))
    session.commit()


def test_import_the_sample_over_http(client, session, auth):
    _sample_owner(session)
    user, headers = auth(Role.PROJECT_MANAGER)
    expected = list(csv.DictReader(EXPECTED.open(encoding="utf-8")))
    files = {"file": ("inventory_sample.csv", SAMPLE.read_bytes(), "text/csv")}

    dry = client.post(f"{API}/imports?dry_run=true", files=files, headers=headers)
    assert dry.status_code == 200, dry.text
    assert dry.json()["run_id"] is None and dry.json()["dry_run"] is True
    assert session.scalar(select(func.count()).select_from(Organisation)) == 0

    response = client.post(f"{API}/imports", files=files, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    for outcome in ("created", "updated", "unchanged", "rejected", "doubtful"):
        assert body[outcome] == sum(row["outcome"] == outcome for row in expected), outcome
    assert body["problems_total"] == len(body["problems"]) == body["rejected"] + body["doubtful"]
    by_line = {problem["line"]: problem for problem in body["problems"]}
    for row in expected:
        if row["outcome"] in {"rejected", "doubtful"}:
            assert by_line[int(row["line"])]["column"] == row["column"]
            assert row["reason"] in by_line[int(row["line"])]["reason"]
    assert {k: dry.json()[k] for k in ("created", "rejected")} == {k: body[k] for k in ("created", "rejected")}

    runs = client.get(f"{API}/imports", headers=headers).json()
    assert runs[0]["id"] == body["run_id"] and runs[0]["user_id"] == user.id
    assert runs[0]["status"] == "finished" and runs[0]["sha256"] == body["sha256"]
    detail = client.get(f"{API}/imports/{body['run_id']}", headers=headers).json()
    assert detail["rejected"] == body["rejected"] and len(detail["problems"]) == body["problems_total"]

    again = client.post(f"{API}/imports", files=files, headers=headers).json()
    assert again["created"] == again["updated"] == again["doubtful"] == 0


def test_unusable_files_are_a_422_naming_the_file(client, auth):
    _, headers = auth(Role.ADMIN)
    for content in (b"", b"Name,Region\nA,B\n", b"PK\x03\x04garbage", b"\x00\x00\x00"):
        response = client.post(f"{API}/imports", files={"file": ("x.csv", content, "text/csv")}, headers=headers)
        assert_problem(response, 422, "file")
    response = client.get(f"{API}/imports", headers=headers)
    assert response.json() == []


def test_a_file_too_large_is_a_413(client, auth, monkeypatch):
    monkeypatch.setattr(routes, "MAX_IMPORT_BYTES", 100)
    _, headers = auth(Role.ADMIN)
    content = b"name,country,kind\n" + b"Partner,KE,NGO\n" * 20
    response = client.post(f"{API}/imports", files={"file": ("big.csv", content, "text/csv")}, headers=headers)
    assert_problem(response, 413)


def test_a_missing_run_is_a_404(client, auth):
    _, headers = auth(Role.ADMIN)
    assert_problem(client.get(f"{API}/imports/999999", headers=headers), 404)


def test_date_order_query(client, session, auth):
    _, headers = auth(Role.ADMIN)
    content = b"name,country,kind,title,start,end\nA,KE,NGO,P,03/04/2026,05/06/2027\n"
    response = client.post(
        f"{API}/imports?date_order=month_first", files={"file": ("d.csv", content, "text/csv")}, headers=headers
    )
    assert response.status_code == 201 and response.json()["doubtful"] == 0
    bad = client.post(f"{API}/imports?date_order=sideways", files={"file": ("d.csv", content, "text/csv")},
                      headers=headers)  # fmt: skip
    assert_problem(bad, 422)
