"""Chatbot API routes: bot registration (API key) and the bot's own routes (bot token)."""

from __future__ import annotations

from beanie import PydanticObjectId
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.context import (
    account_id_of,
    answer,
    bot_of,
    cursor_of,
    hub_of,
    json_body,
    limit_of,
)
from hub.api.declare import IDEMPOTENT, PAGE, Api
from hub.api.idempotency import idempotent
from hub.api.schemas import (
    BotCreated,
    BotIn,
    BotOut,
    BotReplyIn,
    ConversationOut,
    HandoffIn,
    MessageOut,
    page,
)
from hub.integrations import bots
from hub.models import Sender
from hub.store import bots as stored_bots

api = Api(tag="bots")
BOT = "Chatbot API (bot token): "


async def _account_id(request: Request) -> PydanticObjectId:
    """The caller's account, which needs the chatbot add-on."""
    return await account_id_of(request, addon="chatbot_api")


@api.get("/bots", "list_bots", "The account's bots", response=BotOut, paged=True, query=PAGE)
async def list_bots(request: Request) -> JSONResponse:
    account_id = await _account_id(request)
    docs, cursor = await stored_bots.page_bots(account_id, limit_of(request), cursor_of(request))
    return JSONResponse(page([BotOut.of(b) for b in docs], cursor))


@api.post(
    "/bots",
    "create_bot",
    "Register a bot on channels; the answer holds its token and secret (shown once)",
    status=201,
    response=BotCreated,
    body=BotIn,
    errors=(404, 409, 413),
    headers=IDEMPOTENT,
)
@idempotent
async def create_bot(request: Request) -> JSONResponse:
    account_id = await _account_id(request)
    body = await json_body(request, BotIn)
    bot, token = await bots.register(
        account_id, body.name, body.webhook_url, body.channel_ids, hub_of(request).cipher
    )
    out = BotCreated(**BotOut.of(bot).model_dump(), token=token, secret=bot.secret)
    return answer(out, 201)


@api.get("/bots/{id}", "get_bot", "One bot", response=BotOut, errors=(404,))
async def get_bot(request: Request) -> JSONResponse:
    account_id = await _account_id(request)
    bot = await bots.get_bot(account_id, request.path_params["id"])
    return answer(BotOut.of(bot))


@api.delete(
    "/bots/{id}",
    "delete_bot",
    "Remove a bot; its running conversations go to humans",
    response=BotOut,
    errors=(404,),
)
async def delete_bot(request: Request) -> JSONResponse:
    account_id = await _account_id(request)
    bot = await bots.get_bot(account_id, request.path_params["id"])
    await bots.remove(hub_of(request), account_id, str(bot.id))
    return answer(BotOut.of(bot))


# --------------------------------------------------------------------------- the bot's own


@api.post(
    "/bot/conversations/{id}/messages",
    "create_bot_conversation_message",
    BOT + "answer, with optional quick replies",
    status=202,
    response=MessageOut,
    body=BotReplyIn,
    errors=(404, 409, 413, 422),
    headers=IDEMPOTENT,
    tag="chatbot",
)
@idempotent
async def bot_reply(request: Request) -> JSONResponse:
    _, bot = await bot_of(request)
    body = await json_body(request, BotReplyIn)
    conversation = await bots.bot_conversation(bot, request.path_params["id"])
    message = await bots.reply(hub_of(request), bot, conversation, body.text, body.quick_replies)
    return answer(MessageOut.of(message), 202)


@api.post(
    "/bot/conversations/{id}/handoff",
    "create_bot_conversation_handoff",
    BOT + "hand the conversation to humans, with an optional note and team",
    response=ConversationOut,
    body=HandoffIn,
    errors=(400, 404, 409, 413),
    headers=IDEMPOTENT,
    tag="chatbot",
)
@idempotent
async def bot_handoff(request: Request) -> JSONResponse:
    _, bot = await bot_of(request)
    body = await json_body(request, HandoffIn)
    conversation = await bots.bot_conversation(bot, request.path_params["id"])
    assert conversation.id is not None
    conversation_id = conversation.id
    moved = await bots.handoff(
        hub_of(request),
        bot.account_id,
        conversation_id,
        team_id=body.team_id,
        note=body.note,
        sender=Sender(type="bot", id=str(bot.id), name=bot.name),
    )
    if moved is None:  # the fallback or another call handed it over a moment ago
        moved = await bots.bot_conversation_any(bot, request.path_params["id"])
    return answer(ConversationOut.of(moved))


@api.get(
    "/bot/conversations/{id}",
    "get_bot_conversation",
    BOT + "one of the bot's conversations",
    response=ConversationOut,
    errors=(404,),
    tag="chatbot",
)
async def bot_get_conversation(request: Request) -> JSONResponse:
    _, bot = await bot_of(request)
    found = await bots.bot_conversation_any(bot, request.path_params["id"])
    return answer(ConversationOut.of(found))


routes = api.routes()
