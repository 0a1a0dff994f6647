"""Accounts: the tenants. Plan, seats and add-ons live here."""

from __future__ import annotations

import datetime as dt

from beanie import Document
from pydantic import Field

from hub.contract import now


class Account(Document):
    name: str
    plan: str  # "HUB" | "PRO"; see hub.plans
    seats: int
    addons: list[str] = []
    #: CRM look-up link for the contact panel, e.g. ``https://crm.example/search?phone={phone}``.
    crm_url_template: str | None = None
    slug: str | None = None
    #: The default language of the account's pages and mails (en, da, sv, nb, nl, fr).
    language: str = "en"
    #: The account's IANA time zone: report days, business hours, the times pages show.
    timezone: str = "UTC"
    created_at: dt.datetime = Field(default_factory=now)

    class Settings:
        name = "accounts"
        indexes = [[("slug", 1)]]
