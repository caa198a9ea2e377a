"""An organisation's region is the UN M49 sub-region of its country unless set by hand; old rows get it too."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from app import migrate
from app.db import make_engine
from app.organisations.regions import region_after_change, region_of
from app.users.models import Role
from tests.support import scratch_database

API = "/api/v1"


@pytest.mark.parametrize(
    ("country", "region"),
    [("KE", "Eastern Africa"), ("pe", "South America"), ("FR", "Western Europe"), ("JO", "Western Asia"),
     ("XX", None), (None, None)],
)  # fmt: skip
def test_the_region_of_a_country_is_its_m49_sub_region(country, region):
    assert region_of(country) == region


def test_a_region_set_by_hand_stays_when_the_country_moves():
    assert region_after_change("KE", "Eastern Africa", "SN") == "Western Africa"  # derived: follows
    assert region_after_change("KE", "East and Horn of Africa", "SN") == "East and Horn of Africa"  # by hand: kept


def test_the_api_derives_the_region_unless_it_is_given(client, auth):
    headers = auth(Role.PROJECT_MANAGER)[1]
    body = {"legal_name": "Asociación Andina", "kind": "national_cso", "country_code": "PE"}
    derived = client.post(f"{API}/organisations", json=body, headers=headers).json()
    assert derived["region"] == "South America"
    url = f"{API}/organisations/{derived['id']}"
    assert client.patch(url, json={"country_code": "BO"}, headers=headers).json()["region"] == "South America"
    assert client.patch(url, json={"country_code": "SN"}, headers=headers).json()["region"] == "Western Africa"
    assert client.patch(url, json={"region": "Sahel"}, headers=headers).json()["region"] == "Sahel"
    assert client.patch(url, json={"country_code": "ML"}, headers=headers).json()["region"] == "Sahel"
    assert client.patch(url, json={"region": None}, headers=headers).json()["region"] == "Western Africa"
    by_hand = {**body, "legal_name": "Red Andina", "region": "Andes"}
    assert client.post(f"{API}/organisations", json=by_hand, headers=headers).json()["region"] == "Andes"


def test_the_migration_gives_existing_organisations_their_region(database_url, settings, tmp_path):
    with scratch_database(database_url, tmp_path) as url:
        migrate.upgrade(url, "0018")
        bound = make_engine(url)
        insert = text(
            "INSERT INTO organisations (legal_name, name_key, kind, country_code, region, created_at, updated_at, "
            "version) VALUES (:name, :name, 'national_cso', :country, :region, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
        )
        with sessionmaker(bind=bound).begin() as session:
            session.execute(insert, {"name": "Old Kenyan", "country": "KE", "region": None})
            session.execute(insert, {"name": "Old by hand", "country": "KE", "region": "Horn"})
        bound.dispose()
        migrate.upgrade(url)
        bound = make_engine(url)
        with bound.connect() as connection:
            rows = dict(connection.execute(text("SELECT legal_name, region FROM organisations")).all())
        bound.dispose()
    assert rows == {"Old Kenyan": "Eastern Africa", "Old by hand": "Horn"}
