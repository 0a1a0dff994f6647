"""Generic API routes: channels, conversations and messages (``/api/v1``)."""

from __future__ import annotations

from typing import Any, get_args

from beanie import PydanticObjectId
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub import assist
from hub.api.context import (
    answer,
    api_account,
    api_sender,
    choice_of,
    cursor_of,
    hub_of,
    json_body,
    key_actor,
    limit_of,
)
from hub.api.declare import IDEMPOTENT, PAGE, Api, choice, ident, text
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
from hub.centre import changes as conversation_changes
from hub.centre.routing import queues
from hub.centre.routing.queue_order import QueueOrders
from hub.contract import OTHER, Address, AddressKind, Attachment
from hub.models import Account, Channel
from hub.models.conversation import Status as ConversationStatus
from hub.pipeline import ingest, outbox
from hub.pipeline.registry import Registry
from hub.store import channels, conversations, search
from hub.store import messages as message_store
from hub.store.ids import try_id
from hub.store.media import uploaded_file

CONVERSATION_FILTERS = ("channel_id", "contact_id", "assignee_id")
#: A search text longer than this is cut (the inbox's box allows 100).
SEARCH_MAX = 200
CONVERSATION_STATUSES: tuple[str, ...] = get_args(ConversationStatus)

api = Api(tag="conversations")


@api.get(
    "/channels",
    "list_channels",
    "The account's channels",
    response=ChannelOut,
    paged=True,
    query=PAGE,
    tag="channels",
)
async def list_channels(request: Request) -> JSONResponse:
    account = await api_account(request)
    urls = hub_of(request).channels
    registry = hub_of(request).registry

    def shape(ch: Channel) -> ChannelOut:
        known = ch.type in registry.types()
        warnings = registry.get(ch.type).config_warnings(ch.config) if known else []
        return ChannelOut.of(ch, webhook_url=urls.webhook_url(ch), warnings=warnings)

    assert account.id is not None
    docs, cursor = await channels.page_channels(account.id, limit_of(request), cursor_of(request))
    return JSONResponse(page([shape(c) for c in docs], cursor))


def _address_keys(registry: Registry, q: str) -> list[str]:
    """The contact keys ``q`` could be exactly, in the installed connectors' kinds."""
    kinds = registry.address_kinds()
    return [Address(kind=k.name, value=v).key for k in kinds if (v := k.candidate(q)) is not None]


def _filter_id(name: str, value: str) -> PydanticObjectId:
    parsed = try_id(value)
    if parsed is None:
        raise ApiError(400, "invalid_filter", f"{name} is not an id this API gave out")
    return parsed


@api.get(
    "/conversations",
    "list_conversations",
    "Conversations, newest activity first; ?q= searches the whole history (exact email or"
    " phone first, then messages holding every word, newest match first)",
    response=ConversationOut,
    paged=True,
    query=(
        text("q"),
        choice("status", CONVERSATION_STATUSES),
        ident("channel_id"),
        ident("contact_id"),
        text("assignee_id"),
        *PAGE,
    ),
)
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
    q = request.query_params.get("q", "").strip()[:SEARCH_MAX]
    if q:
        docs, cursor = await search.search_conversations(
            account.id,
            q,
            limit=limit_of(request),
            cursor=cursor_of(request),
            keep=lambda doc: all(doc.get(k) == v for k, v in filters.items()),
            address_keys=_address_keys(hub_of(request).registry, q),
        )
    else:
        docs, cursor = await conversations.list_conversations(
            account.id, filters, limit_of(request), request.query_params.get("cursor")
        )
    orders: QueueOrders = request.app.state.queue_orders
    at = await orders.positions(account.id, docs)
    return JSONResponse(page([ConversationOut.of(c, at.get(str(c.id))) for c in docs], cursor))


