"""The README's Twilio stand-in answers the official twilio library the way Twilio does."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from connectors.twilio.transport import HttpxTwilioClient

SID = "AC" + "0" * 32


def standin() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "examples" / "twilio_standin.py"
    spec = importlib.util.spec_from_file_location("twilio_standin", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_standin_speaks_twilio() -> None:
    app = standin().build_app("demo-token")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        client = Client(SID, "demo-token", http_client=HttpxTwilioClient(http, "http://standin"))
        sent = await client.messages.create_async(to="+4520123456", from_="+15005550006", body="hi")
        assert sent.sid and sent.sid.startswith("SM") and sent.status == "queued"
        assert sent.to == "+4520123456"
        request = ContentList.ContentCreateRequest(
            {"friendly_name": "x", "language": "en", "types": {"twilio/text": {"body": "hi"}}}
        )
        content = await client.content.v1.contents.create_async(request)
        assert content.sid and content.sid.startswith("HX")
        wrong = Client(SID, "guess", http_client=HttpxTwilioClient(http, "http://standin"))
        with pytest.raises(TwilioRestException) as refused:
            await wrong.messages.create_async(to="+4520123456", from_="+15005550006", body="hi")
        assert (refused.value.status, refused.value.code) == (401, 20003)
