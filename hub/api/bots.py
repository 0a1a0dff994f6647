"""Chatbot API routes: bot registration (API key) and the bot's own routes (bot token)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.api.context import (
    answer,
    api_account,
    bot_of,
    hub_of,
    json_body,
    listed,
)
from hub.api.idempotency import idempotent
from hub.api.schemas import (
    BotCreated,
    BotIn,
    BotOut,
    BotReplyIn,
    ConversationOut,
    HandoffIn,
    MessageOut,
)
from hub.integrations import bots
from hub.models import Account, Bot, Sender


async def _bot_account(request: Request) -> Account:
    account = await api_account(request, addon="chatbot_api")
    assert account.id is not None
    return account


async def list_bots(request: Request) -> JSONResponse:
    account = await _bot_account(request)
    return await listed(request, Bot, {"account_id": account.id}, BotOut.of, descending=False)


@idempotent
async def create_bot(request: Request) -> JSONResponse:
    account = await _bot_account(request)
    body = await json_body(request, BotIn)
    bot, token = await bots.register(account.id, body.name, body.webhook_url, body.channel_ids)  # type: ignore[arg-type]
    out = BotCreated(**BotOut.of(bot).model_dump(), token=token, secret=bot.secret)
    return answer(out, 201)


async def get_bot(request: Request) -> JSONResponse:
    account = await _bot_account(request)
    bot = await bots.get_bot(account.id, request.path_params["id"])  # type: ignore[arg-type]
    return answer(BotOut.of(bot))


async def delete_bot(request: Request) -> JSONResponse:
    account = await _bot_account(request)
    bot = await bots.get_bot(account.id, request.path_params["id"])  # type: ignore[arg-type]
    await bots.remove(hub_of(request), account.id, str(bot.id))  # type: ignore[arg-type]
    return answer(BotOut.of(bot))


# --------------------------------------------------------------------------- the bot's own


@idempotent
async def bot_reply(request: Request) -> JSONResponse:
    _, bot = await bot_of(request)
    body = await json_body(request, BotReplyIn)
    conversation = await bots.bot_conversation(bot, request.path_params["id"])
    message = await bots.reply(hub_of(request), bot, conversation, body.text, body.quick_replies)
    return answer(MessageOut.of(message), 202)


@idempotent
async def bot_handoff(request: Request) -> JSONResponse:
    _, bot = await bot_of(request)
    body = await json_body(request, HandoffIn)
    conversation = await bots.bot_conversation(bot, request.path_params["id"])
    moved = await bots.handoff(
        hub_of(request),
        bot.account_id,
        conversation.id,  # type: ignore[arg-type]
        team_id=body.team_id,
        note=body.note,
        sender=Sender(type="bot", id=str(bot.id), name=bot.name),
    )
    if moved is None:  # the fallback or another call handed it over a moment ago
        moved = await bots.bot_conversation_any(bot, request.path_params["id"])
    return answer(ConversationOut.of(moved))


async def bot_get_conversation(request: Request) -> JSONResponse:
    _, bot = await bot_of(request)
    found = await bots.bot_conversation_any(bot, request.path_params["id"])
    return answer(ConversationOut.of(found))


routes = [
    Route("/bots", list_bots, methods=["GET"]),
    Route("/bots", create_bot, methods=["POST"]),
    Route("/bots/{id}", get_bot, methods=["GET"]),
    Route("/bots/{id}", delete_bot, methods=["DELETE"]),
    Route("/bot/conversations/{id}", bot_get_conversation, methods=["GET"]),
    Route("/bot/conversations/{id}/messages", bot_reply, methods=["POST"]),
    Route("/bot/conversations/{id}/handoff", bot_handoff, methods=["POST"]),
]
