"""Settings: good values parse; a bad one stops start-up with one line naming the variable."""

from __future__ import annotations

import os
from zoneinfo import ZoneInfo

import pytest

from app.config import DEFAULT_DATABASE_URL, ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No AGREEMENTS_* variable from the test run, and no .env file, leaks into these tests."""
    for name in list(os.environ):
        if name.startswith("AGREEMENTS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _error(monkeypatch, name: str, value: str) -> str:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message, message
    assert name in message, message
    return message


def test_defaults():
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.is_sqlite
    assert settings.zone == ZoneInfo("UTC")


@pytest.mark.parametrize("value", ["Mars/Olympus_Mons", "Europe/Zürich", "", "UTC+3", "Europe/Zurich\nEvil"])
def test_an_unknown_timezone_is_one_line_naming_the_variable(monkeypatch, value):
    message = _error(monkeypatch, "AGREEMENTS_TIMEZONE", value)
    assert "unknown timezone" in message and "IANA" in message


@pytest.mark.parametrize("value", ["not a url", "://nobody", "\n"])
def test_an_unparseable_database_url_is_one_line_naming_the_variable(monkeypatch, value):
    assert "cannot parse" in _error(monkeypatch, "AGREEMENTS_DATABASE_URL", value)


def test_a_database_url_with_a_bad_port_is_one_line_naming_the_variable(monkeypatch):
    _error(monkeypatch, "AGREEMENTS_DATABASE_URL", "postgresql://user@host:notaport/db\nmore")


@pytest.mark.parametrize("value", ["mysql://user@localhost/agreements", "oracle+oracledb://u@h/db", "mssql://h/db"])
def test_an_unsupported_backend_is_one_line_naming_the_variable(monkeypatch, value):
    message = _error(monkeypatch, "AGREEMENTS_DATABASE_URL", value)
    assert "sqlite or postgresql" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AGREEMENTS_SMTP_PORT", "0"),
        ("AGREEMENTS_SMTP_PORT", "twenty-five"),
        ("AGREEMENTS_SMTP_SECURITY", "tls-please"),
        ("AGREEMENTS_LOG_LEVEL", "LOUD"),
        ("AGREEMENTS_SCHEDULER_ENABLED", "perhaps"),
        ("AGREEMENTS_ORGANISATION_NAME", ""),
    ],
)
def test_other_bad_values_are_one_line_naming_the_variable(monkeypatch, name, value):
    _error(monkeypatch, name, value)


def test_good_values_parse(monkeypatch):
    monkeypatch.setenv("AGREEMENTS_TIMEZONE", "Europe/Zurich")
    monkeypatch.setenv("AGREEMENTS_DATABASE_URL", "postgresql+psycopg://app:secret@db.internal:5432/agreements")
    monkeypatch.setenv("AGREEMENTS_SMTP_PORT", "587")
    monkeypatch.setenv("AGREEMENTS_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("AGREEMENTS_SCHEDULER_ENABLED", "false")
    settings = load_settings()
    assert settings.zone == ZoneInfo("Europe/Zurich")
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert not settings.is_sqlite
    assert (settings.smtp_port, settings.smtp_security, settings.scheduler_enabled) == (587, "starttls", False)


@pytest.mark.parametrize("url", ["sqlite:///relative.db", "sqlite:////absolute/path.db", "sqlite://"])
def test_sqlite_urls_parse(monkeypatch, url):
    monkeypatch.setenv("AGREEMENTS_DATABASE_URL", url)
    assert load_settings().is_sqlite


def test_a_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("AGREEMENTS_TIMEZONE=Africa/Nairobi\n", encoding="utf-8")
    assert load_settings().timezone == "Africa/Nairobi"


def test_overrides_are_checked_too():
    with pytest.raises(ConfigError, match="AGREEMENTS_TIMEZONE"):
        load_settings(timezone="Nowhere/Special")
    assert load_settings(timezone="Asia/Tokyo").zone == ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("value", ["30,7", "30, 7", "[30, 7]", " [7,30] ", "7,30,30"])
def test_a_list_of_days_reads_comma_separated_and_json_forms(monkeypatch, value):
    monkeypatch.setenv("AGREEMENTS_REMIND_END_DATE_DAYS", value)
    assert load_settings().remind_end_date_days == [30, 7]


@pytest.mark.parametrize("value", ["a@x.org,b@y.org", '["a@x.org", "b@y.org"]', " a@x.org , b@y.org "])
def test_a_list_of_addresses_reads_comma_separated_and_json_forms(monkeypatch, value):
    monkeypatch.setenv("AGREEMENTS_REMIND_CC", value)
    assert load_settings().remind_cc == ["a@x.org", "b@y.org"]


def test_trusted_proxies_read_the_comma_separated_form(monkeypatch):
    monkeypatch.setenv("AGREEMENTS_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    assert load_settings().trusted_proxies == ["127.0.0.1/32", "10.0.0.0/8"]


def test_a_list_in_the_dotenv_file_reads_the_comma_separated_form(tmp_path):
    (tmp_path / ".env").write_text("AGREEMENTS_REMIND_NOTICE_DAYS=14,3\n", encoding="utf-8")
    assert load_settings().remind_notice_days == [14, 3]


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("AGREEMENTS_REMIND_END_DATE_DAYS", "30,seven", "item 2"),
        ("AGREEMENTS_REMIND_END_DATE_DAYS", "[30, 7", "not a valid JSON list"),
        ("AGREEMENTS_REMIND_END_DATE_DAYS", '{"days": 7}', "not a list"),
        ("AGREEMENTS_REMIND_END_DATE_DAYS", "30,9999", "between 0 and 3650"),
        ("AGREEMENTS_REMIND_CC", "a@x.org,not-an-address", "@"),
        ("AGREEMENTS_TRUSTED_PROXIES", "10.0.0.0/8,nowhere", "CIDR"),
    ],
)
def test_a_bad_list_is_one_line_naming_the_variable(monkeypatch, name, value, reason):
    assert reason in _error(monkeypatch, name, value)
