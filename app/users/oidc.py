"""The OpenID provider as this application sees it: its discovery document, its signing keys, the code exchange,
and the ID tokens it signs, verified before anything in them is believed.

Only asymmetric signatures are accepted (never ``none``, never an HMAC keyed with a public key); the key is the
provider's, found by its ``kid`` in the provider's JWKS (fetched again once when a token names an unknown key, for
key rotation). The issuer, the audience (and ``azp`` when there are several), the expiry, the issue time and the
nonce are all checked against what this application expects, by the injectable clock.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from app import clock

log = logging.getLogger(__name__)

ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
"""The only signature algorithms an ID token may use: a public key verifies them, and none of them is ``none``."""
LEEWAY_SECONDS = 60
"""Clock difference tolerated between the provider and this server when checking exp and iat."""
HTTP_TIMEOUT_SECONDS = 10.0
METADATA_SECONDS = 3600
"""How long the discovery document and the keys are kept before being fetched again."""


class ProviderUnavailable(Exception):
    """The provider could not be reached, or answered something that is not what OpenID Connect promises."""


class TokenRefused(Exception):
    """The provider's answer or its ID token failed a check; the message says which (for the log, not the person)."""


@dataclass(frozen=True)
class ProviderMetadata:
    """What the application needs from the provider's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    algorithms: tuple[str, ...]


def _metadata_from(document: dict[str, Any], issuer: str) -> ProviderMetadata:
    """The discovery document's fields, checked: it must be the configured issuer's own and name its endpoints."""
    if document.get("issuer") != issuer:
        raise ProviderUnavailable(f"the discovery document names issuer {document.get('issuer')!r}, not {issuer!r}")
    missing = [name for name in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not document.get(name)]
    if missing:
        raise ProviderUnavailable(f"the discovery document lacks {', '.join(missing)}")
    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(alg for alg in offered if alg in ASYMMETRIC_ALGORITHMS)
    if not algorithms:
        raise ProviderUnavailable(f"the provider signs ID tokens with none of {', '.join(ASYMMETRIC_ALGORITHMS)}")
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        end_session_endpoint=document.get("end_session_endpoint") or None,
        algorithms=algorithms,
    )


class OidcProvider:
    """One configured OpenID provider: its metadata and keys, fetched when first needed and kept for an hour."""

    def __init__(self, issuer: str, client_id: str, client_secret: str | None, scopes: str) -> None:
        self.issuer = issuer  # compared exactly with the discovery document's and the tokens' iss
        self.client_id = client_id
        self._client_secret = client_secret
        self.scopes = scopes
        self._lock = threading.Lock()
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._keys: tuple[float, KeySet] | None = None

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=HTTP_TIMEOUT_SECONDS, follow_redirects=False)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"{url}: {exc.__class__.__name__}: {exc}") from None
        if not isinstance(document, dict):
            raise ProviderUnavailable(f"{url}: not a JSON object")
        return document

    def metadata(self) -> ProviderMetadata:
        """The provider's discovery document (``ISSUER/.well-known/openid-configuration``), checked and cached."""
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata[0] < METADATA_SECONDS:
                return self._metadata[1]
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        metadata = _metadata_from(self._get_json(url), self.issuer)
        with self._lock:
            self._metadata = (time.monotonic(), metadata)
        return metadata

    def keys(self, refresh: bool = False) -> KeySet:
        """The provider's public signing keys (its JWKS), cached; ``refresh`` fetches them again."""
        with self._lock:
            if not refresh and self._keys and time.monotonic() - self._keys[0] < METADATA_SECONDS:
                return self._keys[1]
        document = self._get_json(self.metadata().jwks_uri)
        try:
            public = [
                key for key in document.get("keys", []) if "d" not in key and key.get("kty") in {"RSA", "EC", "OKP"}
            ]
            keys = KeySet.import_key_set({"keys": public})
        except (JoseError, ValueError, TypeError) as exc:
            raise ProviderUnavailable(f"the provider's JWKS cannot be read: {exc}") from None
        with self._lock:
            self._keys = (time.monotonic(), keys)
        return keys

    def authorization_url(self, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the browser: the provider's authorisation endpoint with state, nonce and the PKCE challenge."""
        return prepare_grant_uri(
            self.metadata().authorization_endpoint,
            self.client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=self.scopes,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(code_verifier),
            code_challenge_method="S256",
        )

    def exchange_code(self, redirect_uri: str, code: str, code_verifier: str) -> str:
        """Trade the authorisation code (and the PKCE verifier) for tokens at the token endpoint; the ID token."""
        extra = {} if self._client_secret else {"client_id": self.client_id}  # a public client names itself
        body = prepare_token_request(
            "authorization_code", redirect_uri=redirect_uri, code=code, code_verifier=code_verifier, **extra
        )
        auth = (self.client_id, self._client_secret) if self._client_secret else None  # client_secret_basic
        try:
            response = httpx.post(
                self.metadata().token_endpoint,
                content=body,
                auth=auth,
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                timeout=HTTP_TIMEOUT_SECONDS,
            )
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"token endpoint: {exc.__class__.__name__}: {exc}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200 or not isinstance(answer, dict):
            error = answer.get("error") if isinstance(answer, dict) else None
            raise TokenRefused(f"the token endpoint refused the code: {response.status_code} {error or ''}".strip())
        id_token = answer.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise TokenRefused("the token endpoint answered without an ID token")
        return id_token

    def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The claims of ``id_token`` once its signature and claims pass every check; ``TokenRefused`` otherwise."""
        metadata = self.metadata()
        try:
            return verify_id_token(
                id_token, self.keys(), issuer=metadata.issuer, client_id=self.client_id, nonce=nonce,
                algorithms=metadata.algorithms,
            )  # fmt: skip
        except UnknownKey:
            return verify_id_token(
                id_token, self.keys(refresh=True), issuer=metadata.issuer, client_id=self.client_id, nonce=nonce,
                algorithms=metadata.algorithms,
            )  # fmt: skip


class UnknownKey(TokenRefused):
    """The token names a key the provider's JWKS does not hold (yet: the keys may have rotated)."""


def verify_id_token(
    id_token: str, keys: KeySet, *, issuer: str, client_id: str, nonce: str, algorithms: tuple[str, ...]
) -> dict[str, Any]:
    """The claims of a signed ID token after checking signature, iss, aud (and azp), exp, iat, sub and nonce."""
    allowed = [alg for alg in algorithms if alg in ASYMMETRIC_ALGORITHMS]
    try:
        token = jwt.decode(id_token, keys, algorithms=allowed)
    except InvalidKeyIdError:  # no key of this kid in the provider's set (yet: keys rotate)
        raise UnknownKey("the token names a key the provider's JWKS does not hold") from None
    except JoseError as exc:
        raise TokenRefused(f"the signature is not the provider's: {exc.error}") from None
    except Exception as exc:  # a token that is not even a JWS (bad base64, bad JSON)
        raise TokenRefused(f"not a signed token: {exc.__class__.__name__}") from None
    if token.header.get("alg") not in allowed:
        raise TokenRefused(f"signed with {token.header.get('alg')!r}, which is not allowed")
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        now=lambda: int(clock.now().timestamp()),
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        sub={"essential": True},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        reason = f"{exc.error} {exc.description or ''}".strip()
        raise TokenRefused(f"the ID token's claims are not acceptable: {reason}") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise TokenRefused("the ID token is meant for several clients but its azp is not this application")
    return claims
