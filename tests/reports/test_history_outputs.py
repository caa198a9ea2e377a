"""The portfolio's history by API, on the pages and by CLI (the history of ``history_story``; today 2026-06-15)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from app import db
from app.cli import cli
from app.users.models import Role
from tests.builders import assert_problem

API = "/api/v1/reports"


def test_api_as_of_lists_are_paged_by_keyset(client, auth, session, story):
    _, headers = auth(Role.VIEWER)
    response = client.get(f"{API}/as-of/partnerships", params={"on": "2026-04-15"}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {item["id"]: item["stage"] for item in body["items"]} == {
        story.p["P1"].id: "formal",
        story.p["P2"].id: "formal",
    }
    assert body["items"][0]["stage_now"] == "ended"
    first = client.get(f"{API}/as-of/partnerships", params={"on": "2026-06-01", "page_size": 2}, headers=headers)
    assert first.json()["total"] == 3 and first.json()["next_cursor"].startswith("k")
    second = client.get(
        f"{API}/as-of/partnerships",
        params={"on": "2026-06-01", "page_size": 2, "cursor": first.json()["next_cursor"]},
        headers=headers,
    ).json()
    assert [i["id"] for i in first.json()["items"] + second["items"]] == [
        story.p["P3"].id,
        story.p["P2"].id,
        story.p["P1"].id,
    ]
    assert second["next_cursor"] is None
    agreements = client.get(
        f"{API}/as-of/agreements", params={"on": "2026-05-01", "stage": "expired"}, headers=headers
    ).json()
    assert [item["id"] for item in agreements["items"]] == [story.a["MOU2"].id]
    before = client.get(f"{API}/as-of/agreements", params={"on": "2020-01-01"}, headers=headers).json()
    assert (before["items"], before["total"]) == ([], 0)


def test_api_refuses_a_future_day_a_bad_state_and_strangers(client, auth, session, story):
    assert_problem(client.get(f"{API}/as-of/partnerships", params={"on": "2026-04-15"}), 401)
    _, headers = auth(Role.VIEWER)
    problem = assert_problem(
        client.get(f"{API}/as-of/partnerships", params={"on": "2026-06-16"}, headers=headers), 422, "on"
    )
    assert "in the future" in json.dumps(problem)
    assert_problem(client.get(f"{API}/as-of/partnerships", headers=headers), 422, "on")
    assert_problem(client.get(f"{API}/as-of/partnerships", params={"on": "yesterday"}, headers=headers), 422, "on")
    assert_problem(
        client.get(f"{API}/as-of/agreements", params={"on": "2026-06-01", "stage": "lost"}, headers=headers),
        422,
        "stage",
    )
    assert_problem(
        client.get(f"{API}/changes", params={"start": "2026-06-10", "end": "2026-06-01"}, headers=headers),
        422,
        "start",
    )
    assert_problem(
        client.get(f"{API}/changes", params={"start": "2026-06-10", "end": "2026-07-01"}, headers=headers), 422, "end"
    )
    assert_problem(
        client.get(f"{API}/changes/renamed", params={"start": "2026-03-01", "end": "2026-06-01"}, headers=headers),
        422,
    )
    assert_problem(client.get(f"{API}/portfolio", params={"as_of": "2026-06-16"}, headers=headers), 422, "as_of")


def test_api_changes_and_the_records_behind_a_figure(client, auth, session, story):
    _, headers = auth(Role.VIEWER)
    period = {"start": "2026-03-01", "end": "2026-06-15"}
    response = client.get(f"{API}/changes", params=period, headers=headers)
    assert response.status_code == 200, response.text
    summary = response.json()
    counts = {c["key"]: c["count"] for c in summary["categories"]}
    assert counts["new"] == 3 and counts["agreements_expired"] == 1 and counts["agreements_terminated"] == 1
    assert summary["timezone"] == "UTC" and summary["until"].startswith("2026-06-16T00:00:00")
    signed = next(c for c in summary["categories"] if c["key"] == "agreements_signed")
    records = client.get(signed["records_url"], headers=headers).json()
    assert {r["id"] for r in records["items"]} == story.aid("MOU1", "MOU2", "EXT1")
    assert {r["record"] for r in records["items"]} == {"agreement"}
    narrowed = client.get(f"{API}/changes/new", params={**period, "area": "humanitarian"}, headers=headers).json()
    assert {r["id"] for r in narrowed["items"]} == story.pid("P1", "P3")
    paged = client.get(f"{API}/changes/new", params={**period, "page_size": 1}, headers=headers).json()
    assert paged["total"] == 3 and paged["next_cursor"]


def test_api_portfolio_report_as_of_a_past_day(client, auth, session, story):
    _, headers = auth(Role.VIEWER)
    report = client.get(f"{API}/portfolio", params={"as_of": "2026-04-15"}, headers=headers).json()
    assert report["today"] == "2026-04-15"
    assert {s["stage"]: s["count"] for s in report["stages"] if s["count"]} == {"formal": 2}


def test_pages_as_of_and_changes_link_the_records(sign_in, story):
    browser = sign_in(Role.VIEWER)
    empty = browser.get("/reports/as-of")
    assert empty.status_code == 200 and 'type="date"' in empty.text and 'max="2026-06-15"' in empty.text
    page = browser.get("/reports/as-of?on=2026-04-15&show=partnerships")
    assert page.status_code == 200, page.text
    assert f'href="/partnerships/{story.p["P1"].id}"' in page.text and 'data-state="formal"' in page.text
    assert f'href="/partnerships/{story.p["P3"].id}"' not in page.text
    agreements = browser.get("/reports/as-of?on=2026-05-01&show=agreements&stage=expired")
    assert f'href="/agreements/{story.a["MOU2"].id}"' in agreements.text
    future = browser.get("/reports/as-of?on=2030-01-01")
    assert future.status_code == 422 and "in the future" in future.text

    changes = browser.get("/reports/changes?start=2026-03-01&end=2026-06-15")
    assert changes.status_code == 200, changes.text
    assert 'href="/reports/changes/new?start=2026-03-01&amp;end=2026-06-15"' in changes.text
    assert 'href="/reports/changes/new?start=2026-03-01&amp;end=2026-06-15&amp;area=humanitarian"' in changes.text
    records = browser.get("/reports/changes/agreements_expired?start=2026-03-01&end=2026-06-15")
    assert records.status_code == 200 and f'href="/agreements/{story.a["MOU2"].id}"' in records.text
    unknown = browser.get("/reports/changes/renamed?start=2026-03-01&end=2026-06-15")
    assert unknown.status_code == 422
    default = browser.get("/reports/changes")
    assert default.status_code == 200 and 'value="2026-05-16"' in default.text  # the last 30 days


@pytest.fixture
def run(session_factory, monkeypatch):
    """The CLI, reading the test's transaction."""
    monkeypatch.setattr(db, "get_sessionmaker", lambda: session_factory)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


