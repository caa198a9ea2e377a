"""The screening API and pages: the hits side by side with their entry, decisions by legal officers, a list uploaded
by an admin (a malformed one refused with nothing written), and the organisation's standing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.screening.models import ScreeningList
from app.users.models import Role
from tests.builders import assert_problem, database_snapshot, organisation
from tests.screening.support import NEW_VERSION_OF_CRESCENT, variant

API = "/api/v1"


def test_a_hit_is_read_beside_its_entry_and_decided_over_the_api(client, session, auth) -> None:
    suspect = organisation(session, "Al Rasheed Trading Co", country_code="PK")
    _viewer, viewer = auth(Role.VIEWER)
    _lawyer, lawyer = auth(Role.LEGAL_OFFICER)
    overview = client.get(f"{API}/screening", headers=viewer).json()
    assert overview["current_list"]["entries"] == 13 and overview["required"] and overview["counts"]["pending"] >= 1
    listed = client.get(f"{API}/screening/hits", params={"status": "pending"}, headers=viewer).json()
    [hit] = [item for item in listed["items"] if item["organisation_id"] == suspect.id]
    assert hit["entry"]["data_id"] == "6900002" and hit["entry"]["reference_number"] == "QDe.902"
    assert hit["components"]["method"] and hit["components"]["countries"] == ["PK", ["PK"]]
    standing = client.get(f"{API}/organisations/{suspect.id}/screening", headers=viewer).json()
    assert standing["status"] == "pending" and standing["list_date_generated"].startswith("2026-11-30")

    url = f"{API}/screening/hits/{hit['id']}/decision"
    assert_problem(client.post(url, json={"decision": "cleared", "reason": "x"}, headers=viewer), 403)
    assert_problem(client.post(url, json={"decision": "cleared", "reason": ""}, headers=lawyer), 422, "reason")
    assert_problem(client.post(url, json={"decision": "perhaps", "reason": "x"}, headers=lawyer), 422, "decision")
    decided = client.post(url, json={"decision": "cleared", "reason": "A bakery in Lahore"}, headers=lawyer)
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "cleared" and decided.json()["reason"] == "A bakery in Lahore"
    standing = client.get(f"{API}/organisations/{suspect.id}/screening", headers=viewer).json()
    assert standing["status"] == "clear"
    assert_problem(client.get(f"{API}/screening/hits/999999", headers=viewer), 404)


def test_an_admin_uploads_a_list_and_a_malformed_one_changes_nothing(client, session, auth) -> None:
    organisation(session, "Northern Crescent Foundation", country_code="SO")
    _admin, admin = auth(Role.ADMIN)
    _lawyer, lawyer = auth(Role.LEGAL_OFFICER)
    files = {"file": ("consolidated.xml", variant(NEW_VERSION_OF_CRESCENT), "application/xml")}
    assert_problem(client.post(f"{API}/screening/lists", files=files, headers=lawyer), 403)
    before = database_snapshot(session)
    bad = {"file": ("consolidated.xml", b"<CONSOLIDATED_LIST><ENTITIES>", "application/xml")}
    assert_problem(client.post(f"{API}/screening/lists", files=bad, headers=admin), 422, "file")
    assert database_snapshot(session) == before
    loaded = client.post(f"{API}/screening/lists", files=files, headers=admin)
    assert loaded.status_code == 201, loaded.text
    report = loaded.json()
    assert report["changed"] == [{"data_id": "6900001", "name": "NORTHERN CRESCENT RELIEF FOUNDATION"}]
    assert report["added"] == report["removed"] == [] and report["organisations"] >= 1
    assert session.scalar(select(func.count()).select_from(ScreeningList)) == 2
