"""The widget's "call me back instead" panel: what it may offer, and asking for a callback.

``GET /widget/v1/callback`` says whether the panel shows (the channel's default team
offers callbacks now, or always in the widget), with today's and tomorrow's remaining
windows and the number to prefill (the visitor's contact's phone). ``POST`` creates
the callback through ``hub.centre.callbacks.lifecycle`` (its rules: E.164 number, one of the
team's windows, not past), for the visitor's contact and latest conversation, so it
shows in their timeline. Rate-limited per visitor and per IP like the other routes.
"""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub import widget_services as services
from hub.contract import Address, JsonObject, now
from hub.widget_services import (
    MAX_CALLBACK_INPUT,
    Account,
    Contact,
    InvalidCallback,
    Team,
    WidgetError,
    remaining_windows,
    settings_of,
)
from webchat_widget.context import VisitorContext, client_ip, rate_limit, read_json, visitor_context
from webchat_widget.limits import Limit

#: Callback requests a visitor may make, and all visitors of one IP together.
VISITOR_LIMIT = Limit(5, dt.timedelta(minutes=10))
IP_LIMIT = Limit(30, dt.timedelta(minutes=10))
READ_LIMIT = Limit(60, dt.timedelta(minutes=1))


class WindowIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: AwareDatetime = Field(alias="from")
    until: AwareDatetime


class CallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=1, max_length=40)
    window: WindowIn
    note: str = Field(default="", max_length=MAX_CALLBACK_INPUT)


async def _team(ctx: VisitorContext) -> tuple[Account, Team] | None:
    """The account and the team the channel routes to, when that team has callback settings."""
    team_id = ctx.channel.default_team_id
    account = await services.get_account(ctx.account_id)
    if account is None or not team_id:
        return None
    try:
        team = await services.callback_team(ctx.account_id, team_id)
    except InvalidCallback:
        return None
    settings = settings_of(team.callback if team else None)
    if team is None or not team.callback or not settings["enabled"] or not settings["windows"]:
        return None
    return account, team


async def _offered(ctx: VisitorContext) -> tuple[Account, Team] | None:
    found = await _team(ctx)
    if found is None:
        return None
    account, team = found
    if settings_of(team.callback)["always_in_widget"] or await services.callback_offer_active(
        account, team
    ):
        return found
    return None


async def _contact(ctx: VisitorContext) -> Contact:
    address = Address(kind="visitor", value=ctx.visitor.visitor_id, name=ctx.visitor.name)
    return await services.find_or_create_contact(ctx.account_id, address)


async def offer(request: Request) -> Response:
    """``GET /widget/v1/callback``: ``{"available", "windows": [{"from", "until"}], "phone"}``."""
    ctx = await visitor_context(request)
    await rate_limit(request, ctx.hub, "callback-read", ctx.visitor.visitor_id, READ_LIMIT)
    found = await _offered(ctx)
    if found is None:
        return JSONResponse({"available": False, "windows": [], "phone": None})
    account, team = found
    windows = remaining_windows(
        settings_of(team.callback), now(), services.account_timezone(account)
    )
    contact = await services.contact_by_address(ctx.account_id, ctx.visitor.address_key)
    return JSONResponse(
        {
            "available": bool(windows),
            "windows": [{"from": w.start.isoformat(), "until": w.end.isoformat()} for w in windows],
            "timezone": services.account_timezone(account),
            "phone": contact.phone if contact else None,
        }
    )


async def request_callback(request: Request) -> Response:
    """``POST /widget/v1/callback`` ``{"phone", "window": {"from", "until"}, "note"?}``: 201."""
    ctx = await visitor_context(request)
    await rate_limit(request, ctx.hub, "callback", ctx.visitor.visitor_id, VISITOR_LIMIT)
    await rate_limit(request, ctx.hub, "callback-ip", client_ip(request), IP_LIMIT)
    body = await read_json(request, CallbackIn)
    found = await _team(ctx)
    if found is None:
        raise WidgetError(409, "callbacks_unavailable", "this chat does not offer callbacks")
    account, team = found
    contact = await _contact(ctx)
    conversations = await ctx.conversation_ids()
    try:
        made = await services.create_callback(
            account,
            phone=body.phone,
            window_from=body.window.from_,
            window_until=body.window.until,
            team_id=str(team.id),
            customer_input=body.note,
            contact_id=contact.id,
            conversation_id=conversations[-1] if conversations else None,
            channel_id=str(ctx.channel.id),
        )
    except InvalidCallback as exc:
        raise WidgetError(400, exc.code, exc.message) from None
    if not contact.phone and contact.id is not None:
        await services.set_contact_fields(ctx.account_id, contact.id, phone=made.phone)
    answer: JsonObject = {
        "id": str(made.id),
        "phone": made.phone,
        "window": {"from": made.window_from.isoformat(), "until": made.window_until.isoformat()},
        "status": made.status,
    }
    return JSONResponse(answer, status_code=201)
