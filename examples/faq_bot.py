"""A small FAQ bot over Parley's chatbot API.

It receives the bot webhook (checking ``Parley-Signature``), answers known
questions with quick replies, and hands the conversation to a human when the
customer asks for an agent. Run it next to the hub:

    PARLEY_URL=http://127.0.0.1:8000 BOT_TOKEN=pb_… BOT_SECRET=… \\
        uvicorn --factory examples.faq_bot:create_app --port 9000

and register it with ``POST /api/v1/bots`` (``webhook_url``: http://127.0.0.1:9000/webhook).
It uses only the public API; the hub's code is not imported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ANSWERS: dict[str, str] = {
    "hours": "We are open Monday to Friday, 9:00 to 17:00.",
    "shipping": "Orders ship within two working days; delivery takes 1-3 days.",
    "returns": "You can return anything within 30 days, free of charge.",
}
MENU = [
    {"title": "Opening hours", "payload": "hours"},
    {"title": "Shipping", "payload": "shipping"},
    {"title": "Returns", "payload": "returns"},
    {"title": "Talk to an agent", "payload": "agent"},
]
TOLERANCE_SECONDS = 300


def verify(secret: str, header: str, body: bytes) -> bool:
    """Check ``Parley-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(time.time() - t) > TOLERANCE_SECONDS:
        return False
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts.get("v1", ""))


def choose(message: dict[str, Any]) -> str:
    """The topic of an inbound message: a tapped quick reply's payload, or a keyword."""
    said = (message.get("payload") or message.get("text") or "").strip().lower()
    if said in ANSWERS or said == "agent":
        return said
    if "agent" in said or "human" in said:
        return "agent"
    for topic in ANSWERS:
        if topic.rstrip("s") in said:
            return topic
    return "menu"


class FaqBot:
    """The bot: its hub URL and credentials, and the client it calls the hub with."""

    def __init__(
        self, hub_url: str, token: str, secret: str, http: httpx.AsyncClient | None = None
    ) -> None:
        self.hub_url = hub_url.rstrip("/")
        self.token = token
        self.secret = secret
        self.http = http or httpx.AsyncClient(timeout=10)
        self.app = Starlette(routes=[Route("/webhook", self.webhook, methods=["POST"])])

    async def webhook(self, request: Request) -> JSONResponse:
        body = await request.body()
        if not verify(self.secret, request.headers.get("parley-signature", ""), body):
            return JSONResponse({"error": "bad signature"}, status_code=403)
        event = json.loads(body)
        message = event.get("data") or {}
        if event.get("type") != "message.created" or message.get("direction") != "in":
            return JSONResponse({"ok": True})
        # Answer after acknowledging, so the hub's delivery is not held up by our reply.
        return JSONResponse({"ok": True}, background=BackgroundTask(self.answer, message))

    async def answer(self, message: dict[str, Any]) -> None:
        conversation = message["conversation_id"]
        base = f"{self.hub_url}/api/v1/bot/conversations/{conversation}"
        auth = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": f"re-{message['id']}"}
        topic = choose(message)
        if topic == "agent":
            note = f"Customer asked for an agent. Last message: {message.get('text', '')!r}"
            await self.http.post(f"{base}/handoff", json={"note": note}, headers=auth)
        elif topic == "menu":
            text = "Hi! I can help with these, or put you through to a person:"
            await self.http.post(
                f"{base}/messages", json={"text": text, "quick_replies": MENU}, headers=auth
            )
        else:
            await self.http.post(
                f"{base}/messages",
                json={"text": ANSWERS[topic], "quick_replies": MENU[-1:]},
                headers=auth,
            )


def create_app() -> Starlette:
    """The bot configured from the environment (``uvicorn --factory``)."""
    bot = FaqBot(
        os.environ.get("PARLEY_URL", "http://127.0.0.1:8000"),
        os.environ["BOT_TOKEN"],
        os.environ["BOT_SECRET"],
    )
    return bot.app
