"""Each party's copy of its organisation's kind, country and region, which the partnership list filters on.

The copies live on ``partnership_parties`` (indexed with the partnership id), so "partnerships with a party in East
Africa" is one index range in partnership order instead of a join through every organisation of the region. They
are written in the same flush as their source: a new party takes its organisation's facts, and an organisation
whose kind, country or region changes updates its parties with one statement. ``rebuild_party_facets`` recomputes
them all from the organisations, set-based (migrations and bulk loads that bypass the ORM call it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session

from app.organisations.models import Organisation
from app.partnerships.models import PartnershipParty

ORGANISATIONS = Organisation.__table__
PARTIES = PartnershipParty.__table__
SOURCES = ("kind", "country_code", "region")


def _facts(organisation_id: Any) -> dict[str, Any]:
    """The copied columns, as scalar subqueries reading the organisation ``organisation_id`` names."""
    one = ORGANISATIONS.c.id == organisation_id
    return {
        "organisation_kind": select(ORGANISATIONS.c.kind).where(one).scalar_subquery(),
        "organisation_country_code": select(ORGANISATIONS.c.country_code).where(one).scalar_subquery(),
        "organisation_region_key": select(func.lower(ORGANISATIONS.c.region)).where(one).scalar_subquery(),
    }


def rebuild_party_facets(session: Session | Connection) -> None:
    """Recompute every party's copy of its organisation's kind, country and region, in one UPDATE … FROM."""
    session.execute(
        update(PARTIES)
        .where(PARTIES.c.organisation_id == ORGANISATIONS.c.id)
        .values(
            organisation_kind=ORGANISATIONS.c.kind,
            organisation_country_code=ORGANISATIONS.c.country_code,
            organisation_region_key=func.lower(ORGANISATIONS.c.region),
        )
    )


@event.listens_for(PartnershipParty, "after_insert")
def _new_party(_mapper: Mapper[Any], connection: Connection, party: PartnershipParty) -> None:
    connection.execute(update(PARTIES).where(PARTIES.c.id == party.id).values(**_facts(PARTIES.c.organisation_id)))


@event.listens_for(PartnershipParty, "after_update")
def _party_moved(_mapper: Mapper[Any], connection: Connection, party: PartnershipParty) -> None:
    if inspect(party).attrs.organisation_id.history.has_changes():
        _new_party(_mapper, connection, party)


@event.listens_for(Organisation, "after_update")
def _organisation_changed(_mapper: Mapper[Any], connection: Connection, organisation: Organisation) -> None:
    state = inspect(organisation)
    if any(state.attrs[name].history.has_changes() for name in SOURCES):
        connection.execute(
            update(PARTIES)
            .where(PARTIES.c.organisation_id == organisation.id)
            .values(**_facts(PARTIES.c.organisation_id))
        )
