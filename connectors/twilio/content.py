"""Twilio's Content API: approved templates by ContentSid, and rich content made on demand.

Quick replies (WhatsApp, RCS) and rich cards (RCS) are Content API resources:
the connector creates one at content.twilio.com through the same transport,
then sends its ``ContentSid``. The same content renders as text where the
phone cannot show it, which is how RCS falls back to SMS.
"""

from __future__ import annotations

import hashlib
import json
from typing import NotRequired, TypedDict

from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from connectors.twilio.config import TwilioConfig
from hub.contract import JsonObject, JsonValue, OutboundMessage, PermanentSendError

MAX_CACHED = 512


class ContentParams(TypedDict):
    """The Messages.create arguments of a template send."""

    content_sid: str
    content_variables: NotRequired[str]


def template_params(cfg: TwilioConfig, ref: JsonObject) -> ContentParams:
    """``ContentSid`` + ``ContentVariables`` for a template send (no Body: Twilio refuses it)."""
    template = cfg.template(ref)
    sid = template.sid if template else ref.get("sid")
    if not sid or not str(sid).startswith("HX"):
        raise PermanentSendError(
            "unknown_template",
            f"no approved template {ref.get('name') or ref.get('sid')!r} on this channel",
        )
    names = template.variables if template else []
    given = ref.get("variables") or {}
    if isinstance(given, list):
        values = {str(i): str(v) for i, v in enumerate(given, 1)}
    elif isinstance(given, dict):
        values = {
            str(names.index(k) + 1) if k in names else str(k): str(v) for k, v in given.items()
        }
    else:
        raise PermanentSendError("invalid_template", "template variables are a list or an object")
    params: ContentParams = {"content_sid": str(sid)}
    if values:
        params["content_variables"] = json.dumps(values, separators=(",", ":"))
    return params


def types_for(message: OutboundMessage) -> JsonObject:
    """The Content API ``types`` of a message: a card, quick replies, and a text fallback."""
    actions: list[JsonValue] = [
        {"type": "QUICK_REPLY", "title": q.title, "id": q.payload} for q in message.quick_replies
    ]
    types: JsonObject = {"twilio/text": {"body": _fallback_text(message)}}
    card = message.metadata.get("card")
    if isinstance(card, dict) and card.get("title"):
        types["twilio/card"] = {
            "title": str(card["title"]),
            "subtitle": card.get("subtitle") or (message.text or None),
            "media": [str(u) for u in card.get("media", [])] or None,
            "actions": actions or None,
        }
    elif actions:
        types["twilio/quick-reply"] = {
            "body": message.text or "Choose one",
            "actions": [{"title": q.title, "id": q.payload} for q in message.quick_replies],
        }
    return types


def _fallback_text(message: OutboundMessage) -> str:
    lines = [message.text] if message.text else []
    lines += [f"{i}. {q.title}" for i, q in enumerate(message.quick_replies, 1)]
    return "\n".join(lines) or "-"


class ContentCache:
    """Content resources this process made, by the hash of what they hold (no duplicates)."""

    def __init__(self) -> None:
        self._sids: dict[str, str] = {}

    async def sid(self, client: Client, cfg: TwilioConfig, message: OutboundMessage) -> str:
        types = types_for(message)
        digest = hashlib.sha256(
            json.dumps([cfg.account_sid, types], sort_keys=True).encode()
        ).hexdigest()[:24]
        if digest in self._sids:
            return self._sids[digest]
        request = ContentList.ContentCreateRequest(
            {"friendly_name": f"parley_{digest}", "language": "en", "types": types}
        )
        created = await client.content.v1.contents.create_async(request)
        if not created.sid:
            raise PermanentSendError("content_failed", "the Content API returned no sid")
        if len(self._sids) >= MAX_CACHED:
            self._sids.pop(next(iter(self._sids)))
        self._sids[digest] = created.sid
        return str(created.sid)
