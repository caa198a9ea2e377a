"""Pages: the workflows as they run — what each is for, its lifecycle diagram and its transitions in words."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from app.api.deps import TransactionalRoute
from app.errors import NotFound
from app.i18n import WEB
from app.users.policy import Action, require
from app.web.deps import PageUser
from app.web.rendering import humanise, render
from app.workflow.definition import STATE_ATTRIBUTES, SYSTEM_ROLE, Transition, Workflow, get_workflow
from app.workflow.diagram import svg

_ = WEB.gettext
_l = WEB.lazy
router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
TITLES = {
    "partnership": _l("Partnership workflow"),
    "agreement": _l("Agreement workflow"),
    "obligation": _l("Obligation workflow"),
}
NAMES = {"partnership": _l("Partnership"), "agreement": _l("Agreement"), "obligation": _l("Obligation")}

ABOUT = {
    "partnership": _l(
        "The modality of a relationship with partners: from ad hoc contacts and an informal undertaking "
        "to a formal, signed agreement — and on to its end, dormancy or archiving."
    ),
    "agreement": _l(
        "The life of one written instrument such as an MOU: drafting, legal review with four eyes, "
        "approval of one document version, signature, entry into force, and then expiry, termination or replacement."
    ),
    "obligation": _l(
        "What a party owes under an agreement and by when: open until fulfilled or waived, "
        "overdue once its due date has passed; recurring obligations move from one occurrence to the next."
    ),
}

GUARD_WORDS = {
    "has_undertaking": _l("an undertaking in principle has been recorded"),
    "has_partner_with_focal_point": _l("a partner party has a focal point among its contacts"),
    "has_area_of_engagement": _l("at least one area of engagement is set"),
    "version_complete": _l("a document version exists and nothing is missing from it"),
    "term_set": _l("the effective date and the end date are set, in that order"),
    "obligation_per_party": _l("every party has at least one obligation"),
    "four_eyes": _l("the approver is not the person who submitted it (four eyes)"),
    "approves_submitted_version": _l("the version approved is the one submitted and reviewed"),
    "approved_version_unchanged": _l("the document has not changed since it was approved"),
    "signatures_complete": _l("every party and the organisation have signed, on valid dates"),
    "effective_date_reached": _l("the effective date has been reached"),
    "end_date_passed": _l("the end date has passed"),
    "termination_respects_notice": _l("the notice period is respected (only an admin may override it)"),
    "last_occurrence": _l("it is the last (or only) occurrence"),
    "more_occurrences": _l("further occurrences follow"),
    "fulfilment_date_valid": _l("the date it was done is not in the future"),
    "due_date_passed": _l("the due date has passed"),
}

_PROLOGUE = re.compile(r"<\?xml[^>]*\?>\s*")
_STYLE = re.compile(r"<style>.*?</style>\s*", re.DOTALL)


def _workflow(name: str) -> Workflow:
    if name not in STATE_ATTRIBUTES:
        raise NotFound(
            _(
                "There is no workflow called “{name}”. The workflows are: {names}.",
                name=name,
                names=", ".join(STATE_ATTRIBUTES),
            )
        )
    return get_workflow(name)


def inline_diagram(workflow: Workflow) -> Markup:
    """The engine's SVG drawing, ready to sit inside a page (its styles come from overview.css, as CSP demands)."""
    drawing = _STYLE.sub("", _PROLOGUE.sub("", svg(workflow)))
    label = _("Lifecycle diagram of the {workflow}", workflow=str(TITLES.get(workflow.name, workflow.name)).lower())
    drawing = drawing.replace("<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1)
    # Safe: app.workflow.diagram escapes every text it writes into the drawing.
    return Markup(drawing)


def _row(transition: Transition) -> dict[str, object]:
    return {
        "trigger": transition.trigger,
        "sources": list(transition.sources),
        "dest": transition.dest,
        "automatic": transition.automatic,
        "roles": sorted(role for role in transition.roles if role != SYSTEM_ROLE),
        "guards": [str(GUARD_WORDS.get(name, humanise(name).lower())) for name in transition.guards],
        "comment_required": transition.comment_required,
        "asks_for": [field.description for field in transition.payload],
    }


@router.get("/workflows")
def workflow_list(request: Request, user: PageUser) -> Response:
    """The workflows, what each is for, and how big each is."""
    require(user, Action.READ)
    workflows = [get_workflow(name) for name in STATE_ATTRIBUTES]
    return render(request, "workflows/list.html", {"workflows": workflows, "about": ABOUT, "workflow_titles": TITLES})


@router.get("/workflows/{name}")
def workflow_page(request: Request, user: PageUser, name: str) -> Response:
    """One workflow: its lifecycle diagram, its states and its transitions in words."""
    require(user, Action.READ)
    workflow = _workflow(name)
    context = {
        "workflow": workflow,
        "about": ABOUT.get(workflow.name, ""),
        "workflow_titles": TITLES,
        "workflow_name": NAMES.get(workflow.name, humanise(workflow.name)),
        "diagram": inline_diagram(workflow),
        "rows": [_row(transition) for transition in workflow.transitions],
        "daily": list(workflow.daily),
    }
    return render(request, "workflows/detail.html", context)
