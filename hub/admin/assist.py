"""Admin: assist — the account's own model endpoint, its features, a connection test and
this month's usage (``hub.assist``)."""

from __future__ import annotations

from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub import assist
from hub.admin import common
from hub.errors import HubError
from hub.models.account import ASSIST_FEATURES, ASSIST_LANGUAGES, AssistPatch
from hub.web import pages
from hub.web.guard import Ctx, page_view
from hub.web.i18n import N_
from hub.web.i18n import gettext as _

FEATURES = {
    "suggest": N_("Reply drafts (Suggest)"),
    "summarize": N_("Summaries, and a summary note on a transfer or a bot hand-over"),
    "translate": N_("Translation of customers' messages and of replies"),
    "labels": N_("Label suggestions"),
}
LANGUAGES = {
    "en": "English", "da": "Dansk", "sv": "Svenska", "nb": "Norsk bokmål", "nl": "Nederlands",
    "fr": "Français", "de": "Deutsch", "es": "Español", "fi": "Suomi", "pl": "Polski",
    "it": "Italiano", "pt": "Português",
}  # fmt: skip


async def _page(
    request: Request,
    ctx: Ctx,
    error: str = "",
    status: int = 200,
    test: tuple[bool, str] | None = None,
) -> Response:
    setting = ctx.account.assist
    usage = await assist.month_usage(ctx.account)
    context = await common.context(
        ctx,
        request,
        setting=setting.shown() if setting else None,
        features=[(name, _(FEATURES[name])) for name in ASSIST_FEATURES],
        assist_languages=[(code, LANGUAGES[code]) for code in ASSIST_LANGUAGES],
        usage=usage,
        feature_names={name: _(label) for name, label in FEATURES.items()},
        test=test,
        error=error,
    )
    return pages.render(request, "admin/assist.html", context, status)


@page_view("admin")
async def show(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


def _patch(form: FormData) -> AssistPatch:
    values: dict[str, object] = {
        "base_url": common.form_str(form, "base_url", 500),
        "model": common.form_str(form, "model", 200),
        "enabled": "enabled" in form,
        "features": {name: name in form for name in ASSIST_FEATURES},
        "agent_language": common.form_str(form, "agent_language", 10) or None,
    }
    key = common.form_str(form, "api_key", 500)
    if key:
        values["api_key"] = key
    elif "clear_key" in form:
        values["api_key"] = None
    return AssistPatch.model_validate(values)


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    names = {"base_url": _("Endpoint URL"), "model": _("Model")}
    return f"{names.get(where, where)}: {first['msg']}"


@page_view("admin")
async def save(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    try:
        patch = _patch(form)
        await assist.configure(ctx.hub, ctx.account, patch, common.actor(ctx), common.ip(request))
    except ValidationError as exc:
        return await _page(request, ctx, _reason(exc), 400)
    except HubError as exc:
        return await _page(request, ctx, getattr(exc, "message", str(exc)), 400)
    return common.done(request, "/admin/assist", _("Assist settings saved."))


@page_view("admin")
async def test_connection(request: Request, ctx: Ctx) -> Response:
    await request.form()
    try:
        answer = await assist.test_connection(ctx.hub, ctx.account, ctx.user)
    except assist.AssistError as exc:
        return await _page(request, ctx, test=(False, exc.message))
    return await _page(request, ctx, test=(True, answer))


routes = [
    Route("/admin/assist", show, methods=["GET"]),
    Route("/admin/assist", save, methods=["POST"]),
    Route("/admin/assist/test", test_connection, methods=["POST"]),
]
