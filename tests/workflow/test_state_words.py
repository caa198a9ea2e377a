"""State codes never reach people: refusals, problem details, flashes and pages name states by their labels."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from app import clock
from app.config import get_settings
from app.workflow.definition import STATE_ATTRIBUTES, get_workflow, state_name, state_names
from tests.builders import cast, draft_agreement, organisation, partnership

API = "/api/v1"


def _codes() -> set[str]:
    """Every state and state-group name of every workflow file."""
    names: set[str] = set()
    for workflow in map(get_workflow, STATE_ATTRIBUTES):
        names |= set(workflow.states) | set(workflow.groups)
    return names


def raw_codes(text: str) -> set[str]:
    """The codes ``text`` shows as codes: with an underscore, or quoted (``'draft'``) as a program would print them."""
    found = set()
    for code in _codes():
        if "_" in code and re.search(rf"(?<![\w/-]){re.escape(code)}(?![\w/-])", text):
            found.add(code)
        if re.search(rf"""['"`]{re.escape(code)}['"`]""", text):
            found.add(code)
    return found


def visible_text(page: str) -> str:
    """The text a person reads on a page (tags, attributes, scripts and styles left out)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_codes_are_known_and_detected() -> None:
    assert {"in_review", "ad_hoc", "awaiting_review"} <= _codes()
    assert raw_codes("cannot approve an agreement that is 'draft'") == {"draft"}
    assert raw_codes("the agreement is in_review") == {"in_review"}
    assert not raw_codes("the agreement is draft; in review by a legal officer")


def test_a_state_is_named_by_its_label() -> None:
    assert state_name("agreement", "in_review") == "in review by a legal officer"
    assert state_name("agreement", "active") == "active"
    assert state_name("partnership", "ad_hoc") == "ad hoc interaction"
    assert state_names("agreement", {"suspended", "active"}) == "active or suspended"


def test_api_refusals_name_states_by_their_labels(client, session, make_user, auth) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    url = f"{API}/agreements/{agreement.id}"
    _, manager = auth(user=people.manager)
    _, lawyer = auth(user=people.lawyer)
    details = []

    refused = client.post(f"{url}/transitions/approve", json={"payload": {"version_sha256": "0" * 64}}, headers=lawyer)
    assert refused.status_code == 409, refused.text
    assert "that is draft" in refused.json()["detail"]
    assert "submit for review" in refused.json()["detail"]
    details.append(refused.json()["detail"])

    assert client.post(f"{url}/transitions/submit_for_review", json={}, headers=manager).status_code == 200
    for response in (
        client.post(f"{url}/transitions/submit_for_review", json={}, headers=manager),
        client.patch(url, json={"title": "Renamed"}, headers=manager),
        client.post(f"{url}/versions", json={"body": "New text"}, headers=manager),
        client.post(f"{url}/versions/generate", json={"template": "mou", "language": "en"}, headers=manager),
    ):
        assert response.status_code in {409, 422}, response.text
        details.append(response.json()["detail"])
    assert any("in review by a legal officer" in detail for detail in details[1:]), details

    early = partnership(session, people.manager, organisation(session))
    today = clock.today(get_settings().zone)
    body = {
        "partnership_id": early.id,
        "title": "Too early",
        "effective_date": today.isoformat(),
        "end_date": (today + timedelta(days=30)).isoformat(),
        "notice_period_days": 30,
    }
    refused = client.post(f"{API}/agreements", json=body, headers=manager)
    assert refused.status_code == 409, refused.text
    assert "is ad hoc interaction" in refused.json()["detail"]
    details.append(refused.json()["detail"])

    options = client.get(f"{url}/transitions", headers=manager).json()["items"]
    details += [reason for option in options for reason in option["reasons"]]
    for detail in details:
        assert not raw_codes(detail), detail
