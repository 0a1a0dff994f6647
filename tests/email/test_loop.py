"""The whole loop over real SMTP: mail in → agent reply out → the customer answers → same conversation."""

from __future__ import annotations

import aiosmtplib
import pytest

from hub.models import Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from tests.conftest import Tenant
from tests.email.conftest import SUPPORT, Receiver, eventually, payload, smtp_send

FIRST = b"""From: Jane Doe <jane@customer.example>
To: Acme Support <support@acme.example>
Subject: Password reset does not work
Message-ID: <first-1@customer.example>
Date: Mon, 23 Nov 2026 09:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

I clicked the reset link twice, nothing happens.
"""


async def _messages(tenant: Tenant) -> list[Message]:
    return await Message.find(Message.account_id == tenant.account.id).sort("created_at").to_list()


async def test_mail_in_reply_out_answer_joins(
    hub: Hub, mail_tenant: Tenant, receiver: Receiver
) -> None:
    code, answer = await smtp_send(hub, FIRST.replace(b"\n", b"\r\n"))
    assert code == 250 and "stored" in answer
    [first] = await _messages(mail_tenant)
    assert first.provider_message_id == "first-1@customer.example"
    assert first.text == "I clicked the reset link twice, nothing happens."
    conversation = await Conversation.get(first.conversation_id)
    assert conversation is not None and conversation.subject == "Password reset does not work"

    reply = await outbox.enqueue(
        hub,
        conversation,
        text="Hello Jane, we have reset your password.\n\nAcme Support",
        sender=Sender(type="agent", name="Ann"),
    )
    [mail] = await eventually(lambda: _received(receiver))
    sent = await eventually(lambda: _sent(reply.id))
    out = mail.message
    assert mail.rcpt_tos == ["jane@customer.example"]
    assert mail.mail_from == SUPPORT
    assert out["From"] == "Acme Support <support@acme.example>"
    assert out["To"] == "jane@customer.example"
    assert out["Subject"] == "Re: Password reset does not work"
    assert out["In-Reply-To"] == "<first-1@customer.example>"
    assert out["References"] == "<first-1@customer.example>"
    our_id = out["Message-ID"].strip("<>")
    assert our_id.endswith("@acme.example")
    assert sent.provider_message_id == our_id and sent.delivery == "sent"
    assert out.get_content_type() == "multipart/alternative"
    plain = out.get_body(("plain",))
    html = out.get_body(("html",))
    assert plain is not None and "we have reset your password" in plain.get_content()
    assert (
        html is not None and "<p>Hello Jane, we have reset your password.</p>" in html.get_content()
    )

    # The customer answers our reply from Gmail: References carry both ids.
    answer_mail = (
        payload("gmail_reply.eml")
        .replace(b"{{REFERENCES}}", f"<first-1@customer.example> <{our_id}>".encode())
        .replace(b"{{IN_REPLY_TO}}", f"<{our_id}>".encode())
        .replace(b"{{SUBJECT}}", b"Re: Password reset does not work")
    )
    await smtp_send(hub, answer_mail)
    messages = await _messages(mail_tenant)
    assert len(messages) == 3
    third = messages[2]
    assert third.conversation_id == first.conversation_id
    assert third.text == "Thanks, the new password works now."
    assert "Hello Jane, we have reset your password." in third.metadata["quoted_text"]
    assert "gmail_quote" not in (third.html or "")
    assert "reset your password" in third.metadata["quoted_html"]
    assert await Conversation.find(Conversation.account_id == mail_tenant.account.id).count() == 1

    # A second agent reply threads under the customer's latest mail, subject not stacked.
    conversation = await Conversation.get(first.conversation_id)
    assert conversation is not None
    await outbox.enqueue(hub, conversation, text="Glad to hear it!", sender=Sender(type="agent"))
    received = await eventually(lambda: _received(receiver, 2))
    second = received[1].message
    assert second["Subject"] == "Re: Password reset does not work"
    assert second["In-Reply-To"] == "<CAHx7dJ0reply-2Lk9@mail.gmail.com>"
    assert second["References"].split() == [
        "<first-1@customer.example>",
        f"<{our_id}>",
        "<CAHx7dJ0reply-2Lk9@mail.gmail.com>",
    ]


