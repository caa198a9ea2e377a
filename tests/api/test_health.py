"""``/healthz``: 200 when the database answers, a 503 problem when it does not; no token needed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from app import __version__
from app.api.app import create_app
from app.db import make_engine
from tests.builders import assert_problem

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nope"


def test_healthy_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": __version__}


@pytest.fixture
def unreachable_client(settings) -> Iterator[TestClient]:
    engine = make_engine(UNREACHABLE, connect_args={"connect_timeout": 5})
    try:
        app = create_app(settings, sessionmaker(bind=engine))
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
    finally:
        engine.dispose()


def test_unreachable_database_is_a_503_problem(unreachable_client):
    response = unreachable_client.get("/healthz")
    body = assert_problem(response, 503)
    assert "database" in body["detail"]
    assert "127.0.0.1" not in response.text  # no connection details leak


def test_unreachable_database_on_an_api_call_is_a_503_problem(unreachable_client):
    # Without a database the token cannot be checked: the service is unavailable, not broken.
    response = unreachable_client.get("/api/v1/me", headers={"Authorization": "Bearer agr_whatever"})
    body = assert_problem(response, 503)
    assert "127.0.0.1" not in body["detail"]
