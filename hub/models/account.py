"""Accounts: the tenants. Plan, seats and add-ons live here."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, get_args

from beanie import Document
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    field_validator,
)

from hub.contract import now

#: The longest any retention may be, in days.
MAX_RETENTION_DAYS = 36500
_Days = Annotated[int, Field(strict=True, ge=1, le=MAX_RETENTION_DAYS)]


class Retention(BaseModel):
    """How long an account keeps personal data (days; ``None``: kept until erased).

    The one model of the setting: the API, the admin page and the purge
    (``hub.tenants.retention``) all use it. Whole days from 1 to ``MAX_RETENTION_DAYS``.
    """

    model_config = ConfigDict(extra="forbid")

    #: Conversations resolved more than this many days ago go, with messages and files.
    conversations_days: _Days | None = None
    #: Notes on callback attempts older than this many days are cleared.
    callback_notes_days: _Days | None = None
    #: Presence and sign-in history older than this many days goes.
    activity_days: _Days | None = 30


_PLACEHOLDER = "{phone}"
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _url_template(value: str) -> str:
    if _PLACEHOLDER not in value:
        raise ValueError("the URL holds the placeholder {phone}")
    if "{" in value.replace(_PLACEHOLDER, "") or "}" in value.replace(_PLACEHOLDER, ""):
        raise ValueError("the only placeholder is {phone}")
    _HTTP_URL.validate_python(value.replace(_PLACEHOLDER, "0"))  # an http(s) URL once filled in
    return value


def _repaired(value: object) -> object:
    """``%7Bphone%7D`` back to ``{phone}``: settings stored percent-encoded by an older hub."""
    if isinstance(value, str):
        return re.sub(r"%7Bphone%7D", _PLACEHOLDER, value, flags=re.IGNORECASE)
    return value


class NumberLookupSetting(BaseModel):
    """The account's number look-up (``hub.centre.routing.lookup``): its one model.

    ``url_template`` is kept exactly as written, ``{phone}`` and all (the look-up puts the
    URL-quoted number in its place); ``headers`` go with every request; the paths say where
    the name and the address are in the directory's JSON answer (``a.b.0.c``).
    """

    model_config = ConfigDict(extra="forbid")

    url_template: Annotated[
        str,
        BeforeValidator(_repaired),
        Field(max_length=2000, pattern=r"^https?://\S+$"),
        AfterValidator(_url_template),
    ]
    headers: dict[
        Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,100}$")],
        Annotated[str, Field(max_length=500)],
    ] = Field(default_factory=dict, max_length=20)
    name_path: str = Field(default="name", min_length=1, max_length=200)
    address_path: str = Field(default="address", min_length=1, max_length=200)


class Csat(BaseModel):
    """The satisfaction survey sent on resolve (``hub.centre.csat.answers``); a blank or
    missing question asks the default one."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    question: Annotated[str, Field(max_length=300)] | None = None

    @field_validator("question")
    @classmethod
    def _blank_is_default(cls, value: str | None) -> str | None:
        return (value or "").strip() or None


#: The languages assist detects and translates between (ISO 639-1): the seed customers'
#: Nordic and western European ones and their neighbours.
AssistLanguage = Literal[
    "en", "da", "sv", "nb", "nl", "fr", "de", "es", "fi", "pl", "it", "pt",
]  # fmt: skip
ASSIST_LANGUAGES: tuple[str, ...] = get_args(AssistLanguage)
AssistFeature = Literal["suggest", "summarize", "translate", "labels"]
ASSIST_FEATURES: tuple[AssistFeature, ...] = ("suggest", "summarize", "translate", "labels")


class AssistFeatures(BaseModel):
    """Which assist features the account uses (each on by default once assist is set)."""

    model_config = ConfigDict(extra="forbid")

    suggest: bool = True
    summarize: bool = True
    translate: bool = True
    labels: bool = True


class AssistSetting(BaseModel):
    """The account's model endpoint (``hub.assist``): its one model, as stored.

    ``api_key`` is stored sealed with the hub's cipher (``hub.assist.settings``) and never
    returned; ``agent_language`` None: each agent's own language (else the account's).
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    base_url: str
    model: str
    api_key: str | None = None
    features: AssistFeatures = Field(default_factory=AssistFeatures)
    agent_language: str | None = None

    def shown(self) -> AssistOut:
        """The setting as it is read back: the key only as ``api_key_set``."""
        return AssistOut(
            enabled=self.enabled,
            base_url=self.base_url,
            model=self.model,
            api_key_set=bool(self.api_key),
            features=self.features,
            agent_language=self.agent_language,
        )


class AssistOut(BaseModel):
    """``assist`` in ``GET /account``: the key is never returned, only whether one is set."""

    enabled: bool
    base_url: str
    model: str
    api_key_set: bool
    features: AssistFeatures
    agent_language: str | None


class AssistPatch(BaseModel):
    """A change of the assist setting (``PATCH /account`` ``assist``, the admin form).

    Fields left out keep their value; ``features`` changes only the switches it names;
    ``api_key`` is write-only (``""`` or null removes it); ``agent_language`` null: each
    agent's own language. The first change names ``base_url`` and ``model``.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    base_url: Annotated[str, Field(max_length=500, pattern=r"^https?://[^\s]+$")] | None = None
    model: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S+$")] | None = None
    api_key: Annotated[str, Field(max_length=500)] | None = None
    features: dict[AssistFeature, bool] | None = None
    agent_language: AssistLanguage | None = None

    @field_validator("base_url")
    @classmethod
    def _no_credentials(cls, value: str | None) -> str | None:
        if value is not None and "@" in value.split("://", 1)[-1].split("/", 1)[0]:
            raise ValueError("no user or password in the URL: give the key as api_key")
        return value


class Account(Document):
    name: str
    plan: str  # "HUB" | "PRO"; see hub.plans
    seats: int
    addons: list[str] = []
    #: CRM look-up link for the contact panel, e.g. ``https://crm.example/search?phone={phone}``.
    crm_url_template: str | None = None
    slug: str | None = None
    #: The satisfaction survey sent on resolve (``hub.centre.csat.answers``).
    csat: Csat | None = None
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
    number_lookup: NumberLookupSetting | None = None
    retention: Retention = Field(default_factory=Retention)
    #: The account's own OpenAI-compatible model endpoint (``hub.assist``); None: not set.
    assist: AssistSetting | None = None
    created_at: dt.datetime = Field(default_factory=now)

    class Settings:
        name = "accounts"
        indexes = [[("slug", 1)]]
