"""Users, passwords and API tokens, through the service."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.errors import Conflict, NotFound, ValidationFailed
from app.users import service
from app.users.models import ApiToken, Role, User
from app.users.schemas import UserCreate
from tests.builders import SET_UP

PASSWORD = "correct horse battery staple"


def _user(session, email="ada@example.org", roles=(Role.PROJECT_MANAGER,), password=None) -> User:
    user = service.create_user(
        session, UserCreate(email=email, full_name="Ada Lovelace", roles=list(roles), password=password), actor=SET_UP
    )
    session.commit()
    return user


def test_create_user_with_roles_lowercases_the_email(session):
    user = _user(session, email="Ada.Lovelace@Example.ORG", roles=(Role.VIEWER, Role.LEGAL_OFFICER, Role.VIEWER))
    session.expire_all()
    stored = session.get(User, user.id)
    assert stored.email == "ada.lovelace@example.org"
    assert stored.roles == [Role.LEGAL_OFFICER, Role.VIEWER]
    assert stored.is_active and stored.password_hash is None
    assert stored.has_role(Role.VIEWER) and not stored.has_role(Role.ADMIN)


def test_duplicate_email_is_a_conflict_whatever_the_case(session):
    _user(session, email="ada@example.org")
    with pytest.raises(Conflict) as caught:
        _user(session, email="ADA@Example.org")
    assert "ada@example.org" in caught.value.detail
    assert len(session.scalars(select(User)).all()) == 1


def test_find_and_list_users(session):
    ada = _user(session, email="ada@example.org", roles=(Role.ADMIN,))
    bob = service.create_user(
        session, UserCreate(email="bob@example.org", full_name="Bob Builder", roles=[Role.VIEWER]), actor=SET_UP
    )
    assert service.get_user_by_email(session, "  ADA@example.org ").id == ada.id
    with pytest.raises(NotFound):
        service.get_user_by_email(session, "nobody@example.org")
    assert [u.id for u in service.list_users(session)] == [ada.id, bob.id]  # by name
    assert [u.id for u in service.list_users(session, Role.VIEWER)] == [bob.id]


def test_passwords_are_hashed_with_argon2_and_verified(session):
    user = _user(session, password=PASSWORD)
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash
    assert service.verify_password(user, PASSWORD) is True
    assert service.verify_password(user, PASSWORD.upper()) is False
    assert service.verify_password(user, "") is False
    other = _user(session, email="other@example.org", password=PASSWORD)
    assert other.password_hash != user.password_hash  # salted


def test_no_or_broken_password_hash_never_verifies(session):
    user = _user(session)
    assert service.verify_password(user, PASSWORD) is False
    user.password_hash = "not-an-argon2-hash"
    assert service.verify_password(user, PASSWORD) is False


def test_a_short_password_is_refused():
    with pytest.raises(ValueError, match="password"):
        UserCreate(email="a@example.org", full_name="A", roles=[Role.VIEWER], password="short")


def test_a_token_secret_authenticates_its_user(session):
    user = _user(session)
    token, secret = service.create_token(session, user, "  laptop  ")
    session.commit()
    assert secret.startswith(service.TOKEN_PREFIX)
    assert token.name == "laptop"
    assert token.prefix == secret[: len(token.prefix)]
    assert service.authenticate_token(session, secret) is user
    assert token.last_used_at is not None
    assert service.authenticate_token(session, secret + "x") is None
    assert service.authenticate_token(session, secret.removeprefix(service.TOKEN_PREFIX)) is None
    _, other_secret = service.create_token(session, user, "laptop")
    assert other_secret != secret


def test_only_the_sha256_of_a_token_is_stored(session):
    user = _user(session)
    token, secret = service.create_token(session, user, "ci")
    session.commit()
    row = session.execute(select(ApiToken.__table__).where(ApiToken.__table__.c.id == token.id)).one()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    for column, value in row._mapping.items():
        assert secret not in str(value), f"the secret is stored in {column}"
    # The prefix is there to recognise a token in a list, and is far too short to use.
    assert len(row.prefix) < len(secret) // 2


def test_a_revoked_token_no_longer_authenticates(session):
    user = _user(session)
    token, secret = service.create_token(session, user, "old")
    session.commit()
    with clock.frozen_at(datetime(2030, 1, 1, tzinfo=UTC)):
        revoked = service.revoke_token(session, token.id, actor=SET_UP)
    assert revoked.revoked_at == datetime(2030, 1, 1, tzinfo=UTC)
    assert service.authenticate_token(session, secret) is None
    service.revoke_token(session, token.id, actor=SET_UP)  # twice is harmless and keeps the first time
    assert token.revoked_at == datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(NotFound):
        service.revoke_token(session, 987_654, actor=SET_UP)


def test_a_token_expires_at_the_end_of_its_life(session):
    user = _user(session)
    start = datetime(2030, 5, 1, 8, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        token, secret = service.create_token(session, user, "short", expires_in_days=2)
        session.commit()
    assert token.expires_at == start + timedelta(days=2)
    with clock.frozen_at(start + timedelta(days=2) - timedelta(seconds=1)):
        assert service.authenticate_token(session, secret) is user
    with clock.frozen_at(start + timedelta(days=2)):
        assert service.authenticate_token(session, secret) is None


def test_a_token_without_expiry_lasts(session):
    user = _user(session)
    token, secret = service.create_token(session, user, "forever", expires_in_days=None)
    assert token.expires_at is None
    with clock.frozen_at(datetime(2099, 1, 1, tzinfo=UTC)):
        assert service.authenticate_token(session, secret) is user


def test_a_deactivated_user_cannot_use_or_get_tokens(session):
    user = _user(session)
    _, secret = service.create_token(session, user, "before")
    service.set_active(session, user, False)
    assert service.authenticate_token(session, secret) is None
    with pytest.raises(ValidationFailed) as caught:
        service.create_token(session, user, "after")
    assert caught.value.problems[0].field == "user"
    service.set_active(session, user, True)
    assert service.authenticate_token(session, secret) is user


@pytest.mark.parametrize(
    ("name", "days", "field"),
    [
        ("", 90, "name"),
        ("   ", 90, "name"),
        ("x" * 101, 90, "name"),
        ("ok", 0, "expires_in_days"),
        ("ok", 3651, "expires_in_days"),
    ],
)
def test_token_name_and_lifetime_are_checked(session, name, days, field):
    user = _user(session)
    with pytest.raises(ValidationFailed) as caught:
        service.create_token(session, user, name, expires_in_days=days)
    assert [p.field for p in caught.value.problems] == [field]
    assert service.list_tokens(session, user) == []


def test_list_tokens_newest_first(session):
    ada = _user(session)
    bob = _user(session, email="bob@example.org")
    first, _ = service.create_token(session, ada, "one")
    second, _ = service.create_token(session, ada, "two")
    third, _ = service.create_token(session, bob, "three")
    assert [t.id for t in service.list_tokens(session, ada)] == [second.id, first.id]
    assert [t.id for t in service.list_tokens(session)] == [third.id, second.id, first.id]
