"""A local stand-in for Twilio's Messaging API, for demos of the twilio_* connectors.

It answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (and Content API
creates at ``/v1/Content``) the way Twilio does, prints each message, and then
posts signed status callbacks (``sent``, ``delivered``) to the message's
``StatusCallback`` URL, as Twilio would. Point a channel at it with
``"api_base_url": "http://127.0.0.1:8765"``.

    .venv/bin/python examples/twilio_standin.py --auth-token demo-token [--port 8765]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import secrets

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator

STATUS_DELAY = 0.5  # seconds between the answer and each status callback
_background: set[asyncio.Task[None]] = set()


def _error(status: int, code: int, message: str) -> JSONResponse:
    info = f"https://www.twilio.com/docs/errors/{code}"
    return JSONResponse(
        {"code": code, "message": message, "more_info": info, "status": status}, status
    )


def build_app(auth_token: str) -> Starlette:
    """The stand-in's routes; ``auth_token`` checks Basic auth and signs the callbacks."""

    def authorized(request: Request, account_sid: str) -> bool:
        expected = httpx.BasicAuth(account_sid, auth_token)._auth_header
        return secrets.compare_digest(request.headers.get("authorization", ""), expected)

    async def create_message(request: Request) -> JSONResponse:
        account_sid = request.path_params["sid"]
        if not authorized(request, account_sid):
            return _error(401, 20003, "Authenticate")
        form = await request.form()
        to = str(form.get("To", ""))
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        sid = "SM" + secrets.token_hex(16)
        body = str(form.get("Body") or f"[content {form.get('ContentSid')}]")
        media = form.getlist("MediaUrl")
        print(f"--> {to}: {body}" + (f" (+{len(media)} media)" if media else ""), flush=True)
        callback = form.get("StatusCallback")
        if isinstance(callback, str) and callback:
            params = {"AccountSid": account_sid, "From": str(form.get("From", "")), "To": to}
            task = asyncio.create_task(_report(callback, auth_token, sid, params))
            _background.add(task)
            task.add_done_callback(_background.discard)
        return JSONResponse(_message(account_sid, sid, form, body), status_code=201)

    async def create_content(request: Request) -> JSONResponse:
        data = await request.json()
        sid = "HX" + secrets.token_hex(16)
        print(f"--- content {sid}: {sorted(data.get('types', {}))}", flush=True)
        return JSONResponse({**data, "sid": sid}, status_code=201)

    return Starlette(
        routes=[
            Route("/2010-04-01/Accounts/{sid}/Messages.json", create_message, methods=["POST"]),
            Route("/v1/Content", create_content, methods=["POST"]),
        ]
    )


def _message(account_sid: str, sid: str, form: object, body: str) -> dict[str, object]:
    now = dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    get = form.get  # type: ignore[attr-defined]
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": now,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": get("From"),
        "messaging_service_sid": get("MessagingServiceSid"),
        "num_segments": "1",
        "num_media": str(len(form.getlist("MediaUrl"))),  # type: ignore[attr-defined]
        "sid": sid,
        "status": "queued",
        "to": get("To"),
        "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
    }


async def _report(url: str, token: str, sid: str, params: dict[str, str]) -> None:
    """Post signed status callbacks for one message, as Twilio would."""
    async with httpx.AsyncClient(timeout=10) as client:
        for status in ("sent", "delivered"):
            await asyncio.sleep(STATUS_DELAY)
            form = {**params, "MessageSid": sid, "SmsSid": sid, "MessageStatus": status}
            form["SmsStatus"] = status
            form["ApiVersion"] = "2010-04-01"
            signature = RequestValidator(token).compute_signature(url, form)
            try:
                answer = await client.post(
                    url, data=form, headers={"X-Twilio-Signature": signature}
                )
                print(
                    f"<-- status {status} for {sid}: hub answered {answer.status_code}", flush=True
                )
            except httpx.HTTPError as exc:
                print(f"<-- status {status} for {sid}: {exc}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--auth-token", required=True, help="the channel's auth_token")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    print(f"Twilio stand-in on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(build_app(args.auth_token), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
