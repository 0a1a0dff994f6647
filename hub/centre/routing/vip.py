"""The VIP list: normalized phone numbers (E.164) and email addresses whose conversations go first.

A conversation is ``vip: true`` when its contact is marked VIP or has an address on the
list, whether the contact existed before or was created by this very message
(``hub.pipeline.ingest`` asks ``is_vip`` when it opens a conversation).
"""

from __future__ import annotations

import re

from beanie import PydanticObjectId

from hub.models import Contact
from hub.store import vip as vip_store

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ADDRESSES = 5000


class InvalidAddress(ValueError):
    """An address that is neither an E.164 phone number nor an email address."""

    def __init__(self, index: int, value: str) -> None:
        super().__init__(f"addresses[{index}]: {value!r} is not an E.164 phone number or an email")
        self.index = index


def normalize(value: str) -> str | None:
    """``phone:+4512345678`` or ``email:ann@example.com`` for a phone or email; None otherwise."""
    raw = value.strip()
    if "@" in raw:
        raw = raw.removeprefix("email:").lower()
        return f"email:{raw}" if _EMAIL.match(raw) else None
    phone = re.sub(r"[\s().-]", "", raw.removeprefix("phone:"))
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    return f"phone:{phone}" if _E164.match(phone) else None


def display(key: str) -> str:
    """The address as people write it (the key without its kind)."""
    return key.partition(":")[2]


def normalize_all(values: list[str]) -> list[str]:
    """Every address normalized and de-duplicated, in order; ``InvalidAddress`` for a bad one."""
    out: list[str] = []
    for index, value in enumerate(values):
        key = normalize(value) if isinstance(value, str) else None
        if key is None:
            raise InvalidAddress(index, str(value))
        out.append(key)
    return list(dict.fromkeys(out))


async def addresses(account_id: PydanticObjectId) -> list[str]:
    """The account's VIP address keys."""
    return await vip_store.addresses(account_id)


async def replace(account_id: PydanticObjectId, values: list[str]) -> list[str]:
    """Store ``values`` (normalized) as the account's whole VIP list; returns the keys."""
    if len(values) > MAX_ADDRESSES:
        raise ValueError(f"addresses: at most {MAX_ADDRESSES}")
    keys = normalize_all(values)
    await vip_store.replace(account_id, keys)
    return keys


async def is_vip(account_id: PydanticObjectId, contact: Contact | None, address_key: str) -> bool:
    """Whether a conversation with ``contact`` at ``address_key`` is a VIP's."""
    if contact is not None and contact.vip:
        return True
    listed = set(await addresses(account_id))
    keys = {address_key, *(contact.addresses if contact else [])}
    return bool(listed & keys)
