"""Outbound mail: attachments, subjects, config checks, and SMTP answers mapped to retry or failure."""

from __future__ import annotations

import httpx
import pytest

from connectors.email import EmailConfig
from connectors.email.send import reply_subject
from hub.contract import Attachment
from hub.models import Conversation, Message, Sender
from hub.ops.embedded import free_port
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from hub.tenants import accounts
from tests.conftest import Tenant, make_tenant
from tests.email.conftest import Received, Receiver, channel_config, eventually, smtp_send

HELLO = (
    b"From: Jane Doe <jane@customer.example>\r\nTo: support@acme.example\r\n"
    b"Subject: RE: Re: AW: Help\r\nMessage-ID: <h1@customer.example>\r\n\r\nHelp!\r\n"
)


async def _conversation(hub: Hub, tenant: Tenant) -> Conversation:
    await smtp_send(hub, HELLO)
    found = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert found is not None
    return found


async def _settled(message_id: object) -> Message | None:
    found = await Message.get(message_id)  # type: ignore[arg-type]
    return found if found is not None and found.delivery in ("sent", "failed") else None


async def test_attachments_and_html_reply(
    hub: Hub, mail_tenant: Tenant, receiver: Receiver
) -> None:
    conversation = await _conversation(hub, mail_tenant)
    stored: Attachment = await hub.media.put(
        mail_tenant.account.id,  # type: ignore[arg-type]
        b"%PDF-1.4 label",
        "Rücksendeetikett.pdf",
        "application/pdf",
    )
    reply = await outbox.enqueue(
        hub,
        conversation,
        text="The label is attached.",
        html="<p>The label is <b>attached</b>.</p>",
        attachments=[stored],
        sender=Sender(type="agent"),
    )
    sent = await eventually(lambda: _settled(reply.id))
    assert sent.delivery == "sent"
    mail = receiver.received[0].message
    assert mail["Subject"] == "Re: Help"  # "RE: Re: AW:" collapsed, not stacked
    assert mail.get_content_type() == "multipart/mixed"
    body = mail.get_body(("html",))
    assert body is not None and "<b>attached</b>" in body.get_content()
    [part] = list(mail.iter_attachments())
    assert part.get_filename() == "Rücksendeetikett.pdf"
    assert part.get_content() == b"%PDF-1.4 label"


async def test_smtp_4xx_is_retried_then_sent(
    hub: Hub, mail_tenant: Tenant, receiver: Receiver
) -> None:
    conversation = await _conversation(hub, mail_tenant)
    receiver.answers = ["451 4.7.1 Greylisted, try again later"]
    reply = await outbox.enqueue(hub, conversation, text="Hi", sender=Sender(type="agent"))
    sent = await eventually(lambda: _settled(reply.id))
    assert sent.delivery == "sent" and sent.attempts == 2
    assert len(receiver.received) == 1


async def test_smtp_5xx_fails_with_code_and_text(
    hub: Hub, mail_tenant: Tenant, receiver: Receiver
) -> None:
    conversation = await _conversation(hub, mail_tenant)
    receiver.answers = ["554 5.7.1 Message rejected as spam"]
    reply = await outbox.enqueue(hub, conversation, text="Hi", sender=Sender(type="agent"))
    failed = await eventually(lambda: _settled(reply.id))
    assert failed.delivery == "failed"
    assert failed.error is not None and failed.error.code == "554"
    assert "rejected as spam" in failed.error.message
    assert receiver.received == []


async def test_unreachable_server_is_retryable(hub: Hub, receiver: Receiver) -> None:
    config = channel_config(receiver) | {"smtp_port": free_port()}  # nobody listens there
    tenant = await make_tenant(hub, "Down", channel_type="email", config=config)
    conversation = await _conversation(hub, tenant)
    reply = await outbox.enqueue(hub, conversation, text="Hi", sender=Sender(type="agent"))

    async def retried() -> Message | None:
        found = await Message.get(reply.id)
        return found if found is not None and found.error is not None else None

    pending = await eventually(retried)
    assert pending.delivery in ("queued", "sending")
    assert pending.error is not None and pending.error.code == "smtp_connection"


def test_reply_subject() -> None:
    assert reply_subject("Help", True) == "Re: Help"
    assert reply_subject("Re: Help", True) == "Re: Help"
    assert reply_subject("RE: re: AW: SV: Help", True) == "Re: Help"
    assert reply_subject("Fwd: Help", True) == "Re: Fwd: Help"
    assert reply_subject(None, True) == "Re: (no subject)"
    assert reply_subject("Welcome", False) == "Welcome"


def test_config_validation() -> None:
    config = EmailConfig.model_validate({"address": " Support@Acme.Example ", "smtp_host": "mx"})
    assert config.address == "support@acme.example"
    assert config.smtp_port == 587 and config.smtp_security == "starttls"
    assert len(config.inbound_secret) >= 32
    for bad in (
        {"address": "not-an-address", "smtp_host": "mx"},
        {"address": "a@b.example"},
        {"address": "a@b.example", "smtp_host": "mx", "smtp_security": "ssl"},
        {"address": "a@b.example", "smtp_host": "mx", "from_name": "A\r\nBcc: x@y.z"},
        {"address": "a@b.example", "smtp_host": "mx", "smtp_port": 0},
    ):
        with pytest.raises(ValueError):
            EmailConfig.model_validate(bad)


