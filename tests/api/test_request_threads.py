"""A request's transaction crosses into worker threads as few times as it can, and still commits or rolls back
exactly as before: a read goes to a worker thread twice (the caller's token, then the route, which commits where it
ran), never on the event loop; every route of the application is built to commit in its own thread."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from app.api.deps import TransactionalRoute, _transaction
from app.organisations.models import Organisation
from app.users.models import Role
from tests.builders import organisation

API = "/api/v1"


@pytest.fixture
def thread_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each function a request ran in a worker thread, in order."""
    trips: list[str] = []
    original = anyio.to_thread.run_sync

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(function, "__name__", None) or getattr(function, "func", function).__name__)
        return await original(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return trips


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None) or getattr(route, "app", None)
        if inner is not None and hasattr(inner, "routes") and inner is not route:
            yield from _api_routes(list(inner.routes))


def _opens_a_transaction(dependant: Any) -> bool:
    return dependant.call is _transaction or any(_opens_a_transaction(inner) for inner in dependant.dependencies)


def test_every_route_commits_in_its_own_thread(client) -> None:
    """A router declared without ``route_class=TransactionalRoute`` would cost each of its requests a thread trip."""
    routes = [route for route in _api_routes(client.app.router.routes) if _opens_a_transaction(route.dependant)]
    assert len(routes) > 100
    others = sorted(
        f"{sorted(route.methods)} {route.path}" for route in routes if not isinstance(route, TransactionalRoute)
    )
    assert others == []


def test_a_read_goes_to_worker_threads_twice(client, session, auth, thread_trips) -> None:
    organisation(session, "Kestrel Trust")
    session.commit()
    _, headers = auth(Role.VIEWER)
    client.get(f"{API}/organisations", headers=headers).raise_for_status()  # the token's first use is noted
    thread_trips.clear()
    response = client.get(f"{API}/organisations", headers=headers)
    assert response.status_code == 200
    assert [item["legal_name"] for item in response.json()["items"]] == ["Kestrel Trust"]
    assert thread_trips == ["_current_user", "_run_sync_endpoint"]


def test_a_write_is_committed_by_the_route(client, session, auth, thread_trips) -> None:
    _, headers = auth(Role.PROJECT_MANAGER)
    body = {"legal_name": "Heron Collective", "kind": "national_cso", "country_code": "KE"}
    response = client.post(f"{API}/organisations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    # the token before the body is read, opening the writing transaction, the caller, the route (which committed)
    assert thread_trips == ["check", "_open_for_writing", "_current_user", "_run_sync_endpoint"]
    session.expire_all()
    assert session.scalar(select(Organisation.legal_name).where(Organisation.id == response.json()["id"])) == (
        "Heron Collective"
    )


def test_a_refused_write_leaves_nothing(client, session, auth) -> None:
    _, headers = auth(Role.PROJECT_MANAGER)
    body = {"legal_name": "Half Written", "kind": "national_cso", "country_code": "XX"}
    response = client.post(f"{API}/organisations", json=body, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    session.expire_all()
    assert session.scalar(select(Organisation.id).where(Organisation.legal_name == "Half Written")) is None
