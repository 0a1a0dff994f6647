"""Shared pieces of the stored documents: the tenant field and timestamps."""

from __future__ import annotations

import datetime as dt

from beanie import Document, PydanticObjectId
from pydantic import Field

from hub.contract import now


class TenantDocument(Document):
    """A document that belongs to one account. Every query on it names ``account_id``."""

    account_id: PydanticObjectId
    created_at: dt.datetime = Field(default_factory=now)
