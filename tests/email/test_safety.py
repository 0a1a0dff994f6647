"""Hostile HTML stored only in safe form; auto-replies and bounces flagged; tenants kept apart."""

from __future__ import annotations

import re

from hub.models import Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from tests.conftest import Tenant, make_tenant
from tests.email.conftest import Receiver, channel_config, eventually, payload, smtp_send


async def test_hostile_html_is_stored_only_in_safe_form(hub: Hub, mail_tenant: Tenant) -> None:
    await smtp_send(hub, payload("hostile_html.eml"), sender="mallory@evil.example")
    [message] = await Message.find(Message.account_id == mail_tenant.account.id).to_list()
    html = message.html or ""
    lowered = html.lower()
    for runnable in (
        "<script",
        "onerror",
        "onload",
        "javascript:",
        "<iframe",
        "<form",
        "<object",
        "<svg",
        "<math",
        "<style",
        "<meta",
        "<base",
        "url(",
    ):
        assert runnable not in lowered, runnable
    # Nothing loads by itself: no src pointing anywhere but cid:, remote URLs parked.
    assert not re.search(r"\ssrc=\"(?!cid:)", html)
    assert 'data-remote-src="https://evil.example/pixel.gif?u=support"' in html
    assert "https://evil.example/pixel.gif?u=support" in message.metadata["remote_images"]
    assert '<a href="https://shop.example/orders/4711" rel="noopener noreferrer nofollow">' in html
    assert '<div style="color:red">styled</div>' in html
    assert "My order #4711 is late." in message.text


async def test_auto_reply_is_stored_and_flagged(hub: Hub, mail_tenant: Tenant) -> None:
    await smtp_send(hub, payload("outlook_auto_reply.eml"))
    [message] = await Message.find(Message.account_id == mail_tenant.account.id).to_list()
    assert message.automated is True
    assert message.metadata["automated_reason"] == "auto-submitted: auto-replied"
    assert message.text.startswith("I am out of the office")


async def test_null_return_path_and_bulk_are_automated(hub: Hub, mail_tenant: Tenant) -> None:
    plain = b"From: news@shop.example\r\nTo: support@acme.example\r\nSubject: Deals\r\n"
    await smtp_send(hub, plain + b"Message-ID: <b1@shop.example>\r\n\r\nhi\r\n", sender="")
    await smtp_send(hub, plain + b"Message-ID: <b2@shop.example>\r\nPrecedence: bulk\r\n\r\nhi\r\n")
    await smtp_send(hub, plain + b"Message-ID: <b3@shop.example>\r\n\r\nhi\r\n")
    found = {
        m.provider_message_id: m.metadata.get("automated_reason")
        for m in await Message.find(Message.account_id == mail_tenant.account.id).to_list()
    }
    assert found == {
        "b1@shop.example": "null return path",
        "b2@shop.example": "precedence: bulk",
        "b3@shop.example": None,
    }


async def test_bounce_marks_our_mail_undelivered(
    hub: Hub, mail_tenant: Tenant, receiver: Receiver
) -> None:
    await smtp_send(
        hub,
        b"From: nobody@customer.example\r\nTo: support@acme.example\r\nSubject: Order\r\n"
        b"Message-ID: <o1@customer.example>\r\n\r\nwhere is it?\r\n",
        sender="nobody@customer.example",
    )
    conversation = await Conversation.find_one(Conversation.account_id == mail_tenant.account.id)
    assert conversation is not None
    reply = await outbox.enqueue(hub, conversation, text="On its way.", sender=Sender(type="agent"))
    sent = await eventually(lambda: _with_provider_id(reply.id))
    bounce = payload("bounce_dsn.eml").replace(b"{{ORIGINAL}}", sent.provider_message_id.encode())
    await smtp_send(hub, bounce, sender="")
    after = await Message.get(reply.id)
    assert after is not None and after.delivery == "undelivered"
    assert after.error is not None and after.error.code == "5.1.1"
    assert "User unknown" in after.error.message
    assert after.metadata["bounce"]["action"] == "failed"
    # The report stays with the mail it is about: no conversation from the mailer daemon.
    report = await Message.find_one(
        Message.provider_message_id == "20261123100630.8F2C1A0042@mx.customer.example"
    )
    assert report is None
    assert await Conversation.find(Conversation.account_id == mail_tenant.account.id).count() == 1


async def test_mail_reaches_only_the_addressed_account(
    hub: Hub, mail_tenant: Tenant, receiver: Receiver
) -> None:
    other = await make_tenant(
        hub, "Globex", channel_type="email", config=channel_config(receiver, "help@globex.example")
    )
    # A third account claiming Acme's address gets none of Acme's mail.
    thief = await make_tenant(hub, "Initech", channel_type="email", config=channel_config(receiver))
    mail = b"From: a@b.example\r\nSubject: x\r\nMessage-ID: <{}>\r\n\r\nhello\r\n"
    await smtp_send(hub, mail.replace(b"{}", b"m1@b.example"), to="help@globex.example")
    await smtp_send(hub, mail.replace(b"{}", b"m2@b.example"), to="SUPPORT@acme.example")
    await smtp_send(hub, mail.replace(b"{}", b"m3@b.example"), to="support+orders@acme.example")
    assert [m.provider_message_id for m in await _of(other)] == ["m1@b.example"]
    assert sorted(m.provider_message_id for m in await _of(mail_tenant)) == [
        "m2@b.example",
        "m3@b.example",
    ]
    assert await _of(thief) == []


async def _of(tenant: Tenant) -> list[Message]:
    return await Message.find(Message.account_id == tenant.account.id).to_list()


async def _with_provider_id(message_id: object) -> Message | None:
    found = await Message.get(message_id)  # type: ignore[arg-type]
    return found if found is not None and found.provider_message_id else None


async def test_mail_from_our_own_address_is_never_answered(hub: Hub, mail_tenant: Tenant) -> None:
    looped = (
        b"From: Acme Support <support@acme.example>\r\nTo: support@acme.example\r\n"
        b"Subject: Re: Order\r\nMessage-ID: <loop-1@acme.example>\r\n\r\nforwarded back\r\n"
    )
    await smtp_send(hub, looped, sender="support@acme.example")
    [message] = await _of(mail_tenant)
    assert message.automated is True
    assert message.metadata["automated_reason"] == "sent from the channel's own address"
