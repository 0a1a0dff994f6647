"""``POST /webhooks/email/{channel_id}``: raw MIME from mail-forwarding providers, behind a secret."""

from __future__ import annotations

import base64

import httpx

from hub.models import Channel, Message
from hub.pipeline.services import Hub
from tests.conftest import Tenant, make_tenant
from tests.email.conftest import Receiver, channel_config, payload

RAW = payload("gmail_new_attachment.eml")


def _secret(tenant: Tenant) -> str:
    return str(tenant.channel.config["inbound_secret"])


async def test_secret_is_generated_and_shown_once(mail_tenant: Tenant) -> None:
    secret = _secret(mail_tenant)
    assert len(secret) >= 32
    assert mail_tenant.channel_extra["inbound_secret"] == secret
    assert mail_tenant.channel_extra["webhook_url"].endswith(
        f"/webhooks/email/{mail_tenant.channel.id}"
    )


async def test_raw_mime_with_header_secret(client: httpx.AsyncClient, mail_tenant: Tenant) -> None:
    r = await client.post(
        mail_tenant.webhook,
        content=RAW,
        headers={"content-type": "message/rfc822", "x-parley-secret": _secret(mail_tenant)},
    )
    assert r.status_code == 200
    [message] = await Message.find(Message.account_id == mail_tenant.account.id).to_list()
    assert message.subject == "Rechnung für März fehlt"
    assert message.attachments[0].filename == "Überweisung März.pdf"


async def test_query_secret_basic_auth_and_sendgrid_form(
    client: httpx.AsyncClient, mail_tenant: Tenant
) -> None:
    secret = _secret(mail_tenant)
    one = RAW.replace(b"fake1@mail.gmail.com", b"q@mail.gmail.com")
    r = await client.post(f"{mail_tenant.webhook}?secret={secret}", content=one)
    assert r.status_code == 200
    two = RAW.replace(b"fake1@mail.gmail.com", b"basic@mail.gmail.com")
    auth = base64.b64encode(f"parley:{secret}".encode()).decode()
    r = await client.post(
        mail_tenant.webhook, content=two, headers={"authorization": f"Basic {auth}"}
    )
    assert r.status_code == 200
    curl = RAW.replace(b"fake1@mail.gmail.com", b"curl@mail.gmail.com")
    r = await client.post(  # curl --data-binary labels any body as a urlencoded form
        f"{mail_tenant.webhook}?secret={secret}",
        content=curl,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200
    three = RAW.replace(b"fake1@mail.gmail.com", b"form@mail.gmail.com")
    r = await client.post(
        f"{mail_tenant.webhook}?secret={secret}",
        data={"to": "support@acme.example", "email": three.decode()},
        files={"attachment-info": ("x", b"{}")},
    )
    assert r.status_code == 200
    four = RAW.replace(b"fake1@mail.gmail.com", b"mailgun@mail.gmail.com")
    r = await client.post(  # Mailgun's "…/mime" route: the message as a file field
        f"{mail_tenant.webhook}?secret={secret}",
        data={"recipient": "support@acme.example"},
        files={"body-mime": ("message.mime", four, "message/rfc822")},
    )
    assert r.status_code == 200
    ids = {m.provider_message_id for m in await Message.find_all().to_list()}
    assert ids == {
        "CAHx7dJ3kq9Vh2f1yX0b4FzQ_w8pQ2m-q@mail.gmail.com",
        "CAHx7dJ3kq9Vh2f1yX0b4FzQ_w8pQ2m-basic@mail.gmail.com",
        "CAHx7dJ3kq9Vh2f1yX0b4FzQ_w8pQ2m-form@mail.gmail.com",
        "CAHx7dJ3kq9Vh2f1yX0b4FzQ_w8pQ2m-curl@mail.gmail.com",
        "CAHx7dJ3kq9Vh2f1yX0b4FzQ_w8pQ2m-mailgun@mail.gmail.com",
    }


async def test_wrong_or_missing_secret_is_403(
    hub: Hub, client: httpx.AsyncClient, mail_tenant: Tenant, receiver: Receiver
) -> None:
    other = await make_tenant(
        hub, "Globex", channel_type="email", config=channel_config(receiver, "help@globex.example")
    )
    attempts = [
        {},
        {"x-parley-secret": _secret(mail_tenant)[:-1] + "x"},
        {"x-parley-secret": _secret(other)},  # another account's secret on this channel
        {"authorization": "Basic !!!"},
    ]
    for headers in attempts:
        r = await client.post(mail_tenant.webhook, content=RAW, headers=headers)
        assert r.status_code == 403, headers
        assert r.json()["error"]["code"] == "bad_signature"
    assert await Message.find_all().count() == 0


async def test_malformed_and_unknown(client: httpx.AsyncClient, mail_tenant: Tenant) -> None:
    headers = {"x-parley-secret": _secret(mail_tenant)}
    r = await client.post(mail_tenant.webhook, content=b"   ", headers=headers)
    assert r.status_code == 400
    r = await client.post(
        mail_tenant.webhook, content=b"no headers at all, just words", headers=headers
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed"
    r = await client.post(mail_tenant.webhook, data={"text": "no raw field"}, headers=headers)
    assert r.status_code == 400
    r = await client.post("/webhooks/email/ffffffffffffffffffffffff", content=RAW, headers=headers)
    assert r.status_code == 404
    assert await Message.find_all().count() == 0


async def test_simulated_webhook_is_accepted(
    hub: Hub, client: httpx.AsyncClient, mail_tenant: Tenant
) -> None:
    channel = await Channel.get(mail_tenant.channel.id)
    assert channel is not None
    simulated = hub.registry.get("email").simulated_webhook(
        hub.channel_info(channel), "visitor@example.org", "Is the shop open on Sunday?"
    )
    r = await client.post(mail_tenant.webhook, content=simulated.body, headers=simulated.headers)
    assert r.status_code == 200
    [message] = await Message.find_all().to_list()
    assert message.text == "Is the shop open on Sunday?"
    assert message.metadata["from"] == "visitor@example.org"
