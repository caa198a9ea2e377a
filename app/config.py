"""Settings read from the environment (prefix ``AGREEMENTS_``) or a ``.env`` file.

Size: one declaration per setting, each with its description (docs/deployment.md is generated from them).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///agreements.db"

# A list read from the environment is given as ``30,7`` or as JSON (``[30, 7]``); NoDecode stops pydantic-settings
# from insisting on JSON (a traceback otherwise) so that ``_split_list`` below reads both forms.
IntList = Annotated[list[int], NoDecode]
StrList = Annotated[list[str], NoDecode]
LIST_FIELDS = ("remind_end_date_days", "remind_notice_days", "remind_obligation_days", "remind_cc", "trusted_proxies")


def split_list_setting(value: object) -> object:
    """A list setting's text as a list: JSON when it starts with ``[``, otherwise comma-separated items."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith(("[", "{", '"')):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError("not a valid JSON list; give e.g. 30,7 or [30, 7]") from None
        if not isinstance(parsed, list):
            raise ValueError("not a list; give e.g. 30,7 or [30, 7]")
        return parsed
    return [item.strip() for item in text.split(",") if item.strip()]


ROLE_NAMES = ("admin", "legal_officer", "project_manager", "viewer")


def parse_role_map(text: str) -> dict[str, str]:
    """The group → role mapping of ``AGREEMENTS_OIDC_ROLE_MAP``: ``group=role,group=role`` or a JSON object."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            pairs = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError('not a valid JSON object; give e.g. {"legal": "legal_officer"}') from None
        if not all(isinstance(key, str) and isinstance(value, str) for key, value in pairs.items()):
            raise ValueError("each group and role must be a string")
        items = list(pairs.items())
    else:
        items = []
        for item in (part.strip() for part in text.split(",")):
            group, sep, role = item.rpartition("=")
            if not sep or not group.strip() or not role.strip():
                raise ValueError(f"{item!r} is not group=role; give e.g. legal=legal_officer,pm=project_manager")
            items.append((group.strip(), role.strip()))
    for group, role in items:
        if role not in ROLE_NAMES:
            raise ValueError(f"unknown role {role!r} for group {group!r}; use one of {', '.join(ROLE_NAMES)}")
    return dict(items)


class ConfigError(Exception):
    """A setting has a value the application cannot start with; the message is one line."""


class Settings(BaseSettings):
    """Everything the application can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="AGREEMENTS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL; an SQLite file in the working directory by default.",
    )
    organisation_name: str = Field(
        "The Organisation",
        min_length=1,
        max_length=200,
        description="The organisation's name, used in documents and emails.",
    )
    timezone: str = Field("UTC", description="IANA timezone of the organisation, e.g. Europe/Zurich.")
    base_url: str = Field("http://127.0.0.1:8000", description="Public address used in links in emails.")

    db_pool_size: int = Field(
        5, ge=1, le=200, description="PostgreSQL connections each process keeps open (SQLAlchemy pool size)."
    )
    db_max_overflow: int = Field(
        10, ge=0, le=500, description="Extra PostgreSQL connections a process may open in a burst, closed after."
    )
    db_pool_timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="How long a request waits for a free connection before failing."
    )

    smtp_host: str = Field("127.0.0.1", description="SMTP server that sends the reminders.")
    smtp_port: int = Field(25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_security: Literal["none", "starttls", "ssl"] = Field(
        "none",
        description="starttls upgrades a plain connection (usually port 587); ssl is TLS from the start (465).",
    )
    smtp_username: str | None = Field(None, description="SMTP login name; unset, no login.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password (never logged nor printed).")
    smtp_sender: str = Field("agreements@localhost", description="From address of the reminders.")
    smtp_timeout_seconds: float = Field(30.0, gt=0, le=600, description="Timeout of every SMTP operation.")

    remind_end_date_days: IntList = Field(
        [90, 60, 30, 7], description="Days before an end date to remind, comma-separated (90,60,30,7) or JSON."
    )
    remind_notice_days: IntList = Field([30, 7], description="Days before the notice deadline to remind.")
    remind_obligation_days: IntList = Field([14, 3], description="Days before an obligation falls due.")
    remind_on_overdue: bool = Field(True, description="Also remind on the day an obligation becomes overdue.")
    remind_send_hour: int = Field(8, ge=0, le=23, description="Local hour at which reminders go out.")
    remind_focal_points: bool = Field(False, description="Also email the partners' focal points.")
    remind_cc: StrList = Field([], description="Addresses copied on every reminder, comma-separated or JSON.")

    dispatch_batch_size: int = Field(50, ge=1, le=1000, description="Reminders claimed per dispatch round.")
    dispatch_max_attempts: int = Field(6, ge=1, le=50, description="Attempts before a reminder is marked failed.")
    dispatch_retry_base_seconds: float = Field(
        60.0, gt=0, le=86400, description="First retry delay, doubled at each attempt (at most a day)."
    )
    dispatch_lease_seconds: int = Field(600, ge=10, le=86400, description="After this, a claimed reminder is retried.")
    dispatch_interval_seconds: float = Field(
        60.0, ge=0.5, le=3600, description="How often a worker looks for due reminders to send."
    )

    webhook_interval_seconds: float = Field(
        10.0, ge=0.5, le=3600, description="How often a worker looks for due webhook messages to deliver."
    )
    webhook_batch_size: int = Field(20, ge=1, le=1000, description="Webhook messages claimed per dispatch round.")
    webhook_max_attempts: int = Field(10, ge=1, le=50, description="Attempts before a webhook message is failed.")
    webhook_retry_base_seconds: float = Field(
        30.0, gt=0, le=86400, description="First webhook retry delay, doubled at each attempt (at most 6 hours)."
    )
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=120, description="How long a webhook receiver may take.")
    webhook_lease_seconds: int = Field(
        300, ge=10, le=86400, description="After this, a claimed webhook message is sent again."
    )

    quality_stale_days: int = Field(
        365,
        ge=1,
        le=3650,
        description="A record not updated (nor, for a partnership, any interaction or transition) for this many days "
        "counts as stale in the data-quality score.",
    )

    screening_required: bool = Field(
        True,
        description="Block the approval of an agreement whose parties are not screened and clear against the UN "
        "Security Council Consolidated List; with no list loaded, approval is blocked until one is (false: no "
        "screening, for an installation that does not screen its partners).",
    )
    screening_threshold: float = Field(
        88.0, ge=50, le=100, description="Score (50-100) at and above which a name is a potential sanctions-list match."
    )

    render_max_int_bits: int = Field(
        4096,
        ge=64,
        le=1_000_000,
        description="Largest integer, in bits, that an agreement template may compute with or produce (about 1,200 "
        "digits at 4096); arithmetic past it is refused, since its cost grows with the size of the numbers.",
    )
    render_max_output_chars: int = Field(
        500_000, ge=1_000, le=50_000_000, description="Longest document, in characters, a template may render."
    )
    render_timeout_seconds: float = Field(
        5.0,
        gt=0,
        le=300,
        description="Wall-clock limit of one render of a custom (user-editable) template; its worker process is "
        "killed when it runs longer. The shipped templates render in-process under the same limit, checked "
        "between operations.",
    )
    render_memory_limit_mb: int = Field(
        256,
        ge=64,
        le=65_536,
        description="Address-space limit (setrlimit RLIMIT_AS), in MB, of the worker process a custom template "
        "renders in; a render needing more is refused.",
    )
    render_workers: int = Field(
        2,
        ge=1,
        le=64,
        description="Worker processes kept warm for custom template renders in each server process: at most this "
        "many such renders run at once; others wait up to render_timeout_seconds, then get 503 Retry-After.",
    )
    redline_max_input_chars: int = Field(
        1_000_000,
        ge=1_000,
        le=100_000_000,
        description="Longest text, in characters, of either version a comparison (redline or unified diff) "
        "accepts; longer ones are refused at once instead of compared.",
    )

    scheduler_enabled: bool = Field(
        True,
        description="Run the scheduled work inside 'agreements serve' on SQLite "
        "(on PostgreSQL run 'agreements worker').",
    )
    daily_run_hour: int = Field(6, ge=0, le=23, description="Local hour of the daily automatic transitions.")
    shutdown_grace_seconds: float = Field(
        20.0,
        ge=0,
        le=3600,
        description="After SIGTERM (systemctl stop), how long 'agreements serve' lets the requests in flight finish "
        "before it closes their connections; the scheduled work then finishes the e-mail it is sending.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Least severe level logged.")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="Log lines as text, or as one JSON object per line (ts, level, logger, message, request_id, …) "
        "for a log shipper.",
    )
    seal_pkcs12_path: str | None = Field(
        None,
        description="PKCS#12 file (.p12) holding the organisation's certificate and key that seal the signed "
        "agreement's PDF (PAdES); unset, the PDF is produced unsealed and says so. "
        "`agreements seal make-certificate PATH` makes a self-signed one for trials.",
    )
    seal_pkcs12_password: SecretStr | None = Field(
        None, description="Password of the PKCS#12 file of the seal (never logged nor printed)."
    )
    metrics_token: SecretStr | None = Field(
        None,
        description="A secret that Prometheus sends as 'Authorization: Bearer <token>' to read /metrics "
        "(an administrator's API token works too); unset, only administrators can read it.",
    )
    trusted_proxies: StrList = Field(
        [],
        description="Addresses or CIDR networks of the reverse proxies, comma-separated (127.0.0.1,10.0.0.0/8) or "
        'as a JSON list such as \'["127.0.0.1", "10.0.0.0/8"]\', whose X-Forwarded-For and X-Forwarded-Proto are '
        "believed; from any other peer they are ignored and the peer's own address is the client's (sign-in "
        "throttling) and its "
        "scheme the request's (Secure cookie).",
    )

    password_reset_hours: int = Field(
        24,
        ge=1,
        le=720,
        description="Hours a password reset link issued by an administrator stays valid (it works once).",
    )

    password_sign_in: bool = Field(
        True,
        description="Whether people may sign in with a password (the sign-in page's form and POST /api/v1/auth/token); "
        "false when everyone signs in through single sign-on. API tokens work either way.",
    )
    oidc_issuer: str | None = Field(
        None,
        description="Single sign-on: the OpenID provider's issuer URL (its discovery document is "
        "ISSUER/.well-known/openid-configuration); unset, no single sign-on.",
    )
    oidc_client_id: str | None = Field(
        None, description="Single sign-on: this application's client id at the provider."
    )
    oidc_client_secret: SecretStr | None = Field(
        None, description="Single sign-on: the client secret (never logged nor printed); unset for a public client."
    )
    oidc_scopes: str = Field(
        "openid email profile groups",
        description="Single sign-on: the scopes asked for, space-separated (must include openid).",
    )
    oidc_roles_claim: str = Field(
        "groups", description="Single sign-on: the ID token claim listing the person's groups (a list or one string)."
    )
    oidc_role_map: str = Field(
        "",
        description="Single sign-on: which group gives which role, as 'group=role,group=role' or a JSON object "
        "(roles: admin, legal_officer, project_manager, viewer); recomputed at every sign-in. Required with "
        "AGREEMENTS_OIDC_ISSUER.",
    )
    oidc_default_role: str | None = Field(
        None,
        description="Single sign-on: the role of a person none of whose groups is mapped (e.g. viewer); unset, such "
        "a person is refused.",
    )
    oidc_provider_name: str = Field(
        "single sign-on", min_length=1, max_length=100, description="Name of the provider on the sign-in button."
    )
    oidc_redirect_base_url: str | None = Field(
        None,
        description="Single sign-on: the public address the provider sends people back to (BASE/sign-in/sso/callback "
        "must be registered at the provider); unset, AGREEMENTS_BASE_URL.",
    )

    partner_link_days: int = Field(
        30, ge=1, le=365, description="Days a partner link stays valid unless its sender chooses fewer or more."
    )
    partner_link_max_days: int = Field(
        90, ge=1, le=365, description="The longest a partner link may be made valid for, in days."
    )
    partner_link_key: SecretStr | None = Field(
        None,
        description="Secret that seals a partner link's token until the dispatcher has put it in its e-mail (set it "
        "in production; unset, a key derived from the database address is used).",
    )
    partner_requests_per_minute: int = Field(
        60, ge=1, le=10000, description="Requests a partner link, and a client address, may make per minute."
    )

    sign_in_free_failures: int = Field(
        5,
        ge=1,
        le=100,
        description="Failed sign-ins allowed for one account (and for one account from one address) before each "
        "further attempt must wait, 1 s then doubling.",
    )
    sign_in_free_failures_per_client: int = Field(
        20,
        ge=1,
        le=1000,
        description="Failed sign-ins allowed from one client address, whatever the accounts (an IPv6 client counts "
        "by its /64), before each further attempt from it must wait, 1 s then doubling.",
    )
    sign_in_max_delay_seconds: int = Field(
        300,
        ge=1,
        le=3600,
        description="The longest wait imposed on a client address, or on an account from one address, after "
        "failed sign-ins.",
    )
    sign_in_account_max_delay_seconds: int = Field(
        60,
        ge=1,
        le=3600,
        description="The longest wait imposed on an account as a whole (failures from every address): low, so "
        "that nobody can lock a user out; an address the user signed in from lately is not held by it.",
    )
    sign_in_alert_failures: int = Field(
        50,
        ge=1,
        le=1_000_000,
        description="Failed sign-ins across all accounts within the alert window that make the administrators "
        "receive an e-mail (once per window).",
    )
    sign_in_alert_account_failures: int = Field(
        20,
        ge=1,
        le=1_000_000,
        description="Failed sign-ins for one account within the alert window that make the administrators "
        "receive an e-mail (once per account and window).",
    )
    sign_in_alert_window_minutes: int = Field(
        10, ge=1, le=1440, description="The window over which failed sign-ins are counted for the alerts."
    )

    max_request_mb: int = Field(
        4,
        ge=1,
        le=1024,
        description="Largest request body, in MB, of any endpoint that takes no file (JSON, page forms); a larger one "
        "is refused with 413 while it streams in, before it is parsed. Requests that may carry a body are also "
        "refused with 401 before it is read unless they come with a valid API token (API) or session (pages).",
    )
    max_import_mb: int = Field(
        50, ge=1, le=4096, description="Largest inventory file (CSV or XLSX), in MB, that POST /api/v1/imports accepts."
    )
    max_document_mb: int = Field(
        10,
        ge=1,
        le=1024,
        description="Largest Word (.docx) or PDF file, in MB, accepted as an agreement version or a signed copy.",
    )
    max_unzipped_docx_mb: int = Field(
        50,
        ge=1,
        le=4096,
        description="A Word document may unpack to at most this many MB (python-docx reads every part into memory); "
        "a larger one is refused before it is opened.",
    )
    max_unzipped_xlsx_mb: int = Field(
        500,
        ge=1,
        le=16384,
        description="A workbook (XLSX) may unpack to at most this many MB (its worksheets are read as a stream); a "
        "larger one is refused before it is opened.",
    )
    max_xlsx_part_mb: int = Field(
        64,
        ge=1,
        le=4096,
        description="Each part of a workbook read whole into memory (its string table, styles, workbook; not its "
        "worksheets) may unpack to at most this many MB.",
    )
    max_zip_ratio: int = Field(
        100,
        ge=10,
        le=10000,
        description="A Word document or workbook, and each of its parts over 1 MB, may be compressed at most this many "
        "to one (office files are about 5 to 20 to one; a ZIP bomb about 1,000 to one).",
    )
    max_zip_members: int = Field(
        2000, ge=10, le=1_000_000, description="A Word document or workbook may hold at most this many parts (files)."
    )
    max_xlsx_rows: int = Field(
        250_000,
        ge=100,
        le=1_048_576,
        description="A worksheet may declare (in its dimension) and hold at most this many rows; an XLSX import with "
        "more is refused before a line is read.",
    )
    max_xlsx_columns: int = Field(
        1000,
        ge=10,
        le=16384,
        description="A worksheet may declare and hold at most this many columns.",
    )
    max_xlsx_shared_strings: int = Field(
        1_000_000,
        ge=1000,
        le=100_000_000,
        description="A workbook's shared string table may declare and hold at most this many strings (openpyxl keeps "
        "them all in memory).",
    )

    @field_validator(*LIST_FIELDS, mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        return split_list_setting(value)

    @field_validator("remind_end_date_days", "remind_notice_days", "remind_obligation_days")
    @classmethod
    def _days_in_range(cls, value: list[int]) -> list[int]:
        if any(day < 0 or day > 3650 for day in value):
            raise ValueError("each number of days must be between 0 and 3650")
        return sorted(set(value), reverse=True)

    @field_validator("remind_cc")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        from email_validator import EmailNotValidError, validate_email

        try:
            return [validate_email(item, check_deliverability=False).normalized for item in value]
        except EmailNotValidError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        from ipaddress import ip_network

        try:
            return [str(ip_network(item.strip(), strict=False)) for item in value]
        except ValueError as exc:
            raise ValueError(f"{exc}; give addresses or CIDR networks such as 10.0.0.0/8") from None

    @field_validator("database_url")
    @classmethod
    def _database_url_parses(cls, value: str) -> str:
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError("cannot parse the database URL; expected e.g. sqlite:///agreements.db") from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(f"unsupported database {url.get_backend_name()!r}; use sqlite or postgresql")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}; use an IANA name such as Europe/Zurich") from None
        return value

    @field_validator("oidc_role_map")
    @classmethod
    def _role_map_parses(cls, value: str) -> str:
        parse_role_map(value)
        return value

    @field_validator("oidc_default_role")
    @classmethod
    def _default_role_known(cls, value: str | None) -> str | None:
        if value and value not in ROLE_NAMES:
            raise ValueError(f"unknown role {value!r}; use one of {', '.join(ROLE_NAMES)}")
        return value or None

    @model_validator(mode="after")
    def _single_sign_on_complete(self) -> Settings:
        if not self.oidc_issuer:
            if not self.password_sign_in:
                raise ValueError(
                    "AGREEMENTS_PASSWORD_SIGN_IN=false needs single sign-on: set AGREEMENTS_OIDC_ISSUER too"
                )
            return self
        if not self.oidc_issuer.startswith(("https://", "http://")):
            raise ValueError("AGREEMENTS_OIDC_ISSUER must be an http(s) URL such as https://login.example.org")
        if not self.oidc_client_id:
            raise ValueError("AGREEMENTS_OIDC_ISSUER is set: set AGREEMENTS_OIDC_CLIENT_ID too")
        if "openid" not in self.oidc_scopes.split():
            raise ValueError("AGREEMENTS_OIDC_SCOPES must include openid")
        if not parse_role_map(self.oidc_role_map) and not self.oidc_default_role:
            raise ValueError(
                "AGREEMENTS_OIDC_ISSUER is set: set AGREEMENTS_OIDC_ROLE_MAP (e.g. 'legal=legal_officer') "
                "or AGREEMENTS_OIDC_DEFAULT_ROLE"
            )
        return self

    @property
    def single_sign_on(self) -> bool:
        """Whether single sign-on through an OpenID provider is configured."""
        return bool(self.oidc_issuer)

    @property
    def zone(self) -> ZoneInfo:
        """The organisation's timezone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is the embedded SQLite default."""
        return make_url(self.database_url).get_backend_name() == "sqlite"


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning any invalid value into a one-line ``ConfigError``."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        message = " ".join(str(first["msg"]).removeprefix("Value error, ").split())
        if not first["loc"]:  # a rule between settings (e.g. single sign-on's), whose message names them
            raise ConfigError(f"invalid settings: {message}") from None
        field, *inside = first["loc"]
        if inside and isinstance(inside[0], int):
            message = f"item {inside[0] + 1}: {message}"
        raise ConfigError(f"invalid setting AGREEMENTS_{str(field).upper()}: {message}") from None
    except SettingsError as exc:  # a value the environment source itself could not decode
        raise ConfigError(f"invalid setting: {' '.join(str(exc).split())}") from None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
