"""Accounts: the tenants. Plan, seats and add-ons live here."""

from __future__ import annotations

import datetime as dt

from beanie import Document
from pydantic import BaseModel, Field

from hub.contract import now


class Retention(BaseModel):
    """How long an account keeps personal data (days; ``None``: kept until erased).

    Validated by ``hub.tenants.retention.validate_retention``; applied by its purge.
    """

    #: Conversations resolved more than this many days ago go, with messages and files.
    conversations_days: int | None = None
    #: Notes on callback attempts older than this many days are cleared.
    callback_notes_days: int | None = None
    #: Presence and sign-in history older than this many days goes.
    activity_days: int | None = 30


class Account(Document):
    name: str
    plan: str  # "HUB" | "PRO"; see hub.plans
    seats: int
    addons: list[str] = []
    #: CRM look-up link for the contact panel, e.g. ``https://crm.example/search?phone={phone}``.
    crm_url_template: str | None = None
    slug: str | None = None
    retention: Retention = Field(default_factory=Retention)
    created_at: dt.datetime = Field(default_factory=now)

    class Settings:
        name = "accounts"
        indexes = [[("slug", 1)]]
