"""Web Push routes: the hub's public key, a device's subscription, and "My account"'s devices.

- ``GET /inbox/push/key`` → ``{"public_key"}`` (base64url of the uncompressed P-256 point);
- ``POST /inbox/push/subscriptions`` (signed in, CSRF) with the browser's ``PushSubscription``
  JSON ``{"endpoint", "keys": {"p256dh", "auth"}}`` → 201; 400 with a reason when malformed,
  not https, or refused by the outbound guard;
- ``DELETE /inbox/push/subscriptions`` ``{"endpoint"}`` → 204 (404: not one of yours);
- the forms of "My account": a device's kinds, removing a device, a test push.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import uuid
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.inbox.push_events import Target, queue
from hub.integrations import vapid
from hub.models.push import PUSH_KINDS, PushSubscription
from hub.pipeline import outbound
from hub.store import push as store
from hub.store.ids import parse_id
from hub.tenants import audit, auth
from hub.web import pages
from hub.web.guard import Ctx, page_view
from hub.web.i18n import gettext as _

MAX_ENDPOINT = 1024
MAX_BODY = 4096


#: The session key of the confirmation the devices section shows (next to the devices, where
#: the page opens after a device's form, rather than at the top of the page).
DEVICES_FLASH = "flash_devices"


def _said(request: Request, message: str) -> Response:
    if "session" in request.scope:
        request.session[DEVICES_FLASH] = message
    return pages.redirect(request, "/inbox/me#devices")


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def _removed(request: Request, ctx: Ctx) -> None:
    await audit.record(ctx.account_id, audit.of_user(ctx.user), "push.device_removed",
                       f"user:{ctx.user.id}", _ip(request))  # fmt: skip


class Malformed(ValueError):
    """A subscription the hub cannot use; the message says why (answered 400)."""


def _refused(message: str, status: int = 400) -> JSONResponse:
    code = "too_large" if status == 413 else "invalid_subscription"
    return JSONResponse({"error": {"code": code, "message": message}}, status)


def _b64(value: object, field: str) -> bytes:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise Malformed(f"keys.{field} must be a base64url string")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise Malformed(f"keys.{field} is not base64url") from None


def parse_keys(keys: object) -> tuple[str, str]:
    """The subscription's ``p256dh`` (a P-256 point) and ``auth`` (16 bytes), checked."""
    if not isinstance(keys, dict):
        raise Malformed("keys must be an object with p256dh and auth")
    point = _b64(keys.get("p256dh"), "p256dh")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise Malformed("keys.p256dh is not a P-256 public key") from None
    if len(point) != 65:
        raise Malformed("keys.p256dh must be an uncompressed P-256 point (65 bytes)")
    if len(_b64(keys.get("auth"), "auth")) != 16:
        raise Malformed("keys.auth must be 16 bytes")
    return str(keys["p256dh"]), str(keys["auth"])


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def check_endpoint(endpoint: object, http_loopback: bool) -> str:
    """An https URL the outbound guard lets through (http to loopback only in tests)."""
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise Malformed(f"endpoint must be a URL of at most {MAX_ENDPOINT} characters")
    parts = urlsplit(endpoint)
    plain_ok = http_loopback and parts.scheme == "http" and _loopback(parts.hostname or "")
    if parts.scheme != "https" and not plain_ok:
        raise Malformed("endpoint must be an https URL")
    try:
        await outbound.check_url_async(endpoint)
    except outbound.OutboundRefused as exc:
        raise Malformed(exc.message) from None
    return endpoint


#: Marks in a User-Agent and the names they stand for, the more specific first.
BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
            ("Chromium/", "Chromium"), ("Safari/", "Safari")]  # fmt: skip