async def test_same_subject_without_references_opens_new_conversation(
    hub: Hub, mail_tenant: Tenant
) -> None:
    await smtp_send(hub, FIRST.replace(b"\n", b"\r\n"))
    again = FIRST.replace(b"first-1@", b"first-2@").replace(b"\n", b"\r\n")
    await smtp_send(hub, again)
    convs = await Conversation.find(Conversation.account_id == mail_tenant.account.id).to_list()
    assert len(convs) == 2  # never joined by subject alone


async def test_redelivered_mail_is_stored_once(hub: Hub, mail_tenant: Tenant) -> None:
    raw = FIRST.replace(b"\n", b"\r\n")
    await smtp_send(hub, raw)
    await smtp_send(hub, raw)
    assert len(await _messages(mail_tenant)) == 1


async def test_unknown_recipient_is_refused_at_rcpt(hub: Hub, mail_tenant: Tenant) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await smtp_send(hub, FIRST, to="nobody@acme.example")
    assert refused.value.recipients[0].code == 550
    assert await Message.find_all().count() == 0


async def test_oversized_mail_is_refused(hub: Hub, mail_tenant: Tenant) -> None:
    connector = hub.registry.get("email")
    await connector.stop()
    connector.max_message_bytes = 20_000  # type: ignore[attr-defined]
    await connector.start()
    big = FIRST.replace(b"\n", b"\r\n") + b"x" * 76 + (b"\r\n" + b"y" * 76) * 400
    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await smtp_send(hub, big)
    assert refused.value.code == 552
    assert await Message.find_all().count() == 0
    await smtp_send(hub, FIRST.replace(b"\n", b"\r\n"))  # a small one still passes
    assert await Message.find_all().count() == 1


async def _received(receiver: Receiver, count: int = 1) -> list | None:
    return receiver.received if len(receiver.received) >= count else None


async def _sent(message_id: object) -> Message | None:
    found = await Message.get(message_id)  # type: ignore[arg-type]
    return found if found is not None and found.delivery == "sent" else None


async def test_known_and_unknown_recipients_in_one_mail(hub: Hub, mail_tenant: Tenant) -> None:
    raw = FIRST.replace(b"\n", b"\r\n")
    async with aiosmtplib.SMTP(hostname=hub.listen_host, port=hub.smtp_port) as smtp:
        refused, answer = await smtp.sendmail(
            "jane@customer.example", ["nobody@acme.example", SUPPORT], raw
        )
    assert refused["nobody@acme.example"].code == 550
    assert "stored" in answer
    assert len(await _messages(mail_tenant)) == 1


async def test_stop_closes_open_sessions(hub: Hub, mail_tenant: Tenant) -> None:
    import asyncio

    connector = hub.registry.get("email")
    idle = aiosmtplib.SMTP(hostname=hub.listen_host, port=hub.smtp_port)
    await idle.connect()
    await idle.ehlo()
    await asyncio.wait_for(connector.stop(), timeout=10)  # must not wait for the client
    with pytest.raises(aiosmtplib.SMTPException):
        await idle.noop()
    await connector.start()  # and it comes back on the same port
    await smtp_send(hub, FIRST.replace(b"\n", b"\r\n"))
    assert len(await _messages(mail_tenant)) == 1


async def test_overlong_lines_are_tolerated(hub: Hub, mail_tenant: Tenant) -> None:
    long_line = b"<p>" + b"word " * 2000 + b"</p>"  # 10 kB on one line, as some senders do
    raw = (
        b"From: news@shop.example\r\nTo: support@acme.example\r\nSubject: Long\r\n"
        b"Message-ID: <long-1@shop.example>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + long_line
        + b"\r\n"
    )
    await smtp_send(hub, raw)
    [message] = await _messages(mail_tenant)
    assert message.text.count("word") == 2000


async def test_two_processes_share_the_smtp_port(hub: Hub, mail_tenant: Tenant) -> None:
    from connectors.email.listener import SmtpListener

    second = SmtpListener(
        hub.connector_services, 1024 * 1024
    )  # what a second `parley serve` would start
    await second.start()
    try:
        assert second.port == hub.smtp_port
        for i in range(4):
            raw = FIRST.replace(b"first-1@", f"shared-{i}@".encode()).replace(b"\n", b"\r\n")
            await smtp_send(hub, raw)
    finally:
        await second.stop()
    assert len(await _messages(mail_tenant)) == 4
