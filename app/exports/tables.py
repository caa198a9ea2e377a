"""What each export contains: its columns, the query the API list runs, and how a batch of rows is filled in.

Every table reuses its domain service's ``selection`` (the list endpoint's filters and sort order), so an export
and the list it comes from can never disagree about which rows match. Related facts (an organisation's areas, a
partnership's current agreement, an obligation's party) are loaded once per batch of rows, never per row.
"""

from __future__ import annotations

from app.agreements import service as agreements
from app.agreements.models import Agreement
from app.agreements.schemas import AgreementFilter
from app.exports.agreement_tables import AGREEMENT_COLUMNS, OBLIGATION_COLUMNS, agreement_cells, obligation_cells
from app.exports.columns import Table
from app.exports.partner_tables import ORGANISATION_COLUMNS, PARTNERSHIP_COLUMNS, organisation_cells, partnership_cells
from app.obligations import service as obligations
from app.obligations.models import Obligation
from app.obligations.schemas import ObligationFilter
from app.organisations import service as organisations
from app.organisations.models import Organisation
from app.organisations.schemas import OrganisationFilter
from app.partnerships import service as partnerships
from app.partnerships.models import Partnership
from app.partnerships.schemas import PartnershipFilter

TABLES: dict[str, Table] = {
    table.entity: table
    for table in (
        Table(
            "organisations",
            Organisation,
            ORGANISATION_COLUMNS,
            OrganisationFilter,
            organisations.selection,
            organisation_cells,
        ),
        Table(
            "partnerships",
            Partnership,
            PARTNERSHIP_COLUMNS,
            PartnershipFilter,
            partnerships.selection,
            partnership_cells,
        ),
        Table("agreements", Agreement, AGREEMENT_COLUMNS, AgreementFilter, agreements.selection, agreement_cells),
        Table(
            "obligations",
            Obligation,
            OBLIGATION_COLUMNS,
            ObligationFilter,
            lambda _session, filters, sort: obligations.selection(filters, sort),
            obligation_cells,
        ),
    )
}
"""Every exportable list by name, in the order the documentation presents them."""
