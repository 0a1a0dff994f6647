"""The account's labels for the inbox's label fields (autocomplete), fetched once a page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.store import labels
from hub.web.guard import Ctx, inbox_view


@inbox_view()
async def options(request: Request, ctx: Ctx) -> Response:
    """``[{"name", "colour"}]``, by name: what ``labels.js`` offers while an agent types."""
    found = await labels.list_labels(ctx.account_id)
    return JSONResponse([{"name": x.name, "colour": x.colour} for x in found])


routes = [Route("/inbox/labels/options", options, methods=["GET"])]
