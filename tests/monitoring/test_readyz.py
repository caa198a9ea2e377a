"""``/readyz``: ready when the database answers and its schema is at the code's revision; a 503 problem otherwise."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from app import __version__, migrate
from app.api.app import create_app
from app.db import make_engine
from tests.builders import assert_problem
from tests.support import scratch_database


def test_ready_at_the_code_revision(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "schema": migrate.head_revision(),
        "version": __version__,
    }


def _readyz(settings, url: str):
    engine = make_engine(url, connect_args={"connect_timeout": 5} if url.startswith("postgresql") else {})
    try:
        with TestClient(create_app(settings, sessionmaker(bind=engine)), raise_server_exceptions=False) as client:
            return client.get("/readyz")
    finally:
        engine.dispose()


def test_not_ready_on_a_schema_behind_the_code(settings, database_url, tmp_path):
    head = migrate.head_revision()
    with scratch_database(database_url, tmp_path) as url:
        empty = assert_problem(_readyz(settings, url), 503)
        assert "revision none" in empty["detail"] and "agreements init" in empty["detail"]
        migrate.upgrade(url, "0001")
        behind = assert_problem(_readyz(settings, url), 503)
        assert "revision 0001" in behind["detail"] and head in behind["detail"]
        migrate.upgrade(url)
        assert _readyz(settings, url).status_code == 200


def test_not_ready_without_a_database(settings):
    response = _readyz(settings, "postgresql+psycopg://postgres@127.0.0.1:1/nope")
    body = assert_problem(response, 503)
    assert "unreachable" in body["detail"] and "127.0.0.1" not in response.text