@api.get(
    "/conversations/{id}",
    "get_conversation",
    "One conversation",
    response=ConversationOut,
    errors=(404,),
)
async def get_conversation(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    found = await conversations.get_conversation(account.id, request.path_params["id"])
    orders: QueueOrders = request.app.state.queue_orders
    return answer(ConversationOut.of(found, await orders.position(found)))


@api.patch(
    "/conversations/{id}",
    "update_conversation",
    "Change status, assignee, team, labels or priority",
    response=ConversationOut,
    body=ConversationPatch,
    errors=(404,),
)
async def patch_conversation(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    patch = await json_body(request, ConversationPatch)
    changes = patch.model_dump(exclude_unset=True)
    updated = await conversation_changes.update_conversation(
        account.id, request.path_params["id"], changes, {"type": "api_key"}, hub_of(request)
    )
    return answer(ConversationOut.of(updated, await queues.position(updated)))


@api.get(
    "/conversations/{id}/messages",
    "list_conversation_messages",
    "A conversation's messages, oldest first",
    response=MessageOut,
    paged=True,
    query=PAGE,
    errors=(404,),
)
async def list_messages(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    docs, cursor = await message_store.list_messages(
        account.id,
        request.path_params["id"],
        limit_of(request, 50, 200),
        request.query_params.get("cursor"),
    )
    return JSONResponse(page([MessageOut.of(m) for m in docs], cursor))


async def _attachments(request: Request, account: Account, ids: list[str]) -> list[Attachment]:
    assert account.id is not None
    media = hub_of(request).media
    found = []
    for attachment_id in ids:
        file_id = try_id(attachment_id)
        stored = await uploaded_file(media, account.id, file_id) if file_id else None
        if stored is None:
            raise ApiError(400, "unknown_attachment", f"no uploaded media {attachment_id}")
        found.append(
            Attachment(
                id=attachment_id,
                filename=stored.filename,
                size=stored.size,
                content_type=stored.content_type,
            )
        )
    return found


@api.post(
    "/conversations/{id}/messages",
    "create_conversation_message",
    "Reply (queued for sending) or add a note; translate_to sends it translated (assist: "
    "409, 403 or 502 as the assist routes, and nothing is sent)",
    status=202,
    response=MessageOut,
    body=ReplyIn,
    errors=(404, 409, 413, 422, 502),
    headers=IDEMPOTENT,
)
@idempotent
async def post_reply(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, ReplyIn)
    conversation = await conversations.get_conversation(account.id, request.path_params["id"])
    text, original = body.text, None
    if body.translate_to and body.text.strip() and not body.private:
        done = await assist.translated_reply(
            hub_of(request), account, body.text, body.translate_to, key_actor(request),
            conversation.id,
        )  # fmt: skip
        text, original = done.text, done.original_text
    message = await outbox.enqueue(
        hub_of(request),
        conversation,
        text=text,
        original_text=original,
        sender=api_sender(request),
        attachments=await _attachments(request, account, body.attachments),
        private=body.private,
        template=body.template.model_dump(exclude_none=True) if body.template else None,
        quick_replies=body.quick_replies,
        idempotency_key=request.headers.get("idempotency-key"),
        from_address=body.from_,
    )
    return answer(MessageOut.of(message), 202)


def _address(to: str, own: AddressKind, registry: Registry) -> Address:
    """``kind:value`` names any installed connector's kind outright; otherwise the kind the
    value looks like (``+4512345678`` a phone, ``ann@example.com`` an email), the channel's
    own kind first, and the channel's own kind when it looks like none."""
    kinds = registry.address_kinds()
    kind, sep, value = to.partition(":")
    if sep and value and kind in {k.name for k in kinds} | {OTHER.name}:
        return Address(kind=kind, value=value)
    for candidate in (own, *kinds):
        recognized = candidate.recognize(to)
        if recognized is not None:
            return Address(kind=candidate.name, value=recognized)
    return Address(kind=own.name, value=to)


@api.post(
    "/messages",
    "create_message",
    "Start or continue a conversation from the business side (a template outside a reply "
    "window); translate_to sends the text translated (assist)",
    status=202,
    response=MessageOut,
    body=SendIn,
    errors=(404, 409, 413, 422, 502),
    headers=IDEMPOTENT,
    tag="messages",
)
@idempotent
async def send_message(request: Request) -> JSONResponse:
    """Start or continue a conversation from the business side, under the channel's rules."""
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, SendIn)
    channel = await hub_of(request).channels.resolve(body.channel_id)
    if channel is None or channel.account_id != account.id:
        raise ApiError(404, "not_found", "no active channel with that id in this account")
    template = body.template.model_dump(exclude_none=True) if body.template else None
    if not body.text.strip() and template is None:
        raise ApiError(400, "empty_message", "send text or a template")
    hub = hub_of(request)
    text, original = body.text, None
    if body.translate_to and body.text.strip():  # before anything is created
        done = await assist.translated_reply(
            hub, account, body.text, body.translate_to, key_actor(request)
        )
        text, original = done.text, done.original_text
    address = _address(body.to, channel.capabilities.address_kind, hub.registry)
    running = await ingest.running_conversation(channel, address)
    # Refused before anything is created: a 422 keeps no empty conversation or contact.
    outbox.check_channel_rules(
        channel, running.last_inbound_at if running else None, text, template, []
    )
    conversation, _ = await ingest.open_conversation(hub, channel, address)
    if body.subject and not conversation.subject:
        await message_store.set_subject(account.id, conversation, body.subject)
    message = await outbox.enqueue(
        hub,
        conversation,
        text=text,
        original_text=original,
        sender=api_sender(request),
        template=template,
        subject=body.subject,
        idempotency_key=request.headers.get("idempotency-key"),
        from_address=body.from_,
    )
    return answer(MessageOut.of(message), 202)


@api.get(
    "/messages/{id}",
    "get_message",
    "One message with its delivery state and error",
    response=MessageOut,
    errors=(404,),
    tag="messages",
)
async def get_message(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    message = await message_store.get_message(account.id, request.path_params["id"])
    return answer(MessageOut.of(message))


routes = api.routes()
