"""Many conversations at once (``POST /api/v1/conversations/bulk``).

Each conversation is changed through ``hub.centre.changes`` as ``PATCH`` would change it;
one refused conversation is reported and the others are changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.context import api_account, json_body
from hub.api.declare import Api
from hub.centre import changes as conversation_changes

api = Api(tag="conversations")
LabelName = Annotated[str, Field(min_length=1, max_length=100)]


class BulkChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "pending", "snoozed", "resolved"] | None = None
    snoozed_until: dt.datetime | None = Field(
        default=None, description="with status snoozed: when it wakes (with a time zone)"
    )
    assignee_id: str | None = None
    team_id: str | None = None
    add_labels: list[LabelName] | None = Field(default=None, max_length=50)
    remove_labels: list[LabelName] | None = Field(default=None, max_length=50)
    priority: Literal["low", "normal", "high", "urgent"] | None = None

    @model_validator(mode="after")
    def _something(self) -> BulkChanges:
        """At least one change; ``null`` only unassigns an assignee or a team."""
        if not self.model_fields_set:
            raise ValueError("changes needs at least one change")
        for name in ("status", "add_labels", "remove_labels", "priority", "snoozed_until"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=conversation_changes.MAX_BULK
    )
    changes: BulkChanges


class BulkErrorOut(BaseModel):
    id: str
    code: str
    message: str


class BulkOut(BaseModel):
    updated: int = Field(description="how many conversations were changed")
    errors: list[BulkErrorOut] = Field(description="one entry per conversation not changed")


@api.post(
    "/conversations/bulk",
    "bulk_update_conversations",
    "Change up to 100 conversations at once (each as PATCH would)",
    response=BulkOut,
    body=BulkIn,
    errors=(413,),
)
async def bulk_update(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, BulkIn)
    result = await conversation_changes.bulk_update(
        account.id, body.ids, body.changes.model_dump(exclude_unset=True), {"type": "api_key"}
    )
    out = BulkOut(
        updated=result.updated,
        errors=[BulkErrorOut(id=e.id, code=e.code, message=e.message) for e in result.errors],
    )
    return JSONResponse(out.model_dump(mode="json"))


routes = api.routes()