def test_cli_portfolio_as_of_in_text_json_and_csv(run, story, tmp_path):
    text = run("portfolio", "--as-of", "2026-04-15")
    assert text.exit_code == 0, text.output
    assert story.p["P1"].reference in text.stdout and "formal" in text.stdout
    rows = json.loads(run("portfolio", "--as-of", "2026-05-25", "--format", "json").stdout)
    assert {row["id"]: row["stage"] for row in rows} == {
        story.p["P1"].id: "ended",
        story.p["P2"].id: "ended",
        story.p["P3"].id: "ad_hoc",
    }
    target = tmp_path / "agreements.csv"
    written = run("portfolio", "--as-of", "2026-04-15", "--agreements", "--format", "csv", "-o", str(target))
    assert written.exit_code == 0 and "wrote" in written.stdout
    table = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert {int(row["id"]): row["status"] for row in table} == {
        story.a["MOU1"].id: "superseded",
        story.a["MOU2"].id: "active",
        story.a["EXT1"].id: "active",
    }
    future = run("portfolio", "--as-of", "2026-06-16")
    assert future.exit_code != 0 and "in the future" in future.stderr
    assert "not a date" in run("portfolio", "--as-of", "soon").stderr


def test_cli_changes_summary_and_records(run, story):
    text = run("changes", "--from", "2026-03-01", "--to", "2026-06-15")
    assert text.exit_code == 0, text.output
    assert "New partnerships: 3" in text.stdout and "Agreements expired: 1" in text.stdout
    as_csv = list(csv.DictReader(io.StringIO(run("changes", "--from", "2026-04-01", "--to", "2026-04-30",
                                                 "--format", "csv").stdout)))  # fmt: skip
    totals = {row["change"]: int(row["count"]) for row in as_csv if row["by"] == "all"}
    assert totals["agreements_extended"] == 1 and totals["new"] == 0
    summary = json.loads(run("changes", "--from", "2026-05-01", "--to", "2026-05-01", "--format", "json").stdout)
    assert {c["key"]: c["count"] for c in summary["categories"]}["agreements_expired"] == 1
    records = json.loads(
        run("changes", "--from", "2026-03-01", "--to", "2026-06-15", "--records", "new", "--format", "json").stdout
    )
    assert {row["id"] for row in records} == story.pid("P1", "P2", "P3")
    bad = run("changes", "--from", "2026-03-01", "--to", "2026-06-15", "--records", "renamed")
    assert bad.exit_code != 0 and "unknown kind of change" in bad.stderr
    backwards = run("changes", "--from", "2026-06-01", "--to", "2026-03-01")
    assert backwards.exit_code != 0 and "after the last day" in backwards.stderr


def test_cli_report_as_of(run, story):
    result = run("report", "--as-of", "2026-04-15", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["today"] == "2026-04-15"
    assert "in the future" in run("report", "--as-of", "2027-01-01").stderr
