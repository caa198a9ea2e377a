"""Pages and flashes name states by their labels, never by their codes (see tests/workflow/test_state_words.py)."""

from __future__ import annotations

from tests.builders import cast, draft_agreement
from tests.workflow.test_state_words import raw_codes, visible_text


def test_page_refusals_and_flashes_name_states_by_their_labels(session, make_user, sign_in) -> None:
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    url = f"/agreements/{agreement.id}"
    lawyer = sign_in(user=people.lawyer)
    refused = lawyer.post(f"{url}/transitions/approve", {"version_sha256": "0" * 64})
    assert refused.status_code in {409, 422}, refused.status_code
    assert not raw_codes(visible_text(refused.text))

    manager = sign_in(user=people.manager)
    moved = manager.post(f"{url}/transitions/submit_for_review", {"comment": "Ready"})
    assert moved.status_code == 303
    shown = manager.get(moved.headers["location"])
    assert 'class="flash' in shown.text
    refused = manager.post(f"{url}/versions", {"template": "mou", "language": "en"})
    pages = [shown.text, refused.text]
    for path in (url, f"/partnerships/{agreement.partnership_id}", "/pipeline", "/dashboard", "/workflows"):
        pages.append(manager.get(path).text)
    for page in pages:
        assert not raw_codes(visible_text(page))
