"""Contacts: the people who write in, with their addresses on every channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pymongo

from hub.models.base import TenantDocument


class Contact(TenantDocument):
    name: str | None = None
    #: Address keys such as ``phone:+4512345678`` or ``email:ann@example.com``.
    addresses: list[str]
    #: The address the contact was first seen with; unique per account.
    primary_address: str
    email: str | None = None
    phone: str | None = None
    vip: bool = False
    attributes: dict[str, Any] = {}
    #: Words of the name and address values, case-folded (``hub.store.search``).
    terms: list[str] = []
    #: When the contact last got an automatic reply (at most one a day: RFC 3834).
    auto_replied_at: dt.datetime | None = None

    class Settings:
        name = "contacts"
        indexes = [
            pymongo.IndexModel([("account_id", 1), ("primary_address", 1)], unique=True),
            # A contact by any of its addresses (the arrival's upsert; docs/indexes.md).
            [("account_id", 1), ("addresses", 1)],
            # Word search: a surname's prefix at any age (hub.store.search).
            [("account_id", 1), ("terms", 1)],
            # The API's list, newest first in time windows (hub.store.paging).
            [("account_id", 1), ("created_at", -1)],
        ]
