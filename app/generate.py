"""A synthetic but realistic and consistent portfolio, bulk-inserted for benchmarks and trials.

``generate_portfolio(engine, organisations, partnerships)`` adds (it never deletes) organisations of every kind and
region with a focal point each, and partnerships in every stage whose transition events lead, in time order, to
that stage; 1 to 4 parties, areas of engagement, an interaction, an undertaking from the informal stage on, an MOU
for formalising and later stages (document version, signatures, obligations per party with their own events) and
the planned reminders of the active ones. The rows bypass the workflow engine on purpose (it is far too slow for
100,000 partnerships) but are exactly what the engine would have written; ``tests/test_generate.py`` checks it.

Rows go in with explicit ids, by chunks of partnerships: PostgreSQL ``COPY`` (then the id sequences are moved
on), SQLAlchemy Core ``insert()`` executemany elsewhere. Deterministic for a given ``seed`` and day.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select, text

from app import clock
from app.config import get_settings
from app.demo import CAUSES, EMBLEMS, REGIONS, ROLES_BY_PARTY_COUNT
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
from app.partnerships.models import partnership_areas

CHUNK = 5_000  # partnerships generated and inserted at a time (memory stays flat)
KIND_WEIGHTS = {
    OrganisationKind.NATIONAL_CSO: 30, OrganisationKind.COMMUNITY_BASED: 14, OrganisationKind.INTERNATIONAL_CSO: 10,
    OrganisationKind.ACADEMIC: 8, OrganisationKind.GOVERNMENT: 8, OrganisationKind.PRIVATE_SECTOR: 7,
    OrganisationKind.THINK_TANK: 5, OrganisationKind.INTERGOVERNMENTAL: 5, OrganisationKind.REGIONAL: 5,
    OrganisationKind.UN_AGENCY: 4, OrganisationKind.OTHER: 4,
}  # fmt: skip
STAGE_WEIGHTS = {
    "ad_hoc": 24, "informal": 18, "dormant": 8, "formalising": 12, "formal": 26, "ended": 7, "closed": 5,
}  # fmt: skip
PARTY_WEIGHTS = {1: 55, 2: 25, 3: 13, 4: 7}
FORMALISING_STATUSES = ["draft", "draft", "in_review", "approved", "signed"]
AGREEMENT_STEPS = [
    ("draft", "in_review", "submit_for_review"),
    ("in_review", "approved", "approve"),
    ("approved", "signed", "record_signatures"),
    ("signed", "active", "activate"),
]


class _Writer:
    """Inserts rows table by table, COPY on PostgreSQL, executemany elsewhere; counts what it wrote."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.written: dict[str, int] = defaultdict(int)

    def write(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        self.written[table.name] += len(rows)
        if not self.postgres:
            for start in range(0, len(rows), 2_000):
                self.connection.execute(insert(table), rows[start : start + 2_000])
            return
        columns = list(rows[0])
        cursor = self.connection.connection.driver_connection.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v for v in (row[c] for c in columns)])

    def fix_sequences(self, tables: Iterable[Table]) -> None:
        if not self.postgres:
            return
        for table in tables:
            if "id" in table.c:
                self.connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                    )
                )


class _Ids:
    """The next free id of each table (explicit ids let rows refer to each other without round trips)."""

    def __init__(self, connection: Connection, tables: Iterable[Table]) -> None:
        self.next = {t.name: (connection.scalar(select(func.max(t.c.id))) or 0) + 1 for t in tables if "id" in t.c}

    def take(self, table: Table) -> int:
        value = self.next[table.name]
        self.next[table.name] = value + 1
        return value


def _at(day: date, rng: random.Random) -> datetime:
    """A working-hours instant on ``day`` (UTC)."""
    return datetime.combine(day, time(8), tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 540))


@contextmanager
def _transaction(bind: Engine | Connection) -> Iterator[Connection]:
    """A transaction on an engine, or a savepoint on a connection already in one (tests)."""
    if isinstance(bind, Connection):
        with bind.begin_nested():
            yield bind
    else:
        with bind.begin() as connection:
            yield connection


GENERATED_EMAIL = "generated.%@example.org"  # the users this module makes own every partnership it makes


