"""``POST /widget/v1/attributes``: the host page's ``Parley.setAttributes`` onto the contact.

Keys are short identifiers; values are strings, numbers or booleans. A bad
attribute answers 400 naming it, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.contract import VISITOR, Address
from hub.widget_services import (
    AttributeValue,
    WidgetError,
    find_or_create_contact,
    set_contact_fields,
)
from webchat_widget.context import rate_limit, read_json, visitor_context
from webchat_widget.limits import Limit

LIMIT = Limit(30, dt.timedelta(minutes=1))
MAX_ATTRIBUTES = 20
MAX_VALUE = 200
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: Set by the hub itself, never by the page.
RESERVED = {"verified_user_id", "reply_by_email"}


class AttributesIn(BaseModel):
    attributes: dict[str, object]


def _checked(attributes: dict[str, object]) -> dict[str, AttributeValue]:
    if not attributes or len(attributes) > MAX_ATTRIBUTES:
        raise WidgetError(400, "invalid_attributes", f"attributes: 1 to {MAX_ATTRIBUTES} keys")
    for key, value in attributes.items():
        if not _KEY.match(key) or key in RESERVED:
            raise WidgetError(
                400,
                "invalid_attribute",
                f"attributes.{key}: keys are a-z, 0-9 and _ (not reserved)",
            )
        if not isinstance(value, str | int | float | bool) or len(str(value)) > MAX_VALUE:
            raise WidgetError(
                400, "invalid_attribute", f"attributes.{key}: a string, number or boolean"
            )
    return {key: value for key, value in attributes.items() if isinstance(value, AttributeValue)}


async def set_attributes(request: Request) -> Response:
    ctx = await visitor_context(request)
    await rate_limit(request, ctx.hub, "attributes", ctx.visitor.visitor_id, LIMIT)
    body = await read_json(request, AttributesIn)
    values = _checked(body.attributes)
    address = Address(kind=VISITOR.name, value=ctx.visitor.visitor_id, name=ctx.visitor.name)
    contact = await find_or_create_contact(ctx.account_id, address)
    assert contact.id is not None
    await set_contact_fields(ctx.account_id, contact.id, attributes=values)
    return JSONResponse({"attributes": sorted(values)})
