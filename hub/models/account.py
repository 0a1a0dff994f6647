"""Accounts: the tenants. Plan, seats and add-ons live here."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
    #: The satisfaction survey sent on resolve (``hub.centre.csat.answers``).
    csat: dict[str, Any] | None = None
    #: The default language of the account's pages and mails (en, da, sv, nb, nl, fr).
    language: str = "en"
    #: The account's IANA time zone: report days, business hours, the times pages show.
    timezone: str = "UTC"
    #: Wallboard colours: ``{"wait_amber_minutes", "wait_red_minutes", "waiting_amber", "waiting_red"}``.
    wallboard_thresholds: dict[str, int] = {}
    #: ``{"mon": [["09:00", "17:00"]], …}``; days without an entry are closed. None: always open.
    business_hours: dict[str, Any] | None = None
    #: Days the business is closed (``YYYY-MM-DD``), on top of ``business_hours``.
    holidays: list[str] = []
    number_lookup: dict[str, Any] | None = None
    retention: Retention = Field(default_factory=Retention)
    created_at: dt.datetime = Field(default_factory=now)

    class Settings:
        name = "accounts"
        indexes = [[("slug", 1)]]
