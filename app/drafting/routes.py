"""HTTP endpoints for drafting: templates, preflight, generated and uploaded versions, documents and redlines."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, Request, Response, UploadFile, status

from app.agreements.routes import AgreementId, _require_on_agreement
from app.agreements.schemas import DocumentVersionRead
from app.api.deps import CurrentUser, DbSession, ExpectedVersion, IdempotencyKey, TransactionalRoute, set_etag
from app.api.downloads import file_response
from app.api.idempotency import replay_or_run
from app.api.paging import page_response
from app.drafting import catalogue, documents, service, translations
from app.drafting.schemas import (
    LANGUAGE_PATTERN,
    CustomTemplateWrite,
    GenerateRequest,
    PreflightRead,
    PreviewRequest,
    TemplateRead,
    TranslationRequest,
)
from app.listing import Page, Paging, page_of
from app.partnerships.routes import PartnershipId
from app.schemas import MAX_ID
from app.uploads import document_upload_bytes
from app.users.policy import Action, require

router = APIRouter(route_class=TransactionalRoute, tags=["drafting"])
TemplateKey = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,59}$", description="Template key, e.g. mou")]
Language = Annotated[str, Path(pattern=LANGUAGE_PATTERN, description="Language code, e.g. en or fr")]
VersionNumber = Annotated[int, Path(gt=0, le=MAX_ID)]


def _file(output: documents.Output) -> Response:
    return file_response(
        output.content, output.media_type, output.file_name, inline=output.media_type.startswith("text/")
    )


@router.get("/templates", response_model=Page[TemplateRead])
def list_templates(session: DbSession, user: CurrentUser, paging: Annotated[Paging, Query()]) -> Response:
    """Every agreement template, shipped and custom, with the variables it needs."""
    require(user, Action.READ)
    found = page_of(catalogue.all_templates(session), paging)
    return page_response(Page[TemplateRead].of(found, lambda pair: TemplateRead.of(pair[0], pair[1])))


@router.get("/templates/{key}", response_model=TemplateRead)
def get_template(session: DbSession, user: CurrentUser, key: TemplateKey) -> TemplateRead:
    """One template."""
    require(user, Action.READ)
    info = catalogue.template_or_404(session, key)
    return TemplateRead.of(info, any(i.key == key and c for i, c in catalogue.all_templates(session)))


@router.put("/templates/{key}/{language}", response_model=TemplateRead)
def save_template(
    session: DbSession,
    user: CurrentUser,
    key: TemplateKey,
    language: Language,
    body: CustomTemplateWrite,
    expected_version: ExpectedVersion,
    response: Response,
) -> TemplateRead:
    """Add or replace a custom template; refused with the reasons unless it parses, declares every variable it
    uses and renders in the sandbox."""
    row = catalogue.save_custom_template(session, key, language, body.model_dump(), user, expected_version)
    set_etag(response, row.version)
    return TemplateRead.of(catalogue.resolve_template(session, key, language).info, True)


@router.get("/agreements/{agreement_id}/preflight", response_model=PreflightRead)
def preflight(
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    template: Annotated[str | None, Query(max_length=60)] = None,
    language: Annotated[str, Query(pattern=LANGUAGE_PATTERN)] = "en",
) -> PreflightRead:
    """What is missing or wrong before the agreement can be generated from a template, in plain words."""
    require(user, Action.READ)
    resolved, problems = service.agreement_preflight(session, agreement_id, template, language)
    return PreflightRead(
        template=resolved.info.key,
        language=resolved.language,
        ready=not problems,
        problems=[{"field": p.variable, "reason": p.message} for p in problems],
    )


@router.post(
    "/agreements/{agreement_id}/versions/generate",
    response_model=DocumentVersionRead,
    status_code=status.HTTP_201_CREATED,
)
def generate(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    body: GenerateRequest,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Render a new version from a template and the facts the system holds; 422 lists every missing fact."""

    def run() -> tuple[int, DocumentVersionRead, None, str]:
        version = service.generate_version(
            session, agreement_id, body.template, body.language, body.variables, user, bilingual=body.bilingual
        )
        location = f"/api/v1/agreements/{agreement_id}/versions/{version.number}"
        return 201, DocumentVersionRead.model_validate(version), None, location

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.post(
    "/agreements/{agreement_id}/versions/{number}/translations",
    response_model=DocumentVersionRead,
    status_code=status.HTTP_201_CREATED,
)
def translate(
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    number: VersionNumber,
    body: TranslationRequest,
    response: Response,
) -> DocumentVersionRead:
    """Render the signed version again in another language as a courtesy translation: a new version, marked not
    binding and bound to the signed version's hash; the agreement's state and signed version do not change."""
    version = translations.courtesy_translation(session, agreement_id, number, body.language, user)
    response.headers["Location"] = f"/api/v1/agreements/{agreement_id}/versions/{version.number}"
    return DocumentVersionRead.model_validate(version)


@router.post(
    "/agreements/{agreement_id}/versions/upload",
    response_model=DocumentVersionRead,
    status_code=status.HTTP_201_CREATED,
)
def upload(
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    file: Annotated[UploadFile, File(description="A hand-edited Word document (.docx)")],
    response: Response,
) -> DocumentVersionRead:
    """Store a hand-edited Word document as a new version (legal officers and admins)."""
    # Asked before the upload is read (the service asks again): a refused caller's file is never taken in.
    require(user, Action.MANAGE_TEMPLATES)
    _require_on_agreement(session, user, agreement_id, Action.ACT_ON_AGREEMENT)
    content = file.file.read(document_upload_bytes() + 1)
    version = service.upload_docx(session, agreement_id, content, file.filename, user)
    response.headers["Location"] = f"/api/v1/agreements/{agreement_id}/versions/{version.number}"
    return DocumentVersionRead.model_validate(version)


@router.get(
    "/agreements/{agreement_id}/versions/{number}/document",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}, documents.DOCX_MEDIA_TYPE: {}}}},
)
def document(
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    number: VersionNumber,
    format: Annotated[Literal["html", "docx", "pdf"], Query()] = "html",
) -> Response:
    """A version as an HTML preview, a Word document or a PDF (marked DRAFT until that version is approved)."""
    require(user, Action.READ)
    return _file(documents.render_version(session, agreement_id, number, format))


@router.get(
    "/agreements/{agreement_id}/versions/{number}/diff/{other}",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "text/plain": {}}}},
)
def diff(
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    number: VersionNumber,
    other: VersionNumber,
    format: Annotated[Literal["html", "unified"], Query()] = "html",
) -> Response:
    """What changed from version ``number`` to version ``other``: an HTML redline or a unified diff."""
    require(user, Action.READ)
    return _file(documents.diff_versions(session, agreement_id, number, other, format))


@router.post(
    "/partnerships/{partnership_id}/drafts",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}, documents.DOCX_MEDIA_TYPE: {}}}},
)
def preview(session: DbSession, user: CurrentUser, partnership_id: PartnershipId, body: PreviewRequest) -> Response:
    """Render a template from the partnership's facts without storing it (a note for the file, a letter)."""
    output = service.preview_document(
        session, partnership_id, body.template, body.language, body.variables, body.format, actor=user
    )
    return _file(output)
