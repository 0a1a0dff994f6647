"""Labels through the API (``/api/v1/labels``): the account's named, coloured tags.

Names are trimmed and lower-cased and unique per account ("Refund " is "refund"); a name
first used on a conversation (``PATCH /conversations/{id}``, the inbox) creates its label.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.context import account_id_of, json_body, path_id
from hub.api.declare import Api
from hub.models import Label
from hub.store import labels

api = Api(tag="labels")
COLOUR = r"^#[0-9a-fA-F]{6}$"


class LabelOut(BaseModel):
    id: str
    name: str = Field(description="trimmed and lower-case; unique in the account")
    colour: str = Field(description="#rrggbb")
    description: str

    @classmethod
    def of(cls, label: Label) -> LabelOut:
        return cls(
            id=str(label.id), name=label.name, colour=label.colour, description=label.description
        )


class LabelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=labels.MAX_NAME)
    colour: str | None = Field(default=None, pattern=COLOUR, description="#rrggbb; one is chosen")
    description: str = Field(default="", max_length=labels.MAX_DESCRIPTION)


class LabelPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=labels.MAX_NAME)
    colour: str | None = Field(default=None, pattern=COLOUR)
    description: str | None = Field(default=None, max_length=labels.MAX_DESCRIPTION)


def _one(label: Label, status: int = 200) -> JSONResponse:
    return JSONResponse(LabelOut.of(label).model_dump(mode="json"), status_code=status)


@api.get("/labels", "list_labels", "The account's labels, by name", response=LabelOut, paged=True)
async def list_labels(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    found = await labels.list_labels(account_id)
    data = [LabelOut.of(label).model_dump(mode="json") for label in found]
    return JSONResponse({"data": data, "next_cursor": None})


@api.post(
    "/labels",
    "create_label",
    "Create a label (409 when the name exists, in any case)",
    status=201,
    response=LabelOut,
    body=LabelIn,
    errors=(409, 413),
)
async def create_label(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    body = await json_body(request, LabelIn)
    label = await labels.create_label(account_id, body.name, body.colour, body.description)
    return _one(label, 201)


@api.patch(
    "/labels/{id}",
    "update_label",
    "Rename or recolour a label; a new name is given to its conversations",
    response=LabelOut,
    body=LabelPatch,
    errors=(404, 409, 413),
)
async def update_label(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    body = await json_body(request, LabelPatch)
    label_id = path_id(request)
    return _one(
        await labels.update_label(account_id, label_id, body.name, body.colour, body.description)
    )


@api.delete(
    "/labels/{id}",
    "delete_label",
    "Delete a label; it is taken off the account's conversations",
    response=LabelOut,
    errors=(404,),
)
async def delete_label(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    return _one(await labels.delete_label(account_id, path_id(request)))


routes = api.routes()
