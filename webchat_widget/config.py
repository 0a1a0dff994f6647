"""A web chat channel's settings: allowed origins, identity, pre-chat form, hours, language."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Longest visitor or agent text, and largest attachment, the widget carries.
MAX_TEXT = 5000
MAX_MEDIA_BYTES = 10 * 1024 * 1024

LANGUAGES = ("en", "da", "sv", "nb", "nl", "fr")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")

Language = Literal["en", "da", "sv", "nb", "nl", "fr"]
PrechatField = Literal["name", "email"]


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased; ``""`` when it has none."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


class BusinessHours(BaseModel):
    """Opening hours in one time zone: ``{"mon": [["09:00", "17:00"]], …}``; a missing day is closed."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    days: dict[str, list[tuple[str, str]]] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("days")
    @classmethod
    def _valid_days(
        cls, value: dict[str, list[tuple[str, str]]]
    ) -> dict[str, list[tuple[str, str]]]:
        for day, spans in value.items():
            if day not in DAYS:
                raise ValueError(f"unknown day {day!r}; use {', '.join(DAYS)}")
            for start, end in spans:
                if not (_HHMM.match(start) and _HHMM.match(end)) or start >= end:
                    raise ValueError(f"{day}: {start}-{end} is not a span of HH:MM times")
        return value

    def is_open(self, at: dt.datetime) -> bool:
        """Whether ``at`` (aware) falls inside a span of its local day."""
        local = at.astimezone(ZoneInfo(self.timezone))
        hhmm = local.strftime("%H:%M")
        spans = self.days.get(DAYS[local.weekday()], [])
        return any(start <= hhmm < end for start, end in spans)


class WebchatConfig(BaseModel):
    """The channel config fixed in DESIGN.md, plus the generated identity secret."""

    model_config = ConfigDict(extra="forbid")

    allowed_origins: list[str] = Field(min_length=1)
    require_identity: bool = False
    prechat_fields: list[PrechatField] = ["name", "email"]
    business_hours: BusinessHours | None = None
    language: Language = "en"
    identity_secret: str = ""
    #: Name shown on replies whose sender has none.
    agent_name: str = "Support"

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        cleaned = []
        for item in value:
            origin = origin_of(item)
            if not origin:
                raise ValueError(f"{item!r} is not an http(s) origin such as https://shop.example")
            cleaned.append(origin)
        return sorted(set(cleaned))

    @model_validator(mode="after")
    def _secret(self) -> WebchatConfig:
        if not self.identity_secret:
            self.identity_secret = secrets.token_hex(32)
        return self

    def allows(self, origin: str | None) -> bool:
        return bool(origin) and origin_of(origin or "") in self.allowed_origins

    def is_open(self, at: dt.datetime) -> bool:
        return self.business_hours is None or self.business_hours.is_open(at)
