"""Channel settings of the WhatsApp Cloud API connector."""

from __future__ import annotations

import secrets

from pydantic import BaseModel, Field, HttpUrl

from hub.contract import SECRET

GRAPH = "https://graph.facebook.com"


class CloudTemplate(BaseModel):
    """An approved message template: Meta names it; ``variables`` name its {{1}}, {{2}}…"""

    name: str = Field(min_length=1)
    language: str = "en_US"
    variables: list[str] = []
    body: str | None = None


class CloudConfig(BaseModel):
    phone_number_id: str = Field(pattern=r"^\d{5,20}$")
    access_token: str = Field(min_length=1, json_schema_extra=SECRET)
    app_secret: str = Field(min_length=1, json_schema_extra=SECRET)
    #: Echoed in Meta's GET verification; generated when not given.
    verify_token: str = Field(
        default_factory=lambda: secrets.token_urlsafe(18), min_length=8, json_schema_extra=SECRET
    )
    #: Replaces ``https://graph.facebook.com``: a proxy or a local stand-in.
    api_base_url: HttpUrl | None = None
    api_version: str = Field(default="v21.0", pattern=r"^v\d+\.\d+$")
    templates: list[CloudTemplate] = []

    @property
    def graph(self) -> str:
        base = str(self.api_base_url).rstrip("/") if self.api_base_url else GRAPH
        return f"{base}/{self.api_version}"

    def template(self, name: str, language: str | None) -> CloudTemplate | None:
        for t in self.templates:
            if t.name == name and (language is None or language == t.language):
                return t
        return None
