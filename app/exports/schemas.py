"""What the export endpoints accept: the list endpoint's filters and sort, and the file format."""

from __future__ import annotations

import enum

from pydantic import Field

from app.agreements import service as agreements
from app.agreements.schemas import AgreementFilter
from app.listing import SORT_DESCRIPTION
from app.obligations import service as obligations
from app.obligations.schemas import ObligationFilter
from app.organisations import service as organisations
from app.organisations.schemas import OrganisationFilter
from app.partnerships import service as partnerships
from app.partnerships.schemas import PartnershipFilter
from app.schemas import QueryModel


class ExportFormat(enum.StrEnum):
    """The file formats an export comes in."""

    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportOptions(QueryModel):
    """The file format, and the order of the rows as the list endpoint takes it."""

    format: ExportFormat = Field(ExportFormat.CSV, description="csv (UTF-8 with a BOM) or xlsx")
    sort: str | None = Field(None, max_length=60, description=SORT_DESCRIPTION)


class OrganisationExportQuery(OrganisationFilter, ExportOptions):
    """The organisation list's filters and sort, and the file format."""

    sort: organisations.SortKey | None = Field(None, description=SORT_DESCRIPTION)


class PartnershipExportQuery(PartnershipFilter, ExportOptions):
    """The partnership list's filters and sort, and the file format."""

    sort: partnerships.SortKey | None = Field(None, description=SORT_DESCRIPTION)


class AgreementExportQuery(AgreementFilter, ExportOptions):
    """The agreement list's filters and sort, and the file format."""

    sort: agreements.SortKey | None = Field(None, description=SORT_DESCRIPTION)


class ObligationExportQuery(ObligationFilter, ExportOptions):
    """The obligation list's filters and sort, and the file format."""

    sort: obligations.SortKey | None = Field(None, description=SORT_DESCRIPTION)


QUERIES: dict[str, type[ExportOptions]] = {
    "organisations": OrganisationExportQuery,
    "partnerships": PartnershipExportQuery,
    "agreements": AgreementExportQuery,
    "obligations": ObligationExportQuery,
}
"""Each export's query parameters (the entity's list filters plus ``format`` and ``sort``)."""
