"""Generic API routes: channels, conversations and messages (``/api/v1``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub import conversations, outbox
from hub.api.context import api_account, hub_of, json_body, limit_of
from hub.api.errors import ApiError
from hub.api.schemas import (
    ChannelOut,
    ConversationOut,
    ConversationPatch,
    MessageOut,
    ReplyIn,
    page,
)
from hub.contract import Attachment
from hub.media import MediaNotFound
from hub.models import Account, Channel, Sender

CONVERSATION_FILTERS = ("status", "channel_id", "contact_id", "assignee_id")


async def list_channels(request: Request) -> JSONResponse:
    account = await api_account(request)
    hub = hub_of(request)
    found = await Channel.find(Channel.account_id == account.id).sort("created_at").to_list()
    items = [ChannelOut.of(ch, hub.webhook_url(ch)) for ch in found]
    return JSONResponse(page(items, None))  # type: ignore[arg-type]


async def list_conversations(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    filters: dict[str, Any] = {}
    for key in CONVERSATION_FILTERS:
        value = request.query_params.get(key)
        if value:
            is_oid = key in ("channel_id", "contact_id")
            filters[key] = conversations.oid(value) if is_oid else value
    docs, cursor = await conversations.list_conversations(
        account.id, filters, limit_of(request), request.query_params.get("cursor")
    )
    return JSONResponse(page([ConversationOut.of(c) for c in docs], cursor))  # type: ignore[arg-type]


async def get_conversation(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    found = await conversations.get_conversation(account.id, request.path_params["id"])
    return JSONResponse(ConversationOut.of(found).model_dump(mode="json"))


async def patch_conversation(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    patch = await json_body(request, ConversationPatch)
    changes = patch.model_dump(exclude_unset=True)
    updated = await conversations.update_conversation(
        account.id, request.path_params["id"], changes
    )
    return JSONResponse(ConversationOut.of(updated).model_dump(mode="json"))


async def list_messages(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    docs, cursor = await conversations.list_messages(
        account.id,
        request.path_params["id"],
        limit_of(request, 50, 200),
        request.query_params.get("cursor"),
    )
    return JSONResponse(page([MessageOut.of(m) for m in docs], cursor))  # type: ignore[arg-type]


async def _attachments(request: Request, account: Account, ids: list[str]) -> list[Attachment]:
    hub = hub_of(request)
    found = []
    for attachment_id in ids:
        try:
            doc = await hub.media.files.find_one(
                {"_id": conversations.oid(attachment_id), "metadata.account_id": account.id}
            )
        except (conversations.NotFound, MediaNotFound):
            doc = None
        if doc is None:
            raise ApiError(400, "unknown_attachment", f"no uploaded media {attachment_id}")
        found.append(
            Attachment(
                id=attachment_id,
                filename=doc.get("filename"),
                size=int(doc.get("length", 0)),
                content_type=doc["metadata"].get("content_type", "application/octet-stream"),
            )
        )
    return found


async def post_reply(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, ReplyIn)
    conversation = await conversations.get_conversation(account.id, request.path_params["id"])
    message = await outbox.enqueue(
        hub_of(request),
        conversation,
        text=body.text,
        sender=Sender(type="api", name="API"),
        attachments=await _attachments(request, account, body.attachments),
        private=body.private,
        template=body.template.model_dump(exclude_none=True) if body.template else None,
        quick_replies=body.quick_replies,
        idempotency_key=request.headers.get("idempotency-key"),
    )
    return JSONResponse(MessageOut.of(message).model_dump(mode="json"), status_code=202)


async def get_message(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    message = await conversations.get_message(account.id, request.path_params["id"])
    return JSONResponse(MessageOut.of(message).model_dump(mode="json"))


routes = [
    Route("/channels", list_channels, methods=["GET"]),
    Route("/conversations", list_conversations, methods=["GET"]),
    Route("/conversations/{id}", get_conversation, methods=["GET"]),
    Route("/conversations/{id}", patch_conversation, methods=["PATCH"]),
    Route("/conversations/{id}/messages", list_messages, methods=["GET"]),
    Route("/conversations/{id}/messages", post_reply, methods=["POST"]),
    Route("/messages/{id}", get_message, methods=["GET"]),
]
