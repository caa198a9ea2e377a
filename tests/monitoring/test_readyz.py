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


def test_a_request_finding_no_free_connection_gets_503_with_retry_after(settings, database_url, tmp_path):
    """Pool exhausted (every connection busy past the pool timeout): a 503 problem to retry, not a 500."""
    from app.db import unit_of_work
    from app.users.models import Role
    from app.users.schemas import UserCreate
    from app.users.service import create_token, create_user
    from app.workflow.actor import Actor
    from tests.support import migrated_scratch_database

    with migrated_scratch_database(database_url, tmp_path) as url:
        engine = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.2)
        try:
            with unit_of_work(sessionmaker(bind=engine)) as session:
                user = create_user(
                    session,
                    UserCreate(email="busy@example.org", full_name="Busy", roles=[Role.ADMIN]),
                    actor=Actor.system(reason="test"),
                )
                _, token = create_token(session, user, "busy", expires_in_days=1)
            with (
                engine.connect(),  # holds the pool's only connection
                TestClient(create_app(settings, sessionmaker(bind=engine)), raise_server_exceptions=False) as client,
            ):
                response = client.get("/api/v1/partnerships", headers={"Authorization": f"Bearer {token}"})
            body = assert_problem(response, 503)
            assert "busy" in body["detail"] and response.headers["Retry-After"] == "5"
        finally:
            engine.dispose()
