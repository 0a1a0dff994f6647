"""Channel secrets at rest: sealed with AES-GCM under a key derived from ``PARLEY_SECRET_KEY``.

A connector marks its secret config fields with ``hub.contract.SECRET``. The
hub seals those values when a channel is saved and opens them when it resolves
the channel, so connectors only ever see plain values and the database only
ever holds sealed ones. A sealed value is the string
``enc:v1:<key id>:<base64url(nonce | ciphertext+tag)>`` of the JSON of the
value; the field name is bound in as associated data, so a sealed value
cannot be moved to another field. ``seal_stored`` (at start-up) seals what is
still plain; ``rotate`` re-seals under the current key what was sealed under
``PARLEY_SECRET_KEY_PREVIOUS``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.contract import JsonObject, secret_fields
from hub.pipeline.registry import UnknownConnector
from hub.store import channels, signing_secrets

if TYPE_CHECKING:
    from hub.pipeline.registry import Registry

PREFIX = "enc:v1:"
INFO = b"parley/channel-secrets/v1"
#: The associated data of the signing secrets of subscriptions and bots (sealed like channel
#: secrets; a sealed value cannot be moved from one kind to the other).
SIGNING_FIELDS: dict[signing_secrets.SecretOwner, str] = {
    "subscription": "webhook.secret",
    "bot": "bot.secret",
}


class SecretUnreadable(Exception):
    """A sealed value no configured key opens (a wrong or missing previous key)."""


def derive(secret_key: str) -> bytes:
    """The 256-bit AES key for ``secret_key`` (HKDF-SHA256)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO)
    return hkdf.derive(secret_key.encode())


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"parley key id" + key).hexdigest()[:8]


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


class Cipher:
    """Seals with the current key; opens with the current or the previous one."""

    def __init__(self, secret_key: str, previous: str = "") -> None:
        if not secret_key:
            raise ValueError("PARLEY_SECRET_KEY is empty: channel secrets cannot be sealed")
        self._key = derive(secret_key)
        self.current = key_id(self._key)
        self._keys = {self.current: self._key}
        if previous:
            old = derive(previous)
            self._keys.setdefault(key_id(old), old)

    def seal(self, field: str, value: Any) -> str:
        nonce = os.urandom(12)
        data = AESGCM(self._key).encrypt(nonce, json.dumps(value).encode(), field.encode())
        token = base64.urlsafe_b64encode(nonce + data).decode().rstrip("=")
        return f"{PREFIX}{self.current}:{token}"

    def open(self, field: str, value: Any) -> Any:
        """The plain value of a sealed one; a plain value is returned as it is."""
        if not is_sealed(value):
            return value
        kid, _, token = value[len(PREFIX) :].partition(":")
        key = self._keys.get(kid)
        if key is None:
            raise SecretUnreadable(f"{field} is sealed under key {kid}, which is not configured")
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        try:
            plain = AESGCM(key).decrypt(raw[:12], raw[12:], field.encode())
        except InvalidTag:
            raise SecretUnreadable(f"{field} does not open under key {kid}") from None
        return json.loads(plain)

    def needs_sealing(self, value: Any) -> bool:
        """Plain, or sealed under another key than the current one."""
        if value is None:
            return False
        return not is_sealed(value) or not value.startswith(f"{PREFIX}{self.current}:")

    # ------------------------------------------------------------------ configs

    def seal_config(self, config: JsonObject, fields: tuple[str, ...]) -> JsonObject:
        """``config`` with every secret field sealed under the current key."""
        sealed = dict(config)
        for name in fields:
            value = sealed.get(name)
            if self.needs_sealing(value):
                sealed[name] = self.seal(name, self.open(name, value))
        return sealed

    def open_config(self, config: JsonObject) -> JsonObject:
        """``config`` with every sealed value opened."""
        if not any(is_sealed(v) for v in config.values()):
            return config
        return {k: self.open(k, v) for k, v in config.items()}


def fields_of(registry: Registry, type: str) -> tuple[str, ...]:
    """The secret fields of a channel type (none when its connector is not installed)."""
    try:
        return secret_fields(registry.get(type).Config)
    except UnknownConnector:
        return ()


async def seal_stored(
    cipher: Cipher, registry: Registry, plain_only: bool = False
) -> dict[str, int]:
    """Seal every stored channel secret that is plain (or, unless ``plain_only``, under an older key).

    Start-up seals what is plain; ``parley keys rotate`` re-seals the rest. Safe
    to run from several processes at once: each change is conditional on the
    value it replaces. Returns ``{"channels", "secrets", "unreadable"}``.
    """
    counts = {"channels": 0, "secrets": 0, "unreadable": 0}
    async for stored in channels.stored_configs_all_accounts():
        config = stored.config
        fields = [f for f in fields_of(registry, stored.type) if f in config]
        # A sealed value names itself: re-seal it even where no connector declares it.
        fields += [f for f, v in config.items() if is_sealed(v) and f not in fields]
        stale = {f: config[f] for f in fields if _stale(cipher, config[f], plain_only)}
        update: dict[str, str] = {}
        for name, value in stale.items():
            try:
                update[name] = cipher.seal(name, cipher.open(name, value))
            except SecretUnreadable:
                counts["unreadable"] += 1
        if not update:
            continue
        guard = {name: config[name] for name in update}
        if await channels.replace_config_values(stored.id, guard, update):
            counts["channels"] += 1
            counts["secrets"] += len(update)
    return counts


def _stale(cipher: Cipher, value: Any, plain_only: bool) -> bool:
    if plain_only:
        return value is not None and not is_sealed(value)
    return cipher.needs_sealing(value)


async def seal_signing_secrets(cipher: Cipher, plain_only: bool = False) -> dict[str, int]:
    """Seal every stored signing secret of subscriptions and bots that is plain (or, unless
    ``plain_only``, under an older key), each write conditional on the value it replaces.
    Returns ``{"signing_secrets", "unreadable"}``."""
    counts = {"signing_secrets": 0, "unreadable": 0}
    async for stored in signing_secrets.signing_secrets_all_accounts():
        if not _stale(cipher, stored.secret, plain_only):
            continue
        field = SIGNING_FIELDS[stored.owner]
        try:
            sealed = cipher.seal(field, cipher.open(field, stored.secret))
        except SecretUnreadable:
            counts["unreadable"] += 1
            continue
        if await signing_secrets.replace_signing_secret(
            stored.owner, stored.id, stored.secret, sealed
        ):
            counts["signing_secrets"] += 1
    return counts
