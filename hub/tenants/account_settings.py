"""An account's settings as validated models: time zone, hours and holidays, CRM link, number
look-up, retention, CSAT. The API's ``PATCH /account`` and the admin pages both use them.

The models of the structured settings (``NumberLookupSetting``, ``Retention``, ``Csat``) are
the account document's own field types (``hub.models.account``): one model per setting, from
the request through the store to the part that uses it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Annotated, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hub.models.account import AssistPatch, Csat, NumberLookupSetting, Retention
from hub.store.accounts import SettingsChange

__all__ = [
    "DAYS",
    "AccountPatch",
    "BusinessHours",
    "CrmTemplate",
    "Csat",
    "Holiday",
    "NumberLookupSetting",
    "Retention",
    "Timezone",
]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _timezone(value: str) -> str:
    if value != "UTC" and value not in _zones():
        raise ValueError("not an IANA time zone such as Europe/Copenhagen")
    return value


def _hours(value: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    for day, spans in value.items():
        if day not in DAYS:
            raise ValueError(f"{day!r} is not a day; use {', '.join(DAYS)}")
        for span in spans:
            if len(span) != 2 or not all(HHMM.match(t) for t in span) or span[0] >= span[1]:
                raise ValueError(f'{day}: each span is ["HH:MM", "HH:MM"], start before end')
    return value


def _day(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("a holiday is a date YYYY-MM-DD") from None
    return value


def _crm(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("the CRM link starts with https:// (placeholders: {phone}, {email})")
    leftover = re.sub(r"\{(phone|email)\}", "", value)
    if "{" in leftover or "}" in leftover:
        raise ValueError("the only placeholders are {phone} and {email}")
    return value


Timezone = Annotated[str, Field(max_length=64), AfterValidator(_timezone)]
BusinessHours = Annotated[dict[str, list[list[str]]], AfterValidator(_hours)]
Holiday = Annotated[str, Field(max_length=10), AfterValidator(_day)]
CrmTemplate = Annotated[str, Field(max_length=500), AfterValidator(_crm)]


class AccountPatch(BaseModel):
    """The settings an admin (or the API) may change; plan, seats and add-ons are not here."""

    model_config = ConfigDict(extra="forbid")

    timezone: Timezone | None = None
    business_hours: BusinessHours | None = None
    holidays: list[Holiday] | None = Field(default=None, max_length=366)
    crm_url_template: CrmTemplate | None = None
    number_lookup: NumberLookupSetting | None = None
    retention: Retention | None = None
    csat: Csat | None = None
    #: The assist endpoint (``hub.assist.configure`` stores it: the key sealed, the URL
    #: checked); null removes it. Not part of ``changes``.
    assist: AssistPatch | None = None

    def changes(self) -> SettingsChange:
        """The fields the request set, as stored (``null`` clears a nullable one)."""
        full = self.model_dump(mode="json")
        named = self.model_fields_set - {"assist"}
        out = cast(SettingsChange, {name: full[name] for name in named})
        if "timezone" in out and out["timezone"] is None:
            out["timezone"] = "UTC"
        if "holidays" in out and out["holidays"] is None:
            out["holidays"] = []
        if "retention" in out and out["retention"] is None:  # the defaults: keep until erased
            out["retention"] = Retention().model_dump(mode="json")
        return out
