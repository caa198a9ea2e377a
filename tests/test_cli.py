"""The command line: each command works, and bad input gives a message and a non-zero exit, never a traceback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app import clock, db, migrate
from app.cli import cli
from app.config import get_settings
from app.users.models import ApiToken, User
from tests.builders import SET_UP
from tests.support import clear_cached_settings


@pytest.fixture
def run() -> object:
    runner = CliRunner()

    def _run(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return _run


def _count(model: type) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_init_reports_revision(cli_database: str, run) -> None:
    result = run("init")
    assert result.exit_code == 0, result.output
    assert migrate.head_revision() in result.stdout


def test_users_and_tokens_lifecycle(cli_database: str, run) -> None:
    created = run(
        "users",
        "create",
        "--email",
        "Ada@Example.org",
        "--name",
        "Ada Lovelace",
        "--role",
        "legal_officer",
        "--role",
        "viewer",
    )
    assert created.exit_code == 0, created.output
    assert "ada@example.org" in created.stdout and "legal_officer" in created.stdout

    listed = run("users", "list", "--role", "legal_officer")
    assert "Ada Lovelace" in listed.stdout

    token = run("tokens", "create", "--email", "ada@example.org", "--name", "script")
    assert token.exit_code == 0, token.output
    secret = token.stdout.strip().splitlines()[-1]
    assert secret.startswith("agr_")
    with db.unit_of_work() as session:
        stored = session.scalars(select(ApiToken)).one()
        assert secret not in (stored.token_hash, stored.prefix, stored.name)

    assert secret not in run("tokens", "list").stdout
    revoked = run("tokens", "revoke", str(stored.id))
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout

    deactivated = run("users", "deactivate", "ada@example.org")
    assert deactivated.exit_code == 0
    with db.unit_of_work() as session:
        assert session.scalars(select(User)).one().is_active is False


def test_password_from_stdin_is_hashed(cli_database: str, run) -> None:
    result = run(
        "users",
        "create",
        "--email",
        "pm@example.org",
        "--name",
        "P M",
        "--role",
        "project_manager",
        "--password-stdin",
        input="correct horse battery staple\n",
    )
    assert result.exit_code == 0, result.output
    with db.unit_of_work() as session:
        user = session.scalars(select(User)).one()
        assert user.password_hash and "correct horse" not in user.password_hash


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "--email", "not-an-email", "--name", "X", "--role", "admin"], "email"),
        (["users", "create", "--email", "x@example.org", "--name", "X", "--role", "wizard"], "roles"),
        (["users", "create", "--email", "x@example.org", "--name", " ", "--role", "admin"], "full_name"),
        (["users", "list", "--role", "wizard"], "unknown role"),
        (["users", "deactivate", "nobody@example.org"], "no user"),
        (["tokens", "create", "--email", "nobody@example.org"], "no user"),
        (["tokens", "revoke", "4242"], "does not exist"),
    ],
)
def test_bad_input_is_a_message_and_nothing_is_written(cli_database: str, run, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert _count(User) == 0 and _count(ApiToken) == 0


def test_duplicate_user_is_refused(cli_database: str, run) -> None:
    args = ["users", "create", "--email", "x@example.org", "--name", "X", "--role", "admin"]
    assert run(*args).exit_code == 0
    again = run(*args)
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert _count(User) == 1


def test_wrong_arguments_exit_non_zero(run) -> None:
    assert run("no-such-command").exit_code == 2
    assert run("serve", "--port", "0").exit_code == 2
    assert run("tokens", "revoke", "abc").exit_code == 2


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("AGREEMENTS_TIMEZONE", "Mars/Olympus_Mons", "AGREEMENTS_TIMEZONE: unknown timezone"),
        ("AGREEMENTS_DATABASE_URL", "not a url", "AGREEMENTS_DATABASE_URL"),
        ("AGREEMENTS_DATABASE_URL", "mysql://x@localhost/db", "unsupported database"),
    ],
)
def test_bad_settings_stop_with_one_line(monkeypatch: pytest.MonkeyPatch, run, variable, value, message) -> None:
    monkeypatch.setenv(variable, value)
    clear_cached_settings()
    try:
        result = run("init")
    finally:
        monkeypatch.undo()
        clear_cached_settings()
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreachable_database_is_a_message(monkeypatch: pytest.MonkeyPatch, run) -> None:
    monkeypatch.setenv("AGREEMENTS_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    clear_cached_settings()
    try:
        result = run("users", "list")
    finally:
        monkeypatch.undo()
        clear_cached_settings()
    assert result.exit_code == 1
    assert "cannot use the database" in result.stderr


def test_tick_fires_what_is_due_and_says_so(cli_database: str, run) -> None:
    from app.users.schemas import UserCreate
    from app.users.service import create_user
    from tests.builders import advance, cast, draft_agreement

    emails = iter(range(100))
    with db.unit_of_work() as session:

        def make_user(*roles):
            email = f"tick{next(emails)}@example.org"
            return create_user(session, UserCreate(email=email, full_name="Tick", roles=list(roles)), actor=SET_UP)

        people = cast(make_user)
        effective = clock.today(get_settings().zone)
        agreement = draft_agreement(session, people, effective=effective)
        with clock.frozen_at(clock.now() - timedelta(days=10)):  # signed ten days before its effective date
            for step in ("submit_for_review", "approve", "record_signatures"):
                advance(session, agreement, step, people)
        agreement_id = agreement.id
    result = run("tick")
    assert result.exit_code == 0, result.output
    assert "1 automatic transition(s) fired" in result.stdout
    assert f"activate: 1 ({agreement_id})" in result.stdout
    again = run("tick")
    assert again.exit_code == 0 and "0 automatic transition(s) fired" in again.stdout


def test_a_broken_workflow_file_stops_the_server_with_its_line(cli_database: str, run, tmp_path, monkeypatch) -> None:
    from app.workflow import definition

    for name in ("partnership", "agreement"):
        text = (definition.WORKFLOWS_DIR / f"{name}.yaml").read_text(encoding="utf-8")
        (tmp_path / f"{name}.yaml").write_text(text.replace("roles: [legal_officer]", "roles: [lawyer]"))
    monkeypatch.setattr(definition, "WORKFLOWS_DIR", tmp_path)
    definition.get_workflow.cache_clear()
    try:
        result = run("serve", "--port", "1")
    finally:
        definition.get_workflow.cache_clear()
    assert result.exit_code == 2
    assert f"{tmp_path / 'agreement.yaml'}, line" in result.output
    assert "transition 'approve' names unknown role 'lawyer'" in result.output


def test_draft_writes_a_document_or_lists_what_is_missing(
    cli_database: str, run, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    import docx

    from app.partnerships.schemas import UndertakingCreate
    from app.partnerships.service import record_undertaking
    from app.users.models import Role
    from app.users.schemas import UserCreate
    from app.users.service import create_user
    from tests.builders import organisation, partnership

    with db.unit_of_work() as session:
        manager = create_user(
            session,
            UserCreate(email="drafter@example.org", full_name="Drafter", roles=[Role.PROJECT_MANAGER]),
            actor=SET_UP,
        )
        org = organisation(session, "Kituo Cha Sheria & <Partners>", contacts=[{"name": "Focal", "email": "f@k.org"}])
        created = partnership(session, manager, org, area_codes=["migrant_health"])
        created.parties[0].focal_point_id = org.contacts[0].id
        record_undertaking(
            session,
            created.id,
            UndertakingCreate(given_on="2026-01-10", given_by="The director", scope="Share referrals", form="verbal"),
            manager,
        )
        reference = created.reference
    target = tmp_path / "note.docx"
    result = run("draft", reference, "--template", "undertaking_record", "--format", "docx", "-o", str(target))
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(target.read_bytes())).paragraphs)
    assert "Kituo Cha Sheria & <Partners>" in text and "Share referrals" in text

    missing = run("draft", reference, "--template", "mou", "-o", str(tmp_path / "mou.docx"))
    assert missing.exit_code == 1
    assert "the purpose of the partnership is missing" in missing.output
    assert not (tmp_path / "mou.docx").exists()
    unknown = run("draft", "PA-1999-9999", "-o", str(tmp_path / "x.docx"))
    assert unknown.exit_code == 1 and "no partnership has the reference" in unknown.output
    bad_var = run("draft", reference, "--var", "oops", "-o", str(tmp_path / "x.docx"))
    assert bad_var.exit_code == 1 and "NAME=VALUE" in bad_var.output

    monkeypatch.chdir(tmp_path)
    for file_format in ("pdf", "html"):
        named = run("draft", reference, "--template", "undertaking_record", "--format", file_format)
        assert named.exit_code == 0, named.output
        expected = tmp_path / f"{reference}-undertaking_record.{file_format}"
        assert expected.exists() and f"wrote {expected.name} " in named.stdout
    assert expected.read_text(encoding="utf-8").count("Share referrals") >= 1
    assert not (tmp_path / "agreement.docx").exists()


def test_remind_dry_run_lists_what_would_go_out_and_reminders_can_be_managed(cli_database: str, run) -> None:
    from datetime import timedelta

    from app import clock
    from app.reminders.models import Reminder, ReminderKind, ReminderStatus

    with db.unit_of_work() as session:
        due, later = (
            Reminder(
                dedupe_key=f"cli:{days}",
                series=f"cli:{days}",
                subject_type="agreement",
                subject_id=1,
                kind=ReminderKind.END_DATE,
                due_on=clock.today(get_settings().zone) + timedelta(days=30),
                offset_days=days,
                send_at=clock.now() + timedelta(days=days - 30),
                recipient_email=f"someone{days}@example.org",
                status=ReminderStatus.PLANNED,
            )
            for days in (30, 37)
        )
        session.add_all([due, later])
        session.flush()
        due_id, later_id = due.id, later.id
    result = run("remind", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "someone30@example.org" in result.stdout and "someone37" not in result.stdout
    assert "1 reminder(s) would go out" in result.stdout
    week = run("remind", "--dry-run", "--days", "8")
    assert "2 reminder(s) would go out" in week.stdout

    cancelled = run("reminders", "cancel", str(later_id), "--reason", "Renewed already")
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.stdout
    again = run("reminders", "cancel", str(later_id), "--reason", "Twice")
    assert again.exit_code == 1 and "already cancelled" in again.output
    not_failed = run("reminders", "retry", str(due_id))
    assert not_failed.exit_code == 1 and "only a failed reminder can be retried" in not_failed.output
    listed = run("reminders", "list", "--status", "cancelled")
    assert listed.exit_code == 0 and "someone37@example.org" in listed.stdout and "1 reminder(s)" in listed.stdout
    bad = run("reminders", "list", "--status", "lost")
    assert bad.exit_code == 1 and "status" in bad.output


def test_a_bad_list_setting_stops_with_one_line(monkeypatch: pytest.MonkeyPatch, run) -> None:
    monkeypatch.setenv("AGREEMENTS_REMIND_END_DATE_DAYS", "30,seven")
    clear_cached_settings()
    try:
        result = run("init")
    finally:
        monkeypatch.undo()
        clear_cached_settings()
    assert result.exit_code == 2
    assert "AGREEMENTS_REMIND_END_DATE_DAYS" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def _fresh_sqlite(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("AGREEMENTS_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    clear_cached_settings()


@pytest.mark.parametrize("command", [("tick",), ("remind",), ("init",)])
def test_commands_are_quiet_about_migrations_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path, run, command):
    _fresh_sqlite(monkeypatch, tmp_path)
    try:
        result = run(*command)
    finally:
        monkeypatch.undo()
        clear_cached_settings()
    assert result.exit_code == 0, result.output
    assert "alembic" not in result.output and "Running upgrade" not in result.output, result.output


def test_verbose_shows_the_migrations(monkeypatch: pytest.MonkeyPatch, tmp_path, run) -> None:
    from app.cli.support import set_verbosity

    _fresh_sqlite(monkeypatch, tmp_path)
    try:
        result = run("-v", "init")
    finally:
        set_verbosity(False)
        monkeypatch.undo()
        clear_cached_settings()
    assert result.exit_code == 0, result.output
    assert "Running upgrade  -> 0001" in result.stderr


def test_remind_days_without_dry_run_sends_what_falls_due_within_the_days(cli_database: str, run) -> None:
    from datetime import timedelta

    from app import clock
    from app.reminders.models import Reminder, ReminderKind, ReminderStatus

    with db.unit_of_work() as session:
        soon, later = (
            Reminder(
                dedupe_key=f"ahead:{days}",
                series=f"ahead:{days}",
                subject_type="agreement",
                subject_id=1,
                kind=ReminderKind.END_DATE,
                due_on=clock.today(get_settings().zone) + timedelta(days=30),
                offset_days=30 - days,
                send_at=clock.now() + timedelta(days=days),
                recipient_email=f"ahead{days}@example.org",
                status=ReminderStatus.PLANNED,
            )
            for days in (5, 20)
        )
        session.add_all([soon, later])
        session.flush()
        soon_id, later_id = soon.id, later.id

    def attempts() -> dict[int, int]:
        with db.unit_of_work() as session:
            return {
                r.id: r.attempts for r in session.scalars(select(Reminder).where(Reminder.id.in_([soon_id, later_id])))
            }

    plain = run("remind")
    assert plain.exit_code == 0 and "sent 0, retrying 0, failed 0" in plain.stdout
    assert attempts() == {soon_id: 0, later_id: 0}

    ahead = run("remind", "--days", "7")
    assert ahead.exit_code == 0, ahead.output
    assert "due by" in ahead.stdout
    # The one due in 5 days was taken and tried now (its agreement does not exist here, so it is retried later).
    assert attempts() == {soon_id: 1, later_id: 0}


def test_users_set_password_reads_the_new_password_from_standard_input(cli_database: str, run) -> None:
    from app.users.service import find_user_by_email, verify_password

    assert run("users", "create", "--email", "fo@example.org", "--name", "Forgetful", "--role", "viewer").exit_code == 0
    result = run("users", "set-password", "FO@example.org", input="a-brand-new-passphrase\n")
    assert result.exit_code == 0, result.output
    assert "a-brand-new-passphrase" not in result.output
    with db.unit_of_work() as session:
        assert verify_password(find_user_by_email(session, "fo@example.org"), "a-brand-new-passphrase")

    short = run("users", "set-password", "fo@example.org", input="short\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.stderr and "Traceback" not in short.output
    unknown = run("users", "set-password", "nobody@example.org", input="a-brand-new-passphrase\n")
    assert unknown.exit_code == 1 and "no user with email" in unknown.stderr


def test_remind_warns_about_each_reminder_it_could_not_send(cli_database: str, run, monkeypatch) -> None:
    from app import clock
    from app.reminders.models import Reminder, ReminderKind
    from tests.reminders.smtp import free_port

    monkeypatch.setenv("AGREEMENTS_SMTP_PORT", str(free_port()))  # nothing listens there
    with db.unit_of_work() as session:
        reminder = Reminder(
            dedupe_key="cli:unsendable", series="cli:unsendable", subject_type="agreement", subject_id=987_654,
            kind=ReminderKind.END_DATE, due_on=clock.today(get_settings().zone), offset_days=0,
            send_at=clock.now(), recipient_email="someone@example.org",
        )  # fmt: skip
        session.add(reminder)
        session.flush()
        reminder_id = reminder.id
    result = run("remind")
    assert result.exit_code == 0, result.output
    assert "sent 0, retrying 1" in result.stdout
    assert f"warning: reminder {reminder_id} could not be sent: SubjectMissing" in result.stderr
    assert "1 reminder(s) could not be sent" in result.stderr
