"""The VIP list: an account's normalized addresses whose conversations go first."""

from __future__ import annotations

import pymongo

from hub.models.base import TenantDocument


class VipList(TenantDocument):
    #: Address keys: ``phone:+4512345678`` (E.164) and ``email:ann@example.com`` (lower case).
    addresses: list[str] = []

    class Settings:
        name = "vip_lists"
        indexes = [pymongo.IndexModel([("account_id", 1)], unique=True)]