async def test_invalid_config_is_refused_when_adding(hub: Hub) -> None:
    account = await accounts.create_account("Acme", "HUB", 3, [])
    with pytest.raises(accounts.AdminError) as refused:
        await accounts.create_channel(hub, account, "email", "Mail", {"address": "nope"})
    assert refused.value.code == "invalid_config"


async def test_starttls_required_but_not_offered_fails(hub: Hub, receiver: Receiver) -> None:
    config = channel_config(receiver) | {"smtp_security": "starttls"}
    tenant = await make_tenant(hub, "Plain", channel_type="email", config=config)
    conversation = await _conversation(hub, tenant)
    reply = await outbox.enqueue(hub, conversation, text="Hi", sender=Sender(type="agent"))
    failed = await eventually(lambda: _settled(reply.id))
    assert failed.delivery == "failed"
    assert failed.error is not None and failed.error.code == "smtp_not_supported"
    assert receiver.received == []  # never sent in the clear when TLS was asked for


# aiosmtpd itself still touches its deprecated Session.login_data after a login.
@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")
async def test_smtp_auth(hub: Hub) -> None:
    import asyncio

    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    receiver = Receiver()

    def authenticator(
        server: object, session: object, envelope: object, mechanism: str, data: object
    ) -> AuthResult:
        login = (data.login, data.password) if isinstance(data, LoginPassword) else None
        ok = login in ((b"acme", b"s3cret"), ("acme", "s3cret"))
        return AuthResult(success=ok, handled=False)

    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(receiver, authenticator=authenticator, auth_require_tls=False),
        host="127.0.0.1",
        port=0,
    )
    receiver.port = server.sockets[0].getsockname()[1]
    try:
        good = channel_config(receiver) | {"smtp_username": "acme", "smtp_password": "s3cret"}
        tenant = await make_tenant(hub, "Auth", channel_type="email", config=good)
        conversation = await _conversation(hub, tenant)
        reply = await outbox.enqueue(hub, conversation, text="Hi", sender=Sender(type="agent"))
        assert (await eventually(lambda: _settled(reply.id))).delivery == "sent"
        assert len(receiver.received) == 1

        channel = tenant.channel
        channel.config = {**channel.config, "smtp_password": "wrong"}
        await channel.save()
        hub._channels.clear()  # the hub caches channels briefly; a config change drops it
        reply = await outbox.enqueue(hub, conversation, text="Again", sender=Sender(type="agent"))
        failed = await eventually(lambda: _settled(reply.id))
        assert failed.delivery == "failed" and failed.error is not None
        assert failed.error.code == "535"
    finally:
        server.close()
        await server.wait_closed()


def test_compose_encodes_non_ascii_headers_and_threads() -> None:
    from email import policy
    from email.parser import BytesParser

    from connectors.email.send import SmtpSettings, compose
    from hub.contract import Address, OutboundMessage

    settings = SmtpSettings(
        address="support@acme.example", from_name="Société Générale", smtp_host="x", smtp_port=25
    )
    refs = [f"r{i}@x.example" for i in range(30)]
    outbound = OutboundMessage(
        id="m1",
        conversation_id="c1",
        to=Address(kind="email", value="zoe@example.org", name="Zoë"),
        text="감사합니다",
        subject="RE: 주문 확인",
        thread_refs=refs,
        reply_to=refs[-1],
        status_callback_url="http://hub.test/webhooks/email/1",
    )
    mail, message_id = compose(settings, outbound, [])
    wire = mail.as_bytes()
    wire.decode("ascii")  # every header encoded for 7-bit transports
    back = BytesParser(policy=policy.default).parsebytes(wire)
    assert str(back["From"]) == "Société Générale <support@acme.example>"
    assert str(back["To"]) == "Zoë <zoe@example.org>"
    assert str(back["Subject"]) == "Re: 주문 확인"
    assert back["Message-ID"] == f"<{message_id}>"
    assert back["In-Reply-To"] == "<r29@x.example>"
    references = back["References"].split()
    assert len(references) == 20 and references[0] == "<r0@x.example>"
    assert references[-1] == "<r29@x.example>"
    body = back.get_body(("plain",))
    assert body is not None and body.get_content().strip() == "감사합니다"


async def test_api_starts_a_thread_with_its_subject(
    client: httpx.AsyncClient, mail_tenant: Tenant, receiver: Receiver
) -> None:
    """``POST /messages`` on email takes ``subject``: the new thread is not "(no subject)"."""
    body = {
        "channel_id": str(mail_tenant.channel.id),
        "to": "ann@customer.example",
        "text": "Your order has shipped.",
        "subject": "Order 17 has shipped",
    }
    r = await client.post("/api/v1/messages", json=body, headers=mail_tenant.auth)
    assert r.status_code == 202, r.text
    got = await eventually(lambda: _first(receiver))
    assert got.message["Subject"] == "Order 17 has shipped"
    assert got.rcpt_tos == ["ann@customer.example"]


async def _first(receiver: Receiver) -> Received | None:
    return receiver.received[0] if receiver.received else None
