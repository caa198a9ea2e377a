"""Test fixtures: a database migrated by Alembic, one rolled-back transaction per test, API clients on one
application shared by the run, and the ``e2e``, ``faults`` and ``slow`` markers (the fast lane leaves them out).

The backend is chosen by ``AGREEMENTS_TEST_DATABASE_URL``: unset means a fresh SQLite file; a PostgreSQL
URL means that database, whose ``public`` schema is dropped and rebuilt by the migrations. An unreachable
PostgreSQL fails the run; it never skips.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

import app.models  # noqa: E402, F401  (every mapper and the audit recorder)
from app import migrate  # noqa: E402
from app.api.app import create_app  # noqa: E402
from app.config import Settings, get_settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.rules import register_all  # noqa: E402
from app.users.models import User  # noqa: E402
from tests.support import savepoint_per_test, shared_transaction, token_maker, user_maker  # noqa: E402

ENV_URL = "AGREEMENTS_TEST_DATABASE_URL"
# Commands speak the tester's locale (LANG=fr_FR.UTF-8 → French); the tests expect English unless they ask.
os.environ["AGREEMENTS_LANGUAGE"] = "en"

register_all()  # as start-up does: every domain's workflow rules, before any workflow is loaded


def _reset_postgresql(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _worker_database(url: str, worker: str) -> str:
    """The database of one pytest-xdist worker beside the one given (``<name>_<worker>``), created if missing."""
    name = f"{make_url(url).database}_{worker}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if exists.first() is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of an empty test database (SQLite file, or the PostgreSQL database given; one per xdist worker)."""
    url = os.environ.get(ENV_URL) or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    if url.startswith("postgresql"):
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker:  # workers must not reset each other's schema
            url = _worker_database(url, worker)  # raises, and so fails the run, when PostgreSQL is unreachable
        _reset_postgresql(url)  # raises, and so fails the run, when PostgreSQL is unreachable
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Iterator[Settings]:
    """Application settings pointing at the test database."""
    previous = os.environ.get("AGREEMENTS_DATABASE_URL")
    os.environ["AGREEMENTS_DATABASE_URL"] = database_url
    get_settings.cache_clear()
    yield get_settings()
    if previous is None:
        os.environ.pop("AGREEMENTS_DATABASE_URL", None)
    else:
        os.environ["AGREEMENTS_DATABASE_URL"] = previous
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def engine(database_url: str, settings: Settings) -> Iterator[Engine]:
    """An engine on a schema built by ``alembic upgrade head``."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    _load_screening_list(engine)
    yield engine
    engine.dispose()


def _load_screening_list(engine: Engine) -> None:
    """Every test's database holds the fictional sanctions list: approving an agreement needs one (issue 21)."""
    from tests.builders import ensure_screening_list

    with Session(engine) as session:
        ensure_screening_list(session)
        session.commit()


