"""Users, their roles, passwords and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import flag_modified

from app import clock
from app.errors import Conflict, NotFound, invalid
from app.i18n import LANGUAGES, MESSAGES
from app.users.last_use import LAST_USE_STEP, note_use
from app.users.models import ApiToken, Role, User, UserRole
from app.users.policy import Action, require
from app.users.schemas import UserCreate
from app.versioning import check_version
from app.workflow.actor import Actor

TOKEN_PREFIX = "agr_"
_hasher = PasswordHasher()


def hash_token(secret: str) -> str:
    """The SHA-256 under which a token is stored (tokens are random, so a fast hash is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_user(session: Session, data: UserCreate, *, actor: User | Actor) -> User:
    """Create a user with the given roles; the email must be new (admins, or the system: a command, the demo)."""
    require(actor, Action.MANAGE_USERS)
    email = data.email.lower()
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise Conflict(MESSAGES.gettext("a user with email {email} already exists", email=email))
    user = User(
        email=email,
        full_name=data.full_name,
        password_hash=_hasher.hash(data.password) if data.password else None,
        role_grants=[UserRole(role=role) for role in dict.fromkeys(data.roles)],
    )
    session.add(user)
    session.flush()
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    """The user with this email (whatever its case and surrounding spaces), or ``None``."""
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def get_user_by_email(session: Session, email: str) -> User:
    """The user with this email, or ``NotFound``."""
    user = find_user_by_email(session, email)
    if user is None:
        raise NotFound(MESSAGES.gettext("no user with email {email}", email=email))
    return user


def list_users(session: Session, role: Role | None = None) -> list[User]:
    """Every user (or those with ``role``), by name: names for pickers (the accounts API requires managing users)."""
    stmt = select(User).order_by(User.full_name, User.id)
    if role is not None:
        stmt = stmt.where(User.role_grants.any(UserRole.role == role))
    return list(session.scalars(stmt))


def list_accounts(session: Session, role: Role | None = None, *, actor: User | Actor) -> list[User]:
    """Every account (or those with ``role``), by name, with emails and roles: for those who manage users."""
    require(actor, Action.MANAGE_USERS)
    return list_users(session, role)


def set_active(session: Session, user: User, active: bool) -> User:
    """Activate or deactivate a user; a deactivated user's tokens stop working."""
    user.is_active = active
    session.flush()
    return user


@cache
def _dummy_hash() -> str:
    """An Argon2id hash of a random secret, made like real ones: what a missing password is checked against."""
    return _hasher.hash(secrets.token_urlsafe(32))


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; one Argon2 check always, so no hash takes the same time."""
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
    except Exception:  # argon2 raises on a mismatch and on a malformed hash alike
        matched = False
    return matched and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than today's (so is rehashed at the next sign-in)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except Exception:
        return False


def set_password_hash(user: User, password: str) -> None:
    """Store a fresh hash of ``password`` for ``user``; flush is the caller's."""
    user.password_hash = _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's password."""
    return password_matches(user.password_hash, password)


def create_token(session: Session, user: User, name: str, expires_in_days: int | None = 90) -> tuple[ApiToken, str]:
    """Issue an API token; returns the row and the secret, which is never stored or shown again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise invalid("name", MESSAGES.gettext("a token needs a name of 1 to 100 characters"))
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise invalid("expires_in_days", MESSAGES.gettext("must be between 1 and 3650 days"))
    if not user.is_active:
        raise invalid("user", MESSAGES.gettext("{email} is deactivated", email=user.email))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 8],
        token_hash=hash_token(secret),
        expires_at=clock.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    return token, secret


def _live_token(session: Session, secret: str) -> ApiToken | None:
    """The valid, unexpired, unrevoked token of an active user whose secret this is; ``None`` otherwise."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    # One round trip: the token, its user and the user's roles (the roles are read by every role check).
    token = (
        session.execute(
            select(ApiToken)
            .where(ApiToken.token_hash == hash_token(secret))
            .options(joinedload(ApiToken.user).joinedload(User.role_grants))
        )
        .unique()
        .scalar_one_or_none()
    )
    now = clock.now()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    return token


def is_live_token(session: Session, secret: str) -> bool:
    """Whether ``secret`` would authenticate now; nothing is written (checked before a request body is read)."""
    return _live_token(session, secret) is not None


def authenticate_token(session: Session, secret: str) -> User | None:
    """The active user a valid, unexpired, unrevoked token belongs to; ``None`` otherwise."""
    token = _live_token(session, secret)
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USE_STEP:
        note_use(session, token, now)  # coarse, so reads do not write on every request
    return token.user


def list_tokens(session: Session, user: User | None = None) -> list[ApiToken]:
    """API tokens (of one user, or all), newest first."""
    stmt = select(ApiToken).order_by(ApiToken.id.desc())
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return list(session.scalars(stmt))


def revoke_token(session: Session, token_id: int, *, actor: User | Actor) -> ApiToken:
    """Revoke a token now (one's own, or anyone's for an admin); revoking twice is harmless."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(MESSAGES.gettext("API token {token_id} does not exist", token_id=token_id))
    if token.user_id != (actor.user_id if isinstance(actor, Actor) else actor.id):
        require(actor, Action.MANAGE_USERS)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
    session.flush()
    return token


LOGIN_TOKEN_HOURS = 12
LOGIN_TOKEN_NAME = "sign-in"  # the tokens behind browser sessions and password sign-ins


def issue_session_token(session: Session, user: User) -> tuple[ApiToken, str]:
    """A token for a browser or script that signed in with a password, valid ``LOGIN_TOKEN_HOURS``; flush only."""
    token, secret = create_token(session, user, LOGIN_TOKEN_NAME, 1)
    token.expires_at = clock.now() + timedelta(hours=LOGIN_TOKEN_HOURS)
    session.flush()
    return token, secret


def update_user(
    session: Session, user_id: int, changes: dict[str, Any], expected_version: int | None = None, *, actor: User | Actor
) -> User:
    """Change a user's name, roles, language or whether they are active (admins); refuse a stale version."""
    require(actor, Action.MANAGE_USERS)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(MESSAGES.gettext("user {user_id} does not exist", user_id=user_id))
    check_version("user", user.version, expected_version)
    if changes:
        flag_modified(user, "full_name")  # a change of roles alone must still give the user a new version
    if changes.get("full_name"):
        user.full_name = changes["full_name"]
    if changes.get("roles") is not None:
        wanted = set(changes["roles"])
        kept = [grant for grant in user.role_grants if grant.role in wanted]  # keep rows: (user, role) is unique
        held = {grant.role for grant in kept}
        added = [UserRole(role=role) for role in dict.fromkeys(changes["roles"]) if role not in held]
        user.role_grants = kept + added
    if changes.get("is_active") is not None:
        user.is_active = changes["is_active"]
    if "language" in changes:
        set_language_of(session, user, changes["language"])
    session.flush()
    return user


def update_my_profile(
    session: Session, user: User, changes: dict[str, Any], expected_version: int | None = None
) -> User:
    """Change what a user may change of their own profile (their language); refuse if ``expected_version`` is stale."""
    check_version("user", user.version, expected_version)
    if "language" in changes:
        set_language_of(session, user, changes["language"])
    session.flush()
    return user


def set_language_of(session: Session, user: User, language: str | None) -> User:
    """Set the language ``user`` reads pages, messages and e-mails in (None: follow the browser); flush only."""
    if language is not None and language not in LANGUAGES:
        raise invalid("language", f"must be one of: {', '.join(LANGUAGES)}")
    user.language = language
    session.flush()
    return user


def token_owner(session: Session, token_id: int) -> int:
    """The id of the user a token belongs to, or ``NotFound``."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(MESSAGES.gettext("API token {token_id} does not exist", token_id=token_id))
    return token.user_id


def sign_out(session: Session, secret: str) -> None:
    """Revoke the token behind a browser session (unknown or already revoked: nothing to do)."""
    # One round trip: the token, its user and the user's roles (the roles are read by every role check).
    token = (
        session.execute(
            select(ApiToken)
            .where(ApiToken.token_hash == hash_token(secret))
            .options(joinedload(ApiToken.user).joinedload(User.role_grants))
        )
        .unique()
        .scalar_one_or_none()
    )
    if token is not None and token.revoked_at is None:
        token.revoked_at = clock.now()
        session.flush()
