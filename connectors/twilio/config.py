"""Channel settings of the Twilio connectors, validated when a channel is saved."""

from __future__ import annotations

from pydantic import BaseModel, Field, HttpUrl, model_validator

from hub.contract import SECRET, JsonObject


class TwilioTemplate(BaseModel):
    """An approved template (a Content API resource) the channel may send outside the window."""

    name: str = Field(min_length=1)
    sid: str = Field(pattern=r"^HX[0-9a-fA-F]{32}$")
    language: str = "en"
    #: Names of the template's variables, in order: {{1}}, {{2}}, …
    variables: list[str] = []
    #: The template's text with {{1}}-style placeholders, shown to agents.
    body: str | None = None


class TwilioConfig(BaseModel):
    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    auth_token: str = Field(min_length=1, json_schema_extra=SECRET)
    from_number: str | None = None
    #: More numbers of this channel; a reply leaves from the one the customer wrote to.
    from_numbers: list[str] = []
    messaging_service_sid: str | None = Field(default=None, pattern=r"^MG[0-9a-fA-F]{32}$")
    #: Replaces ``https://api.twilio.com`` (and content.twilio.com): an edge, proxy or stand-in.
    api_base_url: HttpUrl | None = None
    #: The secret of a webhook SharedKey, when Twilio signs with HMAC-SHA256 instead.
    webhook_signing_key: str | None = Field(default=None, json_schema_extra=SECRET)
    templates: list[TwilioTemplate] = []

    @model_validator(mode="after")
    def _has_sender(self) -> TwilioConfig:
        if not self.from_number and not self.messaging_service_sid:
            raise ValueError("set from_number or messaging_service_sid")
        return self

    def template(self, ref: JsonObject) -> TwilioTemplate | None:
        """The configured template named by ``ref`` (``sid`` or ``name`` [+ ``language``])."""
        for t in self.templates:
            if ref.get("sid") == t.sid:
                return t
            if ref.get("name") == t.name and ref.get("language", t.language) == t.language:
                return t
        return None

    @property
    def base_url(self) -> str | None:
        return str(self.api_base_url).rstrip("/") if self.api_base_url else None
