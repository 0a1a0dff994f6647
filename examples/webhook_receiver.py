"""A receiver for Parley's outbound webhooks: checks each event's signature and prints it.

Subscribe it with ``POST /api/v1/webhooks`` (``"url": "http://127.0.0.1:9100/events"``), then
run it with the subscription's ``secret``:

    .venv/bin/python examples/webhook_receiver.py --secret whsec_… --port 9100

It answers 2xx to a correctly signed event (the hub then counts it delivered) and 403 to
anything else (the hub retries). It uses only the standard library and Starlette.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TOLERANCE_SECONDS = 300


def verify(secret: str, header: str, body: bytes) -> bool:
    """``Parley-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>``."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts.get("t", ""))
    except ValueError:
        return False
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - t) < TOLERANCE_SECONDS
    return fresh and hmac.compare_digest(mac, parts.get("v1", ""))


def build_app(secret: str) -> Starlette:
    async def events(request: Request) -> JSONResponse:
        body = await request.body()
        if not verify(secret, request.headers.get("parley-signature", ""), body):
            print("<-- refused: bad signature", flush=True)
            return JSONResponse({"error": "bad signature"}, status_code=403)
        event = json.loads(body)
        print(f"<-- {event['type']} {event['id']} (signature verified)", flush=True)
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/events", events, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description="Print Parley's webhook events.")
    parser.add_argument("--secret", required=True, help="the subscription's signing secret")
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    uvicorn.run(build_app(args.secret), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
