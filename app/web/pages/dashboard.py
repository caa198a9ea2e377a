"""Pages: the signed-in user's dashboard (being built)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.users.policy import Action, require
from app.web.deps import PageUser
from app.web.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
def dashboard(request: Request, user: PageUser) -> Response:
    """What needs the signed-in user's attention."""
    require(user, Action.READ)
    return render(request, "dashboard.html", {})
