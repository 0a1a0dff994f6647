"""RFC 3834: automatic replies never go to automated mail, nor to the channel's own address; at most
one a contact a day; and they carry ``Auto-Submitted: auto-replied``."""

from __future__ import annotations

import asyncio

import httpx

from hub.centre.changes import update_conversation
from hub.centre.csat import answers as csat
from hub.centre.csat import surveys as csat_surveys
from hub.models import Conversation, Message
from hub.pipeline.services import Hub
from tests.conftest import Clock, Tenant
from tests.email.conftest import SUPPORT, Receiver, eventually, smtp_send

CLOSED = "We are closed until Monday."


def _mail(sender: str, mid: str, extra: bytes = b"", subject: bytes = b"Help") -> bytes:
    return (
        b"From: " + sender.encode() + b"\r\nTo: " + SUPPORT.encode() + b"\r\nSubject: " + subject
        + b"\r\nMessage-ID: <" + mid.encode() + b">\r\n" + extra + b"\r\nhello\r\n"
    )  # fmt: skip


async def _closed_desk(client: httpx.AsyncClient, tenant: Tenant, clock: Clock) -> None:
    hours = {"days": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
    r = await client.post(
        "/api/v1/teams",
        json={"name": "Desk", "business_hours": hours, "out_of_office_text": CLOSED},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    await tenant.channel.set({"default_team_id": r.json()["id"]})
    clock.set(clock.at.replace(hour=20))  # Monday 20:00 UTC: closed


async def _auto_replies(tenant: Tenant) -> list[Message]:
    return await Message.find(
        Message.account_id == tenant.account.id, Message.direction == "out"
    ).to_list()


async def test_no_automatic_reply_to_automated_mail_or_to_ourselves(
    hub: Hub, client: httpx.AsyncClient, mail_tenant: Tenant, receiver: Receiver, clock: Clock
) -> None:
    await _closed_desk(client, mail_tenant, clock)
    automated = [
        ("ooo@customer.example", b"Auto-Submitted: auto-replied\r\n", None),
        ("gen@customer.example", b"Auto-Submitted: auto-generated\r\n", None),
        ("news@shop.example", b"Precedence: bulk\r\n", None),
        ("junk@shop.example", b"Precedence: junk\r\n", None),
        ("list@lists.example", b"List-Id: <talk.lists.example>\r\n", None),
        ("promo@shop.example", b"List-Unsubscribe: <mailto:u@shop.example>\r\n", None),
        ("post@lists.example", b"List-Post: <mailto:post@lists.example>\r\n", None),
        ("bounce@customer.example", b"", ""),  # an empty envelope sender: a bounce
        (SUPPORT, b"", SUPPORT),  # our own address: the hub would mail itself
    ]
    for i, (sender, extra, envelope) in enumerate(automated):
        await smtp_send(
            hub,
            _mail(sender, f"a{i}@x.example", extra, subject=f"Auto {i}".encode()),
            sender=sender if envelope is None else envelope,
        )
    received = await Message.find(
        Message.account_id == mail_tenant.account.id, Message.direction == "in"
    ).count()
    assert received == len(automated)
    await asyncio.sleep(0.3)
    assert await _auto_replies(mail_tenant) == []
    assert receiver.received == []


async def test_one_automatic_reply_a_contact_a_day_marked_auto_replied(
    hub: Hub, client: httpx.AsyncClient, mail_tenant: Tenant, receiver: Receiver, clock: Clock
) -> None:
    await _closed_desk(client, mail_tenant, clock)
    await smtp_send(hub, _mail("jane@customer.example", "j1@x.example", subject=b"First"))
    await eventually(lambda: _sent(receiver, 1))
    [reply] = receiver.received
    assert reply.message["Auto-Submitted"] == "auto-replied"
    assert CLOSED in reply.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # "Auto-Submitted: no" is a person's mail: it may be answered, but not twice a day.
    clock.advance(hours=2)
    await smtp_send(
        hub,
        _mail("jane@customer.example", "j2@x.example", b"Auto-Submitted: no\r\n", b"Second"),
    )
    await asyncio.sleep(0.3)
    assert len(receiver.received) == 1
    assert len(await _auto_replies(mail_tenant)) == 1
    # Another customer gets theirs.
    await smtp_send(hub, _mail("joe@customer.example", "k1@x.example", subject=b"Joe"))
    await eventually(lambda: _sent(receiver, 2))
    # A day later (still closed: Tuesday 21:00) Jane gets one again.
    clock.advance(hours=23)
    await smtp_send(hub, _mail("jane@customer.example", "j3@x.example", subject=b"Third"))
    await eventually(lambda: _sent(receiver, 3))


async def _sent(receiver: Receiver, count: int) -> bool:
    return len(receiver.received) >= count


async def test_no_survey_to_a_mailing_list_and_surveys_are_marked(
    hub: Hub, mail_tenant: Tenant, receiver: Receiver
) -> None:
    account = mail_tenant.account.id
    assert account is not None
    await csat.configure(account, True, None)
    await smtp_send(
        hub,
        _mail("list@lists.example", "l1@x.example", b"List-Unsubscribe: <mailto:u@x.example>\r\n"),
        sender="list@lists.example",
    )
    await smtp_send(hub, _mail("jane@customer.example", "s1@x.example", subject=b"Survey me"))
    conversations = await Conversation.find(Conversation.account_id == account).to_list()
    assert len(conversations) == 2
    for conversation in conversations:
        await update_conversation(account, str(conversation.id), {"status": "resolved"})
    await csat_surveys.send_due(hub)
    await eventually(lambda: _sent(receiver, 1))
    await asyncio.sleep(0.3)
    [survey] = receiver.received
    assert survey.rcpt_tos == ["jane@customer.example"]
    assert survey.message["Auto-Submitted"] == "auto-replied"
