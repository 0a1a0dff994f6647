"""Teams: groups of agents a conversation can be routed or transferred to."""

from __future__ import annotations

from typing import Any

import pymongo

from hub.models.base import TenantDocument


class Team(TenantDocument):
    name: str
    #: The callback offer (``hub.centre.callback_settings``): ``{"enabled",
    #: "offer_when_wait_minutes", "offer_from", "offer_until", "windows",
    #: "requeue_after_minutes", "always_in_widget"}`` or None.
    callback: dict[str, Any] | None = None

    class Settings:
        name = "teams"
        indexes = [pymongo.IndexModel([("account_id", 1), ("name", 1)], unique=True)]
