"""Generic API routes: channels, conversations and messages (``/api/v1``)."""

from __future__ import annotations

from typing import Any, get_args

from beanie import PydanticObjectId
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.api.context import (
    api_account,
    api_sender,
    choice_of,
    cursor_of,
    hub_of,
    json_body,
    limit_of,
)
from hub.api.errors import ApiError
from hub.api.idempotency import idempotent
from hub.api.schemas import (
    ChannelOut,
    ConversationOut,
    ConversationPatch,
    MessageOut,
    ReplyIn,
    SendIn,
    page,
)
from hub.contract import Address, Attachment
from hub.models import Account, Channel
from hub.models.conversation import Status as ConversationStatus
from hub.pipeline import ingest, outbox
from hub.pipeline.media import MediaNotFound
from hub.store import conversations
from hub.store.paging import page_of

CONVERSATION_FILTERS = ("channel_id", "contact_id", "assignee_id")
CONVERSATION_STATUSES: tuple[str, ...] = get_args(ConversationStatus)


async def list_channels(request: Request) -> JSONResponse:
    account = await api_account(request)
    hub = hub_of(request)
    found, cursor = await page_of(
        Channel, {"account_id": account.id}, limit_of(request), cursor_of(request), descending=False
    )
    items = [ChannelOut.of(ch, hub.webhook_url(ch)) for ch in found]
    return JSONResponse(page(items, cursor))  # type: ignore[arg-type]


def _filter_id(name: str, value: str) -> PydanticObjectId:
    try:
        return conversations.oid(value)
    except conversations.NotFound:
        raise ApiError(400, "invalid_filter", f"{name} is not an id this API gave out") from None


async def list_conversations(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    filters: dict[str, Any] = {}
    status = choice_of(request, "status", CONVERSATION_STATUSES)
    if status:
        filters["status"] = status
    for key in CONVERSATION_FILTERS:
        value = request.query_params.get(key)
        if value:
            filters[key] = _filter_id(key, value) if key in ("channel_id", "contact_id") else value
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


@idempotent
async def post_reply(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, ReplyIn)
    conversation = await conversations.get_conversation(account.id, request.path_params["id"])
    message = await outbox.enqueue(
        hub_of(request),
        conversation,
        text=body.text,
        sender=api_sender(request),
        attachments=await _attachments(request, account, body.attachments),
        private=body.private,
        template=body.template.model_dump(exclude_none=True) if body.template else None,
        quick_replies=body.quick_replies,
        idempotency_key=request.headers.get("idempotency-key"),
    )
    return JSONResponse(MessageOut.of(message).model_dump(mode="json"), status_code=202)


def _address(to: str) -> Address:
    """``+4512345678`` is a phone, ``ann@example.com`` an email; ``kind:value`` says it outright."""
    kind, sep, value = to.partition(":")
    if sep and kind in ("phone", "email", "visitor", "other") and value:
        return Address(kind=kind, value=value)  # type: ignore[arg-type]
    if "@" in to:
        return Address(kind="email", value=to)
    digits = to.replace(" ", "").replace("-", "")
    if digits.lstrip("+").isdigit():
        return Address(kind="phone", value=digits)
    return Address(kind="other", value=to)


@idempotent
async def send_message(request: Request) -> JSONResponse:
    """Start or continue a conversation from the business side, under the channel's rules."""
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, SendIn)
    channel = await hub_of(request).channel(body.channel_id)
    if channel is None or channel.account_id != account.id:
        raise ApiError(404, "not_found", "no active channel with that id in this account")
    template = body.template.model_dump(exclude_none=True) if body.template else None
    if not body.text.strip() and template is None:
        raise ApiError(400, "empty_message", "send text or a template")
    hub = hub_of(request)
    address = _address(body.to)
    running = await ingest.running_conversation(hub, channel, address)
    # Refused before anything is created: a 422 keeps no empty conversation or contact.
    outbox.check_rules(
        hub, channel, running.last_inbound_at if running else None, body.text, template, []
    )
    conversation, _ = await ingest.open_conversation(hub, channel, address)
    if body.subject and not conversation.subject:
        await conversations.set_subject(account.id, conversation, body.subject)
    message = await outbox.enqueue(
        hub,
        conversation,
        text=body.text,
        sender=api_sender(request),
        template=template,
        subject=body.subject,
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
    Route("/messages", send_message, methods=["POST"]),
    Route("/messages/{id}", get_message, methods=["GET"]),
]
