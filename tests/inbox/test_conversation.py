"""The conversation view and composer: safe rendering, media, replies through the outbox,
readable refusals, notes, attachments, templates outside the window, subject and cc, retry,
canned answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import httpx
import pytest

from hub.contract import DELIVERY_RANK, Attachment, now
from hub.models import CannedResponse, Conversation, Message, Sender, SendError
from tests.conftest import Running, Tenant, make_tenant
from tests.inbox.conftest import csrf_of, post_inbound

HX = {"HX-Request": "true"}


async def _conversation(running: Running, tenant: Tenant, text: str = "Hello") -> Conversation:
    await post_inbound(running.client, tenant, "in-1", "+4511111111", text, "Ann")
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None
    return conv


async def _token(client: httpx.AsyncClient) -> dict[str, str]:
    return {**HX, "X-CSRF-Token": csrf_of((await client.get("/inbox")).text)}


async def _wait_delivery(message_id: Any, state: str) -> Message:
    for _ in range(200):
        found = await Message.get(message_id)
        if found is not None and found.delivery == state:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"message never reached {state}")


async def test_thread_renders_safely(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv = await _conversation(running, tenant, "<script>alert(1)</script> & hi")
    assert tenant.account.id is not None and conv.id is not None
    inline = await running.hub.media.put(
        tenant.account.id, b"\x89PNG", "logo.png", "image/png", "logo1"
    )
    await Message(
        account_id=tenant.account.id, conversation_id=conv.id, channel_id=tenant.channel.id,  # type: ignore[arg-type]
        direction="in", sender=Sender(type="contact"), delivery="received", subject="Re: <i>x</i>",
        html='<p onclick="x()">Hi</p><script>bad()</script><img src="cid:logo1"><img src="https://t.example/p.gif">'
        '<a href="javascript:bad()">j</a>',
        attachments=[Attachment(id=inline.id, filename="logo.png", content_type="image/png", content_id="<logo1>")],
        metadata={"quoted_text": "> old words"},
    ).insert()  # fmt: skip
    page = await signed_in.get(f"/inbox/c/{conv.id}")
    assert page.status_code == 200
    text = page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; hi" in text
    assert "<script>" not in text.split("</head>")[1]
    assert "onclick" not in text and "javascript:" not in text and "t.example" not in text
    assert f'<img src="/inbox/media/{inline.id}">' in text
    assert "Re: &lt;i&gt;x&lt;/i&gt;" in text
    assert "<summary>Show quoted text</summary><pre>&gt; old words</pre>" in text
    assert (await Conversation.get(conv.id)).unread == 0  # type: ignore[union-attr]


async def test_media_route(running: Running, tenant: Tenant, signed_in: httpx.AsyncClient) -> None:
    assert tenant.account.id is not None
    image = await running.hub.media.put(tenant.account.id, b"\x89PNG", "a.png", "image/png")
    page = await running.hub.media.put(
        tenant.account.id, b"<script>x</script>", "a.html", "text/html"
    )
    r = await signed_in.get(f"/inbox/media/{image.id}")
    assert (
        r.status_code == 200
        and r.content == b"\x89PNG"
        and r.headers["content-type"] == "image/png"
    )
    r = await signed_in.get(f"/inbox/media/{page.id}")
    assert r.headers["content-disposition"] == "attachment"
    assert r.headers["content-type"] == "application/octet-stream"
    assert "sandbox" in r.headers["content-security-policy"]
    assert (await signed_in.get("/inbox/media/nonsense")).status_code == 404


async def test_reply_goes_through_the_outbox(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient, httpx_mock: Any
) -> None:
    httpx_mock.add_response(url="https://provider.test/send", json={"sid": "P1"})
    conv = await _conversation(running, tenant)
    r = await signed_in.post(
        f"/inbox/c/{conv.id}/reply", data={"kind": "reply", "text": "On its way"},
        headers={**await _token(signed_in), "HX-Target": "composer"},
    )  # fmt: skip
    assert r.status_code == 200 and r.headers["hx-trigger"] == "thread-changed"
    assert r.text.lstrip().startswith('<form id="composer"')
    out = await Message.find_one(Message.direction == "out")
    assert out is not None and out.sender.type == "agent" and out.sender.name == "Agnes Agent"
    sent = await _wait_delivery(out.id, "sent")
    assert sent.provider_message_id == "P1"
    view = await signed_in.get(f"/inbox/c/{conv.id}", headers={**HX, "HX-Target": "messages"})
    assert "On its way" in view.text and "Sent" in view.text and "<html" not in view.text


async def test_refusals_are_readable_and_keep_the_text(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    conv = await _conversation(running, tenant)
    h = await _token(signed_in)
    long = "x" * 1001
    r = await signed_in.post(
        f"/inbox/c/{conv.id}/reply", data={"kind": "reply", "text": long}, headers=h
    )
    assert r.status_code == 422 and "at most 1000 characters" in r.text and long in r.text
    r = await signed_in.post(
        f"/inbox/c/{conv.id}/reply", data={"kind": "reply", "text": " "}, headers=h
    )
    assert r.status_code == 422 and "needs text" in r.text
    assert await Message.find(Message.direction == "out").count() == 0


async def test_private_note_and_attachment(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient, httpx_mock: Any
) -> None:
    httpx_mock.add_response(url="https://provider.test/send", json={"sid": "P2"})
    conv = await _conversation(running, tenant)
    h = await _token(signed_in)
    note = await signed_in.post(
        f"/inbox/c/{conv.id}/reply", data={"kind": "note", "text": "VIP, be nice"}, headers=h
    )
    assert note.status_code == 200
    stored = await Message.find_one(Message.private == True)  # noqa: E712
    assert stored is not None and stored.outbox_due is None and stored.text == "VIP, be nice"
    r = await signed_in.post(
        f"/inbox/c/{conv.id}/reply", data={"kind": "reply", "text": "See attached"},
        files={"files": ("invoice.pdf", b"%PDF-1.4 test", "application/pdf")}, headers=h,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    out = await Message.find_one(Message.private == False, Message.direction == "out")  # noqa: E712
    assert out is not None and [a.filename for a in out.attachments] == ["invoice.pdf"]
    data, kind = await running.hub.media.get(tenant.account.id, out.attachments[0].id)  # type: ignore[arg-type]
    assert data == b"%PDF-1.4 test" and kind == "application/pdf"
    await _wait_delivery(out.id, "sent")


async def test_retry_requeues_a_failed_message(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient, httpx_mock: Any
) -> None:
    httpx_mock.add_response(url="https://provider.test/send", json={"sid": "P9"})
    conv = await _conversation(running, tenant)
    failed = Message(
        account_id=tenant.account.id, conversation_id=conv.id, channel_id=tenant.channel.id,  # type: ignore[arg-type]
        direction="out", text="try again", sender=Sender(type="agent"), delivery="failed",
        delivery_rank=DELIVERY_RANK["failed"], attempts=8,
        error=SendError(code="30003", message="Unreachable destination handset"),
    )  # fmt: skip
    await failed.insert()
    view = await signed_in.get(f"/inbox/c/{conv.id}")
    assert (
        "Unreachable destination handset" in view.text
        and "(30003)" in view.text
        and "Retry" in view.text
    )
    r = await signed_in.post(
        f"/inbox/c/{conv.id}/m/{failed.id}/retry", headers=await _token(signed_in)
    )
    assert r.status_code == 204 and r.headers["hx-trigger"] == "thread-changed"
    sent = await _wait_delivery(failed.id, "sent")
    assert sent.error is None and sent.provider_message_id == "P9"
    again = await signed_in.post(
        f"/inbox/c/{conv.id}/m/{failed.id}/retry", headers=await _token(signed_in)
    )
    assert again.status_code == 204
    assert (await Message.get(failed.id)).delivery == "sent"  # type: ignore[union-attr]  # only failed ones move


async def test_window_and_templates(
    running: Running, signed_in: httpx.AsyncClient, tenant: Tenant
) -> None:
    templates = [{"name": "order_update", "language": "en", "body": "Your order {{1}} is ready"}]
    wa = await make_tenant(
        running.hub, "Acme WA", channel_type="test_window", config={"templates": templates}
    )
    # the same account as the signed-in agent: move the channel over
    await wa.channel.set({"account_id": tenant.account.id})
    await post_inbound(running.client, wa, "wa-1", "+4533333333", "hej", "Otto")
    conv = await Conversation.find_one(Conversation.channel_id == wa.channel.id)
    assert conv is not None
    old = now() - dt.timedelta(hours=30)
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conv.id}, {"$set": {"last_inbound_at": old}}
    )
    page = await signed_in.get(f"/inbox/c/{conv.id}")
    assert "free text cannot be sent" in page.text and "Your order {{1}} is ready" in page.text
    # An empty composer says nothing about segments (the words block carries the sentence).
    assert not re.search(r'id="segments"[^>]*>[^<]', page.text)
    h = await _token(signed_in)
    r = await signed_in.post(
        f"/inbox/c/{conv.id}/reply", data={"kind": "reply", "text": "hello?"}, headers=h
    )
    assert r.status_code == 422 and "more than 24 hours ago" in r.text
    r = await signed_in.post(
        f"/inbox/c/{conv.id}/reply",
        data={"kind": "reply", "text": "", "template": "order_update", "variables": "1=A-42"}, headers=h,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    out = await Message.find_one(Message.conversation_id == conv.id, Message.direction == "out")
    assert out is not None and out.template == {
        "name": "order_update",
        "language": "en",
        "variables": {"1": "A-42"},
    }
    r = await signed_in.post(
        f"/inbox/c/{conv.id}/reply", data={"kind": "reply", "template": "made_up"}, headers=h
    )
    assert r.status_code == 422 and "not configured" in r.text


async def test_email_subject_and_cc(
    running: Running, signed_in: httpx.AsyncClient, tenant: Tenant
) -> None:
    mail = await make_tenant(running.hub, "Acme Mail", channel_type="test_mail")
    await mail.channel.set({"account_id": tenant.account.id})
    await post_inbound(running.client, mail, "mail-1", "+4544444444", "body", "Eve")
    conv = await Conversation.find_one(Conversation.channel_id == mail.channel.id)
    assert conv is not None
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conv.id}, {"$set": {"subject": "Invoice 7"}}
    )
    page = await signed_in.get(f"/inbox/c/{conv.id}")
    assert 'name="subject" value="Re: Invoice 7"' in page.text and 'name="cc"' in page.text
    h = await _token(signed_in)
    bad = await signed_in.post(
        f"/inbox/c/{conv.id}/reply",
        data={"kind": "reply", "text": "x", "cc": "not-an-address"},
        headers=h,
    )
    assert bad.status_code == 422 and "Not an email address: not-an-address" in bad.text
    ok = await signed_in.post(
        f"/inbox/c/{conv.id}/reply",
        data={"kind": "reply", "text": "Paid", "subject": "Re: Invoice 7", "cc": "a@x.example; b@y.example"},
        headers=h,
    )  # fmt: skip
    assert ok.status_code == 200
    out = await Message.find_one(Message.conversation_id == conv.id, Message.direction == "out")
    assert out is not None and out.subject == "Re: Invoice 7"
    assert out.metadata["cc"] == ["a@x.example", "b@y.example"]


@pytest.mark.parametrize(
    ("typed", "expected"), [("Hi /hou", ["hours"]), ("/h", ["holiday", "hours"]), ("no slash", [])]
)
async def test_canned_suggestions(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient, typed: str, expected: list[str]
) -> None:
    for shortcut in ("hours", "holiday", "refund"):
        await CannedResponse(
            account_id=tenant.account.id, shortcut=shortcut, text=f"Text of {shortcut}"
        ).insert()  # type: ignore[arg-type]
    r = await signed_in.get("/inbox/canned/suggest", params={"text": typed}, headers=HX)
    assert r.status_code == 200
    assert [s for s in ("holiday", "hours", "refund") if f"/{s}</code>" in r.text] == expected