@pytest.fixture
def connection(engine: Engine, request: pytest.FixtureRequest) -> Iterator[Connection]:
    """A connection whose outer transaction is rolled back after the test.

    In a module marked ``shared_rows``, the connection of the module's shared rows, in a savepoint rolled back
    after the test.
    """
    if request.node.get_closest_marker("shared_rows"):
        with savepoint_per_test(request.getfixturevalue("shared_rows")) as connection:
            yield connection
        return
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture(scope="module")
def shared_rows(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions for rows the tests of a ``shared_rows`` module share (see :func:`tests.support.built_once`)."""
    with shared_transaction(engine) as factory:
        yield factory


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions joined to the test's transaction; their commits become savepoints."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session inside the test's rolled-back transaction."""
    with session_factory() as session:
        yield session


class _RunningTestSessions:
    """The session factory of the shared application: it opens sessions in the running test's transaction."""

    def __init__(self) -> None:
        self.factory: sessionmaker[Session] | None = None

    def __call__(self, **options: object) -> Session:
        """A session from the running test's factory."""
        if self.factory is None:
            raise RuntimeError("the shared application is used outside a test's client fixture")
        return self.factory(**options)

    def __getattr__(self, name: str) -> object:
        return getattr(self.factory, name)


@pytest.fixture(scope="session")
def _shared_app(settings: Settings) -> tuple[FastAPI, _RunningTestSessions]:
    """One application for the whole run (building one per test costs time and keeps every route tree alive)."""
    sessions = _RunningTestSessions()
    return create_app(settings, sessions), sessions  # type: ignore[arg-type]  (a sessionmaker in all but name)


@pytest.fixture
def client(
    _shared_app: tuple[FastAPI, _RunningTestSessions], session_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    """An API client whose requests run in the test's transaction, on an application as fresh as a new one."""
    app, sessions = _shared_app
    sessions.factory = session_factory
    app.state.http_metrics.__init__()  # counters from zero, as in a new application
    app.openapi_schema = None  # the document lists vocabularies read from the database
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
    finally:
        sessions.factory = None


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    """Create a user with the given roles (committed to the test transaction)."""
    return user_maker(session)


@pytest.fixture
def auth(session: Session, make_user: Callable[..., User]) -> Callable[..., tuple[User, dict[str, str]]]:
    """A user with the given roles and the Authorization header of a fresh token of theirs."""
    return token_maker(session, make_user)


@pytest.fixture
def cli_database(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated scratch database that the CLI (and anything using the process-wide settings) is configured to use."""
    from tests.support import clear_cached_settings, migrated_scratch_database

    with migrated_scratch_database(database_url, tmp_path) as url:
        monkeypatch.setenv("AGREEMENTS_DATABASE_URL", url)
        clear_cached_settings()
        yield url
        clear_cached_settings()
    monkeypatch.undo()
    clear_cached_settings()


@pytest.fixture
def backend(engine: Engine) -> str:
    """The name of the database backend under test: ``sqlite`` or ``postgresql``."""
    return engine.dialect.name


ROOT = Path(__file__).resolve().parents[1]


SLOW: tuple[str, ...] = (
    "tests/api/test_garbage.py",  # every field, path, query and header of every endpoint: ~450 cases, ~90 s in all
    "tests/webhooks/test_race.py::test_two_dispatchers_at_once_deliver_each_message_exactly_once",  # 200 real POSTs
    "tests/security/test_fuzz.py",
    "tests/security/test_sign_in_race.py",
    "tests/test_demo.py",
    "tests/test_demo_credentials.py::test_the_demo_saves_its_credentials_and_names_the_file_last",
    "tests/test_demo_credentials.py::test_show_credentials_renews_them_prints_them_and_saves_them_for_the_user_only",
    "tests/test_serve.py",
    "tests/sso/test_sso_flow.py",  # starts the test OpenID provider (Node.js); whole sign-ins through it, ~1 s each
    "tests/agreements/test_seal_cli.py::test_the_demo_writes_a_self_signed_seal_beside_the_database",  # the demo
    "tests/agreements/test_seal_and_signing_api.py::test_parties_sign_by_api_and_the_signed_pdf_is_sealed_and_verified",
    "tests/web/test_party_signing_pages.py",  # every party signs through the pages, then the sealed PDF
    "tests/partnerships/test_list_plans.py",  # generates 20,000 partnerships on PostgreSQL to read the planner's plans
    "tests/reports/test_history_outputs.py",  # each test writes a four-month history through the engine (~2-3 s)
    "tests/i18n/test_cli_in_language.py::test_results_in_french_from_agreements_language",
    "tests/imports/test_report_in_language.py::test_the_import_report_in_french",  # the first import warms caches
    "tests/i18n/test_cli_in_language.py::test_results_and_errors_in_spanish_from_the_posix_locale",
    "tests/test_serve_startup.py",  # demo, then the real server polled for its first seconds
    "tests/deploy/test_graceful_shutdown.py",  # real serve and worker processes stopped by SIGTERM, real SMTP
    "tests/deploy/test_backup_restore.py::test_dump_drop_restore_gives_the_same_portfolio",  # generate, dump, restore
    "tests/agreements/test_existing_routes.py::test_a_digitally_signed_pdf_shows_its_signer_and_intact",
    "tests/agreements/test_existing_routes.py::test_a_legal_officer_uploads_a_docx_confirms_and_the_agreement_comes_into_force",
    "tests/agreements/test_routes.py::test_draft_an_agreement_through_the_api",
    "tests/api/test_problems.py::test_a_revoked_token_is_401",
    "tests/web/test_languages.py::test_a_french_partnership_and_organisation_read_in_french_with_french_dates",
    "tests/api/test_problems.py::test_an_unexpected_error_is_a_500_problem_that_hides_the_details",
    "tests/api/test_problems.py::test_unknown_routes_are_404_problems",
    "tests/drafting/test_drafting_api.py::test_a_generated_mou_reads_back_from_docx_and_pdf",
    "tests/drafting/test_drafting_api.py::test_hash_follows_the_text_and_approval_binds_to_it",
    "tests/drafting/test_outputs.py::test_pdf_has_reference_party_names_and_page_numbers",
    "tests/drafting/test_document_languages.py::test_pdf_in_french_and_spanish_holds_no_english_word",
    "tests/drafting/test_document_translations_api.py::test_a_bilingual_version_holds_both_texts_and_renders_them_one_after_the_other",
    "tests/exports/test_api.py::test_rows_read_in_several_batches_are_all_there_in_order",
    "tests/exports/test_api.py::test_the_file_comes_as_an_attachment_named_after_the_list_and_the_day",
    "tests/exports/test_api.py::test_xlsx_of_each_list_has_the_rows_a_bold_frozen_header_and_real_dates",
    "tests/exports/test_cli.py::test_bad_arguments_are_refused_with_a_message_and_exit_2",
    "tests/exports/test_cli.py::test_export_defaults_to_a_dated_file_in_the_current_folder",
    "tests/exports/test_cli.py::test_export_writes_the_filtered_list_to_the_file_named",
    "tests/exports/test_pages.py::test_bad_filters_and_unknown_lists_are_pages_in_words",
    "tests/exports/test_pages.py::test_the_organisation_directory_links_to_its_list_as_filtered",
    "tests/exports/test_pages.py::test_the_partnership_list_and_its_htmx_results_carry_the_search",
    "tests/imports/test_cli.py::test_a_clean_file_exits_0",
    "tests/imports/test_cli.py::test_differences_with_the_record_are_conflicts_until_update_applies_them",
    "tests/imports/test_cli.py::test_import_the_sample_then_again",
    "tests/imports/test_cli.py::test_month_first_decides_ambiguous_dates",
    "tests/imports/test_cli.py::test_the_single_admin_is_the_default_importer",
    "tests/imports/test_cli.py::test_totals_blank_lines_and_a_rejects_file_in_the_inputs_own_dialect",
    "tests/imports/test_cli.py::test_unusable_input_exits_2_naming_what_is_missing",
    "tests/imports/test_layout.py::test_files_in_natural_words_import",
    "tests/imports/test_normalise.py::test_no_single_typo_of_a_polar_phrase_reads_another_stage",
    "tests/imports/test_normalise.py::test_no_single_typo_of_a_status_phrase_reads_another_stage",
    "tests/imports/test_reimport.py::test_cli_exit_codes_for_conflicts_and_update",
    "tests/imports/test_rejects_file.py::test_a_fixed_rejects_file_imports_as_it_is",
    "tests/imports/test_rejects_file.py::test_an_xlsx_input_gives_a_utf8_csv_with_a_mark",
    "tests/imports/test_rejects_file.py::test_the_rejects_file_is_written_as_the_input_was",
    "tests/imports/test_rejects_file.py::test_the_summary_gives_every_figure",
    "tests/imports/test_routes.py::test_a_missing_run_is_a_404",
    "tests/imports/test_routes.py::test_import_the_sample_over_http",
    "tests/imports/test_sample.py::test_a_dry_run_reports_the_same_and_writes_nothing",
    "tests/imports/test_sample.py::test_an_interrupted_import_completes_on_a_second_run_without_doubles",
    "tests/monitoring/test_logs.py::test_serve_writes_json_lines_with_request_ids",
    "tests/monitoring/test_logs.py::test_sign_in_and_an_authenticated_request_log_json_without_secrets",
    "tests/monitoring/test_metrics.py::test_a_non_admin_token_is_refused",
    "tests/monitoring/test_metrics.py::test_the_metrics_token_opens_the_metrics",
    "tests/monitoring/test_readyz.py::test_not_ready_on_a_schema_behind_the_code",
    "tests/partnerships/test_routes.py::test_update_replaces_parties_and_changes_the_etag",
    "tests/quality/test_agreement_dates.py::test_it_applies_to_formal_partnerships_only_and_is_counted_in_the_summary",
    "tests/quality/test_api.py::test_one_record_s_checks",
    "tests/quality/test_api.py::test_records_to_fix_filters_sorts_and_pages",
    "tests/quality/test_api.py::test_the_api_uses_the_clock_for_staleness",
    "tests/quality/test_cli.py::test_quality_prints_the_summary_and_the_records_to_fix",
    "tests/quality/test_page.py::test_the_list_pages",
    "tests/reminders/test_dispatcher.py::test_a_dispatcher_killed_mid_batch_loses_nothing_and_doubles_at_most_the_message_in_flight",
    "tests/reminders/test_dispatcher.py::test_concurrent_claims_are_disjoint_on_this_backend",
    "tests/reminders/test_dispatcher.py::test_two_dispatchers_at_once_deliver_each_of_a_thousand_reminders_exactly_once",
    "tests/reports/test_outputs.py::test_cli_text_json_and_pdf",
    "tests/reports/test_outputs.py::test_page_for_a_viewer_has_tables_charts_links_and_the_pdf",
    "tests/reports/test_outputs.py::test_pdf_holds_the_headings_and_the_figures",
    "tests/reports/test_languages.py::test_the_pdf_and_the_text_in_french_and_spanish_hold_no_english_and_no_codes",
    "tests/security/test_api_contract.py::test_a_405_names_in_allow_exactly_the_methods_documented_for_the_path",
    "tests/security/test_api_contract.py::test_a_change_documents_which_fields_may_be_cleared_and_refuses_null_for_the_others",
    "tests/security/test_api_contract.py::test_a_created_resource_is_linked_to_what_can_be_done_with_it",
    "tests/security/test_api_contract.py::test_a_date_in_the_query_given_as_a_number_is_refused",
    "tests/security/test_api_contract.py::test_headers_and_optional_parameters_are_described_as_they_are_sent",
    "tests/security/test_api_contract.py::test_sort_keys_and_vocabularies_are_enums_in_the_schema",
    "tests/security/test_headers.py::test_every_response_says_nosniff",
    "tests/security/test_rendering_bounds.py::test_a_comparison_that_takes_too_long_is_stopped",
    "tests/security/test_rendering_bounds.py::test_the_server_stays_responsive_while_a_template_runs_away",
    "tests/security/test_role_matrix.py::test_each_role_gets_what_the_policy_allows",
    "tests/security/test_role_matrix.py::test_no_token_is_a_401_challenge",
    "tests/security/test_role_matrix.py::test_the_matrix_covers_every_route",
    "tests/security/test_role_matrix.py::test_workflow_roles_are_enforced_over_the_policy",
    "tests/security/test_sign_in_attacks.py::test_administrators_hear_of_a_burst_once_per_window",
    "tests/security/test_sign_in_attacks.py::test_an_alert_that_could_not_be_sent_shows_on_the_admins_dashboard_as_what_it_is",
    "tests/security/test_sign_in_attacks.py::test_every_failure_costs_one_argon2_check_and_reads_the_same",
    "tests/security/test_sign_in_attacks.py::test_fifty_failures_from_elsewhere_hold_the_user_back_at_most_the_account_cap",
    "tests/security/test_sign_in_attacks.py::test_from_an_address_used_lately_the_user_gets_in_while_the_attack_goes_on",
    "tests/security/test_sign_in_attacks.py::test_the_alert_names_an_existing_account",
    "tests/security/test_sign_in_attacks.py::test_the_page_says_how_long_to_wait_and_that_nothing_is_locked",
    "tests/security/test_sign_in_attacks.py::test_waits_double_from_one_address_up_to_the_cap_and_are_forgotten_later",
    "tests/security/test_sign_in_attacks.py::test_what_was_typed_as_the_email_is_neither_kept_nor_logged_nor_sent",
    "tests/security/test_sign_in_attacks.py::test_x_forwarded_for_from_a_trusted_proxy_names_the_nearest_untrusted_client",
    "tests/security/test_sign_in_attacks.py::test_x_forwarded_for_from_an_untrusted_loopback_peer_does_not_escape_the_limit",
    "tests/test_cli.py::test_init_reports_revision",
    "tests/test_cli.py::test_users_and_tokens_lifecycle",
    "tests/test_cli.py::test_users_set_password_reads_the_new_password_from_standard_input",
    "tests/test_concurrency.py::test_over_http_a_retry_racing_the_original_is_answered_once",
    "tests/test_concurrency.py::test_over_http_exactly_one_of_two_conflicting_transitions_wins",
    "tests/test_generate_cli.py::test_refuses_real_partnerships_even_with_append",
    "tests/test_migrations.py::test_upgrade_check_downgrade_upgrade",
    "tests/users/test_accounts_api.py::test_sign_in_with_a_password_is_rate_limited",
    "tests/users/test_service.py::test_passwords_are_hashed_with_argon2_and_verified",
    "tests/web/test_agreement_pages.py::test_a_draft_goes_through_review_approval_and_signature_on_the_pages",
    "tests/web/test_agreement_pages.py::test_a_failed_preflight_lists_every_problem_keeps_the_form_and_writes_nothing",
    "tests/web/test_agreement_pages.py::test_an_admin_may_shorten_the_notice_with_a_justification",
    "tests/web/test_agreement_pages.py::test_versions_download_as_real_word_and_pdf_files",
    "tests/web/test_dashboard.py::test_agreements_fall_in_the_window_of_their_end_date",
    "tests/web/test_existing_agreement_pages.py::test_a_signed_pdf_review_shows_the_signer_and_intact",
    "tests/web/test_page_security.py::test_a_stranger_is_sent_to_sign_in",
    "tests/web/test_sign_in.py::test_next_never_leaves_the_site",
    "tests/workflow/test_diagram.py::test_svg_bytes_do_not_depend_on_hash_seeds",
    "tests/workflow/test_diagram.py::test_the_api_serves_the_svg_drawing_and_refuses_unknown_formats",
    # two casts, agreements signed and extended through the workflow, then fetched over HTTP
    "tests/calendars/test_subscription_feed.py::test_an_extension_moves_the_event_and_a_termination_removes_it",
    "tests/calendars/test_subscription_feed.py::test_another_users_deadlines_are_not_in_the_feed",
    "tests/calendars/test_feeds.py::test_staff_download_the_partnership_feed",
)
"""Tests that take more than about two seconds each (measured, see docs/test-durations.txt), as node ids from the
repository root without parameters: a module (``tests/x.py``), a class or a test function (``tests/x.py::test``).
They carry the ``slow`` marker; everything under tests/e2e and tests/faults carries ``e2e`` and ``faults``."""

_DIRECTORY_MARKERS = {"e2e": pytest.mark.e2e, "faults": pytest.mark.faults}


def is_declared_slow(node_id: str) -> bool:
    """Whether the test with this node id is in SLOW (as its module, its class or itself)."""
    name = node_id.split("[", 1)[0]
    return any(name == entry or name.startswith(f"{entry}::") for entry in SLOW)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything alive after collection (modules, test items) out of the cyclic garbage collector's sight.

    Those objects live to the end of the run anyway; without this every full collection walks them again, and
    the collections make up a noticeable share of the suite's time.
    """
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)  # before -m selects by these markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test ``e2e``, ``faults`` or ``slow`` from where it lives, so that the fast lane can leave them out."""
    tests_root = Path(__file__).resolve().parent
    for item in items:
        relative = item.path.resolve().relative_to(tests_root)
        marker = _DIRECTORY_MARKERS.get(relative.parts[0]) if len(relative.parts) > 1 else None
        if marker is not None:
            item.add_marker(marker)
        if is_declared_slow(item.nodeid):  # relative to the rootdir, the repository root (pyproject.toml)
            item.add_marker(pytest.mark.slow)
    _refuse_stale_slow_entries(items)
    if not os.environ.get(ENV_URL, "").startswith("postgresql"):  # the SQLite pass leaves them out, not skipped
        kept = [item for item in items if item.get_closest_marker("postgresql_only") is None]
        if len(kept) != len(items):
            config.hook.pytest_deselected(items=[item for item in items if item not in kept])
            items[:] = kept


def _refuse_stale_slow_entries(items: list[pytest.Item]) -> None:
    """Fail the run when SLOW names a module that is gone, or a test no longer in its (collected) module."""
    collected_modules = {item.nodeid.split("::", 1)[0] for item in items}
    names = {item.nodeid.split("[", 1)[0] for item in items}
    for entry in SLOW:
        module = entry.split("::", 1)[0]
        if not (ROOT / module).is_file():
            raise pytest.UsageError(f"tests/conftest.py SLOW names {entry}, whose module does not exist")
        if module in collected_modules and not any(n == entry or n.startswith(f"{entry}::") for n in names):
            raise pytest.UsageError(f"tests/conftest.py SLOW names {entry}, which is not a test any more")