SYSTEMS = [("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
           ("Mac OS X", "macOS"), ("Linux", "Linux")]  # fmt: skip


def browser_and_system(ua: str) -> tuple[str, str]:
    """("Firefox", "Android") and the like from a User-Agent: a hint for the list of devices."""
    browser = next((name for mark, name in BROWSERS if mark in ua), "")
    system = next((name for mark, name in SYSTEMS if mark in ua), "")
    return browser, system


def device_label(device: PushSubscription) -> str:
    """ "Firefox on Android", in the current language."""
    browser, system = device.browser, device.system
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("A browser")


async def _json(request: Request) -> dict[str, object]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Malformed("the subscription is too large")
    try:
        data = json.loads(raw or b"null")
    except ValueError:
        raise Malformed("the body must be JSON") from None
    if not isinstance(data, dict):
        raise Malformed("the body must be a JSON object")
    return data


async def public_key(request: Request) -> Response:
    settings = request.app.state.settings
    return JSONResponse({"public_key": vapid.public_key(settings.data_dir)})


@page_view("any")
async def subscribe(request: Request, ctx: Ctx) -> Response:
    assert ctx.user.id is not None
    try:
        data = await _json(request)
        keys = parse_keys(data.get("keys"))
        endpoint = await check_endpoint(data.get("endpoint"), ctx.hub.settings.push_http_loopback)
    except Malformed as exc:
        return _refused(str(exc), 413 if "too large" in str(exc) else 400)
    names = browser_and_system(request.headers.get("user-agent", "")[:500])
    found = await store.subscribe(ctx.account_id, ctx.user.id, endpoint, *keys, *names)
    request.session[auth.PUSH_DEVICE] = str(found.id)  # signing out here removes it
    details = {"device": f"{found.browser} {found.system}".strip(), "id": str(found.id)}
    await audit.record(ctx.account_id, audit.of_user(ctx.user), "push.device_added",
                       f"user:{ctx.user.id}", _ip(request), details)  # fmt: skip
    return JSONResponse(
        {"id": str(found.id), "device": device_label(found), "kinds": found.kinds}, status_code=201
    )


@page_view("any")
async def unsubscribe(request: Request, ctx: Ctx) -> Response:
    assert ctx.user.id is not None
    try:
        endpoint = (await _json(request)).get("endpoint")
    except Malformed as exc:
        return _refused(str(exc))
    if not isinstance(endpoint, str) or not endpoint:
        return _refused("endpoint is required")
    if not await store.unsubscribe(ctx.account_id, ctx.user.id, endpoint):
        return JSONResponse(
            {"error": {"code": "not_found", "message": "no such device of yours"}}, 404
        )
    await _removed(request, ctx)
    return Response(status_code=204)


@page_view("any")
async def set_kinds(request: Request, ctx: Ctx) -> Response:
    assert ctx.user.id is not None
    form = await request.form()
    kinds = [str(k) for k in form.getlist("kinds") if str(k) in PUSH_KINDS]
    found = await store.set_kinds(
        ctx.account_id, ctx.user.id, parse_id(request.path_params["id"]), kinds
    )
    if not found:
        return pages.redirect(request, "/inbox/me")
    return _said(request, _("Notifications for this device were saved."))


@page_view("any")
async def remove(request: Request, ctx: Ctx) -> Response:
    assert ctx.user.id is not None
    device_id = parse_id(request.path_params["id"])
    if await store.remove_device(ctx.account_id, ctx.user.id, device_id):
        await _removed(request, ctx)
    return _said(request, _("The device was removed; it gets no more notifications."))


@page_view("any")
async def test_push(request: Request, ctx: Ctx) -> Response:
    """A test push to each of the user's devices (through the same worker as the rest)."""
    assert ctx.user.id is not None
    stored = await queue(ctx.account_id, Target(ctx.user.id, "test", None), f"test:{uuid.uuid4()}")
    worker = request.app.state.workers.get("push_deliveries")
    if worker is not None:
        worker.wake()
    if stored:
        return _said(request, _("A test notification is on its way to your devices."))
    return _said(request, _("No device of yours has notifications turned on yet."))


routes = [
    Route("/inbox/push/key", public_key, methods=["GET"]),
    Route("/inbox/push/subscriptions", subscribe, methods=["POST"]),
    Route("/inbox/push/subscriptions", unsubscribe, methods=["DELETE"]),
    Route("/inbox/push/test", test_push, methods=["POST"]),
    Route("/inbox/me/devices/{id}/kinds", set_kinds, methods=["POST"]),
    Route("/inbox/me/devices/{id}/remove", remove, methods=["POST"]),
]
