"""The report as the API's JSON and PDF, as a page for a viewer, and on the command line."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pypdf
import pytest
from typer.testing import CliRunner

from app import db
from app.cli import cli
from app.reports.service import portfolio
from app.users.models import Role
from tests.builders import assert_problem
from tests.reports.portfolio import TODAY

API = "/api/v1/reports/portfolio"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """Every output is for the portfolio's TODAY (the report's default day comes from the clock)."""
    from app.reports import service

    real = service.portfolio
    monkeypatch.setattr(service, "portfolio", lambda session, today=None, filters=None: real(session, TODAY, filters))
    for module in ("app.reports.routes", "app.web.pages.reports"):
        monkeypatch.setattr(f"{module}.portfolio", service.portfolio)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_api_json_is_the_service_report(client, auth, session, small_portfolio):
    _, headers = auth(Role.VIEWER)
    response = client.get(API, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = portfolio(session, TODAY).model_dump(mode="json")
    body.pop("generated_at"), expected.pop("generated_at")
    assert body == expected
    filtered = client.get(API, params={"area": "humanitarian"}, headers=headers).json()
    assert filtered["total_partnerships"] == 2 and filtered["filters"] == {"area": "humanitarian"}


def test_api_refuses_strangers_and_bad_filters_with_problems(client, auth, make_user, session):
    assert_problem(client.get(API), 401)
    assert_problem(client.get(f"{API}.pdf"), 401)
    # Every role may read; a user whose role grants were all withdrawn may not.
    stripped, headers = auth(Role.VIEWER)
    stripped.role_grants.clear()
    session.commit()
    assert_problem(client.get(API, headers=headers), 403)
    assert_problem(client.get(f"{API}.pdf", headers=headers), 403)
    stripped.is_active = False
    session.commit()
    assert_problem(client.get(API, headers=headers), 401)
    _, viewer = auth(Role.VIEWER)
    assert_problem(client.get(API, params={"area": "atlantis"}, headers=viewer), 422, "area")
    assert_problem(client.get(API, params={"partner_kind": "alien"}, headers=viewer), 422, "partner_kind")
    assert_problem(client.get(API, params={"format": "docx"}, headers=viewer), 422, "format")
    assert_problem(client.get(API, params={"colour": "red"}, headers=viewer), 422)


@pytest.mark.parametrize("url", [f"{API}.pdf", f"{API}?format=pdf"])
def test_pdf_holds_the_headings_and_the_figures(client, auth, small_portfolio, url):
    _, headers = auth(Role.VIEWER)
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="portfolio-report-{TODAY.isoformat()}.pdf"' in response.headers["content-disposition"]
    text = _pdf_text(response.content)
    for heading in (
        "Portfolio report",
        "Partnerships by modality and area of engagement",
        "Pipeline funnel",
        "Median time in each stage",
        "Partnerships by kind of partner",
        "Partnerships by region",
        "Multi-actor partnerships",
        "Agreements expiring",
        "Overdue obligations by party",
    ):
        assert heading in text, heading
    assert "4 partnerships; 2 multi-actor (50%)" in text
    assert "4 overdue obligations owed by 4 parties" in text
    assert "Gamma UN Office" in text and "Ad hoc: 4 (100% of the first step)" not in text  # desc is not printed
    assert "20 days" in text and "15 days" in text  # medians of ad hoc and formalising
    assert ".0" not in text.replace("2.0", "")  # no fractional day counts ("628.0")
    assert "Kenya" in text and "Brazil" in text


def test_page_for_a_viewer_has_tables_charts_links_and_the_pdf(sign_in, small_portfolio):
    browser = sign_in(Role.VIEWER)
    response = browser.get("/reports/portfolio")
    assert response.status_code == 200, response.text
    page = response.text
    assert "<h1>Portfolio report</h1>" in page
    assert page.count('role="img"') == 5 and "<style" not in page.split("</head>")[1]
    assert 'href="/pipeline?area=humanitarian"' in page
    assert 'href="/pipeline?stage=formal"' in page
    assert 'href="/pipeline?partner_kind=un_agency"' in page
    assert 'href="/reports/portfolio?country_code=KE"' in page
    assert ">Kenya</th>" in page and ">KE</th>" not in page
    assert ">20 days</td>" in page and ">20.0</td>" not in page
    assert 'href="/reports/portfolio.pdf"' in page
    # only the sign-out form and the language switch: a viewer sees filters, no action
    assert page.count('method="post"') == 2 and page.count('action="/language"') == 1
    filtered = browser.get("/reports/portfolio?area=humanitarian&country_code=KE")
    assert 'href="/pipeline?area=humanitarian&amp;stage=informal"' in filtered.text
    assert "cannot filter by country code" in filtered.text
    pdf = browser.get("/reports/portfolio.pdf?area=humanitarian")
    assert pdf.status_code == 200 and "2 partnerships;" in _pdf_text(pdf.content)


def test_page_with_a_bad_filter_says_which(sign_in):
    browser = sign_in(Role.VIEWER)
    response = browser.get("/reports/portfolio?area=atlantis")
    assert response.status_code == 422
    assert "unknown area of engagement" in response.text


@pytest.fixture
def run(session_factory, monkeypatch):
    """The CLI, reading the test's transaction."""
    monkeypatch.setattr(db, "get_sessionmaker", lambda: session_factory)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


def test_cli_text_json_and_pdf(run, small_portfolio, tmp_path):
    text = run("report")
    assert text.exit_code == 0, text.output
    assert "Pipeline funnel" in text.stdout and "4 partnerships, 2 multi-actor (50%)" in text.stdout
    assert "Ad hoc                  4      100%" in text.stdout
    as_json = run("report", "--format", "json", "--area", "humanitarian")
    assert json.loads(as_json.stdout)["total_partnerships"] == 2
    target = tmp_path / "report.pdf"
    written = run("report", "--format", "pdf", "-o", str(target))
    assert written.exit_code == 0 and "wrote" in written.stdout
    assert "Overdue obligations by party" in _pdf_text(target.read_bytes())
    ends = (TODAY + timedelta(days=45)).strftime("%b %Y")
    assert ends in run("report").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "unknown format 'xml'"),
        (["--format", "pdf"], "a PDF needs a file"),
        (["--area", "atlantis"], "unknown area of engagement 'atlantis'"),
        (["--country", "XX"], "country_code"),
    ],
)
def test_cli_bad_arguments_are_one_line_errors(run, args, message):
    result = run("report", *args)
    assert result.exit_code != 0
    assert message in result.stderr
