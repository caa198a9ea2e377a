"""Data for bench_api.py: a throw-away PostgreSQL database, 100,000 partnerships by set-based SQL, an admin
token, and the exact SQL the application runs for a request (captured in-process) with its EXPLAIN ANALYZE.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from app.db import make_engine, unit_of_work
from app.organisations.models import OrganisationKind
from app.partnerships.models import PartyRole, UndertakingForm
from app.workflow.actor import Actor

# (country, region): KE carries the filtered scenarios; the others make it selective (about 1 in 24 parties).
COUNTRIES = [
    ("KE", "East Africa"), ("UG", "East Africa"), ("TZ", "East Africa"), ("ET", "East Africa"),
    ("SO", "East Africa"), ("RW", "East Africa"), ("NG", "West Africa"), ("GH", "West Africa"),
    ("SN", "West Africa"), ("ML", "West Africa"), ("NE", "West Africa"), ("EG", "North Africa"),
    ("MA", "North Africa"), ("TN", "North Africa"), ("ZA", "Southern Africa"), ("MZ", "Southern Africa"),
    ("FR", "Europe"), ("DE", "Europe"), ("IT", "Europe"), ("CH", "Europe"), ("BR", "Latin America"),
    ("CO", "Latin America"), ("BD", "Asia"), ("PH", "Asia"),
]  # fmt: skip
TOPICS = [
    "water", "health", "education", "trafficking", "labour", "return", "research", "policy",
    "resettlement", "awareness", "rights", "community",
]  # fmt: skip
# Stage by id % 20: half ad hoc, 35% informal, 10% dormant, 5% closed.
STAGE_CASE = (
    "CASE WHEN g % 20 < 10 THEN 'ad_hoc' WHEN g % 20 < 17 THEN 'informal' "
    "WHEN g % 20 < 19 THEN 'dormant' ELSE 'closed' END"
)


def _array(values: list[str]) -> str:
    """A PostgreSQL text[] literal of constants defined in this module (no user input)."""
    return "ARRAY[" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + "]::text[]"


def server_url(base_url: str, database: str) -> str:
    """``base_url`` (a PostgreSQL server URL) aimed at ``database``."""
    return make_url(base_url).set(database=database).render_as_string(hide_password=False)


def create_database(base_url: str) -> str:
    """Create a new empty database ``bench_api_<random>``; returns its name."""
    name = f"bench_api_{secrets.token_hex(4)}"
    admin = make_engine(server_url(base_url, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return name


def drop_database(base_url: str, name: str) -> None:
    """Drop the database, disconnecting anyone still attached."""
    admin = make_engine(server_url(base_url, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def seed_statements(partnerships: int, organisations: int, year: int) -> list[tuple[str, str]]:
    """(label, SQL) in order; every table is filled by one ``INSERT … SELECT`` over ``generate_series``."""
    countries = _array([code for code, _ in COUNTRIES])
    regions = _array([region for _, region in COUNTRIES])
    kinds = _array([kind.value for kind in OrganisationKind])
    topics = _array(TOPICS)
    forms = _array([form.value for form in UndertakingForm])
    nc, nk, nt = len(COUNTRIES), len(OrganisationKind), len(TOPICS)
    assert organisations >= 300, "party offsets below need at least 300 organisations to stay distinct"
    assert PartyRole.LEAD_PARTNER.value == "lead_partner"
    return [
        (
            "users",
            """INSERT INTO users (email, full_name, is_active, created_at)
               SELECT 'pm' || g || '@bench.example.org', 'Project Manager ' || g, true, now()
               FROM generate_series(1, 20) g;
               INSERT INTO user_roles (user_id, role)
               SELECT id, 'project_manager' FROM users WHERE email ~ '^pm[0-9]+@bench\\.example\\.org$'""",
        ),
        (
            "organisations",
            f"""INSERT INTO organisations (legal_name, short_name, kind, country_code, region, website, email,
                                           created_at, updated_at, version)
                SELECT 'Organisation ' || lpad(g::text, 6, '0') || ' for ' || ({topics})[1 + g % {nt}],
                       'ORG' || g, ({kinds})[1 + g % {nk}], ({countries})[1 + (g * 7) % {nc}],
                       ({regions})[1 + (g * 7) % {nc}], 'https://org' || g || '.example.org',
                       'office@org' || g || '.example.org', ts, ts, 1
                FROM generate_series(1, {organisations}) g,
                     LATERAL (SELECT now() - make_interval(days => g % 2000)) AS t(ts)""",
        ),
        (
            "partnerships",
            f"""WITH owners AS (
                    SELECT array_agg(user_id ORDER BY user_id) AS ids FROM user_roles WHERE role = 'project_manager'
                )
                INSERT INTO partnerships (reference, title, objectives, stage, owner_id, handles_personal_data,
                                          created_at, updated_at, version)
                SELECT 'PA-{year}-' || lpad(g::text, 6, '0'),
                       'Partnership ' || g || ' on ' || ({topics})[1 + (g / 7) % {nt}] || ' and '
                           || ({topics})[1 + (g / 3) % {nt}],
                       CASE WHEN g % 4 = 0 THEN 'Joint activities number ' || g END,
                       {STAGE_CASE}, owners.ids[1 + g % array_length(owners.ids, 1)], g % 7 = 0, ts, ts, 1
                FROM generate_series(1, {partnerships}) g CROSS JOIN owners,
                     LATERAL (SELECT now() - make_interval(secs => (g::bigint * 7919) % 94608000)) AS t(ts)""",
        ),
        (
            "partnership_parties",
            f"""WITH base AS (SELECT min(id) AS org FROM organisations)
                INSERT INTO partnership_parties (partnership_id, organisation_id, role)
                SELECT p.id, base.org + (p.id * 31) % {organisations}, 'lead_partner'
                FROM partnerships p CROSS JOIN base
                UNION ALL
                SELECT p.id, base.org + (p.id * 31 + 1 + p.id % 97) % {organisations}, 'co_partner'
                FROM partnerships p CROSS JOIN base WHERE p.id % 2 = 0
                UNION ALL
                SELECT p.id, base.org + (p.id * 31 + 200 + p.id % 97) % {organisations}, 'implementing_partner'
                FROM partnerships p CROSS JOIN base WHERE p.id % 5 = 0""",
        ),
        (
            "partnership_areas",
            """WITH areas AS (SELECT array_agg(id ORDER BY id) AS ids, count(*)::int AS n FROM areas_of_engagement)
               INSERT INTO partnership_areas (partnership_id, area_id)
               SELECT p.id, areas.ids[1 + p.id % areas.n] FROM partnerships p CROSS JOIN areas
               UNION ALL
               SELECT p.id, areas.ids[1 + (p.id + 1 + (p.id / 12) % (areas.n - 1)) % areas.n]
               FROM partnerships p CROSS JOIN areas WHERE p.id % 3 = 0""",
        ),
        (
            "undertakings",
            f"""INSERT INTO undertakings (partnership_id, given_on, given_by, organisation_id, scope, form,
                                          recorded_by_id, created_at)
                SELECT p.id, (p.created_at + interval '1 hour')::date, 'Director of the partner',
                       pp.organisation_id, 'Agreed in principle to work together on ' || p.title,
                       ({forms})[1 + p.id % {len(UndertakingForm)}], p.owner_id, p.created_at + interval '1 hour'
                FROM partnerships p
                JOIN partnership_parties pp ON pp.partnership_id = p.id AND pp.role = 'lead_partner'
                WHERE p.stage = 'informal'""",
        ),
        (
            "transition_events",
            """INSERT INTO transition_events (entity_type, entity_id, from_state, to_state, trigger, actor_id,
                                              occurred_at, comment)
               SELECT 'partnership', id, NULL, 'ad_hoc', 'create', owner_id, created_at, NULL FROM partnerships
               UNION ALL
               SELECT 'partnership', id, 'ad_hoc', 'informal', 'record_undertaking', owner_id,
                      created_at + interval '1 hour', 'Undertaking recorded'
               FROM partnerships WHERE stage = 'informal'
               UNION ALL
               SELECT 'partnership', id, 'ad_hoc', 'dormant', 'go_dormant', owner_id,
                      created_at + interval '2 hours', 'No activity'
               FROM partnerships WHERE stage IN ('dormant', 'closed')
               UNION ALL
               SELECT 'partnership', id, 'dormant', 'closed', 'close', owner_id, created_at + interval '3 hours',
                      'Archived' FROM partnerships WHERE stage = 'closed'""",
        ),
        (
            "reference_counters",
            f"""INSERT INTO reference_counters (series, last_value) VALUES ('PA-{year}', {partnerships})
                ON CONFLICT (series) DO UPDATE SET last_value = EXCLUDED.last_value""",
        ),
    ]


def seed(url: str, partnerships: int, organisations: int, log: Callable[[str], None]) -> dict[str, float]:
    """Fill the migrated database; returns seconds per step (the last one is VACUUM ANALYZE)."""
    year = datetime.now(UTC).year
    timings: dict[str, float] = {}
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            cursor = connection.connection.dbapi_connection.cursor()  # no parameters: '%' is the modulo operator
            for label, sql in seed_statements(partnerships, organisations, year):
                started = time.perf_counter()
                cursor.execute(sql)
                timings[label] = time.perf_counter() - started
                log(f"  seeded {label:<20} {timings[label]:6.2f} s")
        started = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - started
    finally:
        engine.dispose()
    return timings


def admin_token(url: str) -> str:
    """Create an admin user through the application's services and return a new API token for them."""
    from sqlalchemy.orm import sessionmaker

    from app.users.models import Role
    from app.users.schemas import UserCreate
    from app.users.service import create_token, create_user

    engine = make_engine(url)
    try:
        with unit_of_work(sessionmaker(bind=engine, expire_on_commit=False)) as session:
            user = create_user(
                session,
                UserCreate(email="bench-admin@example.org", full_name="Bench Admin", roles=[Role.ADMIN]),
                actor=Actor.system(reason="benchmark set-up"),
            )
            _, secret = create_token(session, user, "bench_api", expires_in_days=1)
    finally:
        engine.dispose()
    return secret


