"""A web chat channel's settings: allowed origins, identity, pre-chat form, hours, language."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.contract import SECRET

#: Longest visitor or agent text, and largest attachment, the widget carries.
MAX_TEXT = 5000
MAX_MEDIA_BYTES = 10 * 1024 * 1024

LANGUAGES = ("en", "da", "sv", "nb", "nl", "fr")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")

Language = Literal["en", "da", "sv", "nb", "nl", "fr"]
PrechatField = Literal["name", "email"]
#: A text the visitor reads: one string, or one per language (``{"en": …, "da": …}``).
Localized = str | dict[Language, str]
DEFAULT_COLOUR = "#2557d6"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


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

    def next_open(self, at: dt.datetime) -> dt.datetime | None:
        """When the next span starts after ``at`` (within a week); None if never."""
        zone = ZoneInfo(self.timezone)
        local = at.astimezone(zone)
        for offset in range(8):
            day = (local + dt.timedelta(days=offset)).date()
            for start, _end in sorted(self.days.get(DAYS[day.weekday()], [])):
                hour, minute = (int(x) for x in start.split(":"))
                begins = dt.datetime(day.year, day.month, day.day, hour % 24, minute, tzinfo=zone)
                if begins > local:
                    return begins.astimezone(dt.UTC)
        return None


class WebchatConfig(BaseModel):
    """The channel config fixed in DESIGN.md, plus the generated identity secret."""

    model_config = ConfigDict(extra="forbid")

    allowed_origins: list[str] = Field(min_length=1)
    require_identity: bool = False
    prechat_fields: list[PrechatField] = ["name", "email"]
    business_hours: BusinessHours | None = None
    language: Language = "en"
    identity_secret: str = Field(default="", json_schema_extra=SECRET)
    #: Name shown on replies whose sender has none.
    agent_name: str = "Support"
    #: Welcome text at the top of the chat, and a short line under the team's name.
    greeting: Localized = ""
    team_line: Localized = ""
    #: The brand colour of the launcher, header and the visitor's bubbles (``#RRGGBB``).
    colour: str = DEFAULT_COLOUR
    position: Literal["right", "left"] = "right"
    #: Text beside the launcher's icon; empty shows the icon alone.
    launcher_text: str = Field(default="", max_length=40)
    show_agent_avatars: bool = True
    #: A short sound when an agent answers while the chat is closed.
    sound: bool = False

    @field_validator("greeting", "team_line")
    @classmethod
    def _short(cls, value: Localized) -> Localized:
        texts = [value] if isinstance(value, str) else list(value.values())
        if any(len(text) > 300 for text in texts):
            raise ValueError("at most 300 characters")
        return value

    @field_validator("colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not _COLOUR.match(value):
            raise ValueError(f"{value!r} is not a colour such as #2557d6")
        return value.lower()

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

    def back_at(self, at: dt.datetime) -> dt.datetime | None:
        """When a closed chat opens again (None when open, or never)."""
        if self.business_hours is None or self.business_hours.is_open(at):
            return None
        return self.business_hours.next_open(at)

    def text(self, key: Literal["greeting", "team_line"], lang: str) -> str:
        """``greeting`` or ``team_line`` in ``lang``, else the channel's language, else any."""
        value: Localized = getattr(self, key)
        if isinstance(value, str):
            return value
        texts: dict[str, str] = {str(k): v for k, v in value.items()}
        return texts.get(lang) or texts.get(self.language) or next(iter(texts.values()), "")
