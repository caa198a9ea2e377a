"""HTTP endpoints that show the workflows as they run (definition and diagram)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from app.api.deps import CurrentUser, TransactionalRoute
from app.errors import NotFound
from app.i18n import MESSAGES
from app.users.policy import Action, require
from app.workflow.definition import STATE_ATTRIBUTES, Workflow, get_workflow
from app.workflow.diagram import DRAWINGS, MEDIA_TYPES
from app.workflow.schemas import PayloadFieldRead, TransitionDefinition, WorkflowDefinition

router = APIRouter(route_class=TransactionalRoute, tags=["workflows"])
WorkflowName = Annotated[str, Path(max_length=40, description="partnership or agreement")]


def _workflow(name: str) -> Workflow:
    if name not in STATE_ATTRIBUTES:
        raise NotFound(
            MESSAGES.gettext(
                "no workflow named {name}; there are: {values}",
                name=repr(name),
                values=", ".join(sorted(STATE_ATTRIBUTES)),
            )
        )
    return get_workflow(name)


@router.get("/workflows/{name}", response_model=WorkflowDefinition)
def definition(user: CurrentUser, name: WorkflowName) -> WorkflowDefinition:
    """States, triggers, roles and guards of a workflow."""
    require(user, Action.READ)
    workflow = _workflow(name)
    transitions = [
        TransitionDefinition(
            trigger=t.trigger,
            label=workflow.trigger_label(t.trigger),
            sources=list(t.sources),
            dest=t.dest,
            roles=sorted(t.roles),
            guards=list(t.guards),
            effects=list(t.effects),
            payload=[PayloadFieldRead.model_validate(spec) for spec in t.payload],
            comment_required=t.comment_required,
            automatic=t.automatic,
        )
        for t in workflow.transitions
    ]
    return WorkflowDefinition(
        name=workflow.name,
        initial=workflow.initial,
        states={state: workflow.label(state) for state in workflow.states},
        short_labels={state: workflow.short_label(state) for state in workflow.states},
        transitions=transitions,
    )


@router.get(
    "/workflows/{name}/diagram",
    response_class=Response,
    responses={200: {"content": {media_type: {} for media_type in MEDIA_TYPES.values()}}},
)
def diagram(
    user: CurrentUser,
    name: WorkflowName,
    format: Annotated[Literal["mermaid", "svg"], Query(description="mermaid (text) or svg (a drawing)")] = "mermaid",
) -> Response:
    """The workflow drawn as a Mermaid state diagram or as an SVG picture."""
    require(user, Action.READ)
    return Response(DRAWINGS[format](_workflow(name)), media_type=MEDIA_TYPES[format])
