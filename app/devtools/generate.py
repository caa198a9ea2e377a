"""A synthetic but realistic and consistent portfolio, bulk-inserted for benchmarks and trials.

``generate_portfolio(engine, organisations, partnerships)`` adds (it never deletes) organisations of every kind and
region with a focal point each, and partnerships in every stage whose transition events lead, in time order, to
that stage; 1 to 4 parties, areas of engagement, an interaction, an undertaking from the informal stage on, an MOU
for formalising and later stages (document version, signatures, obligations per party with their own events) and
the planned reminders of the active ones. The rows bypass the workflow engine on purpose (it is far too slow for
100,000 partnerships) but are exactly what the engine would have written; ``tests/reports/test_generate.py`` checks it.

Rows go in with explicit ids, by chunks of partnerships: PostgreSQL ``COPY`` (then the id sequences are moved
on), SQLAlchemy Core ``insert()`` executemany elsewhere. Deterministic for a given ``seed`` and day.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, func, insert, select

from app import clock
from app.config import get_settings
from app.devtools.bulk import Ids, Writer, transaction
from app.devtools.curated import CAUSES, EMBLEMS, REGIONS
from app.devtools.generate_stories import StoryBuilder
from app.models import (
    Agreement,
    AreaOfEngagement,
    Contact,
    DocumentVersion,
    Interaction,
    Obligation,
    Organisation,
    Partnership,
    PartnershipParty,
    ReferenceCounter,
    Reminder,
    Signature,
    TransitionEvent,
    Undertaking,
    User,
    UserRole,
)
from app.organisations.models import OrganisationKind, organisation_areas, organisation_name_key, registration_key
from app.partnerships.facets import rebuild_party_facets
from app.quality.store import rebuild_quality_scores
from app.reports.tallies import rebuild_report_tallies
from app.search.index import rebuild_search_index
from app.workflow.stays import rebuild_stage_stays

CHUNK = 5_000  # partnerships generated and inserted at a time (memory stays flat)
KIND_WEIGHTS = {
    OrganisationKind.NATIONAL_CSO: 30, OrganisationKind.COMMUNITY_BASED: 14, OrganisationKind.INTERNATIONAL_CSO: 10,
    OrganisationKind.ACADEMIC: 8, OrganisationKind.GOVERNMENT: 8, OrganisationKind.PRIVATE_SECTOR: 7,
    OrganisationKind.THINK_TANK: 5, OrganisationKind.INTERGOVERNMENTAL: 5, OrganisationKind.REGIONAL: 5,
    OrganisationKind.UN_AGENCY: 4, OrganisationKind.OTHER: 4,
}  # fmt: skip

GENERATED_EMAIL = "generated.%@example.org"  # the users this module makes own every partnership it makes


def existing_data(engine: Engine | Connection) -> dict[str, int]:
    """What the database already holds: organisations, partnerships, and partnerships not made by this module."""
    generated = select(User.id).where(User.email.like(GENERATED_EMAIL))
    with transaction(engine) as connection:
        return {
            "organisations": connection.scalar(select(func.count()).select_from(Organisation)) or 0,
            "partnerships": connection.scalar(select(func.count()).select_from(Partnership)) or 0,
            "real_partnerships": connection.scalar(
                select(func.count())
                .select_from(Partnership)
                .where((Partnership.owner_id.is_(None)) | Partnership.owner_id.not_in(generated))
            )
            or 0,
        }


def generate_portfolio(
    engine: Engine | Connection, organisations: int, partnerships: int, seed: int = 2026
) -> dict[str, int]:
    """Add a consistent synthetic portfolio to the (migrated) database; returns the rows written per table."""
    if organisations < 4 or partnerships < 0:
        raise ValueError("need at least 4 organisations and a non-negative number of partnerships")
    rng = random.Random(seed)
    today = clock.today(get_settings().zone)
    now = clock.now()
    tables = [
        m.__table__
        for m in (User, UserRole, Organisation, Contact, Partnership, PartnershipParty, TransitionEvent, Interaction,
                  Undertaking, Agreement, DocumentVersion, Signature, Obligation, Reminder)
    ]  # fmt: skip
    with transaction(engine) as connection:
        writer = Writer(connection)
        ids = Ids(connection, tables)
        areas = list(connection.scalars(select(AreaOfEngagement.id).order_by(AreaOfEngagement.id)))
        if not areas:
            raise ValueError("no areas of engagement: migrate the database first")
        managers, lawyers = _users(writer, ids, max(4, partnerships // 4_000), max(2, partnerships // 10_000), now)
        orgs = _organisations(writer, ids, organisations, areas, rng, now)
        counters: dict[str, int] = {
            series: value
            for series, value in connection.execute(select(ReferenceCounter.series, ReferenceCounter.last_value))
        }
        builder = StoryBuilder(writer, ids, rng, today, now, areas, orgs, managers, lawyers, counters)
        for start in range(0, partnerships, CHUNK):
            builder.chunk(min(CHUNK, partnerships - start))
        for series, value in counters.items():
            updated = connection.execute(
                ReferenceCounter.__table__.update().where(ReferenceCounter.series == series).values(last_value=value)
            )
            if not updated.rowcount:
                connection.execute(insert(ReferenceCounter.__table__).values(series=series, last_value=value))
        writer.fix_sequences(tables)
        rebuild_party_facets(connection)  # the parties' copies of their organisation's kind, country, region
        rebuild_search_index(connection)  # the generator bypasses the flush that keeps the index current
        rebuild_stage_stays(connection)  # the rows bypassed the engine: their stays from their history
        rebuild_report_tallies(connection)  # and the report's running counts from the records
        rebuild_quality_scores(connection)  # the bulk load bypasses the services, whose writes keep the scores
    return dict(writer.written)


def _users(
    writer: Writer, ids: Ids, managers: int, lawyers: int, now: datetime
) -> tuple[list[tuple[int, str]], list[int]]:
    users, grants, made = [], [], {"project_manager": [], "legal_officer": []}
    for role, count in (("project_manager", managers), ("legal_officer", lawyers)):
        for _ in range(count):
            user_id = ids.take(User.__table__)
            email = f"generated.{role.replace('_', '.')}.{user_id}@example.org"
            users.append({"id": user_id, "email": email, "full_name": f"Generated {role.replace('_', ' ')} {user_id}",
                          "password_hash": None, "is_active": True, "created_at": now, "version": 1})  # fmt: skip
            grants.append({"id": ids.take(UserRole.__table__), "user_id": user_id, "role": role})
            made[role].append((user_id, email))
    writer.write(User.__table__, users)
    writer.write(UserRole.__table__, grants)
    return made["project_manager"], [user_id for user_id, _ in made["legal_officer"]]


def _organisations(
    writer: Writer, ids: Ids, count: int, areas: list[int], rng: random.Random, now: datetime
) -> list[tuple[int, int]]:
    """Organisations with one focal point each; returns (organisation id, contact id) pairs."""
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    places = [(region, code) for region, (countries, *_rest) in REGIONS.items() for code, _, _ in countries]
    rows, contacts, links, result = [], [], [], []
    for index in range(count):
        kind = kinds[index] if index < len(kinds) else rng.choices(kinds, weights)[0]  # every kind at least once
        region, country = places[index % len(places)] if index < len(places) else rng.choice(places)
        org_id = ids.take(Organisation.__table__)
        cause, _area = CAUSES[index % len(CAUSES)]
        name = f"{rng.choice(EMBLEMS)} {kind.value.replace('_', ' ').title()} for {cause} No. {org_id}"
        number = (
            None if kind in {OrganisationKind.UN_AGENCY, OrganisationKind.GOVERNMENT} else f"REG-{country}-{org_id:07d}"
        )
        created = now - timedelta(days=rng.randrange(400, 2500))
        rows.append({
            "id": org_id, "legal_name": name, "short_name": None, "kind": kind.value, "country_code": country,
            "region": region, "registration_number": number, "website": f"https://org{org_id}.example.org",
            "email": f"info@org{org_id}.example.org" if rng.random() < 0.9 else None, "notes": None,
            "external_ref": None, "name_key": organisation_name_key(name), "registration_key": registration_key(number),
            "created_at": created, "updated_at": created, "version": 1,
        })  # fmt: skip
        contact_id = ids.take(Contact.__table__)
        contacts.append({
            "id": contact_id, "organisation_id": org_id, "name": f"Focal Point {org_id}", "title": "Director",
            "email": f"focal{org_id}@org{org_id}.example.org" if rng.random() < 0.85 else None, "phone": None,
            "is_focal_point": True, "created_at": created, "version": 1,
        })  # fmt: skip
        for area in rng.sample(areas, rng.choice((1, 1, 2))):
            links.append({"organisation_id": org_id, "area_id": area})
        result.append((org_id, contact_id))
    writer.write(Organisation.__table__, rows)
    writer.write(Contact.__table__, contacts)
    writer.write(organisation_areas, links)
    return result