def scalar(url: str, sql: str) -> Any:
    """One value from a query (for the facts printed around the figures)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql(sql).scalar()
    finally:
        engine.dispose()


def capture_sql(url: str, token: str, requests: list[tuple[str, str, str, Any]]) -> dict[str, list[tuple[str, Any]]]:
    """Run each (name, method, path, body) once through the real application in-process; keep its SQL."""
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import sessionmaker

    from app.api.app import create_app
    from app.config import load_settings

    engine = make_engine(url)
    seen: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    captured: dict[str, list[tuple[str, Any]]] = {}
    try:
        settings = load_settings(database_url=url, scheduler_enabled=False)
        application = create_app(settings, sessionmaker(bind=engine, expire_on_commit=False))
        with TestClient(application, headers={"Authorization": f"Bearer {token}"}) as client:
            for name, method, path, body in requests:
                seen.clear()
                response = client.request(method, path, json=body)
                if response.status_code >= 400:
                    raise RuntimeError(f"{name}: {method} {path} -> {response.status_code} {response.text[:300]}")
                captured[name] = [item for item in seen if item[0].strip().upper() != "SELECT 1"]
    finally:
        engine.dispose()
    return captured


def explain(url: str, statement: str, parameters: Any) -> tuple[float, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of one captured SELECT: (execution ms, plan text)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
            connection.rollback()
    finally:
        engine.dispose()
    ms = next((float(row.split(":")[1].split()[0]) for row in rows if row.startswith("Execution Time")), 0.0)
    return ms, "\n".join(rows)
