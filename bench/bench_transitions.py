"""Benchmark: 10,000 transitions through the workflow engine vs the equivalent raw SQL, in the same run.

Usage: python bench/bench_transitions.py [--url DATABASE_URL] [--count 10000]
Prints the time per transition for both, their ratio (target: engine <= 3x raw SQL), and the memory per
loaded partnership (the engine keeps one shared machine per workflow, nothing per row).
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from app import migrate
from app.db import make_engine
from app.models import Organisation, Partnership, PartnershipParty, TransitionEvent, User
from app.rules import register_all
from app.workflow import engine as workflow
from app.workflow.actor import Actor

MANAGER = Actor(user_id=1, roles=frozenset({"project_manager"}), active=True, name="Bench")
"""A project manager, as the roles of go_dormant ask (the benchmark does not load users)."""


def _seed(session: Session, count: int) -> list[int]:
    now = datetime.now(UTC)
    user_id = session.execute(
        insert(User).values(email="bench@example.org", full_name="Bench", created_at=now).returning(User.id)
    ).scalar_one()
    org_id = session.execute(
        insert(Organisation)
        .values(
            legal_name="Bench Org", kind="national_cso", country_code="KE", created_at=now, updated_at=now, version=1
        )
        .returning(Organisation.id)
    ).scalar_one()
    rows = [
        {
            "reference": f"PA-BENCH-{n:06d}",
            "title": f"Bench {n}",
            "stage": "ad_hoc",
            "owner_id": user_id,
            "handles_personal_data": False,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for n in range(count)
    ]
    session.execute(insert(Partnership), rows)
    ids = list(session.scalars(select(Partnership.id).order_by(Partnership.id)))
    session.execute(
        insert(PartnershipParty),
        [{"partnership_id": i, "organisation_id": org_id, "role": "lead_partner"} for i in ids],
    )
    session.commit()
    return ids


def _engine_run(session: Session, ids: list[int], trigger: str) -> float:
    started = time.perf_counter()
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for partnership in session.scalars(select(Partnership).where(Partnership.id.in_(chunk))):
            workflow.fire(session, "partnership", partnership, trigger, MANAGER, "bench")
        session.commit()
    return time.perf_counter() - started


def _raw_run(session: Session, ids: list[int], source: str, dest: str, trigger: str) -> float:
    started = time.perf_counter()
    for chunk_start in range(0, len(ids), 500):
        for partnership_id in ids[chunk_start : chunk_start + 500]:
            version = session.execute(
                select(Partnership.version).where(Partnership.id == partnership_id, Partnership.stage == source)
            ).scalar_one()
            session.execute(
                update(Partnership.__table__)
                .where(Partnership.id == partnership_id, Partnership.version == version)
                .values(stage=dest, version=version + 1)
            )
            session.execute(
                insert(TransitionEvent.__table__).values(
                    entity_type="partnership",
                    entity_id=partnership_id,
                    from_state=source,
                    to_state=dest,
                    trigger=trigger,
                    occurred_at=datetime.now(UTC),
                    comment="bench",
                )
            )
        session.commit()
    return time.perf_counter() - started


def _memory_per_entity(session: Session, count: int) -> float:
    session.expunge_all()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loaded = list(session.scalars(select(Partnership).limit(count)))
    for partnership in loaded:  # what the engine touches: state and parties (for guards)
        workflow.available(session, "partnership", partnership, MANAGER)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / len(loaded)


def main() -> None:
    """Run the benchmark and print a table of figures."""
    register_all()  # as start-up does: every domain's workflow rules
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.url or f"sqlite:///{Path(directory) / 'bench.db'}"
        if url.startswith("postgresql"):
            reset = make_engine(url)
            with reset.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            reset.dispose()
        migrate.upgrade(url)
        db = make_engine(url)
        with Session(db, expire_on_commit=False) as session:
            ids = _seed(session, args.count)
            engine_seconds = _engine_run(session, ids, "go_dormant")  # ad_hoc -> dormant
            raw_seconds = _raw_run(session, ids, "dormant", "ad_hoc", "revive")  # dormant -> ad_hoc
            per_entity = _memory_per_entity(session, min(args.count, 5_000))
        db.dispose()
    print(f"backend: {make_engine(url).dialect.name}, transitions: {args.count}")
    print(f"{'measure':<34}{'value':>14}")
    print(f"{'engine, ms per transition':<34}{engine_seconds / args.count * 1000:>14.3f}")
    print(f"{'raw SQL, ms per transition':<34}{raw_seconds / args.count * 1000:>14.3f}")
    print(f"{'ratio engine / raw SQL':<34}{engine_seconds / raw_seconds:>14.2f}")
    print(f"{'memory per loaded partnership, KiB':<34}{per_entity / 1024:>14.2f}")


if __name__ == "__main__":
    main()
