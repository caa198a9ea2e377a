"""Demo credentials: saved to a file only the user can read, and shown again (renewed) while the demo users exist."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app import db
from app.cli import cli
from app.devtools.curated import DEMO_USERS
from app.devtools.demo_credentials import credentials_path
from app.users.models import ApiToken
from app.users.schemas import UserCreate
from app.users.service import authenticate_token, create_token, create_user, find_user_by_email, verify_password
from app.workflow.actor import Actor


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _add_demo_users() -> str:
    """The demo's users only (the portfolio takes long to load); returns the secret of an old demo token."""
    with db.unit_of_work() as session:
        for email, name, role in DEMO_USERS:
            user = create_user(
                session, UserCreate(email=email, full_name=name, roles=[role]), actor=Actor.system(reason="test")
            )
        return create_token(session, user, "demo", 30)[1]


def _credentials(output: str) -> tuple[dict[str, str], dict[str, str]]:
    tokens, passwords = {}, {}
    for line in output.splitlines():
        words = line.split()
        if len(words) == 3 and words[2].startswith("agr_"):
            tokens[words[1]] = words[2]
        elif len(words) == 4 and words[2] == "password":
            passwords[words[1]] = words[3]
    return tokens, passwords


def test_the_file_goes_beside_an_sqlite_database_and_elsewhere_in_the_working_directory(tmp_path: Path) -> None:
    assert credentials_path("sqlite:////srv/data/agreements.db") == Path("/srv/data/demo-credentials.txt")
    assert credentials_path("sqlite:///agreements.db", tmp_path) == tmp_path / "demo-credentials.txt"
    assert credentials_path("sqlite:///sub/a.db", tmp_path) == tmp_path / "sub" / "demo-credentials.txt"
    assert credentials_path("sqlite://", tmp_path) == tmp_path / "demo-credentials.txt"
    assert credentials_path("postgresql+psycopg://u@h/db", tmp_path) == tmp_path / "demo-credentials.txt"


def test_show_credentials_renews_them_prints_them_and_saves_them_for_the_user_only(
    cli_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    old_token = _add_demo_users()
    path = credentials_path(cli_database)
    path.write_text("stale\n", encoding="utf-8")
    path.chmod(0o644)

    result = _run("demo", "--show-credentials")

    assert result.exit_code == 0, result.output
    tokens, passwords = _credentials(result.stdout)
    assert set(tokens) == set(passwords) == {email for email, _, _ in DEMO_USERS}
    assert result.stdout.strip().splitlines()[-1].startswith(f"credentials saved to {path} ")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _credentials(path.read_text(encoding="utf-8")) == (tokens, passwords)
    with db.unit_of_work() as session:
        for email in tokens:
            assert authenticate_token(session, tokens[email]).email == email
            assert verify_password(find_user_by_email(session, email), passwords[email])
        assert authenticate_token(session, old_token) is None  # the earlier demo token is revoked

    again = _credentials(_run("demo", "--show-credentials").stdout)
    assert again[0].keys() == tokens.keys() and set(again[0].values()).isdisjoint(tokens.values())
    with db.unit_of_work() as session:
        live = session.scalars(select(ApiToken).where(ApiToken.name == "demo", ApiToken.revoked_at.is_(None))).all()
        assert len(live) == len(DEMO_USERS)
        assert authenticate_token(session, tokens[DEMO_USERS[0][0]]) is None


def test_show_credentials_without_the_demo_says_to_load_it(cli_database: str) -> None:
    result = _run("demo", "--show-credentials")
    assert result.exit_code == 1
    assert "run 'agreements demo' first" in result.stderr and "Traceback" not in result.output


def test_the_demo_saves_its_credentials_and_names_the_file_last(
    cli_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = _run("demo")
    assert result.exit_code == 0, result.output
    path = credentials_path(cli_database)
    assert result.stdout.strip().splitlines()[-1].startswith(f"credentials saved to {path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    tokens, passwords = _credentials(path.read_text(encoding="utf-8"))
    with db.unit_of_work() as session:
        assert all(authenticate_token(session, secret).email == email for email, secret in tokens.items())
        assert all(verify_password(find_user_by_email(session, e), p) for e, p in passwords.items())
