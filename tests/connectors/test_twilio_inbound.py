"""Twilio webhooks: signatures (twilio-python's own test vectors), parsing of documented payloads."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from connectors.twilio import TwilioRCSConnector, TwilioSMSConnector, TwilioWhatsAppConnector
from hub.contract import ChannelInfo, MalformedRequest, SignatureError
from tests.connectors.conformance import payload, starlette_request
from tests.connectors.kit_twilio import ACCOUNT_SID, signed

# twilio-python tests/unit/test_request_validator.py
VECTOR_URL = "https://mycompany.com/myapp.php"
VECTOR_QUERY = "foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}


def channel(
    url: str = "https://hub.test/webhooks/twilio_sms/c1", token: str = "tok"
) -> ChannelInfo:
    config = {"account_sid": ACCOUNT_SID, "auth_token": token, "from_number": "+13105555555"}
    return ChannelInfo(
        id="c1", account_id="a1", type="twilio_sms", name="SMS", config=config, webhook_url=url
    )


def form(params: Any, signature: str, query: str = "", **extra: str) -> Any:
    headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature}
    headers.update({k.replace("_", "-"): v for k, v in extra.items()})
    return starlette_request(urlencode(params).encode(), headers, query=query)


@pytest.fixture
def sms() -> TwilioSMSConnector:
    return TwilioSMSConnector(SimpleNamespace())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "signature",
    [
        "RSOYDt4T1cUTdK1PDd93/VVr8B8=",  # the URL as configured
        "kvajT1Ptam85bY51eRf/AJRuM3w=",  # the same URL with :443 (Twilio signs either way)
    ],
)
async def test_twilio_vectors_pass_the_signature_check(
    sms: TwilioSMSConnector, signature: str
) -> None:
    request = form(VECTOR_PARAMS, signature, VECTOR_QUERY)
    # The vector is a voice call: it passes the signature and is then refused as unreadable.
    with pytest.raises(MalformedRequest, match="MessageSid"):
        await sms.parse_webhook(request, channel(VECTOR_URL, "12345"))


async def test_repeated_parameters_are_signed_like_twilio(sms: TwilioSMSConnector) -> None:
    params = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    request = form(params, "IK+Dwps556ElfBT0I3Rgjkr1wJU=", VECTOR_QUERY)
    with pytest.raises(MalformedRequest):
        await sms.parse_webhook(request, channel(VECTOR_URL, "12345"))


@pytest.mark.parametrize(
    ("signature", "query", "token"),
    [
        ("RSOYDt4T1cUTdK1PDd93/VVr8B8=", "", "12345"),  # query not signed
        ("RSOYDt4T1cUTdK1PDd93/VVr8B8=", VECTOR_QUERY, "54321"),  # another token
        ("", VECTOR_QUERY, "12345"),  # missing
    ],
)
async def test_bad_signatures_are_refused(
    sms: TwilioSMSConnector, signature: str, query: str, token: str
) -> None:
    with pytest.raises(SignatureError):
        await sms.parse_webhook(form(VECTOR_PARAMS, signature, query), channel(VECTOR_URL, token))


async def test_a_parameter_added_after_signing_is_refused(sms: TwilioSMSConnector) -> None:
    params = {**VECTOR_PARAMS, "Extra": "1"}
    with pytest.raises(SignatureError):
        await sms.parse_webhook(
            form(params, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", VECTOR_QUERY), channel(VECTOR_URL, "12345")
        )


async def test_json_body_is_malformed(sms: TwilioSMSConnector) -> None:
    request = starlette_request(
        b"{}", {"content-type": "application/json", "x-twilio-signature": "x"}
    )
    with pytest.raises(MalformedRequest):
        await sms.parse_webhook(request, channel())


async def parse(connector: Any, fixture: str) -> Any:
    info = channel()
    req = signed("tok", info.webhook_url, payload(fixture))
    return await connector.parse_webhook(starlette_request(req.body, req.headers), info)


async def test_sms_text_and_empty_twiml(sms: TwilioSMSConnector) -> None:
    result = await parse(sms, "twilio/inbound_sms.json")
    [message] = result.messages
    assert message.provider_message_id == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    assert message.sender.key == "phone:+4520123456"
    assert message.text == "Hello! Is my order on its way?"
    assert message.metadata["FromCountry"] == "DK"
    assert result.statuses == []
    assert result.response.media_type == "text/xml"
    assert result.response.body.endswith(b"<Response/>")


async def test_mms_media_urls(sms: TwilioSMSConnector) -> None:
    [message] = (await parse(sms, "twilio/inbound_mms.json")).messages
    assert [a.content_type for a in message.attachments] == ["image/jpeg", "application/pdf"]
    assert all(a.url and "/Media/ME" in a.url for a in message.attachments)


async def test_whatsapp_button_name_and_quoted_reply() -> None:
    wa = TwilioWhatsAppConnector(SimpleNamespace())  # type: ignore[arg-type]
    [message] = (await parse(wa, "twilio/inbound_whatsapp_button.json")).messages
    assert message.sender.key == "phone:+4520123456"  # same contact as the SMS number
    assert message.sender.name == "Mette Hansen"
    assert (message.payload, message.text) == ("track_order", "Track my order")
    assert message.reply_to == "SMa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
    assert message.metadata["WaId"] == "4520123456"


async def test_whatsapp_location() -> None:
    wa = TwilioWhatsAppConnector(SimpleNamespace())  # type: ignore[arg-type]
    [message] = (await parse(wa, "twilio/inbound_whatsapp_location.json")).messages
    assert message.location is not None
    assert (message.location.latitude, message.location.longitude) == (55.6761, 12.5683)
    assert message.location.name == "City Hall"
    assert message.location.address.startswith("Rådhuspladsen")


async def test_rcs_suggestion_reply() -> None:
    rcs = TwilioRCSConnector(SimpleNamespace())  # type: ignore[arg-type]
    [message] = (await parse(rcs, "twilio/inbound_rcs.json")).messages
    assert message.sender.key == "phone:+4520123456"
    assert message.payload == "slot_tomorrow"


async def test_status_callback_with_error(sms: TwilioSMSConnector) -> None:
    result = await parse(sms, "twilio/status_undelivered.json")
    assert result.messages == []
    [status] = result.statuses
    assert (status.status, status.error_code) == ("undelivered", "30003")


async def test_rcs_status_records_the_channel_used() -> None:
    rcs = TwilioRCSConnector(SimpleNamespace())  # type: ignore[arg-type]
    [read] = (await parse(rcs, "twilio/status_rcs_read.json")).statuses
    assert read.status == "read"
    assert read.metadata == {"channel": "rcs", "sms_fallback": False}
    [fallback] = (await parse(rcs, "twilio/status_sms_fallback_delivered.json")).statuses
    assert fallback.metadata == {"channel": "sms", "sms_fallback": True}


async def test_unknown_status_is_malformed(sms: TwilioSMSConnector) -> None:
    params = {**payload("twilio/status_undelivered.json"), "MessageStatus": "exploded"}
    info = channel()
    req = signed("tok", info.webhook_url, params)
    with pytest.raises(MalformedRequest, match="exploded"):
        await sms.parse_webhook(starlette_request(req.body, req.headers), info)


async def test_shared_key_hmac_sha256_signatures(sms: TwilioSMSConnector) -> None:
    info = channel()
    info.config["webhook_signing_key"] = "shared-key-secret"
    params = payload("twilio/inbound_sms.json")
    signature = RequestValidator("shared-key-secret").compute_signature(
        info.webhook_url, params, "HMAC_SHA256"
    )
    request = form(
        params,
        signature,
        x_twilio_webhooks_signature_settings="key=webhooks_sharedkey_1,algorithm=HMAC_SHA256",
    )
    assert len((await sms.parse_webhook(request, info)).messages) == 1
    with pytest.raises(SignatureError):  # the same signature read as the legacy HMAC-SHA1
        await sms.parse_webhook(form(params, signature), info)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"from_number": None}, "from_number or messaging_service_sid"),
        ({"account_sid": "XX123"}, "account_sid"),
        ({"templates": [{"name": "t", "sid": "nope"}]}, "templates"),
    ],
)
def test_config_is_validated(sms: TwilioSMSConnector, change: dict[str, Any], problem: str) -> None:
    config = {**channel().config, **change}
    with pytest.raises(ValueError, match=problem):
        sms.validate_config(config)
