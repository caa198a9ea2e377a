"""Single sign-on through an OpenID provider (authorisation code flow with PKCE), ending in the same session as a
password sign-in.

- **Start**: a random state, nonce and PKCE verifier are kept server side (``SsoSignInRequest``, ten minutes), keyed
  by the state's SHA-256 and bound to the browser by the SHA-256 of a random value in that browser's cookie.
- **Finish**: the request is taken once (deleted and committed before anything else, so a replayed state finds
  nothing), the code is exchanged, the ID token verified (``app.users.oidc``), and the person found by
  (issuer, subject) or provisioned. Their roles are recomputed from the provider's groups at every sign-in.
- An existing local account with the same e-mail is linked only when the provider says the e-mail is verified and the
  account has no other identity at this provider; otherwise the sign-in is refused. A deactivated user is refused.

Like ``sign_in``, these functions own their transactions (the provider is called outside any transaction).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import flag_modified

from app import clock
from app.audit.recorder import ACTOR as AUDIT_ACTOR
from app.config import Settings, parse_role_map
from app.db import unit_of_work
from app.users.models import Role, SsoIdentity, SsoSignInRequest, User, UserRole
from app.users.oidc import OidcProvider, ProviderUnavailable, TokenRefused
from app.users.service import find_user_by_email, issue_session_token

log = logging.getLogger(__name__)

REQUEST_MINUTES = 10
"""How long a person has to sign in at the provider once sent there."""
CALLBACK_PATH = "/sign-in/sso/callback"


class Refusal(enum.StrEnum):
    """Why a single sign-on did not sign anyone in (the page says it in words)."""

    EXPIRED = "stale_request"  # unknown, used, or expired state: start again
    OTHER_BROWSER = "other_browser"  # the state was started in another browser
    PROVIDER_ERROR = "provider_error"  # the provider sent back an error (e.g. the person cancelled)
    UNAVAILABLE = "unavailable"  # the provider cannot be reached
    TOKEN = "token"  # the code or the ID token failed a check
    NO_EMAIL = "no_email"
    EMAIL_TAKEN = "email_taken"
    NO_ROLE = "no_role"
    DEACTIVATED = "deactivated"


class SsoRefused(Exception):
    """A single sign-on was refused; ``reason`` says why."""

    def __init__(self, reason: Refusal, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason


@dataclass(frozen=True)
class Started:
    """Where to send the browser, and the secret its cookie must hold when it comes back."""

    url: str
    browser_secret: str


@dataclass(frozen=True)
class SignedInThroughSso:
    """A finished single sign-on: the user, their session's secret, where they were heading, and the ID token."""

    user_id: int
    session_secret: str
    next_url: str
    id_token: str


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def provider_for(settings: Settings) -> OidcProvider:
    """A provider client for the configured issuer."""
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    assert settings.oidc_issuer and settings.oidc_client_id  # Settings refuses single sign-on without them
    return OidcProvider(settings.oidc_issuer, settings.oidc_client_id, secret, settings.oidc_scopes)


def redirect_uri(settings: Settings) -> str:
    """The callback address registered at the provider."""
    return (settings.oidc_redirect_base_url or settings.base_url).rstrip("/") + CALLBACK_PATH


def start_sign_in(factory: sessionmaker[Session], provider: OidcProvider, settings: Settings, next_url: str) -> Started:
    """Remember a new sign-in (state, nonce, PKCE verifier) and say where to send the browser."""
    state, nonce, verifier, browser = (secrets.token_urlsafe(32) for _ in range(4))
    url = provider.authorization_url(redirect_uri(settings), state, nonce, verifier)  # ProviderUnavailable
    now = clock.now()
    with unit_of_work(factory) as session:
        session.execute(delete(SsoSignInRequest).where(SsoSignInRequest.expires_at < now))
        session.add(
            SsoSignInRequest(
                state_hash=_digest(state),
                browser_hash=_digest(browser),
                nonce=nonce,
                code_verifier=verifier,
                next_url=next_url if len(next_url) <= 2000 else "/dashboard",
                expires_at=now + timedelta(minutes=REQUEST_MINUTES),
            )
        )
    return Started(url, browser)


def _take_request(factory: sessionmaker[Session], state: str, browser_secret: str) -> SsoSignInRequest:
    """The sign-in this state started, deleted (committed) so that it is used once; refused when not this browser's."""
    with unit_of_work(factory) as session:
        found = session.scalar(select(SsoSignInRequest).where(SsoSignInRequest.state_hash == _digest(state)))
        if found is None:
            raise SsoRefused(Refusal.EXPIRED, "unknown or already used state")
        session.expunge(found)
        taken = session.execute(delete(SsoSignInRequest).where(SsoSignInRequest.id == found.id))
    if taken.rowcount != 1:  # type: ignore[attr-defined]  (another callback with the same state took it first)
        raise SsoRefused(Refusal.EXPIRED, "state used concurrently")
    if found.expires_at <= clock.now():
        raise SsoRefused(Refusal.EXPIRED, "the sign-in request expired")
    if not browser_secret or not hmac.compare_digest(found.browser_hash, _digest(browser_secret)):
        raise SsoRefused(Refusal.OTHER_BROWSER, "the state belongs to another browser")
    return found


