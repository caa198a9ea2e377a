"""Pages: one agreement's documents — a version as it will print, its downloads, and the redline between two."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.agreements import service
from app.api.deps import DbSession, TransactionalRoute
from app.api.downloads import file_response
from app.drafting import catalogue, documents
from app.drafting.redline import ComparisonTooLarge
from app.errors import invalid
from app.i18n import WEB
from app.schemas import MAX_ID
from app.users.policy import Action, require
from app.web.deps import PageUser
from app.web.rendering import humanise, render

_ = WEB.gettext
router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
AgreementId = Annotated[int, Path(gt=0, le=MAX_ID)]
VersionNumber = Annotated[int, Path(gt=0, le=MAX_ID)]

DOWNLOADS = {"docx": "Word (.docx)", "pdf": "PDF"}


def how_made(version: Any, titles: dict[str, str]) -> str:
    """How a version came to be, in words: uploaded, generated from a template (by title), or typed by hand."""
    if version.file_name:
        if (version.variables or {}).get("signed_copy"):
            return _("Uploaded signed copy ({file})", file=version.file_name)
        return _("Uploaded Word document ({file})", file=version.file_name)
    if version.template_key:
        title = titles.get(version.template_key, humanise(version.template_key))
        return _(
            "Generated from the template “{title}” {version}", title=title, version=version.template_version or ""
        ).strip()
    return _("Typed by hand")


def _demoted(fragment: str) -> str:
    """The document's headings two levels down, under the page's own h1 and h2 (its text is already escaped)."""
    for level in (3, 2, 1):
        fragment = fragment.replace(f"<h{level}", f"<h{level + 2}").replace(f"</h{level}>", f"</h{level + 2}>")
    return fragment


@router.get("/agreements/{agreement_id}/versions/{number}", response_class=HTMLResponse)
def version_page(
    request: Request, session: DbSession, user: PageUser, agreement_id: AgreementId, number: VersionNumber
) -> Response:
    """One version: its facts, its text as it will print, and its downloads."""
    require(user, Action.READ)
    agreement = service.get_agreement(session, agreement_id)
    version = service.get_version(session, agreement_id, number)
    titles = {info.key: info.title for info, _custom in catalogue.all_templates(session)}
    author = service.people_by_id(session, {version.author_id}).get(version.author_id or 0)
    numbers = [v.number for v in agreement.document_versions]
    context = {
        "agreement": agreement,
        "partnership": agreement.partnership,
        "version": version,
        "how_made": how_made(version, titles),
        "author": author.full_name if author else None,
        "document": _demoted(documents.version_html(session, agreement_id, number)),
        "downloads": DOWNLOADS,
        "previous": max((n for n in numbers if n < number), default=None),
        "next": min((n for n in numbers if n > number), default=None),
    }
    return render(request, "agreements/version.html", context)


@router.get("/agreements/{agreement_id}/versions/{number}/download")
def download_version(
    session: DbSession, user: PageUser, agreement_id: AgreementId, number: VersionNumber, format: str = "docx"
) -> Response:
    """A version as a Word document or a PDF (marked DRAFT until that version is approved)."""
    require(user, Action.READ)
    if format not in DOWNLOADS:
        raise invalid("format", _("must be docx or pdf"))
    output = documents.render_version(session, agreement_id, number, format)
    return file_response(output.content, output.media_type, output.file_name)


@router.get("/agreements/{agreement_id}/compare", response_class=HTMLResponse)
def compare_versions(
    request: Request,
    session: DbSession,
    user: PageUser,
    agreement_id: AgreementId,
    old: Annotated[int | None, Query(gt=0, le=MAX_ID)] = None,
    new: Annotated[int | None, Query(gt=0, le=MAX_ID)] = None,
) -> Response:
    """The redline between two versions (by default the last two): inserted and deleted words marked."""
    require(user, Action.READ)
    agreement = service.get_agreement(session, agreement_id)
    numbers = [v.number for v in agreement.document_versions]
    if old is None and new is None and len(numbers) >= 2:
        old, new = numbers[-2], numbers[-1]
    elif new is None and numbers:
        new = numbers[-1]
    elif old is None and new is not None:
        old = max((n for n in numbers if n < new), default=None)
    redline, refused, status_code = None, None, 200
    try:
        redline = documents.redline_fragment(session, agreement_id, old, new) if old and new else None
    except ComparisonTooLarge as exc:  # say so where the changes would be
        refused, status_code = exc.detail, exc.status
    context = {
        "agreement": agreement,
        "partnership": agreement.partnership,
        "options": [(n, _("Version {number}", number=n)) for n in numbers],
        "old": old,
        "new": new,
        "redline": redline,
        "refused": refused,
    }
    if request.headers.get("HX-Request"):  # htmx swaps only a 2xx answer in; the refusal is in the fragment
        return render(request, "agreements/_redline.html", context)
    return render(request, "agreements/compare.html", context, status_code)
