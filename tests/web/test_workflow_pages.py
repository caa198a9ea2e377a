"""The workflow pages: the list, a lifecycle diagram inline, and the transitions in words."""

from __future__ import annotations

import re

from app.users.models import Role


def test_the_list_shows_the_three_workflows(sign_in):
    page = sign_in(Role.VIEWER).get("/workflows")
    assert page.status_code == 200
    for name in ("partnership", "agreement", "obligation"):
        assert f'href="/workflows/{name}"' in page.text
    assert "four eyes" in page.text  # the agreement workflow's description


def test_a_workflow_page_draws_the_diagram_inline_without_inline_styles(sign_in):
    page = sign_in(Role.LEGAL_OFFICER).get("/workflows/agreement")
    assert page.status_code == 200
    html = page.text
    assert '<svg role="img" aria-label="Lifecycle diagram of the agreement workflow"' in html
    assert 'data-trigger="approve"' in html
    assert "<style>" not in html and "<?xml" not in html and ' style="' not in html  # the CSP forbids them
    assert "overview.css" in html


def test_the_transitions_table_says_who_may_and_when(sign_in):
    html = sign_in(Role.VIEWER).get("/workflows/agreement").text
    approve = re.search(r"<tr>\s*<th scope=\"row\">Approve</th>(.*?)</tr>", html, re.DOTALL).group(1)
    assert "In review" in approve and "Approved" in approve and "Legal officer" in approve
    assert "The approver is not the person who submitted it (four eyes)" in approve
    activate = re.search(r"<tr>\s*<th scope=\"row\">Activate</th>(.*?)</tr>", html, re.DOTALL).group(1)
    assert "Automatic" in activate and "The effective date has been reached" in activate
    request_changes = re.search(r"<tr>\s*<th scope=\"row\">Request changes</th>(.*?)</tr>", html, re.DOTALL).group(1)
    assert "A comment saying why" in request_changes and "Admin, Legal officer" in request_changes
    assert "four_eyes" not in html.split("<svg", 1)[0]  # guards in words, not names


def test_every_workflow_has_its_page(sign_in):
    browser = sign_in(Role.PROJECT_MANAGER)
    for name, state in (("partnership", "Formalising"), ("obligation", "Overdue")):
        page = browser.get(f"/workflows/{name}")
        assert page.status_code == 200 and state in page.text


def test_an_unknown_workflow_is_a_404_page(sign_in):
    page = sign_in(Role.VIEWER).get("/workflows/payroll")
    assert page.status_code == 404
    assert "Not found" in page.text and "payroll" in page.text


def test_strangers_are_sent_to_sign_in(client):
    response = client.get("/workflows/agreement", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")
