"""The ID token checks, one rule at a time, with tokens signed here by a key of our own (no provider needed)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from app import clock
from app.config import ConfigError, load_settings, parse_role_map
from app.users.models import Role
from app.users.oidc import ProviderUnavailable, TokenRefused, UnknownKey, _metadata_from, verify_id_token
from app.users.sso import SsoRefused, roles_from_claims

ISSUER = "https://login.example.org"
CLIENT = "agreements"
NONCE = "n-0S6_WzA2Mj"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
KEY = RSAKey.generate_key(2048, parameters={"kid": "key-1", "alg": "RS256", "use": "sig"}, private=True)
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "key-1"}, private=True)


def _keys():
    from joserfc.jwk import KeySet

    return KeySet.import_key_set({"keys": [KEY.as_dict(private=False)]})


def _claims(**changes: object) -> dict:
    at = int(NOW.timestamp())
    claims = {
        "iss": ISSUER,
        "sub": "u-1",
        "aud": CLIENT,
        "exp": at + 300,
        "iat": at,
        "nonce": NONCE,
        "groups": ["legal"],
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _sign(claims: dict, key=KEY, alg: str = "RS256", kid: str | None = "key-1") -> str:
    header = {"alg": alg, **({"kid": kid} if kid else {})}
    return jwt.encode(header, claims, key, algorithms=[alg])


def _verify(token: str, nonce: str = NONCE) -> dict:
    with clock.frozen_at(NOW):
        return verify_id_token(token, _keys(), issuer=ISSUER, client_id=CLIENT, nonce=nonce, algorithms=("RS256",))


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_good_token_gives_its_claims() -> None:
    assert _verify(_sign(_claims()))["groups"] == ["legal"]


def test_a_changed_payload_breaks_the_signature() -> None:
    header, _, signature = _sign(_claims()).split(".")
    forged = ".".join([header, _b64(_claims(groups=["it"])), signature])
    with pytest.raises(TokenRefused, match="signature"):
        _verify(forged)


def test_a_token_signed_by_another_key_is_refused() -> None:
    with pytest.raises(TokenRefused):
        _verify(_sign(_claims(), key=OTHER_KEY))


def test_a_token_naming_an_unknown_key_asks_for_the_keys_again() -> None:
    with pytest.raises(UnknownKey):
        _verify(_sign(_claims(), kid="rotated"))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "someone-else"}, "aud"),
        ({"aud": [CLIENT, "someone-else"]}, "azp"),
        ({"iss": "https://evil.example.org"}, "iss"),
        ({"exp": int(NOW.timestamp()) - 61}, "exp"),
        ({"exp": None}, "exp"),
        ({"iat": int(NOW.timestamp()) + 3600}, "issued in the future"),
        ({"iat": None}, "iat"),
        ({"nonce": "replayed-nonce"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"sub": None}, "sub"),
    ],
)
def test_every_claim_is_checked(changes: dict, reason: str) -> None:
    with pytest.raises(TokenRefused, match=reason):
        _verify(_sign(_claims(**changes)))


def test_several_audiences_need_azp_naming_this_application() -> None:
    assert _verify(_sign(_claims(aud=[CLIENT, "other"], azp=CLIENT)))["sub"] == "u-1"


def test_expiry_follows_the_injectable_clock_with_a_minute_of_leeway() -> None:
    token = _sign(_claims(exp=int(NOW.timestamp()) - 30))
    assert _verify(token)["sub"] == "u-1"


def test_alg_none_is_refused() -> None:
    unsigned = ".".join([_b64({"alg": "none", "kid": "key-1"}), _b64(_claims()), ""])
    with pytest.raises(TokenRefused):
        _verify(unsigned)


def test_an_hmac_keyed_with_the_public_key_is_refused() -> None:
    public_pem = KEY.as_pem(private=False)  # the classic confusion: HS256 "signed" with the provider's public key
    signing_input = f"{_b64({'alg': 'HS256', 'kid': 'key-1'})}.{_b64(_claims())}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(TokenRefused):
        _verify(forged)


def test_garbage_is_refused() -> None:
    for value in ("", "abc", "a.b.c", "x" * 5000):
        with pytest.raises(TokenRefused):
            _verify(value)


def test_the_discovery_document_must_be_the_issuers_and_offer_an_asymmetric_algorithm() -> None:
    document = {"issuer": ISSUER, "authorization_endpoint": "a", "token_endpoint": "t", "jwks_uri": "j"}
    assert _metadata_from(document, ISSUER).algorithms == ("RS256",)
    with pytest.raises(ProviderUnavailable, match="issuer"):
        _metadata_from({**document, "issuer": "https://evil.example.org"}, ISSUER)
    with pytest.raises(ProviderUnavailable, match="none of"):
        _metadata_from({**document, "id_token_signing_alg_values_supported": ["none", "HS256"]}, ISSUER)
    with pytest.raises(ProviderUnavailable, match="jwks_uri"):
        _metadata_from({**document, "jwks_uri": ""}, ISSUER)


def _settings(**values: object):
    base = {"oidc_issuer": ISSUER, "oidc_client_id": CLIENT, "oidc_role_map": "legal=legal_officer,it=admin"}
    return load_settings(**{**base, **values})


def test_roles_come_from_the_mapped_groups() -> None:
    settings = _settings()
    assert roles_from_claims({"groups": ["legal", "it", "canteen"]}, settings) == [Role.ADMIN, Role.LEGAL_OFFICER]
    assert roles_from_claims({"groups": "legal"}, settings) == [Role.LEGAL_OFFICER]
    with pytest.raises(SsoRefused, match="no_role"):
        roles_from_claims({"groups": ["canteen"]}, settings)
    with pytest.raises(SsoRefused, match="no_role"):
        roles_from_claims({}, settings)
    assert roles_from_claims({}, _settings(oidc_default_role="viewer")) == [Role.VIEWER]
    other_claim = _settings(oidc_roles_claim="roles")
    assert roles_from_claims({"roles": ["it"], "groups": ["legal"]}, other_claim) == [Role.ADMIN]


def test_the_role_map_reads_pairs_or_json() -> None:
    assert parse_role_map("a=admin, b c=viewer") == {"a": "admin", "b c": "viewer"}
    assert parse_role_map('{"cn=Legal,ou=Groups": "legal_officer"}') == {"cn=Legal,ou=Groups": "legal_officer"}
    assert parse_role_map("") == {}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"oidc_role_map": "legal=boss"}, "unknown role 'boss'"),
        ({"oidc_role_map": "legal"}, "is not group=role"),
        ({"oidc_role_map": "{bad json"}, "not a valid JSON object"),
        ({"oidc_client_id": None}, "AGREEMENTS_OIDC_CLIENT_ID"),
        ({"oidc_role_map": ""}, "AGREEMENTS_OIDC_ROLE_MAP"),
        ({"oidc_scopes": "email"}, "must include openid"),
        ({"oidc_issuer": "login.example.org"}, "http(s) URL"),
        ({"oidc_default_role": "king"}, "unknown role"),
        ({"oidc_issuer": None, "password_sign_in": False}, "needs single sign-on"),
    ],
)
def test_settings_are_checked_at_start_up(values: dict, message: str) -> None:
    with pytest.raises(ConfigError, match="invalid setting") as raised:
        _settings(**values)
    assert message in str(raised.value)
