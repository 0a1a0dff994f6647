"""How outbound webhooks are signed: our ``Parley-Signature`` and the Standard Webhooks headers.

Standard Webhooks (standardwebhooks.com) is what receivers' libraries verify:
``webhook-id`` (the event's id, the same on every retry and redelivery),
``webhook-timestamp`` (unix seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"<webhook-id>.<webhook-timestamp>.<body>">``, keyed with the base64-decoded part of the
secret after its ``whsec_`` prefix. While a secret is being rotated, each header carries
one signature per secret, space-separated (``webhook-signature``) or as repeated ``v1=``
(``Parley-Signature``), the new secret's first.

Old secrets keep working unchanged: ``Parley-Signature`` is still keyed with the whole
secret string, and the secrets made before (``whsec_`` + 48 hex digits for subscriptions,
64 hex digits for bots) are valid base64, so a Standard Webhooks library given the secret
as it was shown derives the same key we sign with. A secret that is not base64 at all
(only a hand-made one) is used as its UTF-8 bytes: such a receiver passes those bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence

PREFIX = "whsec_"
PARLEY_HEADER = "Parley-Signature"


def new_secret() -> str:
    """A new signing secret: ``whsec_`` and the base64 of 24 random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def key_of(secret: str) -> bytes:
    """The Standard Webhooks key of ``secret``, derived as the spec's libraries derive it."""
    body = secret.removeprefix(PREFIX)
    try:
        key = base64.b64decode(body + "==")
    except (binascii.Error, ValueError):
        return secret.encode()
    return key or secret.encode()


def standard(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``webhook-signature`` entry: ``v1,<base64 HMAC-SHA256>``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def parley_mac(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<t>.<body>"`` keyed with the whole secret (``Parley-Signature``)."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def headers(keys: Sequence[str], msg_id: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The signature headers of one POST, signed with every secret of ``keys`` (current first)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(standard(k, msg_id, timestamp, body) for k in keys),
        PARLEY_HEADER: ",".join(
            [f"t={timestamp}", *(f"v1={parley_mac(k, timestamp, body)}" for k in keys)]
        ),
    }
