"""Every agreement has a human reference, unique, numbered per kind and year (or per parent), shown everywhere."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from app import clock, migrate
from app.agreements.models import Agreement, AgreementKind
from app.agreements.naming import agreement_file_name
from app.config import get_settings
from app.db import make_engine, unit_of_work
from app.models import Base
from app.reminders.email import load_context, render_bodies
from app.reminders.models import Reminder, ReminderKind
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from app.workflow.definition import get_workflow
from tests.builders import SET_UP, cast, draft_agreement, formalising_partnership
from tests.support import scratch_database

API = "/api/v1"


def _child(session: Session, parent: Agreement, kind: AgreementKind) -> Agreement:
    """An agreement that modifies ``parent``, inserted as any code path would (the reference comes at insert)."""
    child = Agreement(
        partnership_id=parent.partnership_id,
        parent_id=parent.id,
        kind=kind,
        title=f"{kind.value} of {parent.title}",
        status=get_workflow("agreement").initial,
    )
    session.add(child)
    session.flush()
    return child


def test_an_mou_is_numbered_per_kind_and_year_and_its_extensions_after_it(session, make_user):
    people = cast(make_user)
    owner = formalising_partnership(session, people)
    year = clock.today(get_settings().zone).year
    first = draft_agreement(session, people, owner, complete=False)
    second = draft_agreement(session, people, owner, complete=False)
    match = re.fullmatch(rf"MOU-{year}-(\d{{4}})", first.reference)
    assert match, first.reference
    assert second.reference == f"MOU-{year}-{int(match[1]) + 1:04d}"

    extensions = [_child(session, first, AgreementKind.EXTENSION) for _ in range(2)]
    amendment = _child(session, first, AgreementKind.AMENDMENT)
    assert [e.reference for e in extensions] == [f"{first.reference}-EXT1", f"{first.reference}-EXT2"]
    assert amendment.reference == f"{first.reference}-AMD1"
    assert _child(session, extensions[0], AgreementKind.AMENDMENT).reference == f"{first.reference}-EXT1-AMD1"


def test_file_names_differ_between_an_mou_and_its_extension(session, make_user):
    people = cast(make_user)
    mou = draft_agreement(session, people, complete=False)
    extension = _child(session, mou, AgreementKind.EXTENSION)
    assert agreement_file_name(mou, "pdf") == f"{mou.reference}.pdf"
    assert agreement_file_name(extension, ".docx", version=2) == f"{mou.reference}-EXT1-v2.docx"
    assert agreement_file_name(mou, "docx") != agreement_file_name(extension, "docx")


def test_the_api_pages_documents_and_downloads_carry_the_reference(session, make_user, client, auth):
    people = cast(make_user)
    mou = draft_agreement(session, people)
    extension = _child(session, mou, AgreementKind.EXTENSION)
    session.commit()
    _, headers = auth(Role.VIEWER)
    assert client.get(f"{API}/agreements/{mou.id}", headers=headers).json()["reference"] == mou.reference
    download = client.get(f"{API}/agreements/{mou.id}/versions/1/document?format=docx", headers=headers)
    assert download.status_code == 200
    assert f'filename="{mou.reference}-v1.docx"' in download.headers["content-disposition"]
    html = client.get(f"{API}/agreements/{mou.id}/versions/1/document?format=html", headers=headers).text
    assert mou.reference in html
    assert extension.reference == f"{mou.reference}-EXT1"


def test_reminder_emails_name_the_agreement_by_its_reference(session, make_user):
    people = cast(make_user)
    mou = draft_agreement(session, people, complete=False)
    today = clock.today(get_settings().zone)
    reminder = Reminder(kind=ReminderKind.END_DATE, subject_type="agreement", subject_id=mou.id, due_on=today)
    context = load_context(session, reminder)
    plain, html = render_bodies(reminder, context, today, get_settings())
    assert mou.reference in plain and mou.reference in html


@pytest.fixture
def live(database_url, settings, tmp_path) -> Iterator[sessionmaker[Session]]:
    """A session factory on a migrated database of this test's own (committed data, several connections)."""
    with scratch_database(database_url, tmp_path) as url:
        migrate.upgrade(url)
        bound = make_engine(url)
        yield sessionmaker(bind=bound, expire_on_commit=False)
        bound.dispose()


def test_concurrent_creations_never_share_a_reference(live):
    counter = iter(range(100))
    with unit_of_work(live) as session:

        def make_user(*roles):
            email = f"ref{next(counter)}@example.org"
            return create_user(session, UserCreate(email=email, full_name="Ref", roles=list(roles)), actor=SET_UP)

        people = cast(make_user)
        owner = formalising_partnership(session, people)
        owner_id = owner.id
    made: list[str] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            for _ in range(5):
                with unit_of_work(live) as session:
                    agreement = Agreement(
                        partnership_id=owner_id, kind=AgreementKind.MOU, title="Concurrent", status="draft"
                    )
                    session.add(agreement)
                    session.flush()
                    made.append(agreement.reference)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and len(made) == 20 and len(set(made)) == 20


def _row_counts(session: Session) -> dict[str, int]:
    # The report's running counts are changes added up; a migration that rebuilds them writes one row per count.
    tables = [table.name for table in Base.metadata.sorted_tables if table.name != "report_tallies"]
    return {name: session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in tables}


def test_the_migration_numbers_existing_agreements(live, database_url):
    with unit_of_work(live) as session:
        url = str(session.get_bind().url.render_as_string(hide_password=False))
        counter = iter(range(100))

        def make_user(*roles):
            email = f"mig{next(counter)}@example.org"
            return create_user(session, UserCreate(email=email, full_name="Mig", roles=list(roles)), actor=SET_UP)

        people = cast(make_user)
        mou = draft_agreement(session, people, complete=False)
        _child(session, mou, AgreementKind.EXTENSION)
        draft_agreement(session, people, complete=False)
        counts = _row_counts(session)
    live.kw["bind"].dispose()
    migrate.downgrade(url, "0018")
    migrate.upgrade(url)
    with unit_of_work(live, write=False) as session:  # rebuilding a table on SQLite deletes through no reference
        assert _row_counts(session) == counts
    with unit_of_work(live, write=False) as session:
        rows = session.execute(select(Agreement.id, Agreement.reference).order_by(Agreement.id)).all()
        year = session.execute(text("SELECT created_at FROM agreements ORDER BY id")).scalars().first()
    year = year.year if hasattr(year, "year") else int(str(year)[:4])
    assert [reference for _, reference in rows] == [f"MOU-{year}-0001", f"MOU-{year}-0001-EXT1", f"MOU-{year}-0002"]
    with unit_of_work(live) as session:  # the series go on after the backfilled numbers
        again = Agreement(partnership_id=mou.partnership_id, kind=AgreementKind.MOU, title="Next", status="draft")
        session.add(again)
        session.flush()
        if year == clock.today(get_settings().zone).year:
            assert again.reference == f"MOU-{year}-0003"
