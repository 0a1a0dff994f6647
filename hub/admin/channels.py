"""Channels: add (a form made from the connector's ``Config`` model, the activation fee shown
first), edit, activate and deactivate, and what to paste at the provider. Secrets are
write-only: once saved they are never shown, and an empty input keeps them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import channel_words, common
from hub.errors import NotFound
from hub.models import Channel, Team
from hub.store import teams as team_store
from hub.tenants import accounts, channels, plans
from hub.tenants.channel_forms import form_values, submitted_values, white_contrast
from hub.tenants.channels import (
    ChannelChanges,
    ConfigField,
    config_fields,
    config_from_form,
    is_secret,
)
from hub.web import i18n
from hub.web.guard import Ctx, page_view
from hub.web.i18n import N_
from hub.web.i18n import gettext as _

#: The labels the bundled connectors declare (translated where shown; a connector's own
#: label stays as it is written when no catalog has it).
CONNECTOR_LABELS = (N_("Email"), N_("Web chat"))
#: The web chat's settings as its Config model names them (pydantic's titles).
FIELD_LABELS = (
    N_("Allowed Origins"), N_("Require Identity"), N_("Prechat Fields"), N_("Business Hours"),
    N_("Language"), N_("Identity Secret"), N_("Agent Name"), N_("Greeting"), N_("Team Line"),
    N_("Colour"), N_("Position"), N_("Launcher Text"), N_("Show Agent Avatars"), N_("Sound"),
)  # fmt: skip


def _form(fields: list[ConfigField]) -> dict[str, Any]:
    """What the form's template needs of the fields, in the reader's language."""
    shown = channel_words.fields_in_words(fields)
    return {"fields": shown, "option_names": channel_words.option_names(),
            "field_labels": {f.name: f.label for f in shown}}  # fmt: skip


def _refusal(reason: str, errors: dict[str, str], fields: list[ConfigField]) -> dict[str, Any]:
    """The banner over a refused form and each field's refusal beside its input, in words."""
    banner, beside = channel_words.errors_in_words(reason, errors, fields)
    return {"error": banner, "errors": beside}


def _types(ctx: Ctx, request: Request) -> list[dict[str, str]]:
    registry = request.app.state.hub.registry
    return [{"type": t, "label": _(registry.get(t).label or t)} for t in registry.types()]


async def _teams(ctx: Ctx) -> list[Team]:
    return await team_store.teams_by_name(ctx.account_id)


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    context = await common.context(
        ctx,
        request,
        channels=await channels.list_channels(ctx.account.id),
        types=_types(ctx, request),
        teams={str(t.id): t.name for t in await _teams(ctx)},
        fee=plans.CHANNEL_ACTIVATION_FEE_EUR,
    )
    return common.render(request, "channels.html", context)


async def _new_page(
    request: Request, ctx: Ctx, type: str, status: int = 200, **extra: Any
) -> Response:
    registry = request.app.state.hub.registry
    if type not in registry.types():
        return await common.refused(request, NotFound("no such channel type"), _nothing)
    connector = registry.get(type)
    fields = config_fields(connector.Config)
    context = await common.context(
        ctx, request, type=type, label=_(connector.label or type),
        **_form(fields), teams=await _teams(ctx), white_contrast=white_contrast,
        fee=plans.CHANNEL_ACTIVATION_FEE_EUR, stored_secrets=set(),
        **{"errors": {}, "values": form_values(fields, {}), "name": "", "default_team_id": "",
           **extra},
    )  # fmt: skip
    return common.render(request, "channel_new.html", context, status)


async def _nothing(message: str, fields: dict[str, str], status: int) -> Response:
    raise AssertionError("only a not-found refusal reaches here")


@page_view("admin")
async def new(request: Request, ctx: Ctx) -> Response:
    return await _new_page(request, ctx, request.query_params.get("type", ""))


@page_view("admin")
async def create(request: Request, ctx: Ctx) -> Response:
    hub = request.app.state.hub
    form = await request.form()
    type = common.form_str(form, "type", 60)
    if type not in hub.registry.types():
        return await _new_page(request, ctx, type)
    fields = config_fields(hub.registry.get(type).Config)
    submitted = {k: v for k, v in form.items() if isinstance(v, str)}
    name = common.form_str(form, "name", 200)
    team = common.form_str(form, "default_team_id", 40) or None

    async def again(message: str, errors: dict[str, str], status: int) -> Response:
        return await _new_page(request, ctx, type, status, **_refusal(message, errors, fields),
                               values=submitted_values(fields, submitted),
                               name=name, default_team_id=team or "")  # fmt: skip

    try:
        assert ctx.account.id is not None
        await channels.check_team(ctx.account.id, team)
        config = config_from_form(fields, submitted)
        channel, shown = await accounts.create_channel(
            hub, ctx.account, type, name, config, common.actor(ctx), common.ip(request), team
        )
    except common.REFUSALS as exc:
        return await common.refused(request, exc, again)
    once = {k: v for k, v in shown.items() if is_secret(k)}
    message = _("%(name)s was added; its activation (%(fee)s) is on this month's charges.") % {
        "name": channel.name,
        "fee": i18n.format_currency(plans.CHANNEL_ACTIVATION_FEE_EUR),
    }
    return await _channel_page(request, ctx, channel, 201, notice=message, once=once)


