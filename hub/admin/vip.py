"""Admin: the VIP list (``/admin/vip``): one phone number or email address a line, normalized."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.centre.routing import vip
from hub.tenants import audit
from hub.web import i18n, pages
from hub.web.guard import Ctx, page_view


async def _page(
    request: Request, ctx: Ctx, text: str | None = None, error: str = "", notice: str = "",
    status: int = 200,
) -> Response:  # fmt: skip
    assert ctx.account.id is not None
    keys = await vip.addresses(ctx.account.id)
    context = await common.context(
        ctx,
        request,
        text=text if text is not None else "\n".join(vip.display(k) for k in keys),
        count=len(keys),
        error=error,
        notice=notice,
    )
    return pages.render(request, "admin/vip.html", context, status)


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@page_view("admin")
async def save(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    text = str((await request.form()).get("addresses", ""))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    try:
        keys = await vip.replace(ctx.account.id, lines)
    except vip.InvalidAddress as exc:
        message = i18n.gettext(
            "Line %(num)s: “%(text)s” is not a phone number (+45…) or email address."
        ) % {"num": exc.index + 1, "text": lines[exc.index]}
        return await _page(request, ctx, text, error=message, status=400)
    except ValueError as exc:
        return await _page(request, ctx, text, error=str(exc), status=400)
    await audit.record(
        ctx.account_id, audit.of_user(ctx.user), "vip.replaced", "vip", _ip(request),
        {"count": len(keys)},
    )  # fmt: skip
    return await _page(
        request,
        ctx,
        notice=i18n.ngettext(
            "Saved: %(num)s VIP address.", "Saved: %(num)s VIP addresses.", len(keys)
        )
        % {"num": len(keys)},
    )


routes = [
    Route("/admin/vip", index, methods=["GET"]),
    Route("/admin/vip", save, methods=["POST"]),
]


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None
