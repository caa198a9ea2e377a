"""HTTP side of ``Idempotency-Key``: run a write once, answer its retries from the kept response."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.api.deps import etag
from app.idempotency import service
from app.users.models import User

REPLAYED = "Idempotent-Replayed"


def _fingerprint(request: Request, body: BaseModel) -> str:
    text = f"{request.method} {request.url.path}\n{body.model_dump_json()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def replay_or_run(
    session: Session,
    user: User,
    key: str | None,
    request: Request,
    body: BaseModel,
    run: Callable[[], tuple[int, BaseModel, int | None] | tuple[int, BaseModel, int | None, str]],
) -> Response:
    """Answer a retry of ``key`` from the kept response; otherwise ``run()`` (status, result, version) once.

    ``version`` becomes the ``ETag`` (``None`` for a resource without one); an optional fourth item is the
    ``Location`` of a created resource.
    """
    record = service.claim(session, user.id, key, _fingerprint(request, body)) if key else None
    if record is not None and record.status_code is not None:
        headers = {**record.response_headers, REPLAYED: "true"}
        return JSONResponse(record.response_body, status_code=record.status_code, headers=headers)
    status_code, result, version, *location = run()
    content = result.model_dump(mode="json")
    headers = {"ETag": etag(version)} if version is not None else {}
    if location:
        headers["Location"] = location[0]
    if record is not None:
        service.complete(record, status_code, content, headers)
    return JSONResponse(content, status_code=status_code, headers=headers)
