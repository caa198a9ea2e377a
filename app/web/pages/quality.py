"""Pages: data quality — the portfolio's completeness score, the checks most records fail, the records to fix."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import clock
from app.api.deps import DbSession, TransactionalRoute
from app.config import get_settings
from app.errors import DomainError
from app.i18n import WEB
from app.quality import service
from app.quality.rules import CHECKS, ENTITIES
from app.quality.schemas import RecordsQuery
from app.users.policy import Action, require
from app.web.deps import PageUser
from app.web.forms import field_errors, validate
from app.web.rendering import render

_ = WEB.gettext
_l = WEB.lazy
router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PAGE_SIZE = 25
SORTS = [("impact", _l("Impact (largest first)")), ("score", _l("Score (lowest first)")), ("name", _l("Name"))]
SORT_WORDS = {"impact": _l("impact"), "score": _l("score"), "name": _l("name")}
ENTITY_WORDS = {
    "organisation": {"one": _l("Organisation"), "many": _l("Organisations"), "score": _l("Organisation score")},
    "partnership": {"one": _l("Partnership"), "many": _l("Partnerships"), "score": _l("Partnership score")},
}
ENTITY_OPTIONS = [(entity, words["many"]) for entity, words in ENTITY_WORDS.items()]
BANDS = {"good": _l("good"), "fair": _l("fair"), "poor": _l("poor"), "no records": _l("no records")}
LEVELS = {"required": _l("Required"), "expected": _l("Expected"), "stale": _l("Stale")}


def band(score: float | None) -> str:
    """The score's band (its key, for the style): good, fair or poor; "no records" without a score."""
    if score is None:
        return "no records"
    return "good" if score >= 90 else "fair" if score >= 70 else "poor"


def band_words(key: str) -> str:
    """A band in the reader's words, so a score is never told by colour alone."""
    return str(BANDS.get(key, key))


def _check_options() -> list[tuple[str, str]]:
    """Each check name once, labelled with what it finds and where."""
    labels: dict[str, list[str]] = {}
    problems: dict[str, str] = {}
    for entity in ENTITIES:
        for check in CHECKS[entity]:
            labels.setdefault(check.name, []).append(str(ENTITY_WORDS[entity]["many"]).lower())
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
        "band_words": band_words,
        "entity_words": ENTITY_WORDS,
        "level_words": LEVELS,
        "sort_words": SORT_WORDS,
        "sorts": SORTS,
        "entities": ENTITY_OPTIONS,
        "checks": _check_options(),
    }
    return render(request, "quality/index.html", context, status_code=status)
