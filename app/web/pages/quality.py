"""Pages: data quality — the portfolio's completeness score, the checks most records fail, the records to fix."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import clock
from app.api.deps import DbSession
from app.config import get_settings
from app.errors import DomainError
from app.quality import service
from app.quality.rules import CHECKS, ENTITIES
from app.quality.schemas import RecordsQuery
from app.users.policy import Action, require
from app.web.deps import PageUser
from app.web.forms import field_errors, validate
from app.web.rendering import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
SORTS = [("impact", "Impact (largest first)"), ("score", "Score (lowest first)"), ("name", "Name")]
ENTITY_OPTIONS = [("organisation", "Organisations"), ("partnership", "Partnerships")]


def band(score: float | None) -> str:
    """The score in words, so it is never told by colour alone."""
    if score is None:
        return "no records"
    return "good" if score >= 90 else "fair" if score >= 70 else "poor"


def _check_options() -> list[tuple[str, str]]:
    """Each check name once, labelled with what it finds and where."""
    labels: dict[str, list[str]] = {}
    problems: dict[str, str] = {}
    for entity in ENTITIES:
        for check in CHECKS[entity]:
            labels.setdefault(check.name, []).append(f"{entity}s")
            problems.setdefault(check.name, check.problem)
    return [(name, f"{problems[name][:1].upper()}{problems[name][1:]} ({', '.join(labels[name])})") for name in labels]


@router.get("/quality")
def quality(
    request: Request,
    session: DbSession,
    user: PageUser,
    entity: str = "",
    check: str = "",
    sort: str = "impact",
    page: str = "1",
) -> Response:
    """Overall and per-entity scores, the checks with how many records fail each, and the records to fix."""
    require(user, Action.READ)
    today = clock.today(get_settings().zone)
    chosen = {"entity": entity.strip(), "check": check.strip(), "sort": sort.strip() or "impact"}
    errors: dict[str, str] = {}
    found = None
    status = 200
    summary = service.summary(session, today)
    try:
        number = max(1, min(int(page), 100_000)) if page.isascii() and page.isdigit() else 1
        query = validate(
            RecordsQuery,
            {**{name: value for name, value in chosen.items() if value}, "page": number, "page_size": PAGE_SIZE},
        )
        found = service.records_to_fix(session, today, query)
    except DomainError as exc:
        errors, status = field_errors(exc), exc.status
    pages = math.ceil(found.total / PAGE_SIZE) if found else 0
    kept = {name: value for name, value in chosen.items() if value and not (name == "sort" and value == "impact")}

    def page_url(number: int) -> str:
        return "/quality?" + urlencode({**kept, "page": number}) + "#to-fix"

    def failing_url(entity_name: str, check_name: str) -> str:
        return "/quality?" + urlencode({"entity": entity_name, "check": check_name}) + "#to-fix"

    context: dict[str, Any] = {
        "summary": summary,
        "chosen": chosen,
        "errors": errors,
        "found": found,
        "pages": pages,
        "page_url": page_url,
        "failing_url": failing_url,
        "filtered": bool(chosen["entity"] or chosen["check"]),
        "band": band,
        "sorts": SORTS,
        "entities": ENTITY_OPTIONS,
        "checks": _check_options(),
    }
    return render(request, "quality/index.html", context, status_code=status)