def finish_sign_in(
    factory: sessionmaker[Session],
    provider: OidcProvider,
    settings: Settings,
    *,
    code: str,
    state: str,
    browser_secret: str,
) -> SignedInThroughSso:
    """Check the provider's answer and sign the person in (provisioned on first sign-in, roles recomputed)."""
    request = _take_request(factory, state, browser_secret)
    try:
        id_token = provider.exchange_code(redirect_uri(settings), code, request.code_verifier)
        claims = provider.verify(id_token, request.nonce)
    except TokenRefused as exc:
        raise SsoRefused(Refusal.TOKEN, str(exc)) from None
    except ProviderUnavailable as exc:
        raise SsoRefused(Refusal.UNAVAILABLE, str(exc)) from None
    roles = roles_from_claims(claims, settings)
    with unit_of_work(factory) as session:
        groups = groups_of(claims, settings.oidc_roles_claim)
        user = _user_for(session, provider.issuer, claims, roles, groups)
        _, secret = issue_session_token(session, user)
        user_id = user.id
    return SignedInThroughSso(user_id, secret, request.next_url, id_token)


def groups_of(claims: dict[str, Any], claim: str) -> list[str]:
    """The person's groups in the configured claim: a list of strings, or one string."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def roles_from_claims(claims: dict[str, Any], settings: Settings) -> list[Role]:
    """The roles the provider's groups give (AGREEMENTS_OIDC_ROLE_MAP), else the default role, else refused."""
    mapping = parse_role_map(settings.oidc_role_map)
    roles = {Role(mapping[group]) for group in groups_of(claims, settings.oidc_roles_claim) if group in mapping}
    if not roles and settings.oidc_default_role:
        roles = {Role(settings.oidc_default_role)}
    if not roles:
        raise SsoRefused(Refusal.NO_ROLE, f"none of the groups in {settings.oidc_roles_claim!r} is mapped to a role")
    return sorted(roles)


def _user_for(session: Session, issuer: str, claims: dict[str, Any], roles: list[Role], groups: list[str]) -> User:
    """The user of (issuer, subject): found, linked to a local account of the same verified e-mail, or created."""
    subject = str(claims["sub"])
    if not 1 <= len(subject) <= 255:  # OpenID Connect: at most 255 ASCII characters
        raise SsoRefused(Refusal.TOKEN, "the subject is empty or longer than 255 characters")
    identity = session.scalar(select(SsoIdentity).where(SsoIdentity.issuer == issuer, SsoIdentity.subject == subject))
    if identity is None:
        found = _account_to_link_or_create(session, issuer, claims)
        session.flush()  # a new account is recorded as provisioned by the system; what follows as the person's
        session.info[AUDIT_ACTOR] = found.id
        identity = SsoIdentity(issuer=issuer, subject=subject, user=found)
        session.add(identity)
    user = identity.user
    session.info[AUDIT_ACTOR] = user.id  # the identity, the roles and the session are recorded as theirs
    if not user.is_active:
        raise SsoRefused(Refusal.DEACTIVATED, f"user {user.id} is deactivated")
    name = claims.get("name")
    if isinstance(name, str) and name.strip() and name.strip()[:200] != user.full_name:
        user.full_name = name.strip()[:200]
    _set_roles(user, roles)
    identity.groups = ",".join(sorted(set(groups)))[:2000] or None
    identity.last_sign_in_at = clock.now()
    session.flush()
    return user


def _account_to_link_or_create(session: Session, issuer: str, claims: dict[str, Any]) -> User:
    """A first sign-in: the local account of the same e-mail when safe to link, or a new account."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SsoRefused(Refusal.NO_EMAIL, "the provider gave no e-mail address")
    email = email.strip().lower()
    existing = find_user_by_email(session, email)
    if existing is None:
        name = claims.get("name") if isinstance(claims.get("name"), str) else None
        user = User(email=email[:254], full_name=(name or email).strip()[:200], password_hash=None, is_active=True)
        session.add(user)
        return user
    linked_here = session.scalar(
        select(SsoIdentity.id).where(SsoIdentity.user_id == existing.id, SsoIdentity.issuer == issuer)
    )
    if claims.get("email_verified") is not True or linked_here is not None:
        raise SsoRefused(Refusal.EMAIL_TAKEN, f"user {existing.id} has this e-mail; not linked")
    return existing


def _set_roles(user: User, roles: list[Role]) -> None:
    """Give ``user`` exactly ``roles``, keeping the rows of the roles they keep ((user, role) is unique)."""
    if set(user.roles) == set(roles):
        return
    kept = [grant for grant in user.role_grants if grant.role in roles]
    held = {grant.role for grant in kept}
    user.role_grants = kept + [UserRole(role=role) for role in roles if role not in held]
    flag_modified(user, "full_name")  # a change of roles gives the user a new version, as an administrator's does


def end_session_url(provider: OidcProvider, settings: Settings, id_token: str | None) -> str | None:
    """The provider's sign-out address (RP-initiated logout) coming back to the sign-in page, when it has one."""
    from urllib.parse import urlencode

    try:
        endpoint = provider.metadata().end_session_endpoint
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    back = (settings.oidc_redirect_base_url or settings.base_url).rstrip("/") + "/sign-in"
    query = {"client_id": provider.client_id, "post_logout_redirect_uri": back}
    if id_token:
        query["id_token_hint"] = id_token
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(query)
