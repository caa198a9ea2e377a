"""Pages: download a list as it is filtered on screen (organisations, the partnership list, the pipeline board)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import DbSession, TransactionalRoute
from app.exports import service
from app.exports.responses import export_response
from app.users.policy import Action, require
from app.web.deps import PageUser

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
IGNORED = {"page"}
"""Parameters a list page carries that say nothing about which rows to export."""


@router.get("/exports/{entity}")
def download(request: Request, session: DbSession, user: PageUser, entity: str) -> Response:
    """The list with the page's filters as a CSV or Excel file; ``mine=1`` keeps the partnerships I am part of."""
    require(user, Action.READ)
    service.table_for(entity)
    values = {
        name: value.strip()
        for name, value in request.query_params.items()
        if name not in IGNORED and name != "mine" and value.strip()
    }
    mine = request.query_params.get("mine") == "1" and entity == "partnerships"
    query = service.parse_query(entity, values)
    export = service.prepare(session, entity, query, involving_user_id=user.id if mine else None)
    return export_response(request, session, export)