async def _channel_page(
    request: Request, ctx: Ctx, channel: Channel, status: int = 200, **extra: Any
) -> Response:
    hub = request.app.state.hub
    connector = hub.registry.get(channel.type)
    fields = config_fields(connector.Config)
    context = await common.context(
        ctx, request, channel=channel, label=_(connector.label or channel.type),
        **_form(fields), white_contrast=white_contrast,
        paste=channel_words.paste_in_words(channels.paste_at_provider(hub, channel)),
        paste_labels=channel_words.paste_labels(),
        teams=await _teams(ctx),
        stored_secrets={k for k, v in channel.config.items() if is_secret(k) and v},
        **{"errors": {}, "once": {}, "values": form_values(fields, channel.config), **extra},
    )  # fmt: skip
    return common.render(request, "channel.html", context, status)


async def _channel(ctx: Ctx, request: Request) -> Channel:
    assert ctx.account.id is not None
    return await channels.get_channel(ctx.account.id, request.path_params["id"])


@page_view("admin")
async def show(request: Request, ctx: Ctx) -> Response:
    try:
        channel = await _channel(ctx, request)
    except common.REFUSALS as exc:
        return await common.refused(request, exc, _nothing)
    return await _channel_page(request, ctx, channel)


ChangesOf = Callable[[FormData, list[ConfigField]], ChannelChanges]


async def _change(request: Request, ctx: Ctx, changes_of: ChangesOf, message: str) -> Response:
    hub = request.app.state.hub
    try:
        channel = await _channel(ctx, request)
    except common.REFUSALS as exc:
        return await common.refused(request, exc, _nothing)
    form = await request.form()

    async def again(reason: str, errors: dict[str, str], status: int) -> Response:
        fields = config_fields(hub.registry.get(channel.type).Config)
        submitted = {k: v for k, v in form.items() if isinstance(v, str)}
        values = {**form_values(fields, channel.config), **submitted_values(fields, submitted)}
        return await _channel_page(
            request, ctx, channel, status, **_refusal(reason, errors, fields), values=values,
        )  # fmt: skip

    try:
        changes = changes_of(form, config_fields(hub.registry.get(channel.type).Config))
        await channels.update_channel(
            hub, ctx.account, channel, changes, common.actor(ctx), common.ip(request)
        )
    except common.REFUSALS as exc:
        return await common.refused(request, exc, again)
    return common.done(request, f"/admin/channels/{channel.id}", message)


@page_view("admin")
async def update(request: Request, ctx: Ctx) -> Response:
    def changes_of(form: FormData, fields: list[ConfigField]) -> ChannelChanges:
        submitted = {k: v for k, v in form.items() if isinstance(v, str)}
        config = config_from_form(fields, submitted)
        # An emptied optional field clears it (secrets excepted: empty keeps them).
        for f in fields:
            emptied = f"config.{f.name}" in submitted and f.name not in config
            if emptied and f.kind not in ("password", "checkbox") and not f.required:
                config[f.name] = None
        return ChannelChanges(
            name=common.form_str(form, "name", 200),
            default_team_id=common.form_str(form, "default_team_id", 40) or None,
            config=config,
        )

    return await _change(request, ctx, changes_of, _("The channel was saved."))


@page_view("admin")
async def set_active(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    active = form.get("active") == "true"
    message = (
        _("The channel is active again.")
        if active
        else _("The channel was deactivated: it refuses webhooks and sends nothing.")
    )
    return await _change(request, ctx, lambda form, fields: ChannelChanges(active=active), message)


routes = [
    Route("/admin/channels", index, methods=["GET"]),
    Route("/admin/channels", create, methods=["POST"]),
    Route("/admin/channels/new", new, methods=["GET"]),
    Route("/admin/channels/{id}", show, methods=["GET"]),
    Route("/admin/channels/{id}", update, methods=["POST"]),
    Route("/admin/channels/{id}/active", set_active, methods=["POST"]),
]
