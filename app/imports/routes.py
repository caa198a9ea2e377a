"""HTTP endpoints: import an inventory file, and the record of past imports."""

from __future__ import annotations

import json
import tempfile
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile, status

from app.api.deps import CurrentUser, DbSession, TransactionalRoute, commit_batch
from app.api.paging import page_response
from app.errors import DomainError, invalid
from app.i18n import MESSAGES
from app.imports import service
from app.imports.reader import UnusableFile
from app.imports.schemas import ImportResultRead, ImportRunDetail, ImportRunRead, ImportTotals, RowProblemRead
from app.listing import Page, Paging
from app.schemas import MAX_ID
from app.uploads import MB, import_upload_bytes
from app.users.policy import Action, require

router = APIRouter(route_class=TransactionalRoute, tags=["imports"])
ImportId = Annotated[int, Path(gt=0, le=MAX_ID)]


class ContentTooLarge(DomainError):
    """The uploaded file is larger than the API accepts."""

    status = 413
    title = "Content too large"


@router.post(
    "/imports",
    response_model=ImportResultRead,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "A dry run: what would be created, updated and rejected; nothing written"}},
)
def import_inventory(
    session: DbSession,
    user: CurrentUser,
    response: Response,
    file: Annotated[UploadFile, File(description="The inventory, CSV or XLSX (layout in docs/imports.md)")],
    dry_run: Annotated[bool, Query(description="Only say what would change")] = False,
    date_order: Annotated[
        Literal["auto", "day_first", "month_first"], Query(description="How to read 03/04/2026")
    ] = "auto",
    update: Annotated[bool, Query(description="Apply differences with recorded partnerships")] = False,
    mapping: Annotated[
        str | None,
        Form(description='Column mapping as a JSON object {"Header text": "field" or "ignore"}', max_length=20_000),
    ] = None,
) -> ImportResultRead:
    """Import organisations and partnerships (admins and project managers); idempotent, committed per batch."""
    require(user, Action.CREATE_PARTNERSHIP)  # before the upload is read; the import asks again
    most = import_upload_bytes()
    with tempfile.TemporaryFile() as copy:
        size = 0
        while chunk := file.file.read(MB):
            size += len(chunk)
            if size > most:
                raise ContentTooLarge(
                    f"the file is larger than {most // MB} MB; import it with 'agreements import FILE' or split it"
                )
            copy.write(chunk)
        copy.seek(0)

        options = service.ImportOptions(
            date_order=date_order, dry_run=dry_run, update=update, given_mapping=_given(mapping), api=True
        )
        try:
            # The request owns the transaction: it commits each batch (a dry run commits nothing, it is undone).
            job = service.InventoryImport(session, copy, (file.filename or "upload")[:255], user, options)
            for _lines_read in job.batches():
                if not dry_run:
                    commit_batch(session)
            summary = job.finish()
        except UnusableFile as exc:
            raise invalid("file", str(exc)) from None
    if dry_run:
        response.status_code = status.HTTP_200_OK
    else:
        response.headers["Location"] = f"/api/v1/imports/{summary.run_id}"
    counts = summary.counts
    return ImportResultRead(
        header_line=summary.header_line,
        header=summary.header,
        mapping=summary.mapping,
        date_order=summary.date_order,
        totals=ImportTotals(**summary.totals()),
        non_exact=summary.non_exact_lines(),
        conflicts=[conflict.describe() for conflict in summary.conflicts],
        notes=summary.notes[:1000],
        exit_code=summary.exit_code,
        run_id=summary.run_id,
        file_name=summary.file_name,
        sha256=summary.sha256,
        format=summary.format,
        dry_run=summary.dry_run,
        rows=summary.rows,
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        doubtful=counts["doubtful"],
        rejected=counts["rejected"],
        organisations_created=summary.organisations_created,
        partnerships_created=summary.partnerships_created,
        ignored_columns=summary.ignored_columns,
        problems_total=summary.problems_total,
        problems=[RowProblemRead.model_validate(problem, from_attributes=True) for problem in summary.problems],
    )


def _given(mapping: str | None) -> dict[str, str] | None:
    """The column mapping sent with the upload, checked for shape (field names are checked by the import)."""
    if not mapping:
        return None
    try:
        given = json.loads(mapping)
    except ValueError:
        raise invalid("mapping", MESSAGES.gettext("is not valid JSON")) from None
    if not isinstance(given, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in given.items()):
        raise invalid(
            "mapping", MESSAGES.gettext('must be a JSON object of header texts to field names: {"Nation": "country"}')
        )
    return given


@router.get("/imports", response_model=Page[ImportRunRead])
def list_imports(session: DbSession, user: CurrentUser, paging: Annotated[Paging, Query()]) -> Response:
    """The import runs, newest first, one page at a time (admins and project managers)."""
    require(user, Action.CREATE_PARTNERSHIP)
    return page_response(
        Page[ImportRunRead].of(service.list_runs(session, paging, actor=user), ImportRunRead.model_validate)
    )


@router.get("/imports/{import_id}", response_model=ImportRunDetail)
def get_import(session: DbSession, user: CurrentUser, import_id: ImportId) -> ImportRunDetail:
    """One import run with its first rejected and doubtful lines (admins and project managers)."""
    require(user, Action.CREATE_PARTNERSHIP)
    return ImportRunDetail.model_validate(service.get_run(session, import_id, actor=user))
