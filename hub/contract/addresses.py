"""Addresses and their kinds: data a connector declares, read by search, the API and contact panels.

A kind groups addresses that name the same person across channels: an SMS
number and a WhatsApp number are both ``phone`` with the E.164 value, so they
find the same contact. A connector with its own kind of address (Telegram's
chat ids, say) declares one ``AddressKind`` and sets it as its
``Capabilities.address_kind``; nothing else in the hub lists kinds.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

KIND_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
#: Line breaks and other control characters: never part of a name, subject or address.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
#: What separates the items of an address list, or wraps an address in a display form.
_LIST = re.compile(r"[,;<>]")


def one_line(value: str, what: str = "it") -> str:
    """``value`` unchanged if it is one line; ``ValueError`` if it holds CR, LF or another
    control character (a name, a subject: header injection is refused at the edge)."""
    if _CONTROL.search(value):
        raise ValueError(f"{what} must be one line, without CR, LF or control characters")
    return value


def one_address(value: str, what: str = "the address") -> str:
    """``value`` unchanged if it is one address; ``ValueError`` for CR/LF and control
    characters, a list (``,`` or ``;``), a display form (``Ann <ann@…>``), or an email
    address with spaces or more than one ``@``."""
    one_line(value, what)
    if _LIST.search(value):
        raise ValueError(f"{what} must be one address, not a list or a display name")
    if "@" in value and (value.count("@") != 1 or any(c.isspace() for c in value.strip())):
        raise ValueError(f"{what} must be one email address like ann@example.com")
    return value


class AddressKind(BaseModel):
    """One kind of contact address: its name (the prefix of a contact key) and how it reads.

    Every kind declared in the process is known by name (``AddressKind.known``), so
    an address key read back from the database keeps its meaning.
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=KIND_PATTERN)
    #: For people: "Phone", "Email", "Chat visitor", "Telegram chat".
    label: str
    #: Addresses that differ only in case are one (email).
    fold_case: bool = False
    #: Whether a contact's panel and the API show it as the contact's ``email``/``phone``.
    contact_field: str | None = None
    #: What text must look like to be read as an address of this kind (after removing
    #: ``ignored_chars``); ``None``: any text may be one, but none is recognized by its look.
    pattern: str | None = None
    #: Characters people type inside such addresses that are not part of them ("+45 12-34").
    ignored_chars: str = ""

    _known: ClassVar[dict[str, AddressKind]] = {}

    def model_post_init(self, context: object, /) -> None:
        AddressKind._known.setdefault(self.name, self)

    @classmethod
    def known(cls) -> dict[str, AddressKind]:
        """Every kind declared so far, by name."""
        return dict(cls._known)

    @classmethod
    def named(cls, name: str) -> AddressKind:
        """The kind called ``name``; an unknown name reads as a plain kind of its own."""
        return cls._known.get(name) or AddressKind(name=name, label=name)

    def normalize(self, value: str) -> str:
        """The value as it is compared and stored in a contact key."""
        return value.lower() if self.fold_case else value

    def recognize(self, text: str) -> str | None:
        """The address value ``text`` is, if it looks like one of this kind (``pattern``)."""
        if self.pattern is None:
            return None
        value = text.strip()
        for char in self.ignored_chars:
            value = value.replace(char, "")
        return value if re.fullmatch(self.pattern, value) else None

    def candidate(self, text: str) -> str | None:
        """The value to look ``text`` up as (search): recognized, or as typed for a kind
        without a pattern; ``None`` when it cannot be one of this kind."""
        if self.pattern is None:
            return text.strip() or None
        return self.recognize(text)


PHONE = AddressKind(
    name="phone",
    label="Phone",
    contact_field="phone",
    pattern=r"\+?[0-9]{3,15}",
    ignored_chars=" -",
)
EMAIL = AddressKind(
    name="email", label="Email", fold_case=True, contact_field="email", pattern=r"[^@\s]+@[^@\s]+"
)
VISITOR = AddressKind(name="visitor", label="Chat visitor")
OTHER = AddressKind(name="other", label="Other")


class Address(BaseModel):
    """A contact's address on a channel: its kind's name and the value."""

    kind: str
    value: str
    name: str | None = None

    @field_validator("kind")
    @classmethod
    def _kind_name(cls, value: str) -> str:
        if not re.fullmatch(KIND_PATTERN, value):
            raise ValueError("an address kind is a short lowercase name")
        return value

    @property
    def key(self) -> str:
        """``kind:value``, the contact key it is found by."""
        return f"{self.kind}:{AddressKind.named(self.kind).normalize(self.value)}"

    @classmethod
    def from_key(cls, key: str) -> Address:
        """The address a contact key names (``phone:+45…``)."""
        kind, _, value = key.partition(":")
        if not value or not re.fullmatch(KIND_PATTERN, kind):
            return cls(kind=OTHER.name, value=key)
        return cls(kind=kind, value=value)
