"""Addresses, names and subjects with CR or LF, or a list where one address is expected, are
refused with 400 at the API and in forms, before anything is stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.email import EmailConnector
from hub.errors import InvalidInput
from hub.models import Contact, Conversation, Message
from hub.tenants import accounts
from tests.conftest import CONNECTORS, Running, Tenant, make_tenant
from tests.email.conftest import Receiver, channel_config
from tests.email.conftest import receiver as receiver  # a real SMTP server on 127.0.0.1
from tests.inbox.conftest import agent as agent  # an agent of the tenant
from tests.inbox.conftest import csrf_of, post_inbound
from tests.inbox.conftest import signed_in as signed_in  # a signed-in agent

BAD_TO = [
    "ann@customer.example\r\nBcc: all@victim.example",
    "ann@customer.example\nX: y",
    "ann@customer.example, bob@customer.example",
    "ann@customer.example,bob@customer.example",
    "ann@customer.example;bob@customer.example",
    "Ann <ann@customer.example>",
]


@pytest.fixture
def connectors() -> dict[str, Any]:
    return {**CONNECTORS, "email": EmailConnector}


@pytest.fixture
async def mail(running: Running, receiver: Receiver) -> Tenant:
    return await make_tenant(
        running.hub, "Acme", channel_type="email", config=channel_config(receiver)
    )


async def _nothing_stored(tenant: Tenant) -> None:
    account = tenant.account.id
    assert await Contact.find(Contact.account_id == account).count() == 0
    assert await Conversation.find(Conversation.account_id == account).count() == 0
    assert await Message.find(Message.account_id == account).count() == 0


@pytest.mark.parametrize("to", BAD_TO)
async def test_a_to_with_crlf_or_a_list_is_refused_before_anything_is_stored(
    client: httpx.AsyncClient, mail: Tenant, to: str
) -> None:
    r = await client.post(
        "/api/v1/messages",
        json={"channel_id": str(mail.channel.id), "to": to, "text": "hi", "subject": "Hello"},
        headers=mail.auth,
    )
    assert r.status_code == 400, r.text
    assert "to" in r.text
    await _nothing_stored(mail)


@pytest.mark.parametrize("subject", ["Hi\r\nBcc: all@victim.example", "Hi\nthere", "Hi\rthere"])
async def test_a_subject_with_crlf_is_refused(
    client: httpx.AsyncClient, mail: Tenant, subject: str
) -> None:
    r = await client.post(
        "/api/v1/messages",
        json={
            "channel_id": str(mail.channel.id),
            "to": "ann@customer.example",
            "text": "hi",
            "subject": subject,
        },
        headers=mail.auth,
    )
    assert r.status_code == 400, r.text
    assert "subject" in r.text
    await _nothing_stored(mail)


async def test_one_clean_address_and_subject_are_accepted(
    client: httpx.AsyncClient, mail: Tenant
) -> None:
    r = await client.post(
        "/api/v1/messages",
        json={
            "channel_id": str(mail.channel.id),
            "to": "ann@customer.example",
            "text": "hi",
            "subject": "Hello",
        },
        headers=mail.auth,
    )
    assert r.status_code == 202, r.text


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Ann\r\nBcc: x", "email": "ann@customer.example"},
        {"name": "Ann", "email": "ann@customer.example,bob@customer.example"},
        {"name": "Ann", "email": "ann@customer.example\r\n"},
    ],
)
async def test_contact_names_and_emails_with_crlf_or_lists_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, str]
) -> None:
    r = await client.post("/api/v1/contacts", json=body, headers=tenant.auth)
    assert r.status_code == 400, r.text
    assert await Contact.find(Contact.account_id == tenant.account.id).count() == 0
    ok = await client.post(
        "/api/v1/contacts",
        json={"name": "Ann", "email": "ann@customer.example"},
        headers=tenant.auth,
    )
    assert ok.status_code == 201, ok.text
    r = await client.patch(f"/api/v1/contacts/{ok.json()['id']}", json=body, headers=tenant.auth)
    assert r.status_code == 400, r.text
    kept = await Contact.get(ok.json()["id"])
    assert kept is not None and kept.name == "Ann"


async def test_forms_refuse_crlf_in_a_contact_name_and_a_subject(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    await post_inbound(running.client, tenant, "m1", "+4511111111", "hello", name="Ann")
    contact = await Contact.find_one(Contact.account_id == tenant.account.id)
    assert contact is not None
    csrf = csrf_of((await signed_in.get(f"/inbox/contacts/{contact.id}")).text)
    bad = await signed_in.post(
        f"/inbox/contacts/{contact.id}", data={"csrf": csrf, "name": "Ann\r\nX-Evil: 1"}
    )
    assert bad.status_code == 400, bad.text
    bad = await signed_in.post(
        f"/inbox/contacts/{contact.id}",
        data={"csrf": csrf, "name": "Ann", "email": "a@x.example, b@y.example"},
    )
    assert bad.status_code == 400, bad.text
    kept = await Contact.get(contact.id)
    assert (
        kept is not None
        and kept.name == "Ann"
        and not any(k.startswith("email:") for k in kept.addresses)
    )

    conversation = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conversation is not None
    before = await Message.find(Message.conversation_id == conversation.id).count()
    r = await signed_in.post(
        f"/inbox/c/{conversation.id}/reply",
        data={"kind": "reply", "text": "x", "subject": "Hi\r\nBcc: all@victim.example"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert r.status_code in (400, 422), r.text
    assert await Message.find(Message.conversation_id == conversation.id).count() == before


async def test_a_stored_bad_address_fails_once_without_retries(
    running: Running, mail: Tenant
) -> None:
    """Data stored before these checks: the send fails for good, it is not retried forever."""
    from hub.contract import Address
    from hub.models import Sender
    from hub.pipeline import ingest, outbox
    from tests.email.conftest import eventually

    channel = await running.hub.channels.resolve(mail.channel.id)
    assert channel is not None
    bad = Address(kind="email", value="ann@customer.example\r\nBcc: x@victim.example")
    conversation, _ = await ingest.open_conversation(running.hub, channel, bad)
    reply = await outbox.enqueue(running.hub, conversation, text="hi", sender=Sender(type="agent"))

    async def settled() -> Message | None:
        found = await Message.get(reply.id)
        return found if found is not None and found.delivery == "failed" else None

    failed = await eventually(settled)
    assert failed.error is not None and failed.error.code == "invalid_header"
    assert failed.attempts == 1


async def test_user_team_and_channel_names_with_crlf_are_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    bad = "Ann\r\nX-Evil: 1"
    r = await client.post(
        "/api/v1/users",
        json={"email": "ann@acme.test", "password": "password1", "name": bad},
        headers=tenant.auth,
    )
    assert r.status_code == 400, r.text
    r = await client.post("/api/v1/teams", json={"name": "Desk\nX"}, headers=tenant.auth)
    assert r.status_code == 400, r.text
    r = await client.patch(
        f"/api/v1/channels/{tenant.channel.id}", json={"name": "Line\r\n"}, headers=tenant.auth
    )
    assert r.status_code in (200, 400), r.text  # a trailing break is trimmed, or refused
    r = await client.patch(
        f"/api/v1/channels/{tenant.channel.id}", json={"name": "Li\r\nne"}, headers=tenant.auth
    )
    assert r.status_code == 400, r.text
    with pytest.raises(InvalidInput):
        await accounts.create_user(tenant.account, "bob@acme.test", "password1", "agent", bad)
    with pytest.raises(InvalidInput):
        await accounts.create_user(tenant.account, "b\r\nob@acme.test", "password1", "agent")
