"""Labels: the account's named, coloured tags that conversations hold by name."""

from __future__ import annotations

import pymongo

from hub.models.base import TenantDocument


class Label(TenantDocument):
    #: Trimmed and lower-cased: the key a conversation's ``labels`` hold ("Refund " is "refund").
    name: str
    #: ``#rrggbb``; shown as a dot beside the name (the text keeps the page's own contrast).
    colour: str
    description: str = ""

    class Settings:
        name = "labels"
        indexes = [pymongo.IndexModel([("account_id", 1), ("name", 1)], unique=True)]
