"""Standard Webhooks signatures: what the dispatcher sends verifies; a tampered body or an old timestamp does not."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from app.webhooks.signing import InvalidSignature, headers_for, new_secret, sign, verify

AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
BODY = '{"data": {"entity_id": 7}, "timestamp": "2027-03-01T09:00:00Z", "type": "webhook.test"}'


def test_a_secret_is_whsec_and_32_random_bytes():
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_") and len(base64.b64decode(first[6:])) == 32 and first != second


def test_the_signature_is_the_hmac_of_id_timestamp_and_body_as_the_standard_says():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    expected = hmac.new(base64.b64decode(secret[6:]), f"msg_1.1614265330.{BODY}".encode(), hashlib.sha256).digest()
    assert sign(secret, "msg_1", 1614265330, BODY) == "v1," + base64.b64encode(expected).decode()


def test_the_headers_verify_within_the_tolerance():
    secret = new_secret()
    headers = headers_for(secret, "msg_abc", AT, BODY)
    assert headers["webhook-timestamp"] == str(int(AT.timestamp()))
    verify(secret, headers, BODY.encode(), AT + timedelta(minutes=4))
    rotated = {**headers, "webhook-signature": "v1,bm90IGl0 " + headers["webhook-signature"]}
    verify(secret, rotated, BODY, AT)  # one of several signatures (a rotation) is enough


@pytest.mark.parametrize(
    "change",
    ["tampered body", "other secret", "other id", "old timestamp", "future timestamp", "no signature", "bad stamp"],
)
def test_a_changed_message_does_not_verify(change):
    secret = new_secret()
    headers = headers_for(secret, "msg_abc", AT, BODY)
    body, now, key = BODY, AT, secret
    if change == "tampered body":
        body = BODY.replace("7", "8")
    elif change == "other secret":
        key = new_secret()
    elif change == "other id":
        headers["webhook-id"] = "msg_abd"
    elif change == "old timestamp":
        now = AT + timedelta(minutes=6)
    elif change == "future timestamp":
        now = AT - timedelta(minutes=6)
    elif change == "no signature":
        del headers["webhook-signature"]
    else:
        headers["webhook-timestamp"] = "yesterday"
    with pytest.raises(InvalidSignature):
        verify(key, headers, body, now)
