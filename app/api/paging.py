"""A page of a list as the route's answer."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from app.listing import Page


def page_response(page: Page[Any]) -> Response:
    """``page`` serialised once, by its own model, as the route's answer.

    A route that returned the page itself would have FastAPI validate it again against the same model and then
    serialise it (measured: 3 to 5 ms for fifty organisations, a quarter of the request); the bytes are the same.
    """
    return Response(page.model_dump_json(), media_type="application/json")