def existing_data(engine: Engine | Connection) -> dict[str, int]:
    """What the database already holds: organisations, partnerships, and partnerships not made by this module."""
    generated = select(User.id).where(User.email.like(GENERATED_EMAIL))
    with _transaction(engine) as connection:
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
    with _transaction(engine) as connection:
        writer = _Writer(connection)
        ids = _Ids(connection, tables)
        areas = list(connection.scalars(select(AreaOfEngagement.id).order_by(AreaOfEngagement.id)))
        if not areas:
            raise ValueError("no areas of engagement: migrate the database first")
        managers, lawyers = _users(writer, ids, max(4, partnerships // 4_000), max(2, partnerships // 10_000), now)
        orgs = _organisations(writer, ids, organisations, areas, rng, now)
        counters: dict[str, int] = {
            series: value
            for series, value in connection.execute(select(ReferenceCounter.series, ReferenceCounter.last_value))
        }
        builder = _Builder(writer, ids, rng, today, now, areas, orgs, managers, lawyers, counters)
        for start in range(0, partnerships, CHUNK):
            builder.chunk(min(CHUNK, partnerships - start))
        for series, value in counters.items():
            updated = connection.execute(
                ReferenceCounter.__table__.update().where(ReferenceCounter.series == series).values(last_value=value)
            )
            if not updated.rowcount:
                connection.execute(insert(ReferenceCounter.__table__).values(series=series, last_value=value))
        writer.fix_sequences(tables)
    return dict(writer.written)


def _users(
    writer: _Writer, ids: _Ids, managers: int, lawyers: int, now: datetime
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
    writer: _Writer, ids: _Ids, count: int, areas: list[int], rng: random.Random, now: datetime
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


class _Builder:
    """Plays out partnerships chunk by chunk: dates first, then the rows that tell the same story."""

    def __init__(self, writer, ids, rng, today, now, areas, orgs, managers, lawyers, counters) -> None:
        self.writer, self.ids, self.rng, self.today, self.now = writer, ids, rng, today, now
        self.areas, self.orgs, self.managers, self.lawyers, self.counters = areas, orgs, managers, lawyers, counters
        self.stages, self.stage_weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())

    def reference(self, created: datetime) -> str:
        series = f"PA-{created.year}"
        self.counters[series] = self.counters.get(series, 0) + 1
        return f"{series}-{self.counters[series]:04d}"

    def chunk(self, count: int) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for _ in range(count):
            self.one()
        order = [Partnership, PartnershipParty, None, TransitionEvent, Interaction, Undertaking, Agreement,
                 DocumentVersion, Signature, Obligation, Reminder]  # fmt: skip
        for model in order:
            table = partnership_areas if model is None else model.__table__
            self.writer.write(table, self.rows.pop(table.name, []))

    def add(self, table: Table, **row: Any) -> int | None:
        if "id" in table.c:
            row = {"id": self.ids.take(table), **row}
        self.rows[table.name].append(row)
        return row.get("id")

    def event(self, entity_type: str, entity_id: int, source: str | None, dest: str, trigger: str, when: datetime,
              actor: int | None) -> None:  # fmt: skip
        row = {"entity_type": entity_type, "entity_id": entity_id, "from_state": source, "to_state": dest}
        self.add(TransitionEvent.__table__, **row, trigger=trigger, actor_id=actor, occurred_at=when, comment=None,
                 payload=None)  # fmt: skip

    def one(self) -> None:
        rng, today = self.rng, self.today
        stage = rng.choices(self.stages, self.stage_weights)[0]
        # The story's days, built backwards from what the final stage needs.
        agreement: dict[str, Any] | None = None
        if stage in {"formal", "ended", "closed"} and (stage != "closed" or rng.random() < 0.6):
            if stage == "formal":
                end = today + timedelta(days=rng.randrange(1, 1100))
            else:
                end = today - timedelta(days=rng.randrange(60 if stage == "closed" else 1, 900))
            term = max(365 * rng.choice((1, 2, 3)), (end - today).days + 30)
            effective = end - timedelta(days=term)
            terminated = stage != "formal" and rng.random() < 0.15
            agreement = {"effective": effective, "end": end, "terminated": terminated}
            in_force = effective
            formalising_on = in_force - timedelta(days=rng.randrange(15, 150))
        elif stage == "formalising":
            formalising_on = today - timedelta(days=rng.randrange(1, 200))
        steps: list[tuple[str | None, str, str, date]] = []
        if stage in {"formalising", "formal", "ended"} or (stage == "closed" and agreement):
            informal_on = formalising_on - timedelta(days=rng.randrange(5, 120))
            created_on = informal_on - timedelta(days=rng.randrange(5, 200))
            steps = [(None, "ad_hoc", "create", created_on), ("ad_hoc", "informal", "record_undertaking", informal_on),
                     ("informal", "formalising", "start_formalising", formalising_on)]  # fmt: skip
            if agreement:
                steps.append(("formalising", "formal", "agreement_in_force", agreement["effective"]))
                if stage in {"ended", "closed"}:
                    ended_on = agreement["end"] + timedelta(days=1)
                    if agreement["terminated"]:
                        ended_on = agreement["effective"] + timedelta(days=rng.randrange(30, term - 1))
                        agreement["end_on"] = ended_on
                    steps.append(("formal", "ended", "last_agreement_ended", ended_on))
                    if stage == "closed":
                        closed_on = min(ended_on + timedelta(days=rng.randrange(30, 200)), today)
                        steps.append(("ended", "closed", "close", closed_on))
        else:  # ad hoc, informal, dormant, or closed after going dormant
            created_on = today - timedelta(days=rng.randrange(10, 1500))
            steps = [(None, "ad_hoc", "create", created_on)]
            span = (today - created_on).days
            if stage in {"informal", "dormant", "closed"} and rng.random() < (1 if stage == "informal" else 0.5):
                steps.append(("ad_hoc", "informal", "record_undertaking", created_on + timedelta(days=span // 4)))
            if stage in {"dormant", "closed"}:
                steps.append((steps[-1][1], "dormant", "go_dormant", created_on + timedelta(days=span // 2)))
            if stage == "closed":
                steps.append(("dormant", "closed", "close", created_on + timedelta(days=3 * span // 4)))
            if stage == "ad_hoc" and rng.random() < 0.1 and span > 40:
                steps += [("ad_hoc", "dormant", "go_dormant", created_on + timedelta(days=span // 3)),
                          ("dormant", "ad_hoc", "revive", created_on + timedelta(days=2 * span // 3))]  # fmt: skip
        self.write_partnership(stage, steps, agreement)

    def write_partnership(
        self, stage: str, steps: list[tuple[str | None, str, str, date]], agreement: dict | None
    ) -> None:
        rng = self.rng
        owner, owner_email = rng.choice(self.managers)
        times, last = [], None
        for *_, day in steps:
            moment = _at(min(day, self.today), rng)
            if last is not None and moment <= last:
                moment = last + timedelta(minutes=1)
            times.append(min(moment, self.now) if day >= self.today else moment)
            last = times[-1]
        created = times[0]
        later = stage not in {"ad_hoc", "dormant"} or any(step[1] == "informal" for step in steps)
        lawyer = rng.choice(self.lawyers) if any(step[1] == "formalising" for step in steps) else None
        pid = self.add(
            Partnership.__table__, reference=self.reference(created), title=f"{rng.choice(CAUSES)[0]} partnership",
            objectives=None, stage=stage, owner_id=owner, legal_officer_id=lawyer, project_id=None,
            handles_personal_data=rng.random() < 0.2, external_ref=None, created_at=created, updated_at=times[-1],
            version=1,
        )  # fmt: skip
        for (source, dest, trigger, _), when in zip(steps, times, strict=True):
            self.event(
                "partnership",
                pid,
                source,
                dest,
                trigger,
                when,
                None if trigger in {"agreement_in_force", "last_agreement_ended"} else owner,
            )
        parties = []
        count = rng.choices(list(PARTY_WEIGHTS), list(PARTY_WEIGHTS.values()))[0]
        for role, (org_id, contact_id) in zip(ROLES_BY_PARTY_COUNT[count], rng.sample(self.orgs, count), strict=True):
            party_id = self.add(PartnershipParty.__table__, partnership_id=pid, organisation_id=org_id, role=role.value,
                                focal_point_id=contact_id if later else None)  # fmt: skip
            parties.append((party_id, org_id))
        needs_area = any(step[1] == "formalising" for step in steps)
        howmany = rng.choices((0, 1, 2), (0 if needs_area else 8, 70, 30))[0]
        for area in rng.sample(self.areas, howmany):
            self.add(partnership_areas, partnership_id=pid, area_id=area)
        self.add(Interaction.__table__, partnership_id=pid, occurred_on=created.date(), kind="meeting",
                 summary="Introductory meeting", participants=None, recorded_by_id=owner,
                 created_at=created)  # fmt: skip
        undertaking = next((when for step, when in zip(steps, times, strict=True) if step[1] == "informal"), None)
        if undertaking:
            self.add(Undertaking.__table__, partnership_id=pid, given_on=undertaking.date(), given_by="The director",
                     organisation_id=parties[0][1], scope="Joint work in principle",
                     form=rng.choice(("verbal", "email", "letter")),
                     recorded_by_id=owner, created_at=undertaking)  # fmt: skip
        formalising = next((when for step, when in zip(steps, times, strict=True) if step[1] == "formalising"), None)
        if formalising:
            self.write_agreement(pid, stage, formalising, agreement, parties, owner, owner_email, lawyer)

    def write_agreement(self, pid, stage, formalising, plan, parties, owner, owner_email, lawyer) -> None:
        rng, today = self.rng, self.today
        if plan is None:  # still being drafted: somewhere between draft and signed, effective later
            status = rng.choice(FORMALISING_STATUSES)
            effective = today + timedelta(days=rng.randrange(10, 90))
            end = effective + timedelta(days=365 * rng.choice((1, 2, 3)))
        else:
            effective, end = plan["effective"], plan["end"]
            status = "active" if stage == "formal" else "terminated" if plan["terminated"] else "expired"
        started = formalising + timedelta(hours=1)
        signed_day = (effective - timedelta(days=rng.randrange(1, 10))) if plan else None
        path = ["draft", "in_review", "approved", "signed", "active"]
        reached = path[: path.index(status if status in path else "active") + 1]
        # Days of each step after the draft: spread between the start of formalising and the signature.
        horizon = (signed_day or today) - started.date()
        offsets = sorted(rng.sample(range(1, max(horizon.days, 4)), 3))
        when = {"draft": started}
        for (_source, dest, _), offset in zip(AGREEMENT_STEPS[:3], offsets, strict=True):
            if dest in reached:
                when[dest] = min(_at(started.date() + timedelta(days=offset), rng), self.now)
        if "signed" in reached and plan:
            when["signed"] = _at(signed_day, rng)
        if "active" in reached:
            when["active"] = _at(effective, rng)
        ordered = sorted(when.values())
        when = dict(zip(when, ordered, strict=True))  # keep the steps in time order whatever the draw
        aid = self.add(
            Agreement.__table__, partnership_id=pid, parent_id=None, kind="mou",
            title=f"Memorandum of Understanding {pid}",
            status=status, effective_date=effective, end_date=end, notice_period_days=rng.choice((30, 60, 90)),
            submitted_by_id=owner if "in_review" in reached else None,
            submitted_version_number=1 if "in_review" in reached else None,
            approved_by_id=lawyer if "approved" in reached else None, approved_at=when.get("approved"),
            approved_version_number=1 if "approved" in reached else None, approved_sha256=None,
            terminated_on=plan.get("end_on") if plan and plan["terminated"] else None,
            termination_reason="The partner closed its office" if plan and plan["terminated"] else None,
            reminder_policy=None, created_at=when["draft"], updated_at=max(when.values()), version=1,
        )  # fmt: skip
        self.event("agreement", aid, None, "draft", "create", when["draft"], owner)
        for source, dest, trigger in AGREEMENT_STEPS:
            if dest in reached:
                self.event(
                    "agreement", aid, source, dest, trigger, when[dest], None if trigger == "activate" else owner
                )
        if status in {"expired", "terminated"}:
            finished = plan["end_on"] if status == "terminated" else plan["end"] + timedelta(days=1)
            trigger = "terminate" if status == "terminated" else "expire"
            self.event(
                "agreement",
                aid,
                "active",
                status,
                trigger,
                _at(finished, rng),
                lawyer if status == "terminated" else None,
            )
        body = f"# Memorandum of Understanding\n\nBetween the parties of partnership {pid}.\n"
        sha = hashlib.sha256(body.encode()).hexdigest()
        version_id = None
        if "in_review" in reached:
            version_id = self.add(
                DocumentVersion.__table__, agreement_id=aid, number=1, template_key="mou", template_version="1.0",
                language="en", body=body, missing_fields=[], variables={}, file_name=None, media_type=None,
                file_content=None, sha256=sha, author_id=owner, created_at=when["draft"],
            )  # fmt: skip
            if "approved" in reached:
                self.rows[Agreement.__tablename__][-1]["approved_sha256"] = sha
        if "signed" in reached:
            for party_id in [None, *(party for party, _ in parties)]:
                self.add(Signature.__table__, agreement_id=aid, party_id=party_id, signatory_name="Signatory",
                         signatory_title="Head", signed_on=when["signed"].date(), document_version_id=version_id,
                         document_sha256=sha, recorded_by_id=lawyer, created_at=when["signed"])  # fmt: skip
        if "active" in reached:
            self.write_obligations(
                aid, pid, status, effective, end, parties, owner, owner_email, lawyer, when["active"]
            )

    def write_obligations(
        self, aid, pid, status, effective, end, parties, owner, owner_email, lawyer, activated
    ) -> None:
        rng, today = self.rng, self.today
        for party_id in [None, *(party for party, _ in parties)]:
            due = effective + timedelta(days=rng.randrange(30, max(31, (end - effective).days)))
            outcome = "open"
            if due < today:
                outcome = "overdue" if status == "active" and rng.random() < 0.2 else "fulfilled"
            oid = self.add(
                Obligation.__table__, agreement_id=aid, party_id=party_id, description="Annual narrative report",
                due_date=due, recurrence=None, recurrence_until=None, status=outcome,
                fulfilled_on=due - timedelta(days=2) if outcome == "fulfilled" else None,
                evidence_note="Report received" if outcome == "fulfilled" else None, waived_reason=None,
                responsible_email=None, created_at=activated, updated_at=activated, version=1,
            )  # fmt: skip
            self.event("obligation", oid, None, "open", "create", activated, owner)
            if outcome == "overdue":
                self.event(
                    "obligation", oid, "open", "overdue", "mark_overdue", _at(due + timedelta(days=1), rng), None
                )
            elif outcome == "fulfilled":
                self.event(
                    "obligation",
                    oid,
                    "open",
                    "fulfilled",
                    "fulfil",
                    max(_at(due - timedelta(days=2), rng), activated),
                    owner,
                )
            elif status == "active":
                for days in (14, 3):
                    self.reminder("obligation", oid, pid, "obligation_due", due, days, owner, owner_email)
        if status == "active":
            for days in (90, 60, 30, 7):
                self.reminder("agreement", aid, pid, "end_date", end, days, owner, owner_email)

    def reminder(self, subject, subject_id, pid, kind, due, days, user_id, email) -> None:
        send_day = due - timedelta(days=days)
        if send_day < self.today:
            return
        send_at = datetime.combine(send_day, time(8), tzinfo=get_settings().zone).astimezone(UTC)
        self.add(
            Reminder.__table__, dedupe_key=f"{subject}:{subject_id}:{kind}:{send_day}:{email}",
            series=f"{subject}:{subject_id}:{kind}:{email}", subject_type=subject, subject_id=subject_id,
            partnership_id=pid, kind=kind, due_on=due, offset_days=days, send_at=send_at, recipient_email=email,
            recipient_user_id=user_id, status="planned", attempts=0, next_attempt_at=None, claimed_by=None,
            claimed_at=None, last_error=None, cancel_reason=None, message_id=None, sent_at=None,
            created_at=self.now, updated_at=self.now, version=1,
        )  # fmt: skip
